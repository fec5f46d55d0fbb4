package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// row is one line of the report; rows are listed in phase order, whatever
// order the phases ran in.
type row struct {
	phase               int
	name, result, ratio string
	// perSecond, when set, is compared with the baseline at report time
	// (the drain phase runs before the baseline).
	perSecond float64
}

// phaseRank is the report's order of the phases.
func phaseRank(phase string) int {
	return slices.Index([]string{"idle", "baseline", "light", "throughput", "queue", "drain", "retry", "isolation", "summary"}, phase)
}

// addRate adds a row whose result is a rate to compare with the baseline.
func (b *bench) addRate(name, result string, perSecond float64) {
	b.rows = append(b.rows, row{phase: phaseRank(b.phase), name: name, result: result, perSecond: perSecond})
	b.log.Info("result", "measure", name, "result", result)
}

func (b *bench) add(name, result, ratio string) {
	b.rows = append(b.rows, row{phase: phaseRank(b.phase), name: name, result: result, ratio: ratio})
	b.log.Info("result", "measure", name, "result", result, "vs_baseline", ratio)
}

func ratio(v, base float64) string {
	if base <= 0 {
		return ""
	}
	r := v / base
	switch {
	case r < 1:
		return fmt.Sprintf("%.3f (1/%.0f)", r, 1/r)
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	default:
		return fmt.Sprintf("%.1f×", r)
	}
}

func latencyRatio(d dist, base *baselineResult) string {
	if base == nil || len(d) == 0 {
		return ""
	}
	if d.pct(0.5) <= 0 {
		// The server sent the attempt before the harness had read its 202.
		return "p50 before the 202 was read"
	}
	return fmt.Sprintf("p50 %s the bare round trip", ratio(float64(d.pct(0.5)), float64(base.rtt.pct(0.5))))
}

// report prints the Markdown table, and writes it to -out.
func (b *bench) report() error {
	var sb strings.Builder
	mode := "server process " + b.opts.server
	if b.opts.inProcess {
		mode = "in-process server (-inprocess)"
	}
	if b.opts.postgres != "" {
		mode = fmt.Sprintf("%d × %s on Postgres (server CPU = the app processes + every Postgres process)", b.opts.instances, mode)
	} else {
		mode += " on SQLite"
	}
	fmt.Fprintf(&sb, "## loadbench %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&sb, "%s; %s, GOMAXPROCS %d, %d CPUs (harness, receiver and server share them)", mode, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	if len(b.opts.env) > 0 {
		fmt.Fprintf(&sb, "; server env %s", strings.Join(b.opts.env, " "))
	}
	sb.WriteString("\n\n| measurement | result | vs baseline |\n|---|---|---|\n")
	slices.SortStableFunc(b.rows, func(x, y row) int { return x.phase - y.phase })
	for _, r := range b.rows {
		if r.ratio == "" && r.perSecond > 0 {
			r.ratio = ratio(r.perSecond, b.baselineRate)
		}
		fmt.Fprintf(&sb, "| %s | %s | %s |\n", r.name, r.result, r.ratio)
	}
	fmt.Fprintf(&sb, "\nCommand: `go run ./cmd/loadbench %s`\n", strings.Join(os.Args[1:], " "))
	fmt.Print(sb.String())
	if b.opts.out != "" {
		if err := os.MkdirAll(filepath.Dir(b.opts.out), 0o755); err != nil {
			return fmt.Errorf("report dir: %w", err)
		}
		if err := os.WriteFile(b.opts.out, []byte(sb.String()), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}
