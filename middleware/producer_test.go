package middleware_test

import (
	"fmt"
	"os"
)

// producerEnv makes the test binary a credential_process producer that
// mints key n on its n-th run, counting its runs in the file the variable
// names (os/exec's helper-process pattern): the example's producer is then
// the same Go program on every system. It is read in init, before any
// test runs.
const producerEnv = "MIDDLEWARE_TEST_PRODUCER"

func init() {
	runs := os.Getenv(producerEnv)
	if runs == "" {
		return
	}
	b, _ := os.ReadFile(runs) // no file yet: the first run
	n := len(b) + 1
	if err := os.WriteFile(runs, append(b, '.'), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "producer:", err)
		os.Exit(1)
	}
	fmt.Printf(`{"Version":1,"AccessKeyId":"AKIDEXAMPLE%d","SecretAccessKey":"secret%d","SessionToken":"token%d"}`+"\n", n, n, n)
	os.Exit(0)
}

// mintingProducer returns the command and the environment of a producer
// that mints key n on its n-th run, and a function that removes its state.
func mintingProducer() (command []string, env []string, remove func()) {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	f, err := os.CreateTemp("", "producer-runs")
	if err != nil {
		panic(err)
	}
	f.Close()
	// The runs file starts empty; os.Remove, unlike os.RemoveAll, works
	// under Wine 8.0. A race-enabled producer otherwise sleeps a second
	// before it exits.
	return []string{exe}, append(os.Environ(), producerEnv+"="+f.Name(), "GORACE=atexit_sleep_ms=0"), func() { os.Remove(f.Name()) }
}
