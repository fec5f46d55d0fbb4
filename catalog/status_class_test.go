package catalog

import "testing"

func TestLookupStatusClass(t *testing.T) {
	for _, tc := range []struct {
		value    string
		found    bool
		answered bool
		inside   int // a status inside the class, when answered
		outside  int // one just past it
	}{
		{"2xx", true, true, 204, 300},
		{"3xx", true, true, 301, 400},
		{"4xx", true, true, 410, 500},
		{"5xx", true, true, 503, 600},
		{"none", true, false, 0, 0},
		{"6xx", false, false, 0, 0},
		{"2XX", false, false, 0, 0},
		{"", false, false, 0, 0},
	} {
		c, ok := LookupStatusClass(tc.value)
		if ok != tc.found || c.Answered() != tc.answered {
			t.Errorf("LookupStatusClass(%q) = %+v, %v; want found %v, answered %v", tc.value, c, ok, tc.found, tc.answered)
			continue
		}
		if tc.answered && (tc.inside < c.Min || tc.inside >= c.Max || tc.outside < c.Max) {
			t.Errorf("%s is [%d, %d): %d should be in, %d out", tc.value, c.Min, c.Max, tc.inside, tc.outside)
		}
	}
}

func TestStatusClassValues(t *testing.T) {
	if got, want := StatusClassValues(), "2xx, 3xx, 4xx, 5xx or none"; got != want {
		t.Errorf("StatusClassValues() = %q, want %q", got, want)
	}
}
