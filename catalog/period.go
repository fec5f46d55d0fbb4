package catalog

import (
	"strings"
	"time"
)

// Period is a preset window reaching back from now. The delivery log can be
// filtered by one, and "Resend failed" redelivers the failed messages created
// in one; no other window is accepted, so a press never reaches further back
// than the user could see.
type Period struct {
	Value    string // in URLs and forms: "24h"
	Label    string // "Last 24 hours"
	Duration time.Duration
}

// The presets named elsewhere: PeriodDay is what "Resend failed" offers
// first, and the endpoint page sums up PeriodDay and PeriodWeek.
var (
	PeriodDay  = Period{"24h", "Last 24 hours", 24 * time.Hour}
	PeriodWeek = Period{"7d", "Last 7 days", 7 * 24 * time.Hour}
)

// Periods are the presets, shortest first.
var Periods = []Period{
	{"1h", "Last hour", time.Hour},
	PeriodDay,
	PeriodWeek,
	{"30d", "Last 30 days", 30 * 24 * time.Hour},
}

func (p Period) value() string { return p.Value }

// LookupPeriod finds a preset by its value.
func LookupPeriod(v string) (Period, bool) { return lookup(Periods, v) }

// PeriodValues names the presets' values for a message: "1h, 24h, 7d or 30d".
func PeriodValues() string { return orList(Values(Periods)) }

// PeriodLabels names the presets as the page shows them, for a message:
// "last hour, last 24 hours, last 7 days or last 30 days".
func PeriodLabels() string {
	ls := make([]string, len(Periods))
	for i, p := range Periods {
		ls[i] = strings.ToLower(p.Label)
	}
	return orList(ls)
}

// choice is one of a fixed list of values a form or a URL may carry.
type choice interface{ value() string }

// lookup finds the choice whose value is v.
func lookup[T choice](choices []T, v string) (T, bool) {
	for _, c := range choices {
		if c.value() == v {
			return c, true
		}
	}
	var none T
	return none, false
}

// Values lists the choices' values, in order: the periods', the status
// classes', the scopes', the event types' or the message states' names.
func Values[T choice](choices []T) []string {
	vs := make([]string, len(choices))
	for i, c := range choices {
		vs[i] = c.value()
	}
	return vs
}

// orList joins choices the way a sentence lists them: "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
