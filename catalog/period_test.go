package catalog

import (
	"testing"
	"time"
)

func TestLookupPeriod(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
		found bool
	}{
		{"1h", time.Hour, true},
		{"24h", 24 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"1y", 0, false},
		{"", 0, false},
		{"7D", 0, false},
	} {
		p, ok := LookupPeriod(tc.value)
		if ok != tc.found || p.Duration != tc.want {
			t.Errorf("LookupPeriod(%q) = %v, %v; want %v, %v", tc.value, p.Duration, ok, tc.want, tc.found)
		}
	}
}

func TestPeriodsShortestFirst(t *testing.T) {
	for i := 1; i < len(Periods); i++ {
		if Periods[i].Duration <= Periods[i-1].Duration {
			t.Errorf("%s is not longer than %s", Periods[i].Value, Periods[i-1].Value)
		}
	}
}

func TestPeriodMessages(t *testing.T) {
	if got, want := PeriodValues(), "1h, 24h, 7d or 30d"; got != want {
		t.Errorf("PeriodValues() = %q, want %q", got, want)
	}
	if got, want := PeriodLabels(), "last hour, last 24 hours, last 7 days or last 30 days"; got != want {
		t.Errorf("PeriodLabels() = %q, want %q", got, want)
	}
}

func TestOrList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a or b"},
		{[]string{"a", "b", "c"}, "a, b or c"},
	} {
		if got := orList(tc.in); got != tc.want {
			t.Errorf("orList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
