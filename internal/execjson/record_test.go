package execjson

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// record is the producer behaviour "record", for command lines that start
// several producers, such as a cmd.exe line with a producer started in the
// background: it appends its pid to $PIDFILE, then runs its arguments as
// steps in order:
//   - await N: waits until $PIDFILE holds N pids (the other producers of
//     the line have started), for at most proctest.Grace;
//   - hang: sleeps for an hour;
//   - drip: prints "{" and sleeps for 100ms;
//   - print: prints {"ok":1};
//   - exit N: exits with status N.
func record(steps []string) {
	f, err := os.OpenFile(os.Getenv("PIDFILE"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pid file:", err)
		os.Exit(2)
	}
	for i := 0; i < len(steps); i++ {
		switch steps[i] {
		case "await":
			i++
			n, _ := strconv.Atoi(steps[i])
			deadline := time.Now().Add(proctest.Grace)
			for len(pidsIn(os.Getenv("PIDFILE"))) < n && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		case "hang":
			time.Sleep(time.Hour)
		case "drip":
			fmt.Print("{")
			time.Sleep(100 * time.Millisecond)
		case "print":
			fmt.Println(`{"ok":1}`)
		case "exit":
			i++
			n, _ := strconv.Atoi(steps[i])
			os.Exit(n)
		default:
			fmt.Fprintln(os.Stderr, "unknown step", steps[i])
			os.Exit(99)
		}
	}
}

// pidsIn returns the whole pids on the lines of path.
func pidsIn(path string) []int {
	b, _ := os.ReadFile(path)
	var pids []int
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasSuffix(line, "\n") {
			break // being written
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// recordedGone fails t unless path holds n pids or more, recorded by
// producers of the "record" behaviour, and every one of them has ended.
func recordedGone(t *testing.T, path string, n int) {
	t.Helper()
	pids := proctest.ReadPIDs(t, path)
	if len(pids) < n {
		t.Fatalf("%d pids recorded in %s; want at least %d", len(pids), path, n)
	}
	for _, pid := range pids {
		proctest.ProcessGone(t, pid)
	}
}
