package main

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"
)

type options struct {
	server       string
	inProcess    bool
	cpuProfile   string
	events       int
	endpoints    int
	concurrency  int
	baselineConc int
	lightEvents  int
	lightRate    int
	retryEvents  int
	hangEvents   int
	healthy      int
	phases       string
	env          []string
	keep         bool
	out          string
	postgres     string
	instances    int
	// distinctRuns runs the throughput phase again with a distinct testRunId on every event.
	distinctRuns bool
	idle         time.Duration
	profilePhase string
	// against is a second server binary, run in turn with server.
	against string
	rounds  int
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "", "loadhook binary to run as the server under test")
	fs.StringVar(&o.against, "against", "", "a second loadhook binary: run the phases on -server and on it in turn, -rounds times each, and end with their throughput and CPU per delivery side by side")
	fs.IntVar(&o.rounds, "rounds", 2, "with -against, how many runs of each binary, alternately")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run the server stack inside this process (for -cpuprofile) instead of -server")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the -profile-phase phase (needs -inprocess); server goroutines are labelled side=server")
	fs.StringVar(&o.profilePhase, "profile-phase", "throughput", "the phase -cpuprofile covers: idle, light, throughput or drain")
	fs.DurationVar(&o.idle, "idle", 60*time.Second, "how long the idle phase watches the server's CPU with no traffic")
	fs.IntVar(&o.events, "events", 20000, "events in the throughput phase (one delivery each)")
	fs.IntVar(&o.endpoints, "endpoints", 20, "users, each with one token and one endpoint, the throughput events round-robin over")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent event API requests")
	fs.IntVar(&o.baselineConc, "baseline-concurrency", 80, "concurrent POSTs of the baseline loop: the server's delivery concurrency (min(workers, endpoints × per-endpoint) = 80 by default)")
	fs.IntVar(&o.lightEvents, "light-events", 1000, "events in the light-load latency phase")
	fs.IntVar(&o.lightRate, "light-rate", 100, "events per second in the light-load phase")
	fs.IntVar(&o.retryEvents, "retry-events", 50, "messages whose receiver fails three times, for retry lateness")
	fs.IntVar(&o.hangEvents, "hang-events", 100, "messages queued for the hanging endpoint in the isolation phase")
	fs.IntVar(&o.healthy, "healthy-events", 20, "messages to the healthy endpoint while the other hangs")
	fs.StringVar(&o.phases, "phases", "idle,baseline,light,throughput,queue,drain,retry,isolation", "phases to run, comma-separated (drain: delivery alone, from a backlog published before a second server starts; queue: River alone, jobs that do nothing, in this process)")
	fs.Func("env", "server setting as KEY=VALUE, e.g. LOADHOOK_WORKERS=200 (repeatable)", func(v string) error {
		if !strings.HasPrefix(v, "LOADHOOK_") || !strings.Contains(v, "=") {
			return errors.New("want LOADHOOK_NAME=value")
		}
		o.env = append(o.env, v)
		return nil
	})
	fs.StringVar(&o.postgres, "postgres", "", "run on a fresh database on this Postgres server (postgres://user@host:port) instead of SQLite; CPU then counts every Postgres process")
	fs.IntVar(&o.instances, "instances", 1, "server processes on the one database (Postgres only for more than one); requests go to them in turn")
	fs.BoolVar(&o.distinctRuns, "distinct-runs", false, "run the throughput phase three times: without testRunIds, with a distinct testRunId on every event (ordered per test run), without again; report the second against the mean of the others")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir (database, server log)")
	fs.StringVar(&o.out, "out", "", "also write the Markdown report to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.server == "" && !o.inProcess {
		return nil, errors.New("-server PATH (a built loadhook binary) or -inprocess is required")
	}
	if o.cpuProfile != "" && !o.inProcess {
		return nil, errors.New("-cpuprofile profiles this process: use it with -inprocess (or profile the server process with perf)")
	}
	if o.instances < 1 || (o.instances > 1 && o.postgres == "") {
		return nil, errors.New("-instances above 1 needs -postgres: a SQLite file belongs to one process")
	}
	if o.inProcess && o.instances > 1 {
		return nil, errors.New("-inprocess runs one server")
	}
	if o.against != "" && (o.inProcess || o.rounds < 1 || !o.wants("throughput")) {
		return nil, errors.New("-against compares two server processes: it needs -server, the throughput phase and -rounds of at least 1, and not -inprocess")
	}
	if o.endpoints < 1 || o.events < 1 || o.concurrency < 1 || o.baselineConc < 1 || o.lightRate < 1 {
		return nil, errors.New("counts and rates must be at least 1")
	}
	return o, nil
}

// wants reports whether -phases lists phase.
func (o *options) wants(phase string) bool {
	for p := range strings.SplitSeq(o.phases, ",") {
		if strings.TrimSpace(p) == phase {
			return true
		}
	}
	return false
}

func envInt(env []string, key string, def int) int {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return def
}
