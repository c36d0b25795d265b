// Command demo runs credprocess end to end with nothing configured: a
// bundled credential_process command that mints short-lived keys, a local
// AWS endpoint that verifies SigV4 signatures, and real SDK clients built by
// config.LoadDefaultConfig with credprocess.WithCredentialProcess.
//
// It prints a timeline — the first run of the command, cached calls, a
// refresh picked by the jitter strategy before expiry, the endpoint revoking
// a key and one replay recovering, then two processes sharing one run of
// the command through a shared directory — and exits non-zero if any step
// does not behave. Interrupted (Ctrl-C, SIGTERM), it removes its temporary
// directories before it exits.
//
//	go run ./examples/demo
//
// With "serve ADDR" it runs only the endpoint, on a loopback address, for
// trying the library from a program of your own: it accepts the long-term
// key AKIDLOCALDEMO with the secret local-demo-secret and logs every
// request until it is interrupted or the process that started it exits.
// "demo serve --help" lists what the endpoint answers.
//
//	go build -o bin/demo ./examples/demo && bin/demo serve 127.0.0.1:4566
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// stopSignals stop the demo and the endpoint: Ctrl-C, kill's default
// signal, and the terminal closing.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

const usage = `usage: demo            run the demo end to end (about 15 seconds)
       demo serve ADDR run only the local AWS endpoint on ADDR (demo serve --help)
       demo --help     print this

The demo runs a bundled credential_process command, a local AWS endpoint that
verifies SigV4 signatures, and real SDK clients, and prints a timeline: the
first run of the command, cached calls, a refresh before expiry, a revoked key
recovered by one replay, and two processes sharing one run. It exits non-zero
if a step misbehaves. Interrupted, it removes its temporary directories.
`

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 0:
		os.Exit(demo())
	case len(args) == 1 && isHelp(args[0]):
		fmt.Print(usage)
	case len(args) == 2 && args[0] == "help" && args[1] == "serve":
		fmt.Print(serveUsage)
	case args[0] == "serve":
		os.Exit(serveCommand(args[1:]))
	// produce and share are the demo's own children, not for users.
	case len(args) == 2 && args[0] == "produce":
		produce(args[1])
	case len(args) == 3 && args[0] == "share":
		if err := share(args[1], args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "demo share:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "demo: unknown arguments %q\n\n%s", args, usage)
		os.Exit(2)
	}
}

// isHelp reports whether arg asks for the usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// shellQuote quotes s for sh -c.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
