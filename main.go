// Command loadhook serves the webhook settings app and runs the delivery
// engine in the same process; its other commands (cli.go) migrate the
// database, manage users and tokens, and emit events from a shell.
package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/handlers"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/metrics"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(runCLI(os.Args[1:], cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// defaultGCPercent is the garbage collector's target when GOGC is not set,
// in place of Go's 100: the server's live heap is a few MiB, so at 100 it
// collected several times a second under load, and 400 takes about a tenth
// off the CPU per delivery for some MiB of memory (docs/decisions.md).
const defaultGCPercent = 400

// setGCDefault sets defaultGCPercent unless the operator set GOGC, which
// the runtime has already applied; GOMEMLIMIT still caps the heap.
func setGCDefault(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// run serves until ctx ends (SIGINT, SIGTERM), then shuts down gracefully.
func run(ctx context.Context, cfg *Config) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: %w", cfg.LogLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	policy, err := hostguard.ParseAllowedHosts(cfg.AllowedHosts)
	if err != nil {
		return fmt.Errorf("LOADHOOK_ALLOWED_HOSTS: %w", err)
	}
	d, err := openDatabase(cfg)
	if err != nil {
		return err
	}
	defer d.close()

	meters := metrics.New(d.sqlDB, d.store, log)
	var hooks *webhook.Service
	err = d.migrate(ctx, func() error {
		// NewService migrates the queue's tables, then builds the engine.
		hooks, err = webhook.NewService(ctx, d.store, policy, nil, webhook.Config{
			Source: cfg.Source, BaseURL: cfg.BaseURL, Workers: cfg.Workers, PerEndpoint: cfg.PerEndpoint,
			PollInterval: cfg.PollInterval, Retention: cfg.Retention, UserAgent: "loadhook/" + version, Logger: log,
			Metrics: meters, AutoDisableAfter: cfg.AutoDisableAfter, AutoDisableMinMessages: cfg.AutoDisableMinMessages,
		})
		return err
	})
	if err != nil {
		return err
	}
	if err := hooks.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}

	sessionKey, err := hkdf.Key(sha256.New, d.secret, nil, "loadhook session cookies v1", 64)
	if err != nil {
		return fmt.Errorf("derive session key: %w", err)
	}
	web := handlers.New(handlers.Config{
		BaseURL: cfg.BaseURL, SessionKey: sessionKey, Version: version,
		TrustedProxies: cfg.TrustedProxies, Metrics: meters,
	}, d.store, hooks, log)
	// /metrics is on the main listener unless LOADHOOK_METRICS_ADDR gives
	// it one of its own (or "off").
	var onMain http.Handler
	if cfg.MetricsAddr == "" {
		onMain = meters.Handler()
	}
	srv := &http.Server{
		Handler:           withOps(web.Routes(), hooks, onMain, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("loadhook listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "db", cfg.DB, "allowed_hosts", policy.String())

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	if cfg.MetricsAddr != "" && cfg.MetricsAddr != "off" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: withOps(http.NotFoundHandler(), hooks, meters.Handler(), log), ReadHeaderTimeout: 10 * time.Second}
		defer msrv.Close()
		go func() { serveErr <- msrv.Serve(mln) }()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: HTTP first, then deliveries in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := hooks.Stop(shutdownCtx); err != nil {
		return fmt.Errorf("stop delivery engine: %w", err)
	}
	log.Info("stopped cleanly")
	return nil
}

// database is the configured database, opened the same way by every command.
type database struct {
	db     *gorm.DB
	sqlDB  *sql.DB
	secret []byte
	sealer *models.Sealer
	store  *models.Store
}

// openDatabase opens cfg's database with the secret that seals its data.
func openDatabase(cfg *Config) (*database, error) {
	secret, err := loadSecret(cfg)
	if err != nil {
		return nil, err
	}
	sealer, err := models.NewSealer(secret)
	if err != nil {
		return nil, err
	}
	db, err := models.Open(cfg.DB, models.MaxConns(cfg.DBMaxConns))
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return &database{db: db, sqlDB: sqlDB, secret: secret, sealer: sealer, store: models.NewStore(db, sealer)}, nil
}

func (d *database) close() { d.sqlDB.Close() }

// migrate brings the database up to date as every start does. Instances
// started together on an empty database take turns under the lock: the
// first creates the tables and the secret check, the others find them.
// queue migrates River's tables last, under the same lock: serve does it by
// building the engine, `loadhook migrate` with webhook.MigrateQueue.
func (d *database) migrate(ctx context.Context, queue func() error) error {
	return models.WithMigrationLock(ctx, d.db, func() error {
		if err := models.Migrate(d.db); err != nil {
			return err
		}
		if err := models.CheckSecret(ctx, d.db, d.sealer); err != nil {
			return err
		}
		return queue()
	})
}
