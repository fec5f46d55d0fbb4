package main

import (
	"context"
	"fmt"
)

// throughputEvent is a unique TEST_STARTED body for the throughput phase:
// with a distinct testRunId while b.distinctRunIDs, so that every message
// goes through the order per test run (and none waits: each run has one
// message), else with an empty one, which is no run at all.
func (b *bench) throughputEvent() []byte {
	n := b.runID.Add(1)
	run := ""
	if b.distinctRunIDs {
		run = fmt.Sprint(n)
	}
	return fmt.Appendf(nil, `{"eventType":"TEST_STARTED","metadata":{"testRunId":%q,"maxUser":"100","duration":"300","watchLive":"https://app.example/live/%d"}}`, run, n)
}

// throughputRuns is the throughput phase; with -distinct-runs it runs three
// times on the same server: without testRunIds, with a distinct one on every
// event, and without again. Each run meets the rows of those before it, which
// slows it down, so the one with testRunIds is compared with the mean of the
// two around it: what ordering per test run costs, drift set aside. With
// -cpuprofile, run n writes its profile to PATH.n.
func (b *bench) throughputRuns(ctx context.Context, base *baselineResult) error {
	if !b.opts.distinctRuns {
		return b.throughput(ctx, base)
	}
	var rates, cpus []float64
	var cpu string
	profile := b.opts.cpuProfile
	defer func() { b.opts.cpuProfile = profile }()
	for i, distinct := range []bool{false, true, false} {
		b.distinctRunIDs = distinct
		if profile != "" {
			b.opts.cpuProfile = fmt.Sprintf("%s.%d", profile, i+1) // one profile per run
		}
		from, cpu0 := len(b.rows), b.cpu()
		if err := b.throughput(ctx, base); err != nil {
			return err
		}
		// CPU per delivery is steadier than throughput on a shared machine.
		used := b.cpu().sub(cpu0)
		cpu = "server CPU"
		if used.inProcess {
			cpu, used.server = "CPU of server and harness", used.harness // one process
		}
		cpus = append(cpus, float64(used.server.Microseconds())/float64(b.opts.events))
		label := fmt.Sprintf("[%d: no testRunId] ", i+1)
		if distinct {
			label = fmt.Sprintf("[%d: a distinct testRunId each] ", i+1)
		}
		rate := 0.0
		for j := from; j < len(b.rows); j++ {
			// The phase's first rate is its end-to-end deliveries per second.
			if rate == 0 && b.rows[j].perSecond > 0 {
				rate = b.rows[j].perSecond
			}
			b.rows[j].name = label + b.rows[j].name
		}
		rates = append(rates, rate)
	}
	without, cpuWithout := (rates[0]+rates[2])/2, (cpus[0]+cpus[2])/2
	b.add("Run 2 (a distinct testRunId on every event) against the mean of runs 1 and 3 (none)",
		fmt.Sprintf("throughput **%.2f×** (%s vs %s deliveries/s); %s per delivery %.2f× (%.0f vs %.0f µs)",
			rates[1]/without, thousands(rates[1]), thousands(without), cpu, cpus[1]/cpuWithout, cpus[1], cpuWithout), "")
	return nil
}
