package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// outcome is what -against compares of one run: its throughput phase
// (the last one, with -distinct-runs) and the baseline beside it.
type outcome struct {
	baseline       float64 // plain-POST requests/s
	rate           float64 // end-to-end deliveries/s
	cpuPerDelivery float64 // µs of server CPU (on Postgres, app and Postgres)
}

// compare runs the phases on -server and on -against in turn, A B A B…,
// -rounds times each, so that a shared machine's drift falls on both alike
// (between identical runs here it has reached 30 %). Each run prints its
// own report; the last table sets the two side by side, with the medians
// and their ratio.
func compare(ctx context.Context, opts *options, log *slog.Logger) error {
	binaries := []string{opts.server, opts.against}
	runs := make([][]outcome, len(binaries))
	for round := range opts.rounds {
		for i, binary := range binaries {
			o := *opts
			o.server, o.against, o.out = binary, "", ""
			log.Info("comparison run", "round", round+1, "server", binary)
			got, err := runOnce(ctx, &o, log)
			if err != nil {
				return fmt.Errorf("round %d on %s: %w", round+1, binary, err)
			}
			runs[i] = append(runs[i], got)
		}
	}
	report := comparison(binaries, runs, strings.Join(os.Args[1:], " "))
	fmt.Print(report)
	if opts.out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(opts.out), 0o755); err != nil {
		return fmt.Errorf("report dir: %w", err)
	}
	return os.WriteFile(opts.out, []byte(report), 0o644)
}

// comparison is the Markdown table of two binaries' runs: every run's
// figures in order, then the medians, then B's median over A's.
func comparison(binaries []string, runs [][]outcome, args string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "## loadbench comparison: A = %s, B = %s, %d runs each, alternately\n\n", binaries[0], binaries[1], len(runs[0]))
	sb.WriteString("| measurement | A | B | B / A |\n|---|---|---|---|\n")
	for _, m := range []struct {
		name string
		of   func(outcome) float64
	}{
		{"plain-POST baseline, req/s", func(o outcome) float64 { return o.baseline }},
		{"end to end, deliveries/s", func(o outcome) float64 { return o.rate }},
		{"server CPU per delivery, µs", func(o outcome) float64 { return o.cpuPerDelivery }},
	} {
		var each [2][]string
		var medians [2]float64
		for i := range runs {
			values := make([]float64, len(runs[i]))
			for j, o := range runs[i] {
				values[j] = m.of(o)
				each[i] = append(each[i], thousands(values[j]))
			}
			medians[i] = median(values)
		}
		fmt.Fprintf(&sb, "| %s, each run | %s | %s | |\n", m.name, strings.Join(each[0], " / "), strings.Join(each[1], " / "))
		ratio := ""
		if medians[0] > 0 {
			ratio = fmt.Sprintf("**%.2f×**", medians[1]/medians[0])
		}
		fmt.Fprintf(&sb, "| %s, median | %s | %s | %s |\n", m.name, thousands(medians[0]), thousands(medians[1]), ratio)
	}
	fmt.Fprintf(&sb, "\nCommand: `go run ./cmd/loadbench %s`\n", args)
	return sb.String()
}

// median of values; the mean of the middle two when there is an even count.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 0 {
		return (s[mid-1] + s[mid]) / 2
	}
	return s[mid]
}
