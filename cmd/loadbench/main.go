// Command loadbench measures loadhook end to end against a server process on
// 127.0.0.1 with a fresh SQLite (or, with -postgres, Postgres) database, one
// or more instances: a plain HTTP baseline, delivery
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
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/internal/serverproc"
)

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
	if opts.against != "" {
		err = compare(ctx, opts, log)
	} else {
		_, err = runOnce(ctx, opts, log)
	}
	if err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
}

// runOnce runs the phases once, against opts.server, and reports them.
func runOnce(ctx context.Context, opts *options, log *slog.Logger) (outcome, error) {
	b := &bench{opts: opts, log: log}
	var err error
	pprof.Do(ctx, pprof.Labels("side", "harness"), func(ctx context.Context) { err = b.run(ctx) })
	return b.outcome, err
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
	// distinctRunIDs gives each throughput event a testRunId of its own.
	distinctRunIDs bool

	rows         []row
	phase        string  // the phase running, for the report's order
	baselineRate float64 // requests/s of the plain POST loop
	idleCores    float64 // the server's CPU with no traffic, in cores
	// cleanups drop the Postgres databases the run created.
	cleanups []func()
	// outcome is the throughput phase's figures, for -against.
	outcome outcome
}

const benchSecret = "loadbench-secret-0123456789abcdef"

func (b *bench) run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "loadbench-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	b.dir = dir
	if b.opts.keep {
		b.log.Info("keeping temp dir", "dir", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	defer func() {
		for _, drop := range b.cleanups {
			drop()
		}
	}()
	if b.dbPath, err = b.freshDB("bench"); err != nil {
		return err
	}

	b.recv = newReceiver()
	if err := b.recv.start(); err != nil {
		return err
	}
	defer b.recv.stop(context.Background())

	want := b.opts.wants
	if want("queue") {
		b.phase = "queue"
		if err := b.queueAlone(ctx); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
	}
	if want("drain") {
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

	reader, readerDB, err := openDB(b.dbPath)
	if err != nil {
		return fmt.Errorf("open reader: %w", err)
	}
	defer readerDB.Close()
	b.reader = reader
	b.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
	}

	// Idle: started, migrated, queue polling, nothing sent yet.
	time.Sleep(time.Second)
	idle, _ := b.srv.RSS()
	b.rss = newRSSSampler(b.srv)
	defer b.rss.close()

	if want("idle") {
		b.phase = "idle"
		if err := b.idle(ctx); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
	}
	var baseline *baselineResult
	if want("baseline") {
		b.phase = "baseline"
		if baseline, err = b.baseline(ctx); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	if want("light") {
		b.phase = "light"
		if err := b.light(ctx, baseline); err != nil {
			return fmt.Errorf("light load: %w", err)
		}
	}
	var peak int64
	if want("throughput") {
		b.phase = "throughput"
		b.rss.takePeak()
		if err := b.throughputRuns(ctx, baseline); err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		peak = b.rss.takePeak()
	}
	if want("retry") {
		b.phase = "retry"
		if err := b.retries(ctx); err != nil {
			return fmt.Errorf("retries: %w", err)
		}
	}
	if want("isolation") {
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
	switch {
	case b.opts.inProcess:
		srv, err = startInProcess(ctx, dbPath, benchSecret, b.opts.env, logFile)
	case b.opts.postgres != "":
		srv, err = startCluster(ctx, b.opts.server, dbPath, benchSecret, b.opts.env, b.opts.instances, logFile)
	default:
		srv, err = startProcess(ctx, b.opts.server, dbPath, benchSecret, b.opts.env, logFile)
	}
	if err != nil {
		logFile.Close()
		return nil, nil, fmt.Errorf("start server: %w", err)
	}
	return srv, logFile, nil
}
