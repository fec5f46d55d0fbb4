package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loadhook/loadhook/models"
)

// Config is the whole server configuration, from flags and environment.
type Config struct {
	Addr         string
	DB           string
	DBMaxConns   int
	BaseURL      string
	Secret       string
	AllowedHosts string
	Source       string
	Retention    time.Duration
	Workers      int
	PerEndpoint  int
	PollInterval time.Duration
	LogLevel     string
}

// setting is one configuration value: its flag, its environment variable and
// its default, listed together so --help documents all three.
type setting struct {
	flag, env, def, usage string
}

var settings = []setting{
	{"addr", "LOADHOOK_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"db", "LOADHOOK_DB", "loadhook.db", "SQLite file path, or a postgres:// URL"},
	{"db-max-conns", "LOADHOOK_DB_MAX_CONNS", strconv.Itoa(models.DefaultMaxConns), "most Postgres connections this instance opens (keep instances × this below Postgres' max_connections)"},
	{"base-url", "LOADHOOK_BASE_URL", "", "public URL of this server (default http://ADDR); https makes cookies Secure"},
	{"secret", "LOADHOOK_SECRET", "", "key for cookies and at-rest encryption (default: generated once, kept in DB.secret)"},
	{"allowed-hosts", "LOADHOOK_ALLOWED_HOSTS", "external", "where webhooks may be sent: external, private, loopback, *, CIDRs, host patterns (comma-separated)"},
	{"source", "LOADHOOK_SOURCE", "Loadmance", "the payload's \"source\" field"},
	{"retention", "LOADHOOK_RETENTION", "720h", "how long delivery attempts and payloads are kept"},
	{"workers", "LOADHOOK_WORKERS", "100", "delivery attempts in flight at once"},
	{"per-endpoint", "LOADHOOK_PER_ENDPOINT", "4", "delivery attempts in flight per endpoint"},
	{"poll-interval", "LOADHOOK_POLL_INTERVAL", "20ms", "how often the queue looks for due deliveries"},
	{"log-level", "LOADHOOK_LOG_LEVEL", "info", "debug, info, warn or error"},
}

// parseConfig reads flags, falling back to the environment, then defaults.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fset := flag.NewFlagSet("loadhook", flag.ContinueOnError)
	fset.SetOutput(stderr)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[s.flag] = fset.String(s.flag, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	fset.Usage = func() {
		fmt.Fprintf(stderr, "loadhook: webhook integration service\n\nUsage: loadhook [flags]\n\nEvery flag can also be set by its environment variable.\n\n")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return nil, err
	}
	get := func(name string) string { return strings.TrimSpace(*values[name]) }
	cfg := &Config{
		Addr: get("addr"), DB: get("db"), BaseURL: strings.TrimRight(get("base-url"), "/"),
		Secret: get("secret"), AllowedHosts: get("allowed-hosts"), Source: get("source"), LogLevel: get("log-level"),
	}
	var err error
	if cfg.Retention, err = time.ParseDuration(get("retention")); err != nil || cfg.Retention <= 0 {
		return nil, fmt.Errorf("retention %q: want a positive duration such as 720h", get("retention"))
	}
	if cfg.PollInterval, err = time.ParseDuration(get("poll-interval")); err != nil || cfg.PollInterval <= 0 {
		return nil, fmt.Errorf("poll-interval %q: want a positive duration such as 20ms", get("poll-interval"))
	}
	if cfg.Workers, err = strconv.Atoi(get("workers")); err != nil || cfg.Workers < 1 {
		return nil, fmt.Errorf("workers %q: want a whole number of at least 1", get("workers"))
	}
	if cfg.PerEndpoint, err = strconv.Atoi(get("per-endpoint")); err != nil || cfg.PerEndpoint < 1 {
		return nil, fmt.Errorf("per-endpoint %q: want a whole number of at least 1", get("per-endpoint"))
	}
	if cfg.DBMaxConns, err = strconv.Atoi(get("db-max-conns")); err != nil || cfg.DBMaxConns < 2 {
		return nil, fmt.Errorf("db-max-conns %q: want a whole number of at least 2", get("db-max-conns"))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	return cfg, nil
}

// loadSecret returns the configured secret, or one generated on first start
// and kept beside the database, so restarts keep sessions and can decrypt.
func loadSecret(cfg *Config) ([]byte, error) {
	if cfg.Secret != "" {
		if len(cfg.Secret) < 16 {
			return nil, errors.New("LOADHOOK_SECRET must be at least 16 characters")
		}
		return []byte(cfg.Secret), nil
	}
	path := cfg.DB + ".secret"
	if strings.Contains(cfg.DB, "://") {
		return nil, errors.New("LOADHOOK_SECRET is required with a postgres database, so every instance shares it")
	}
	if b, err := os.ReadFile(path); err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret file: %w", err)
	}
	var raw [32]byte
	rand.Read(raw[:])
	secret := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret file %s: %w", path, err)
	}
	return []byte(secret), nil
}
