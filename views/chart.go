package views

import (
	"fmt"
	"strconv"
	"time"
)

// HourCount is one hour's attempts by outcome.
type HourCount struct {
	Hour      time.Time
	Succeeded int
	Failed    int
}

// Chart is a stacked bar chart of attempts per hour. The geometry is worked
// out here, in Go, from numbers only; the template draws it with ordinary
// SVG elements, so no receiver data and no raw HTML ever reach the markup,
// and no chart script is needed.
type Chart struct {
	Width, Height int
	// Plot area: bars stand on Bottom and reach up to Top at the Max value.
	Left, Right, Top, Bottom float64
	Max                      int
	Bars                     []ChartBar
	Ticks                    []ChartTick
	Labels                   []ChartLabel
	// Title names the chart; Summary says in words what it shows, as the
	// text alternative of the picture.
	Title   string
	Summary string
	// Hours are the counts the bars stand for, for the table alternative.
	Hours []HourCount
	Total int
}

// ChartBar is one hour: a green segment of successes under a red one of
// failures.
type ChartBar struct {
	X, Width     float64
	OkY, OkH     float64
	FailY, FailH float64
	// Label is the bar's tooltip and accessible name.
	Label string
	Empty bool
}

// ChartTick is a horizontal grid line with its value.
type ChartTick struct {
	Y     float64
	Label string
}

// ChartLabel is an hour written under the bars.
type ChartLabel struct {
	X     float64
	Label string
}

// Chart size in SVG user units; CSS scales it to the width of the card.
// The margins leave room for the labels at the size a phone needs, where
// the chart is drawn at about half scale and CSS doubles the font size.
const (
	chartWidth  = 720
	chartHeight = 194
	chartLeft   = 48
	chartRight  = 712
	chartTop    = 14
	chartBottom = 158
)

// NewAttemptsChart lays out hours (oldest first) as stacked bars.
func NewAttemptsChart(hours []HourCount) Chart {
	c := Chart{
		Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Right: chartRight, Top: chartTop, Bottom: chartBottom,
		Title: fmt.Sprintf("Attempts per hour, last %d hours (UTC)", len(hours)),
		Hours: hours,
	}
	peak, peakAt, ok, failed := 0, time.Time{}, 0, 0
	for _, h := range hours {
		if n := h.Succeeded + h.Failed; n > peak {
			peak, peakAt = n, h.Hour
		}
		ok += h.Succeeded
		failed += h.Failed
	}
	c.Total = ok + failed
	c.Max = niceCeil(peak)
	c.Summary = chartSummary(len(hours), ok, failed, peak, peakAt)

	height := c.Bottom - c.Top
	for _, v := range []int{0, c.Max / 2, c.Max} {
		if v == 0 && c.Max == 0 {
			continue
		}
		c.Ticks = append(c.Ticks, ChartTick{Y: c.Bottom - height*float64(v)/float64(max(c.Max, 1)), Label: strconv.Itoa(v)})
	}
	if len(hours) == 0 {
		return c
	}
	slot := (c.Right - c.Left) / float64(len(hours))
	gap := slot * 0.2
	for i, h := range hours {
		x := c.Left + slot*float64(i)
		okH := height * float64(h.Succeeded) / float64(max(c.Max, 1))
		failH := height * float64(h.Failed) / float64(max(c.Max, 1))
		c.Bars = append(c.Bars, ChartBar{
			X: x + gap/2, Width: slot - gap,
			OkY: c.Bottom - okH, OkH: okH,
			FailY: c.Bottom - okH - failH, FailH: failH,
			Label: fmt.Sprintf("%s–%s UTC: %d succeeded, %d failed", h.Hour.UTC().Format("15:04"),
				h.Hour.UTC().Add(time.Hour).Format("15:04"), h.Succeeded, h.Failed),
			Empty: h.Succeeded+h.Failed == 0,
		})
		// Every sixth hour is labelled: 24 labels would not fit on a phone.
		if i%6 == 0 {
			c.Labels = append(c.Labels, ChartLabel{X: x + slot/2, Label: h.Hour.UTC().Format("15:04")})
		}
	}
	return c
}

func chartSummary(hours, ok, failed, peak int, peakAt time.Time) string {
	if ok+failed == 0 {
		return fmt.Sprintf("No attempts in the last %d hours.", hours)
	}
	return fmt.Sprintf("%s in the last %d hours: %d succeeded, %d failed. Busiest hour: %s UTC with %d.",
		plural(ok+failed, "attempt"), hours, ok, failed, peakAt.UTC().Format("15:04"), peak)
}

// niceCeil rounds n up to a round, even number (2, 4, 6, 8, 10, 20, 40, …)
// so the axis reads in round numbers and its middle tick is whole.
func niceCeil(n int) int {
	for pow := 1; ; pow *= 10 {
		for _, m := range []int{2, 4, 5, 6, 8, 10} {
			if v := m * pow; v >= n && v%2 == 0 {
				return v
			}
		}
	}
}

// num writes a coordinate for an SVG attribute.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
