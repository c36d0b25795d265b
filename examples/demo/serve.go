package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// The key the endpoint of serve accepts, as the README's producer prints it.
const (
	localKey    = "AKIDLOCALDEMO"
	localSecret = "local-demo-secret"
)

// localBucket is the bucket the endpoint of serve starts with.
const localBucket = "demo"

const serveUsage = `usage: demo serve [--allow-remote] ADDR

Runs only the local AWS endpoint on ADDR, such as 127.0.0.1:4566, and logs
every request it answers. Ctrl-C or kill PID stops it, and so does the exit
of the process that started it (a shell, or go run).

What it answers:
  clients   endpoint http://ADDR (AWS_ENDPOINT_URL, or config.WithBaseEndpoint),
            plain HTTP, region us-east-1 only
  key       access key AKIDLOCALDEMO with secret local-demo-secret, a long-term
            key: requests carry no session token. Other keys are refused, as
            AWS refuses an unknown key, except those its AssumeRole mints.
  signing   SigV4, verified on every request as AWS verifies it
  STS       GetCallerIdentity, AssumeRole
  S3        ListBuckets, CreateBucket, HeadBucket, PutObject, GetObject,
            HeadObject, DeleteObject, and presigned GET and PUT URLs.
            Path-style requests only: the SDK sends them to an endpoint given
            by IP address, such as 127.0.0.1; for a host name such as
            localhost set s3.Options.UsePathStyle. One bucket exists: demo.
  DynamoDB  CreateTable, ListTables, PutItem, GetItem; no table exists
  Any other operation gets the service's error for an unknown operation
  (S3 NotImplemented, STS InvalidAction, DynamoDB UnknownOperationException).
  Everything is kept in memory and lost when the endpoint stops.

Flags:
  --allow-remote  listen on ADDR even if it is not a loopback address
                  (127.0.0.1, ::1, localhost). Off by default: the key and
                  secret above are published, so anyone who can reach ADDR
                  could use the endpoint.
`

// errRemote refuses an address that is not a loopback one.
var errRemote = errors.New("not a loopback address (127.0.0.1, ::1 or localhost), and the endpoint accepts a published key and secret that anyone who can reach it could use; give --allow-remote to listen there anyway")

// serveCommand runs "demo serve" with its arguments and returns the exit
// status: 0 when stopped, 1 when the endpoint could not run, 2 for a usage
// error or a refused address.
func serveCommand(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	allowRemote := fs.Bool("allow-remote", false, "")
	var addrs []string
	for {
		// Flags may come after the address too.
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Print(serveUsage)
				return 0
			}
			fmt.Fprintf(os.Stderr, "demo serve: %v\n\n%s", err, serveUsage)
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		addrs = append(addrs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(addrs) == 1 && isHelp(addrs[0]):
		fmt.Print(serveUsage)
		return 0
	case len(addrs) != 1:
		fmt.Fprintf(os.Stderr, "demo serve: give one address, such as 127.0.0.1:4566\n\n%s", serveUsage)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	err := serve(ctx, addrs[0], *allowRemote)
	switch {
	case errors.Is(err, errRemote):
		fmt.Fprintf(os.Stderr, "demo serve: refusing to listen on %s: %v\n", addrs[0], err)
		return 2
	case err != nil:
		fmt.Fprintln(os.Stderr, "demo serve:", err)
		return 1
	}
	return 0
}

// serve runs the endpoint alone on addr and prints each request it
// answers, until ctx ends or the process that started this one exits.
func serve(ctx context.Context, addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if !allowRemote && !strings.EqualFold(host, "localhost") && !isLoopback(host) {
		return errRemote
	}
	srv, err := awstest.Listen(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	// What "localhost" resolved to, or what an address given with
	// --allow-remote turned out to be.
	u, err := url.Parse(srv.URL())
	if err != nil {
		return err
	}
	remote := !isLoopback(u.Hostname())
	if remote && !allowRemote {
		return errRemote
	}
	srv.Allow(localKey, localSecret, "")
	srv.CreateBucket(localBucket)
	fmt.Printf("endpoint %s (S3, STS, DynamoDB; region %s; verifies SigV4; demo serve --help lists the operations)\n", srv.URL(), awstest.Region)
	fmt.Printf("accepts access key %s with secret %s; bucket %q\n", localKey, localSecret, localBucket)
	if remote {
		fmt.Println("warning: not a loopback address: anyone who can reach it can use this published key")
	}
	fmt.Printf("Ctrl-C or kill %d stops it, as does the exit of the process that started it\n", os.Getpid())

	orphaned := parentExited()
	seen := 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Printf("stopped: %v\n", context.Cause(ctx))
			return nil
		case <-orphaned:
			fmt.Println("stopped: the process that started it exited")
			return nil
		case <-tick.C:
		}
		log := srv.Requests()
		for _, r := range log[seen:] {
			outcome := "ok"
			if r.ErrorCode != "" {
				outcome = fmt.Sprintf("%d %s", r.Status, r.ErrorCode)
			}
			fmt.Printf("%s %s %s signed by %q: %s\n", time.Now().Format(time.TimeOnly), r.Service, r.Operation, r.AccessKeyID, outcome)
		}
		seen = len(log)
	}
}

// isLoopback reports whether host is an IP address of the loopback
// interface (127.0.0.0/8 or ::1).
func isLoopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// parentExited returns a channel that is closed when the process that
// started this one exits. go run, killed, does not pass the signal on to
// the program it runs; without this the endpoint would outlive it and
// keep its port. A process started by init (parent 1) is left alone.
func parentExited() <-chan struct{} {
	done := make(chan struct{})
	ppid := os.Getppid()
	if ppid <= 1 {
		return done
	}
	if runtime.GOOS == "windows" {
		// Windows keeps the parent's id after it exits; wait on its handle.
		p, err := os.FindProcess(ppid)
		if err != nil {
			return done
		}
		go func() {
			p.Wait()
			close(done)
		}()
		return done
	}
	// On Unix an orphan is handed to init or a subreaper.
	go func() {
		for os.Getppid() == ppid {
			time.Sleep(100 * time.Millisecond)
		}
		close(done)
	}()
	return done
}
