package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		want   float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(tc.values); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.values, got, tc.want)
		}
	}
}

// TestComparison checks that the table lists every run in order and puts
// B's median over A's, CPU included, so that a lower cost reads below 1.
func TestComparison(t *testing.T) {
	runs := [][]outcome{
		{{baseline: 20000, rate: 800, cpuPerDelivery: 2000}, {baseline: 18000, rate: 700, cpuPerDelivery: 1800}},
		{{baseline: 19000, rate: 900, cpuPerDelivery: 1500}, {baseline: 21000, rate: 1000, cpuPerDelivery: 1700}},
	}
	got := comparison([]string{"old", "new"}, runs, "-server old -against new")
	for _, want := range []string{
		"A = old, B = new, 2 runs each",
		"| end to end, deliveries/s, each run | 800 / 700 | 900 / 1,000 | |",
		"| end to end, deliveries/s, median | 750 | 950 | **1.27×** |",
		"| server CPU per delivery, µs, median | 1,900 | 1,600 | **0.84×** |",
		"`go run ./cmd/loadbench -server old -against new`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("comparison lacks %q:\n%s", want, got)
		}
	}
}

func TestLatencyRatio(t *testing.T) {
	base := &baselineResult{rtt: dist{40 * time.Microsecond}}
	for _, tc := range []struct {
		name string
		d    dist
		want string
	}{
		{"slower than the round trip", dist{400 * time.Microsecond}, "p50 10× the bare round trip"},
		{"faster than the round trip", dist{20 * time.Microsecond}, "p50 0.500 (1/2) the bare round trip"},
		{"before the 202 was read", dist{-50 * time.Microsecond}, "p50 before the 202 was read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := latencyRatio(tc.d, base); got != tc.want {
				t.Errorf("latencyRatio = %q, want %q", got, tc.want)
			}
		})
	}
}
