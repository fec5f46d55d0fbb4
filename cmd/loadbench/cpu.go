package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is the CPU time used so far by the server and by this process.
type cpuSample struct {
	server, harness time.Duration
	// postgres is the database's part of server (0 on SQLite).
	postgres  time.Duration
	machine   time.Duration // every process on the machine
	dbWait    time.Duration
	dbWaits   int64
	inProcess bool
}

func (b *bench) cpu() cpuSample {
	s := cpuSample{machine: machineCPU(), harness: selfCPU()}
	if srv, ok := b.srv.(*inProcServer); ok {
		st := srv.dbStats()
		s.dbWait, s.dbWaits, s.inProcess = st.WaitDuration, st.WaitCount, true
	} else if c, err := b.srv.CPU(); err == nil {
		s.server = c
	}
	if c, ok := b.srv.(*clusterServer); ok {
		s.postgres, _ = c.PostgresCPU()
	}
	return s
}

func (s cpuSample) sub(o cpuSample) cpuSample {
	return cpuSample{server: s.server - o.server, postgres: s.postgres - o.postgres, harness: s.harness - o.harness, machine: s.machine - o.machine,
		dbWait: s.dbWait - o.dbWait, dbWaits: s.dbWaits - o.dbWaits, inProcess: s.inProcess}
}

func (s cpuSample) describe(wall time.Duration, deliveries int) string {
	cores := func(d time.Duration) float64 { return d.Seconds() / wall.Seconds() }
	if s.inProcess {
		return fmt.Sprintf("server + harness %.1f s (%.2f cores); other processes %.2f cores; goroutines queued for the SQLite connection %s times, %.1f waiting on average",
			s.harness.Seconds(), cores(s.harness), cores(max(s.machine-s.harness, 0)), thousands(float64(s.dbWaits)), cores(s.dbWait))
	}
	other := max(s.machine-s.server-s.harness, 0)
	perDelivery := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(deliveries) }
	split := ""
	if s.postgres > 0 {
		split = fmt.Sprintf(": app %.0f + Postgres %.0f", perDelivery(s.server-s.postgres), perDelivery(s.postgres))
	}
	return fmt.Sprintf("server %.1f s (%.2f cores, %.0f µs per delivery%s); harness + receiver %.1f s (%.2f cores); other processes %.2f cores",
		s.server.Seconds(), cores(s.server), perDelivery(s.server), split, s.harness.Seconds(), cores(s.harness), cores(other))
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf is the server's CPU time so far, or 0 when it cannot be told.
func cpuOf(s server) time.Duration {
	c, err := s.CPU()
	if err != nil {
		return 0
	}
	return c
}

// machineCPU is the busy time of all CPUs from /proc/stat, to tell how much
// other processes on the machine took during a phase.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	// user nice system idle iowait irq softirq steal: all but idle, iowait.
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * 10 * time.Millisecond
}
