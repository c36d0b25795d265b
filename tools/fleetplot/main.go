// Command fleetplot simulates a fleet of hosts refreshing credentials that
// expire at the same moment, under AfterExpired, the Elixir original's
// coin-per-call jitter and credprocess's BeforeExpiredWithJitter, and writes
// the refresh-time histograms as an SVG picture. It prints the figures as
// markdown tables on stdout.
//
// Usage:
//
//	go run ./tools/fleetplot -out docs/refresh-histogram.svg
//
// The simulation is seeded, so two runs print the same figures and draw the
// same picture.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/fleetsim"
)

func main() {
	out := flag.String("out", "docs/refresh-histogram.svg", "write the SVG picture to this `file`; empty writes none")
	hosts := flag.Int("hosts", fleetsim.DefaultHosts, "number of hosts")
	seed := flag.Uint64("seed", fleetsim.DefaultSeed, "random seed")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("fleetplot: ")

	cfg := fleetsim.Config{Hosts: *hosts, Seed: *seed}
	results := fleetsim.Matrix(cfg)
	byKey := map[[2]string]fleetsim.Result{}
	for _, r := range results {
		byKey[[2]string{r.Policy, r.Rate}] = r
	}
	get := func(p fleetsim.Policy, rate fleetsim.Rate) fleetsim.Result {
		return byKey[[2]string{p.Name(), rate.Name}]
	}

	printTables(os.Stdout, cfg, get)

	if *out == "" {
		return
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := writeSVG(f, *hosts, get); err != nil {
		f.Close()
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", *out)
}

func rateLabel(r fleetsim.Rate) string {
	if r.Hi > r.Lo {
		return fmt.Sprintf("mixed (%g–%g, log-uniform)", r.Lo, r.Hi)
	}
	return r.Name
}

func printTables(w io.Writer, cfg fleetsim.Config, get func(fleetsim.Policy, fleetsim.Rate) fleetsim.Result) {
	ours, after := fleetsim.Jitter, fleetsim.AfterExpired
	coin := fleetsim.CoinPerCall{}

	fmt.Fprintf(w, "Peak command runs per second seen by the broker (%d hosts, seed %d):\n\n", cfg.Hosts, cfg.Seed)
	fmt.Fprintf(w, "| calls/s per host | %s | %s | %s | %s ÷ ours | coin ÷ ours |\n", after.Name(), coin.Name(), ours.Name(), after.Name())
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, rate := range fleetsim.Rates() {
		a, c, o := get(after, rate), get(coin, rate), get(ours, rate)
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f× | %.0f× |\n", rateLabel(rate),
			a.Peak, c.Peak, o.Peak, float64(a.Peak)/float64(o.Peak), float64(c.Peak)/float64(o.Peak))
	}

	fmt.Fprintf(w, "\nRefresh moments relative to expiry, and the share of hosts that refreshed at or after it:\n\n")
	fmt.Fprintln(w, "| strategy | calls/s per host | earliest | median | latest | after expiry |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, p := range fleetsim.Policies() {
		for _, rate := range fleetsim.Rates() {
			r := get(p, rate)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2f%% |\n", p.Name(), rateLabel(rate),
				rel(r.Min()), rel(r.Median()), rel(r.Max()), 100*r.AfterExpiryShare())
		}
	}
}

// rel formats an offset from expiry as E−29m55s, E−0.2s or E+44s; the sign
// is that of the unrounded offset, so a refresh just before expiry never
// reads as one after it.
func rel(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "−", -d
	}
	if d < time.Minute {
		return fmt.Sprintf("E%s%.1fs", sign, d.Seconds())
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // "3m0s" → "3m"
	}
	return "E" + sign + s
}
