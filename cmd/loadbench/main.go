// Command loadbench measures loadhook end to end against a server process on
// 127.0.0.1 with a fresh SQLite database: a plain HTTP baseline, delivery
// throughput, API ingest, first-attempt latency, retry lateness, isolation
// from a hanging endpoint, and the server's memory. It prints a Markdown
// table; BENCHMARKS.md holds a run and how to read it.
//
//	go build -o loadhook-bench . && go run ./cmd/loadbench -server ./loadhook-bench
//
// With -inprocess the same stack runs inside the harness instead, so that
// -cpuprofile captures the server's work during the throughput phase.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/internal/serverproc"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
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
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "", "loadhook binary to run as the server under test")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run the server stack inside this process (for -cpuprofile) instead of -server")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the throughput phase (needs -inprocess); server goroutines are labelled side=server")
	fs.IntVar(&o.events, "events", 20000, "events in the throughput phase (one delivery each)")
	fs.IntVar(&o.endpoints, "endpoints", 20, "users, each with one token and one endpoint, the throughput events round-robin over")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent event API requests")
	fs.IntVar(&o.baselineConc, "baseline-concurrency", 80, "concurrent POSTs of the baseline loop: the server's delivery concurrency (min(workers, endpoints × per-endpoint) = 80 by default)")
	fs.IntVar(&o.lightEvents, "light-events", 200, "events in the light-load latency phase")
	fs.IntVar(&o.lightRate, "light-rate", 20, "events per second in the light-load phase")
	fs.IntVar(&o.retryEvents, "retry-events", 50, "messages whose receiver fails three times, for retry lateness")
	fs.IntVar(&o.hangEvents, "hang-events", 100, "messages queued for the hanging endpoint in the isolation phase")
	fs.IntVar(&o.healthy, "healthy-events", 20, "messages to the healthy endpoint while the other hangs")
	fs.StringVar(&o.phases, "phases", "baseline,light,throughput,drain,retry,isolation", "phases to run, comma-separated (drain: delivery alone, from a backlog published before a second server starts)")
	fs.Func("env", "server setting as KEY=VALUE, e.g. LOADHOOK_WORKERS=200 (repeatable)", func(v string) error {
		if !strings.HasPrefix(v, "LOADHOOK_") || !strings.Contains(v, "=") {
			return errors.New("want LOADHOOK_NAME=value")
		}
		o.env = append(o.env, v)
		return nil
	})
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
	if o.endpoints < 1 || o.events < 1 || o.concurrency < 1 || o.baselineConc < 1 || o.lightRate < 1 {
		return nil, errors.New("counts and rates must be at least 1")
	}
	return o, nil
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{opts: opts, log: log}
	pprof.Do(ctx, pprof.Labels("side", "harness"), func(ctx context.Context) { err = b.run(ctx) })
	if err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
}

// bench is one run: the receiver, the server and what was measured.
type bench struct {
	opts *options
	log  *slog.Logger

	dir    string
	dbPath string
	recv   *receiver
	srv    server
	rss    *rssSampler
	reader *gorm.DB // the harness's own connection, to count attempts
	client *http.Client

	tokens     []string // one per throughput endpoint
	retryToken string
	isoToken   string
	runID      atomic.Int64 // makes every event body unique

	rows         []row
	phase        string  // the phase running, for the report's order
	baselineRate float64 // requests/s of the plain POST loop
}

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
	return slices.Index([]string{"baseline", "light", "throughput", "drain", "retry", "isolation", "summary"}, phase)
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

const benchSecret = "loadbench-secret-0123456789abcdef"

func (b *bench) run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "loadbench-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	b.dir, b.dbPath = dir, filepath.Join(dir, "bench.db")
	if b.opts.keep {
		b.log.Info("keeping temp dir", "dir", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	b.recv = newReceiver()
	if err := b.recv.start(); err != nil {
		return err
	}
	defer b.recv.stop(context.Background())

	want := map[string]bool{}
	for p := range strings.SplitSeq(b.opts.phases, ",") {
		want[strings.TrimSpace(p)] = true
	}
	if want["drain"] {
		b.phase = "drain"
		if err := b.drain(ctx); err != nil {
			return fmt.Errorf("drain: %w", err)
		}
	}

	seed, err := b.seed(ctx, b.dbPath)
	if err != nil {
		return err
	}
	b.tokens, b.retryToken, b.isoToken = seed.tokens, seed.retryToken, seed.isoToken
	srv, logFile, err := b.startServer(ctx, b.dbPath, "server.log")
	if err != nil {
		return err
	}
	defer logFile.Close()
	b.srv = srv
	stopped := false
	defer func() {
		if !stopped {
			b.srv.Stop(context.Background())
		}
	}()
	b.log.Info("server up", "url", b.srv.URL(), "receiver", b.recv.URL, "dir", dir)

	b.reader, err = models.Open(b.dbPath)
	if err != nil {
		return fmt.Errorf("open reader: %w", err)
	}
	if sqlDB, err := b.reader.DB(); err == nil {
		defer sqlDB.Close()
	}
	b.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
	}

	// Idle: started, migrated, queue polling, nothing sent yet.
	time.Sleep(time.Second)
	idle, _ := b.srv.RSS()
	b.rss = newRSSSampler(b.srv)
	defer b.rss.close()

	var baseline *baselineResult
	if want["baseline"] {
		b.phase = "baseline"
		if baseline, err = b.baseline(ctx); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	if want["light"] {
		b.phase = "light"
		if err := b.light(ctx, baseline); err != nil {
			return fmt.Errorf("light load: %w", err)
		}
	}
	var peak int64
	if want["throughput"] {
		b.phase = "throughput"
		b.rss.takePeak()
		if err := b.throughput(ctx, baseline); err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		peak = b.rss.takePeak()
	}
	if want["retry"] {
		b.phase = "retry"
		if err := b.retries(ctx); err != nil {
			return fmt.Errorf("retries: %w", err)
		}
	}
	if want["isolation"] {
		b.phase = "isolation"
		if err := b.isolation(ctx); err != nil {
			return fmt.Errorf("isolation: %w", err)
		}
	}
	b.phase = "summary"
	peak = max(peak, b.rss.takePeak())
	b.add("Server resident memory (VmRSS)", fmt.Sprintf("idle %s; peak %s (sampled every 100 ms)", mib(idle), mib(peak)), "")
	if d := b.recv.duplicates(); d > 0 {
		b.add("Duplicate deliveries (same webhook-id twice, no crash)", strconv.Itoa(d), "")
	}

	b.recv.unhang()
	how, err := b.srv.Stop(ctx)
	stopped = true
	if err != nil {
		return err
	}
	b.add("Graceful shutdown after the run", how, "")
	return b.report()
}

// seeded is what seed created.
type seeded struct {
	tokens     []string // one per throughput user
	userIDs    []int64
	retryToken string
	isoToken   string
}

// seed creates the users, tokens and endpoints every phase uses.
func (b *bench) seed(ctx context.Context, dbPath string) (*seeded, error) {
	s, err := serverproc.OpenSeeder(dbPath, benchSecret)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := &seeded{}
	for i := range b.opts.endpoints {
		uid, token, err := s.AddUser(ctx, fmt.Sprintf("bench%d@example.com", i))
		if err != nil {
			return nil, err
		}
		if _, err := s.AddEndpoint(ctx, uid, fmt.Sprintf("%s/ok/ep%d", b.recv.URL, i), "TEST_STARTED"); err != nil {
			return nil, err
		}
		out.tokens = append(out.tokens, token)
		out.userIDs = append(out.userIDs, uid)
	}
	uid, token, err := s.AddUser(ctx, "retry@example.com")
	if err != nil {
		return nil, err
	}
	if _, err := s.AddEndpoint(ctx, uid, b.recv.URL+"/flaky/0", "TEST_STARTED"); err != nil {
		return nil, err
	}
	out.retryToken = token
	uid, token, err = s.AddUser(ctx, "isolation@example.com")
	if err != nil {
		return nil, err
	}
	if _, err := s.AddEndpoint(ctx, uid, b.recv.URL+"/hang/0", "TEST_FAILED"); err != nil {
		return nil, err
	}
	if _, err := s.AddEndpoint(ctx, uid, b.recv.URL+"/ok/healthy", "TEST_FINISH"); err != nil {
		return nil, err
	}
	out.isoToken = token
	return out, nil
}

// startServer runs the server under test on dbPath, logging to logName in
// the temp dir.
func (b *bench) startServer(ctx context.Context, dbPath, logName string) (server, io.Closer, error) {
	logFile, err := openLog(filepath.Join(b.dir, logName))
	if err != nil {
		return nil, nil, err
	}
	var srv server
	if b.opts.inProcess {
		srv, err = startInProcess(ctx, dbPath, benchSecret, b.opts.env, logFile)
	} else {
		srv, err = startProcess(ctx, b.opts.server, dbPath, benchSecret, b.opts.env, logFile)
	}
	if err != nil {
		logFile.Close()
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	return srv, logFile, nil
}

// posted is one accepted event: when its 202 came and what it created.
type posted struct {
	sent, accepted time.Time
	messages       []string
}

// post sends one event and times it.
func (b *bench) post(ctx context.Context, token string, body []byte) (posted, error) {
	sent := time.Now()
	acc, err := serverproc.PostEvent(ctx, b.client, b.srv.URL(), token, body)
	if err != nil {
		return posted{}, err
	}
	p := posted{sent: sent, accepted: time.Now()}
	for _, m := range acc.Messages {
		p.messages = append(p.messages, m.ID)
	}
	return p, nil
}

// postMany sends n events from workers goroutines; body(i) picks the token
// and body of event i.
func (b *bench) postMany(ctx context.Context, n, workers int, body func(i int) (string, []byte)) ([]posted, error) {
	out := make([]posted, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				token, payload := body(i)
				p, err := b.post(ctx, token, payload)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("event %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				out[i] = p
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// paced sends n events at perSecond, each from its own goroutine so a slow
// answer does not delay the next send.
func (b *bench) paced(ctx context.Context, n, perSecond int, body func(i int) (string, []byte)) ([]posted, error) {
	out := make([]posted, n)
	errs := make([]error, n)
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		if i > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wg.Go(func() {
			token, payload := body(i)
			out[i], errs[i] = b.post(ctx, token, payload)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// startedEvent is a unique TEST_STARTED body.
func (b *bench) startedEvent() []byte {
	return serverproc.StartedEvent(int(b.runID.Add(1)))
}

// firstAttemptLatency waits until every message of ps arrived on /ok/ and
// returns, per message, the time from its event's 202 to the arrival.
func (b *bench) firstAttemptLatency(ctx context.Context, ps []posted, timeout time.Duration) (dist, error) {
	deadline := time.Now().Add(timeout)
	var out dist
	for _, p := range ps {
		for _, id := range p.messages {
			for {
				at, ok := b.recv.arrival(id)
				if ok {
					out = append(out, at.Sub(p.accepted))
					break
				}
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("message %s not delivered within %s", id, timeout)
				}
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}
	return out, nil
}

// baselineResult is the plain-HTTP reference the other numbers are compared to.
type baselineResult struct {
	perSecond float64
	rtt       dist // one request at a time: the bare round trip
}

// baseline POSTs the same payload the server sends, with the same headers'
// worth of identity, straight to the same receiver from a keep-alive client.
func (b *bench) baseline(ctx context.Context) (*baselineResult, error) {
	in, reqErr := catalog.ParseEventRequest(b.startedEvent())
	if reqErr != nil {
		return nil, reqErr
	}
	payload, err := catalog.BuildPayload(catalog.DefaultSource, in)
	if err != nil {
		return nil, err
	}
	conc := b.opts.baselineConc
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	send := func(i int) (time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.recv.URL+"/ok/baseline", strings.NewReader(string(payload)))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", "base_"+strconv.Itoa(i))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("receiver answered %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}

	res := &baselineResult{}
	// The bare round trip, one at a time, for the latency comparisons.
	for i := range 500 {
		d, err := send(-1 - i)
		if err != nil {
			return nil, err
		}
		res.rtt = append(res.rtt, d)
	}

	n := b.opts.events
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if _, err := send(i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := failed.Load(); e != nil {
		return nil, *e
	}
	res.perSecond = rate(n, elapsed)
	b.baselineRate = res.perSecond
	b.add(fmt.Sprintf("Baseline: plain Go POST loop → receiver (%d concurrent, keep-alive, %s requests of %d B)", conc, thousands(float64(n)), len(payload)),
		fmt.Sprintf("**%s req/s**; one at a time p50 %s, p99 %s", thousands(res.perSecond), ms(res.rtt.pct(0.5)), ms(res.rtt.pct(0.99))), "1")
	return res, nil
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
	if base == nil {
		return ""
	}
	return fmt.Sprintf("p50 %s the bare round trip", ratio(float64(d.pct(0.5)), float64(base.rtt.pct(0.5))))
}

// light measures first-attempt latency with the server nearly idle.
func (b *bench) light(ctx context.Context, base *baselineResult) error {
	n := b.opts.lightEvents
	ps, err := b.paced(ctx, n, b.opts.lightRate, func(i int) (string, []byte) {
		return b.tokens[i%len(b.tokens)], b.startedEvent()
	})
	if err != nil {
		return err
	}
	lat, err := b.firstAttemptLatency(ctx, ps, 30*time.Second)
	if err != nil {
		return err
	}
	b.add(fmt.Sprintf("First attempt latency, light load (%d events at %d/s; 202 → arrival)", n, b.opts.lightRate),
		fmt.Sprintf("p50 %s, p99 %s, max %s", ms(lat.pct(0.5)), ms(lat.pct(0.99)), ms(lat.max())), latencyRatio(lat, base))
	return nil
}

func (b *bench) countAttempts() (int64, error) {
	if n := countRows(b.reader, "attempts"); n >= 0 {
		return n, nil
	}
	return 0, errors.New("count attempts failed")
}

// throughput sends the events as fast as the API takes them and times until
// every delivery arrived and its attempt is recorded.
func (b *bench) throughput(ctx context.Context, base *baselineResult) error {
	n := b.opts.events
	before, err := b.countAttempts()
	if err != nil {
		return err
	}
	seenBefore := b.recv.okDistinct.Load()
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = b.startedEvent()
	}
	if b.opts.cpuProfile != "" {
		f, err := os.Create(b.opts.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	b.log.Info("throughput phase", "events", n, "endpoints", len(b.tokens), "api_concurrency", b.opts.concurrency)

	cpu0 := b.cpu()
	start := time.Now()
	ps, err := b.postMany(ctx, n, b.opts.concurrency, func(i int) (string, []byte) {
		return b.tokens[i%len(b.tokens)], bodies[i]
	})
	if err != nil {
		return err
	}
	ingest := time.Since(start)

	deadline := time.Now().Add(5 * time.Minute)
	for b.recv.okDistinct.Load()-seenBefore < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d deliveries arrived", b.recv.okDistinct.Load()-seenBefore, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
	arrived := time.Since(start)
	for {
		got, err := b.countAttempts()
		if err != nil {
			return err
		}
		if got-before >= int64(n) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d attempts recorded", got-before, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	total := time.Since(start)
	cpu1 := b.cpu()

	var api dist
	for _, p := range ps {
		api = append(api, p.accepted.Sub(p.sent))
	}
	lat, err := b.firstAttemptLatency(ctx, ps, time.Second)
	if err != nil {
		return err
	}
	perSec := rate(n, total)
	b.addRate(fmt.Sprintf("End-to-end delivery: %s events → %d users' endpoints, API concurrency %d (first POST → all arrived and all attempts recorded)",
		thousands(float64(n)), len(b.tokens), b.opts.concurrency),
		fmt.Sprintf("**%s deliveries/s** (%.2f s; last arrival at %.2f s)", thousands(perSec), total.Seconds(), arrived.Seconds()), perSec)
	b.addRate("API ingest during that run (202 = durably stored)",
		fmt.Sprintf("%s events/s (all %s accepted in %.2f s); 202 latency p50 %s, p99 %s", thousands(rate(n, ingest)), thousands(float64(n)), ingest.Seconds(), ms(api.pct(0.5)), ms(api.pct(0.99))),
		rate(n, ingest))
	b.add("First attempt latency under that load (202 → arrival)",
		fmt.Sprintf("p50 %s, p99 %s, max %s", ms(lat.pct(0.5)), ms(lat.pct(0.99)), ms(lat.max())), latencyRatio(lat, base))
	b.add("CPU used during that run (2 cores = 2 s per second)", cpu1.sub(cpu0).describe(total, n), "")
	return nil
}

// cpuSample is the CPU time used so far by the server and by this process.
type cpuSample struct {
	server, harness time.Duration
	machine         time.Duration // every process on the machine
	dbWait          time.Duration
	dbWaits         int64
	inProcess       bool
}

func (b *bench) cpu() cpuSample {
	s := cpuSample{machine: machineCPU()}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		s.harness = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if srv, ok := b.srv.(*inProcServer); ok {
		st := srv.dbStats()
		s.dbWait, s.dbWaits, s.inProcess = st.WaitDuration, st.WaitCount, true
	} else if c, err := b.srv.CPU(); err == nil {
		s.server = c
	}
	return s
}

func (s cpuSample) sub(o cpuSample) cpuSample {
	return cpuSample{server: s.server - o.server, harness: s.harness - o.harness, machine: s.machine - o.machine,
		dbWait: s.dbWait - o.dbWait, dbWaits: s.dbWaits - o.dbWaits, inProcess: s.inProcess}
}

func (s cpuSample) describe(wall time.Duration, deliveries int) string {
	cores := func(d time.Duration) float64 { return d.Seconds() / wall.Seconds() }
	if s.inProcess {
		return fmt.Sprintf("server + harness %.1f s (%.2f cores); other processes %.2f cores; goroutines queued for the SQLite connection %s times, %.1f waiting on average",
			s.harness.Seconds(), cores(s.harness), cores(max(s.machine-s.harness, 0)), thousands(float64(s.dbWaits)), cores(s.dbWait))
	}
	other := max(s.machine-s.server-s.harness, 0)
	return fmt.Sprintf("server %.1f s (%.2f cores, %.0f µs per delivery); harness + receiver %.1f s (%.2f cores); other processes %.2f cores",
		s.server.Seconds(), cores(s.server), float64(s.server.Microseconds())/float64(deliveries), s.harness.Seconds(), cores(s.harness), cores(other))
}

// retries measures how late attempts 2–4 start against t0 + 1 s, 3 s, 7 s,
// t0 being the first attempt's arrival.
func (b *bench) retries(ctx context.Context) error {
	n := b.opts.retryEvents
	ps, err := b.postMany(ctx, n, 8, func(int) (string, []byte) { return b.retryToken, b.startedEvent() })
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.messages...)
	}
	deadline := time.Now().Add(30 * time.Second)
	var arrivals map[string][]time.Time
	for {
		arrivals = b.recv.flakyArrivals()
		done := 0
		for _, id := range ids {
			if len(arrivals[id]) >= 4 {
				done++
			}
		}
		if done == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d messages reached their 4th attempt in 30 s", done, len(ids))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	due := []time.Duration{time.Second, 3 * time.Second, 7 * time.Second}
	var all dist
	perAttempt := make([]dist, 3)
	for _, id := range ids {
		ts := arrivals[id]
		for k := 1; k <= 3; k++ {
			late := ts[k].Sub(ts[0].Add(due[k-1]))
			all = append(all, late)
			perAttempt[k-1] = append(perAttempt[k-1], late)
		}
	}
	b.add(fmt.Sprintf("Retry lateness (%d messages answered 500, 500, 500, 200; attempts 2–4 vs t0 + 1/3/7 s)", n),
		fmt.Sprintf("p50 %s, p99 %s, max %s (attempt 2/3/4 max: %s / %s / %s)", ms(all.pct(0.5)), ms(all.pct(0.99)), ms(all.max()),
			ms(perAttempt[0].max()), ms(perAttempt[1].max()), ms(perAttempt[2].max())), "")
	if all.min() < 0 {
		b.add("Retry attempts early (should not happen)", ms(all.min()), "")
	}
	return nil
}

// isolation queues messages for an endpoint that never answers, then times
// messages to a healthy endpoint of the same user.
func (b *bench) isolation(ctx context.Context) error {
	if _, err := b.postMany(ctx, b.opts.hangEvents, 8, func(i int) (string, []byte) {
		body, err := serverproc.EventOf("TEST_FAILED", int(b.runID.Add(1)))
		if err != nil {
			panic(err) // a fixed, known event type
		}
		return b.isoToken, body
	}); err != nil {
		return err
	}
	slots := int64(min(envInt(b.opts.env, "LOADHOOK_PER_ENDPOINT", 4), b.opts.hangEvents))
	deadline := time.Now().Add(10 * time.Second)
	for b.recv.hanging.Load() < slots {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d attempts hanging, want %d", b.recv.hanging.Load(), slots)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let the other queued messages of the hanging endpoint churn for a
	// moment (they wait for a free slot) before the healthy ones go out.
	time.Sleep(500 * time.Millisecond)
	ps, err := b.paced(ctx, b.opts.healthy, 10, func(int) (string, []byte) {
		body, err := serverproc.EventOf("TEST_FINISH", int(b.runID.Add(1)))
		if err != nil {
			panic(err)
		}
		return b.isoToken, body
	})
	if err != nil {
		return err
	}
	lat, err := b.firstAttemptLatency(ctx, ps, 15*time.Second)
	if err != nil {
		return err
	}
	b.add(fmt.Sprintf("Isolation: healthy endpoint while another endpoint of the user hangs with %d queued (%d sent at 10/s; 202 → arrival)", b.opts.hangEvents, b.opts.healthy),
		fmt.Sprintf("p50 %s, max %s; %d attempts held by the hanging endpoint", ms(lat.pct(0.5)), ms(lat.max()), b.recv.hanging.Load()), "")
	b.recv.unhang()
	return nil
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

// report prints the Markdown table, and writes it to -out.
func (b *bench) report() error {
	var sb strings.Builder
	mode := "server process " + b.opts.server
	if b.opts.inProcess {
		mode = "in-process server (-inprocess)"
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

// drain measures delivery alone: events for the throughput users are
// published into a fresh database by an engine in this process that never
// starts its queue, then the server starts on that backlog and works it off.
// Comparing with the end-to-end run tells ingest's share of the cost.
func (b *bench) drain(ctx context.Context) error {
	dbPath := filepath.Join(b.dir, "drain.db")
	seed, err := b.seed(ctx, dbPath)
	if err != nil {
		return err
	}
	n := b.opts.events
	ids, err := b.publishBacklog(ctx, dbPath, seed.userIDs, n)
	if err != nil {
		return err
	}
	b.log.Info("drain phase: backlog published, starting the server", "messages", len(ids))

	seenBefore := b.recv.okDistinct.Load()
	srv, logFile, err := b.startServer(ctx, dbPath, "drain.log")
	if err != nil {
		return err
	}
	defer logFile.Close()
	cpu0 := cpuOf(srv)
	reader, err := models.Open(dbPath)
	if err != nil {
		srv.Stop(ctx)
		return fmt.Errorf("open drain reader: %w", err)
	}
	if sqlDB, err := reader.DB(); err == nil {
		defer sqlDB.Close()
	}
	deadline := time.Now().Add(5 * time.Minute)
	for b.recv.okDistinct.Load()-seenBefore < int64(n) || countRows(reader, "attempts") < int64(n) {
		if time.Now().After(deadline) {
			srv.Stop(ctx)
			return fmt.Errorf("backlog not drained in 5 minutes: %d of %d arrived", b.recv.okDistinct.Load()-seenBefore, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := time.Now()
	cpu1 := cpuOf(srv)
	// The server delivers while it is still starting up, so the clock
	// starts at the first arrival rather than at readiness.
	first := done
	for _, id := range ids {
		if at, ok := b.recv.arrival(id); ok && at.Before(first) {
			first = at
		}
	}
	if _, err := srv.Stop(ctx); err != nil {
		return err
	}
	took := done.Sub(first)
	detail := ""
	if cpu1 > 0 {
		detail = fmt.Sprintf("; server CPU %.0f µs per delivery", float64((cpu1-cpu0).Microseconds())/float64(n))
	}
	b.addRate(fmt.Sprintf("Delivery alone: %s-message backlog published before start, %d endpoints (first arrival → all arrived and recorded)", thousands(float64(n)), len(seed.userIDs)),
		fmt.Sprintf("%s deliveries/s (%.2f s%s)", thousands(rate(n, took)), took.Seconds(), detail), rate(n, took))
	return nil
}

// publishBacklog publishes n events round-robin over users through an engine
// whose queue never starts, and returns the message ids.
func (b *bench) publishBacklog(ctx context.Context, dbPath string, users []int64, n int) ([]string, error) {
	db, err := models.Open(dbPath)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("backlog sql handle: %w", err)
	}
	defer sqlDB.Close()
	sealer, err := models.NewSealer([]byte(benchSecret))
	if err != nil {
		return nil, fmt.Errorf("backlog sealer: %w", err)
	}
	policy, err := hostguard.ParseAllowedHosts("loopback")
	if err != nil {
		return nil, fmt.Errorf("backlog policy: %w", err)
	}
	svc, err := webhook.NewService(ctx, models.NewStore(db, sealer), policy, nil, webhook.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("backlog engine: %w", err)
	}
	defer svc.Stop(context.Background())
	in, reqErr := catalog.ParseEventRequest(b.startedEvent())
	if reqErr != nil {
		return nil, reqErr
	}
	ids := make([]string, n)
	var next atomic.Int64
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				pub, err := svc.Publish(ctx, users[i%len(users)], in)
				if err != nil {
					errs <- fmt.Errorf("publish backlog event %d: %w", i, err)
					return
				}
				ids[i] = pub.Messages[0].ID
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return ids, nil
}

func countRows(db *gorm.DB, table string) int64 {
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		return -1
	}
	return n
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
