package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// producerEnv makes the test binary the producer of check's tests, on
// every system: `PRODUCER MODE [ARGS...]`, with the mode "valid" when no
// argument is given. It is read in init, so that the other tests need no
// TestMain. Every mode that prints credentials uses the planted secret key
// and session token, which no report may contain; expirations are fixed
// around testApp's clock, 2030-01-01T00:00:00Z. The modes:
//   - valid: a note on stderr and a set expiring in 90 minutes;
//   - noexpiry, expired, naive (an Expiration without a time zone),
//     badversion (Version "1"), nosecret, numberkey (AccessKeyId 12345),
//     notjson: the output its name says;
//   - leak: the document on stdout and on stderr, as a wrapper with
//     tracing on prints it;
//   - fail: a hint on stderr, exit 3;
//   - stdin: reads a line from stdin and writes "MFA code: got LINE" to
//     stderr, then a set;
//   - echo-at AT TOTAL STATUS: the secrets, unlabelled, on stderr after AT
//     bytes of padding, padded to TOTAL bytes; a set on stdout; exit STATUS;
//   - echo-escaped: the secrets on stderr, and on stdout a set with its
//     slashes escaped as PHP escapes them; exit 1;
//   - echo-env: the secrets as env lines on stderr, nothing on stdout;
//     exit 1;
//   - slow: sleeps 30 seconds, longer than any timeout the tests set.
const producerEnv = "CHECK_PRODUCER"

func init() {
	if os.Getenv(producerEnv) == "" {
		return
	}
	os.Exit(produce(os.Args[1:]))
}

// produce is the producer's run for args, MODE first.
func produce(args []string) int {
	mode := "valid"
	if len(args) > 0 {
		mode = args[0]
	}
	const expires = `,"Expiration":"2030-01-01T01:30:00Z"`
	creds := func(version, expiration string) string {
		return fmt.Sprintf(`{"Version":%s,"AccessKeyId":"ASIAPRODUCERKEY12345","SecretAccessKey":%q,"SessionToken":%q,"AccountId":"123456789012"%s}`+"\n",
			version, plantedSecret, plantedToken, expiration)
	}
	switch mode {
	case "valid":
		fmt.Fprintln(os.Stderr, "producer: using cached credentials")
		fmt.Print(creds("1", expires))
	case "noexpiry":
		fmt.Print(creds("1", ""))
	case "expired":
		fmt.Print(creds("1", `,"Expiration":"2029-12-31T23:00:00Z"`))
	case "naive":
		fmt.Print(creds("1", `,"Expiration":"2030-01-01T01:30:00"`))
	case "badversion":
		fmt.Print(creds(`"1"`, expires))
	case "nosecret":
		fmt.Printf(`{"Version":1,"AccessKeyId":"ASIAPRODUCERKEY12345","SessionToken":%q}`+"\n", plantedToken)
	case "numberkey":
		fmt.Printf(`{"Version":1,"AccessKeyId":12345,"SecretAccessKey":%q}`+"\n", plantedSecret)
	case "notjson":
		fmt.Println("AccessKeyId=ASIAPRODUCERKEY12345 SecretAccessKey=" + plantedSecret)
	case "leak":
		fmt.Print(creds("1", expires))
		fmt.Fprint(os.Stderr, creds("1", expires))
	case "fail":
		fmt.Fprintln(os.Stderr, "producer: the SSO session has expired; run aws sso login")
		return 3
	case "stdin":
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Fprintln(os.Stderr, "MFA code: got "+strings.TrimSpace(line))
		fmt.Print(creds("1", expires))
	case "echo-at":
		if len(args) != 4 {
			fmt.Fprintln(os.Stderr, "producer: usage: echo-at AT TOTAL STATUS")
			return 2
		}
		at, _ := strconv.Atoi(args[1])
		total, _ := strconv.Atoi(args[2])
		status, _ := strconv.Atoi(args[3])
		line := "debug: " + plantedSecret + " " + plantedToken
		fmt.Fprint(os.Stderr, strings.Repeat(".", at)+line+strings.Repeat(".", max(total-at-len(line), 0)))
		fmt.Print(creds("1", expires))
		return status
	case "echo-escaped":
		fmt.Fprintln(os.Stderr, "debug: "+plantedSecret+" "+plantedToken)
		fmt.Print(strings.ReplaceAll(creds("1", expires), "/", `\/`))
		return 1
	case "echo-env":
		fmt.Fprintf(os.Stderr, "export AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s\n", plantedSecret, plantedToken)
		return 1
	case "slow":
		time.Sleep(30 * time.Second)
	default:
		fmt.Fprintf(os.Stderr, "producer: unknown mode %q\n", mode)
		return 2
	}
	return 0
}

// producer returns the test binary, set up as check's producer (see
// producerEnv) by the environment of the test and of the commands check
// runs.
func producer(t *testing.T) string {
	t.Helper()
	return self(t, producerEnv, "1")
}

// quoted is path as one word of a command line that sh and cmd.exe read
// alike: in double quotes, which a path without quotes, $, ` or % needs
// nothing more in.
func quoted(path string) string { return `"` + path + `"` }
