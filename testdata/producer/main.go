// Command producer is a credential_process command for tests: it prints
// credentials in the specification's format and records each run.
//
//	producer -key AKIDTEST -secret s -token t -life 1h -count /tmp/runs -delay 100ms
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	key := flag.String("key", "AKIDPRODUCER", "access key id")
	secret := flag.String("secret", "producer-secret", "secret access key")
	token := flag.String("token", "producer-token", "session token; empty for none")
	life := flag.Duration("life", time.Hour, "lifetime; 0 for credentials that never expire")
	count := flag.String("count", "", "file to append a line to for each run")
	delay := flag.Duration("delay", 0, "time to take before printing")
	flag.Parse()

	if *count != "" {
		f, err := os.OpenFile(*count, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(f, "run")
		f.Close()
	}
	time.Sleep(*delay)

	out := map[string]any{"Version": 1, "AccessKeyId": *key, "SecretAccessKey": *secret}
	if *token != "" {
		out["SessionToken"] = *token
	}
	if *life > 0 {
		out["Expiration"] = time.Now().Add(*life).Format(time.RFC3339)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
