package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/handlers"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/internal/serverproc"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// server is the system under test: the loadhook binary as a child process,
// or the same stack wired in this process for CPU profiling.
type server interface {
	URL() string
	// RSS is the server's resident memory; errors when it cannot be told
	// apart from the harness's.
	RSS() (int64, error)
	// CPU is the user+system CPU time the server has used; errors likewise.
	CPU() (time.Duration, error)
	// Stop shuts down gracefully and describes how it went.
	Stop(ctx context.Context) (string, error)
}

// procServer is the binary as a child process.
type procServer struct {
	p *serverproc.Process
}

func startProcess(ctx context.Context, binary, dbPath, secret string, env []string, log io.Writer) (*procServer, error) {
	p, err := serverproc.Start(ctx, serverproc.Options{Binary: binary, DB: dbPath, Secret: secret, Env: env, Log: log})
	if err != nil {
		return nil, err
	}
	return &procServer{p: p}, nil
}

func (s *procServer) URL() string                 { return s.p.URL }
func (s *procServer) RSS() (int64, error)         { return s.p.RSS() }
func (s *procServer) CPU() (time.Duration, error) { return s.p.CPU() }

func (s *procServer) Stop(ctx context.Context) (string, error) {
	start := time.Now()
	if err := s.p.Signal(syscall.SIGTERM); err != nil {
		return "", err
	}
	code, err := s.p.Wait(30 * time.Second)
	if err != nil {
		s.p.Kill()
		return "", fmt.Errorf("graceful stop: %w", err)
	}
	return fmt.Sprintf("SIGTERM → exit %d in %s", code, time.Since(start).Round(time.Millisecond)), nil
}

// inProcServer wires models, webhook and handlers as main.go does, so a CPU
// profile of this process shows the server's work. Its goroutines carry
// the profiler label side=server (the harness's side=harness), so
// `go tool pprof -tagfocus side=server` separates the two.
type inProcServer struct {
	url   string
	http  *http.Server
	hooks *webhook.Service
	db    *sql.DB
}

// serverSettings are the LOADHOOK_* values the in-process server honours,
// with the binary's defaults.
type serverSettings struct {
	workers, perEndpoint int
	poll                 time.Duration
	logLevel             string
}

func parseServerEnv(env []string) (serverSettings, error) {
	set := serverSettings{workers: 100, perEndpoint: 4, poll: 20 * time.Millisecond, logLevel: "info"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "LOADHOOK_WORKERS":
			set.workers, err = strconv.Atoi(v)
		case "LOADHOOK_PER_ENDPOINT":
			set.perEndpoint, err = strconv.Atoi(v)
		case "LOADHOOK_POLL_INTERVAL":
			set.poll, err = time.ParseDuration(v)
		case "LOADHOOK_LOG_LEVEL":
			set.logLevel = v
		default:
			return set, fmt.Errorf("-inprocess does not support %s", k)
		}
		if err != nil {
			return set, fmt.Errorf("%s: %w", kv, err)
		}
	}
	return set, nil
}

func startInProcess(ctx context.Context, dbPath, secret string, env []string, logOut io.Writer) (*inProcServer, error) {
	set, err := parseServerEnv(env)
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(set.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", set.logLevel, err)
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	policy, err := hostguard.ParseAllowedHosts("loopback")
	if err != nil {
		return nil, fmt.Errorf("allowed hosts: %w", err)
	}
	db, sqlDB, err := openDB(dbPath)
	if err != nil {
		return nil, err
	}
	if err := models.Migrate(db); err != nil {
		sqlDB.Close()
		return nil, err
	}
	sealer, err := models.NewSealer([]byte(secret))
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sealer: %w", err)
	}
	store := models.NewStore(db, sealer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &inProcServer{url: "http://" + ln.Addr().String(), db: sqlDB}

	pprof.Do(ctx, pprof.Labels("side", "server"), func(ctx context.Context) {
		s.hooks, err = webhook.NewService(ctx, store, policy, nil, webhook.Config{
			BaseURL: s.url, Workers: set.workers, PerEndpoint: set.perEndpoint, PollInterval: set.poll,
			UserAgent: "loadhook/loadbench", Logger: log,
		})
		if err != nil {
			return
		}
		if err = s.hooks.Start(context.WithoutCancel(ctx)); err != nil {
			return
		}
		web := handlers.New(handlers.Config{BaseURL: s.url, SessionKey: make([]byte, 64), Version: "loadbench"}, store, s.hooks, log)
		s.http = &http.Server{Handler: web.Routes(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("in-process server stopped", "err", err)
			}
		}()
	})
	if err != nil {
		ln.Close()
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

func (s *inProcServer) URL() string { return s.url }

func (s *inProcServer) RSS() (int64, error) {
	return 0, errors.New("in-process: the server's memory cannot be told from the harness's")
}

func (s *inProcServer) CPU() (time.Duration, error) {
	return 0, errors.New("in-process: use the CPU profile's side=server label")
}

// dbStats reports how goroutines queued for the server's single SQLite
// connection: the wait time per second of wall time is the average queue.
func (s *inProcServer) dbStats() sql.DBStats { return s.db.Stats() }

func (s *inProcServer) Stop(ctx context.Context) (string, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		return "", fmt.Errorf("http shutdown: %w", err)
	}
	if err := s.hooks.Stop(ctx); err != nil {
		return "", fmt.Errorf("engine stop: %w", err)
	}
	if err := s.db.Close(); err != nil {
		return "", fmt.Errorf("close database: %w", err)
	}
	return fmt.Sprintf("in-process stop in %s", time.Since(start).Round(time.Millisecond)), nil
}

// rssSampler polls the server's memory every 100 ms and keeps the peak.
type rssSampler struct {
	srv  server
	mu   sync.Mutex
	peak int64
	stop chan struct{}
	done chan struct{}
}

func newRSSSampler(srv server) *rssSampler {
	s := &rssSampler{srv: srv, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *rssSampler) run() {
	defer close(s.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		rss, err := s.srv.RSS()
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.peak = max(s.peak, rss)
		s.mu.Unlock()
	}
}

// takePeak returns the peak since the last call and starts a new window.
func (s *rssSampler) takePeak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peak
	s.peak = 0
	return p
}

func (s *rssSampler) close() {
	close(s.stop)
	<-s.done
}

// openDB opens the database at dbPath, with the handle that closes it.
func openDB(dbPath string) (*gorm.DB, *sql.DB, error) {
	db, err := models.Open(dbPath)
	if err != nil {
		return nil, nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("sql handle of %s: %w", dbPath, err)
	}
	return db, sqlDB, nil
}

// openLog creates the server's log file.
func openLog(path string) (io.WriteCloser, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open server log: %w", err)
	}
	return f, nil
}
