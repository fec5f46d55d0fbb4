// Command loadhook serves the webhook settings app and runs the delivery
// engine in the same process.
package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loadhook/loadhook/handlers"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadhook:", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		slog.Error("loadhook stopped", "err", err)
		os.Exit(1)
	}
}

func run(cfg *Config) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: %w", cfg.LogLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	policy, err := hostguard.ParseAllowedHosts(cfg.AllowedHosts)
	if err != nil {
		return fmt.Errorf("LOADHOOK_ALLOWED_HOSTS: %w", err)
	}
	db, err := models.Open(cfg.DB, models.MaxConns(cfg.DBMaxConns))
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	sealer, err := models.NewSealer(secret)
	if err != nil {
		return err
	}
	store := models.NewStore(db, sealer)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Instances started together on an empty database take turns: the
	// first creates the tables and the secret check, the others find them.
	var hooks *webhook.Service
	err = models.WithMigrationLock(ctx, db, func() error {
		if err := models.Migrate(db); err != nil {
			return err
		}
		if err := models.CheckSecret(ctx, db, sealer); err != nil {
			return err
		}
		hooks, err = webhook.NewService(ctx, store, policy, nil, webhook.Config{
			Source: cfg.Source, BaseURL: cfg.BaseURL, Workers: cfg.Workers, PerEndpoint: cfg.PerEndpoint,
			PollInterval: cfg.PollInterval, Retention: cfg.Retention, UserAgent: "loadhook/" + version, Logger: log,
		})
		return err
	})
	if err != nil {
		return err
	}
	if err := hooks.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}

	sessionKey, err := hkdf.Key(sha256.New, secret, nil, "loadhook session cookies v1", 64)
	if err != nil {
		return fmt.Errorf("derive session key: %w", err)
	}
	web := handlers.New(handlers.Config{BaseURL: cfg.BaseURL, SessionKey: sessionKey, Version: version}, store, hooks, log)
	srv := &http.Server{
		Handler:           web.Routes(),
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

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
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
