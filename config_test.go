package main

import (
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/webhook"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(*Config) bool
		wantErr string
	}{
		{"defaults", nil, nil, func(c *Config) bool {
			return c.Addr == "127.0.0.1:8080" && c.DB == "loadhook.db" && c.AllowedHosts == "external" &&
				c.BaseURL == "http://127.0.0.1:8080" && c.Retention == 720*time.Hour && c.PerEndpoint == 4 &&
				c.PollInterval == webhook.DefaultPollInterval && c.Source == "Loadmance"
		}, ""},
		{"environment", nil, map[string]string{"LOADHOOK_ADDR": "127.0.0.1:9000", "LOADHOOK_ALLOWED_HOSTS": "loopback", "LOADHOOK_RETENTION": "48h"},
			func(c *Config) bool {
				return c.Addr == "127.0.0.1:9000" && c.AllowedHosts == "loopback" && c.Retention == 48*time.Hour && c.BaseURL == "http://127.0.0.1:9000"
			}, ""},
		{"flag beats environment", []string{"-addr", "127.0.0.1:7000"}, map[string]string{"LOADHOOK_ADDR": "127.0.0.1:9000"},
			func(c *Config) bool { return c.Addr == "127.0.0.1:7000" }, ""},
		{"base url trailing slash", []string{"-base-url", "https://hooks.example.com/"}, nil,
			func(c *Config) bool { return c.BaseURL == "https://hooks.example.com" }, ""},
		{"bad retention", nil, map[string]string{"LOADHOOK_RETENTION": "a month"}, nil, "retention"},
		{"bad workers", []string{"-workers", "0"}, nil, nil, "workers"},
		{"bad per-endpoint", []string{"-per-endpoint", "many"}, nil, nil, "per-endpoint"},
		{"unknown flag", []string{"-colour", "blue"}, nil, nil, "colour"},
		{"trusted proxies", nil, map[string]string{"LOADHOOK_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,2001:db8::1"},
			func(c *Config) bool {
				return len(c.TrustedProxies) == 3 && c.TrustedProxies[0].String() == "10.0.0.0/8" &&
					c.TrustedProxies[1].String() == "192.0.2.7/32" && c.TrustedProxies[2].String() == "2001:db8::1/128"
			}, ""},
		{"bad trusted proxy", nil, map[string]string{"LOADHOOK_TRUSTED_PROXIES": "lb.internal"}, nil, "trusted-proxies"},
		{"db max conns", []string{"-db-max-conns", "8"}, nil, func(c *Config) bool { return c.DBMaxConns == 8 }, ""},
		{"bad db max conns", []string{"-db-max-conns", "1"}, nil, nil, "db-max-conns"},
		{"auto-disable", nil, map[string]string{"LOADHOOK_AUTO_DISABLE_AFTER": "72h", "LOADHOOK_AUTO_DISABLE_MIN_MESSAGES": "50"},
			func(c *Config) bool { return c.AutoDisableAfter == 72*time.Hour && c.AutoDisableMinMessages == 50 }, ""},
		{"auto-disable off", []string{"-auto-disable-after", "off"}, nil, func(c *Config) bool { return c.AutoDisableAfter < 0 }, ""},
		{"bad auto-disable-after", []string{"-auto-disable-after", "0"}, nil, nil, "auto-disable-after"},
		{"bad auto-disable-min-messages", []string{"-auto-disable-min-messages", "none"}, nil, nil, "auto-disable-min-messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Fatalf("config %+v", cfg)
			}
		})
	}
}

func TestLoadSecretIsGeneratedOnceAndKept(t *testing.T) {
	cfg := &Config{DB: filepath.Join(t.TempDir(), "loadhook.db")}
	first, err := loadSecret(cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := loadSecret(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 || string(first) != string(second) {
		t.Fatalf("secrets %q and %q: want one generated secret, kept across starts", first, second)
	}
	info, err := os.Stat(cfg.DB + ".secret")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", info.Mode().Perm())
	}
	if _, err := loadSecret(&Config{DB: "postgres://db/loadhook"}); err == nil {
		t.Fatal("a generated secret with Postgres would differ per instance; want an error")
	}
	if _, err := loadSecret(&Config{Secret: "short"}); err == nil {
		t.Fatal("want an error for a short LOADHOOK_SECRET")
	}
}

// The flags' defaults are the engine's own, named once beside webhook.Config.
func TestEngineDefaultsAreTheFlags(t *testing.T) {
	c, err := parseConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers != webhook.DefaultWorkers || c.PerEndpoint != webhook.DefaultPerEndpoint ||
		c.PollInterval != webhook.DefaultPollInterval || c.Retention != webhook.DefaultRetention || c.Source != catalog.DefaultSource ||
		c.AutoDisableAfter != webhook.DefaultAutoDisableAfter || c.AutoDisableMinMessages != webhook.DefaultAutoDisableMinMessages {
		t.Fatalf("flag defaults %d workers, %d per endpoint, %v poll, %v retention, source %q differ from the engine's",
			c.Workers, c.PerEndpoint, c.PollInterval, c.Retention, c.Source)
	}
}

// The server's GC target is defaultGCPercent unless GOGC names one, which
// the runtime applied at start and which must be left alone.
func TestGCDefaultYieldsToGOGC(t *testing.T) {
	const untouched = 123 // a target neither Go nor the server would pick
	for _, tc := range []struct {
		gogc string
		want int
	}{
		{"", defaultGCPercent},
		{"100", untouched},
		{"off", untouched},
	} {
		prev := debug.SetGCPercent(untouched)
		setGCDefault(func(k string) string {
			if k == "GOGC" {
				return tc.gogc
			}
			return ""
		})
		if got := debug.SetGCPercent(prev); got != tc.want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", tc.gogc, got, tc.want)
		}
	}
}
