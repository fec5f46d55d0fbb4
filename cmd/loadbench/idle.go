package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

// idle measures what the server costs with no traffic at all: the CPU it
// uses over -idle of wall time, right after start (migrated, queue running,
// nothing sent). Whatever wakes up on its own (queue polls, leader
// election, maintenance, tickers) shows here.
func (b *bench) idle(ctx context.Context) error {
	stop, err := b.profile("idle")
	if err != nil {
		return err
	}
	defer stop()
	cpu0 := b.cpu()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(b.opts.idle):
	}
	used := b.cpu().sub(cpu0)
	wall := b.opts.idle
	if used.inProcess {
		// In process the server's CPU cannot be told from the harness's,
		// but the harness does nothing meanwhile.
		b.add(fmt.Sprintf("Idle: no traffic for %s (server + harness, in process)", wall),
			fmt.Sprintf("%.2f %% of a core (%.2f s of CPU)", 100*used.harness.Seconds()/wall.Seconds(), used.harness.Seconds()), "")
		return nil
	}
	b.idleCores = used.server.Seconds() / wall.Seconds()
	b.add(fmt.Sprintf("Idle: no traffic for %s (server process, /proc/<pid>/stat)", wall),
		fmt.Sprintf("**%.2f %% of a core** (%.2f s of CPU); other processes %.2f cores", 100*used.server.Seconds()/wall.Seconds(), used.server.Seconds(),
			max(used.machine-used.server-used.harness, 0).Seconds()/wall.Seconds()), "")
	return nil
}

// profile starts the CPU profile if -cpuprofile asks for this phase, and
// returns what stops it.
func (b *bench) profile(phase string) (stop func(), err error) {
	if b.opts.cpuProfile == "" || b.opts.profilePhase != phase {
		return func() {}, nil
	}
	f, err := os.Create(b.opts.cpuProfile)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
