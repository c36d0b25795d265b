package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/seed-dcc28122/credprocess/internal/fleetsim"
)

// Picture geometry, in SVG user units.
const (
	width   = 960
	height  = 860
	left    = 90  // left edge of both plot areas
	right   = 930 // right edge of both plot areas
	histTop = 150
	histBot = 470
	peakTop = 560
	peakBot = 770

	fromMinute = -35 // histogram range, minutes relative to expiry
	toMinute   = 5

	// Log axes run from logLo (zero counts sit on the axis) to logHi.
	logLo = 0.5
	logHi = 20000
)

type style struct {
	policy fleetsim.Policy
	color  string
	dash   string
}

// Okabe–Ito colours, told apart with dash patterns too.
var styles = []style{
	{fleetsim.AfterExpired, "#D55E00", ""},
	{fleetsim.CoinPerCall{}, "#009E73", "7 4"},
	{fleetsim.Jitter, "#0072B2", ""},
}

type canvas struct {
	w   *bufio.Writer
	err error
}

func (c *canvas) printf(format string, args ...any) {
	if c.err == nil {
		_, c.err = fmt.Fprintf(c.w, format, args...)
	}
}

func (c *canvas) text(x, y float64, size int, anchor, attrs, s string) {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	c.printf(`<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s"%s>%s</text>`+"\n", x, y, size, anchor, attrs, s)
}

func (c *canvas) line(x1, y1, x2, y2 float64, attrs string) {
	c.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`+"\n", x1, y1, x2, y2, attrs)
}

// logY maps a count onto a log axis between top and bot.
func logY(v, top, bot float64) float64 {
	v = max(v, logLo)
	f := (math.Log10(v) - math.Log10(logLo)) / (math.Log10(logHi) - math.Log10(logLo))
	return bot - f*(bot-top)
}

func (c *canvas) logAxis(top, bot float64, label string) {
	for v := 1.0; v <= 10000; v *= 10 {
		y := logY(v, top, bot)
		c.line(left, y, right, y, `stroke="#ddd"`)
		c.text(left-8, y+4, 12, "end", "", fmt.Sprintf("%g", v))
	}
	c.line(left, top, left, bot, `stroke="#333"`)
	c.line(left, bot, right, bot, `stroke="#333"`)
	mid := (top + bot) / 2
	c.printf(`<text transform="translate(28 %.1f) rotate(-90)" font-size="13" text-anchor="middle">%s</text>`+"\n", mid, label)
}

func writeSVG(w io.Writer, hosts int, get func(fleetsim.Policy, fleetsim.Rate) fleetsim.Result) error {
	c := &canvas{w: bufio.NewWriter(w)}
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	c.printf(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	c.text(width/2, 32, 20, "middle", ` font-weight="bold"`,
		fmt.Sprintf("%s hosts, one expiry: when does each run credential_process?", thousands(hosts)))
	c.text(width/2, 56, 13, "middle", ` fill="#444"`,
		"Simulated, seeded; each host calls as a Poisson process and refreshes on a call, as aws.CredentialsCache does.")

	// Legend.
	x := 110.0
	for _, s := range styles {
		c.line(x, 86, x+34, 86, fmt.Sprintf(`stroke="%s" stroke-width="4" stroke-dasharray="%s"`, s.color, s.dash))
		name := s.policy.Name()
		switch s.policy.(type) {
		case fleetsim.CoinPerCall:
			name = "coin per call (Elixir original)"
		case fleetsim.Scheduled:
			if name == fleetsim.Jitter.Name() {
				name += " (credprocess)"
			}
		}
		c.text(x+42, 91, 14, "start", "", name)
		x += 245
	}

	mixed := fleetsim.Rates()[len(fleetsim.Rates())-1]
	histogram(c, mixed, get)
	peaks(c, get)

	c.printf("</svg>\n")
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

func histogram(c *canvas, rate fleetsim.Rate, get func(fleetsim.Policy, fleetsim.Rate) fleetsim.Result) {
	c.text(left, histTop-16, 15, "start", ` font-weight="bold"`,
		fmt.Sprintf("Refreshes per minute, mixed fleet (%g to %g calls/s per host, log-uniform)", rate.Lo, rate.Hi))
	c.logAxis(histTop, histBot, "refreshes per minute (log scale)")

	bins := float64(toMinute - fromMinute)
	xOf := func(minute float64) float64 { return left + (minute-fromMinute)/bins*(right-left) }
	for m := fromMinute; m <= toMinute; m += 5 {
		x := xOf(float64(m))
		c.line(x, histBot, x, histBot+5, `stroke="#333"`)
		label := fmt.Sprintf("E%+d", m)
		if m == 0 {
			label = "E"
		}
		c.text(x, histBot+20, 12, "middle", "", strings.Replace(label, "-", "−", 1))
	}
	c.text((left+right)/2, histBot+42, 13, "middle", "", "minutes relative to expiry E (each bar: one minute)")

	for _, m := range []struct {
		at    float64
		label string
	}{{-30, "jitter window opens (E−30 min)"}, {0, "expiry"}} {
		x := xOf(m.at)
		c.line(x, histTop, x, histBot, `stroke="#555" stroke-dasharray="3 3"`)
		c.text(x+4, histTop+14, 12, "start", ` fill="#555"`, m.label)
	}

	for _, s := range styles {
		counts := get(s.policy, rate).Minutes(fromMinute, toMinute)
		var path strings.Builder
		fmt.Fprintf(&path, "M%.1f %.1f", xOf(fromMinute), float64(histBot))
		for i, n := range counts {
			y := logY(float64(n), histTop, histBot)
			fmt.Fprintf(&path, " V%.1f H%.1f", y, xOf(float64(fromMinute+i+1)))
		}
		fmt.Fprintf(&path, " V%.1f", float64(histBot))
		c.printf(`<path d="%s" fill="%s" fill-opacity="0.12" stroke="%s" stroke-width="2.5" stroke-dasharray="%s" stroke-linejoin="round"/>`+"\n",
			path.String(), s.color, s.color, s.dash)
	}
}

func peaks(c *canvas, get func(fleetsim.Policy, fleetsim.Rate) fleetsim.Result) {
	c.text(left, peakTop-22, 15, "start", ` font-weight="bold"`, "Peak command runs per second the broker sees, by call rate")
	c.logAxis(peakTop, peakBot, "peak runs per second (log)")

	rates := fleetsim.Rates()
	group := float64(right-left) / float64(len(rates))
	const bar = 36.0
	for i, rate := range rates {
		x0 := left + group*float64(i) + (group-bar*float64(len(styles)))/2
		ours := get(fleetsim.Jitter, rate).Peak
		after := get(fleetsim.AfterExpired, rate).Peak
		for j, s := range styles {
			n := get(s.policy, rate).Peak
			x, y := x0+bar*float64(j), logY(float64(n), peakTop, peakBot)
			c.printf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x+3, y, bar-6, peakBot-y, s.color)
			c.text(x+bar/2, y-5, 11, "middle", "", fmt.Sprint(n))
		}
		mid := left + group*(float64(i)+0.5)
		label := rate.Name + " calls/s"
		if rate.Hi > rate.Lo {
			label = fmt.Sprintf("mixed %g–%g", rate.Lo, rate.Hi)
		}
		c.text(mid, peakBot+20, 13, "middle", "", label)
		c.text(mid, peakBot+38, 12, "middle", ` fill="#0072B2"`,
			fmt.Sprintf("%.0f× below AfterExpired", float64(after)/float64(ours)))
	}
	c.text((left+right)/2, peakBot+64, 13, "middle", "", "calls per second per host")
}

// thousands formats n with comma separators: 10000 → "10,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
