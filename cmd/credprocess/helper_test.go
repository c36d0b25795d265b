package main

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// checkHelperEnv makes the test binary a producer for check's tests, read
// in init so that the other tests need no TestMain. Its value is the mode:
//   - "prompt": writes $CHECK_HELPER_PROMPT to stderr and waits, as a
//     producer that asks on the terminal does, until it is killed;
//   - "creds": prints a set with the planted secret and token, the key
//     $CHECK_HELPER_KEY (default ASIAHELPERKEY0000001), expiring at
//     $CHECK_HELPER_EXPIRES (default an hour after the tests' clock).
const checkHelperEnv = "CHECK_HELPER"

func init() {
	switch os.Getenv(checkHelperEnv) {
	case "":
		return
	case "prompt":
		fmt.Fprint(os.Stderr, os.Getenv(checkHelperEnv+"_PROMPT"))
		time.Sleep(time.Minute)
		os.Exit(1)
	case "creds":
		key := os.Getenv(checkHelperEnv + "_KEY")
		if key == "" {
			key = "ASIAHELPERKEY0000001"
		}
		expires := os.Getenv(checkHelperEnv + "_EXPIRES")
		if expires == "" {
			expires = "2030-01-01T01:00:00Z"
		}
		fmt.Printf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expiration":%q}`+"\n",
			key, plantedSecret, plantedToken, expires)
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "no helper mode %q\n", os.Getenv(checkHelperEnv))
		os.Exit(2)
	}
}

// helper returns the test binary, set up as a producer in mode by the
// environment of the test (and of the commands check runs).
func helper(t *testing.T, mode string, env ...string) string {
	t.Helper()
	exe := self(t, checkHelperEnv, mode)
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(checkHelperEnv+"_"+env[i], env[i+1])
	}
	return exe
}

// self returns the test binary, with the environment of the test (and of
// the commands check runs) set to env, given as NAME, value pairs, which
// pick the producer the binary is.
func self(t *testing.T, env ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
	// A race-enabled binary otherwise sleeps a second before it exits.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	return exe
}
