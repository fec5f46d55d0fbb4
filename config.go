package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
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
	MetricsAddr  string
	// AutoDisableAfter and AutoDisableMinMessages are when the engine turns
	// a failing endpoint off; a negative AutoDisableAfter never does.
	AutoDisableAfter       time.Duration
	AutoDisableMinMessages int
	// TrustedProxies are the load balancers allowed to name the client in
	// X-Forwarded-For.
	TrustedProxies []*net.IPNet
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
	{"source", "LOADHOOK_SOURCE", catalog.DefaultSource, "the payload's \"source\" field"},
	{"retention", "LOADHOOK_RETENTION", fmt.Sprintf("%dh", int(webhook.DefaultRetention.Hours())), "how long delivery attempts and payloads are kept"},
	{"workers", "LOADHOOK_WORKERS", strconv.Itoa(webhook.DefaultWorkers), "delivery attempts in flight at once"},
	{"per-endpoint", "LOADHOOK_PER_ENDPOINT", strconv.Itoa(webhook.DefaultPerEndpoint), "delivery attempts in flight per endpoint"},
	{"poll-interval", "LOADHOOK_POLL_INTERVAL", webhook.DefaultPollInterval.String(), "how often the queue looks for due deliveries"},
	{"trusted-proxies", "LOADHOOK_TRUSTED_PROXIES", "", "load balancers (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty trusts none"},
	{"metrics-addr", "LOADHOOK_METRICS_ADDR", "", "where /metrics is served: empty for the main listener, host:port for a listener of its own, or off"},
	{"log-level", "LOADHOOK_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"auto-disable-after", "LOADHOOK_AUTO_DISABLE_AFTER", fmt.Sprintf("%dh", int(webhook.DefaultAutoDisableAfter.Hours())), "turn an endpoint off once every message to it has failed for this long; off never does"},
	{"auto-disable-min-messages", "LOADHOOK_AUTO_DISABLE_MIN_MESSAGES", strconv.Itoa(webhook.DefaultAutoDisableMinMessages), "...and at least this many messages have failed"},
}

// secretFlag names the one setting whose value is never printed.
const secretFlag = "secret"

// dbSettings are the settings of every command that opens the database:
// the commands open it exactly as serve does.
var dbSettings = []string{"db", "db-max-conns", secretFlag}

// settingValues are the settings defined on one flag set, by flag name.
type settingValues map[string]settingValue

// settingValue is a flag and what it is when the flag is not given.
type settingValue struct {
	flag     *string
	fallback string
}

// defineSettings defines a flag for each named setting (every setting when
// names is empty), defaulting to its environment variable, then its default.
func defineSettings(fset *flag.FlagSet, getenv func(string) string, names ...string) settingValues {
	values := make(settingValues, len(settings))
	for _, s := range settings {
		if len(names) > 0 && !slices.Contains(names, s.flag) {
			continue
		}
		def := settingDefault(s, getenv)
		if s.flag == secretFlag {
			// -h prints flag defaults: the secret from the environment must
			// not be one of them.
			values[s.flag] = settingValue{flag: fset.String(s.flag, "", fmt.Sprintf("%s (env %s)", s.usage, s.env)), fallback: def}
			continue
		}
		values[s.flag] = settingValue{flag: fset.String(s.flag, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))}
	}
	return values
}

// settingDefault is what a setting is when its flag is not given.
func settingDefault(s setting, getenv func(string) string) string {
	if v := getenv(s.env); v != "" {
		return v
	}
	return s.def
}

// lookupSetting returns the setting of a flag name; a name not in settings
// is a typo in this package, caught by any test that reaches it.
func lookupSetting(flagName string) setting {
	i := slices.IndexFunc(settings, func(s setting) bool { return s.flag == flagName })
	if i < 0 {
		panic("no setting named " + flagName)
	}
	return settings[i]
}

// baseURLFor is the base URL of a server listening on addr, when
// LOADHOOK_BASE_URL does not say otherwise.
func baseURLFor(addr string) string { return "http://" + addr }

func (v settingValues) get(name string) string {
	if given := strings.TrimSpace(*v[name].flag); given != "" {
		return given
	}
	return strings.TrimSpace(v[name].fallback)
}

// dbConfig checks the dbSettings; the rest of the Config stays zero.
func (v settingValues) dbConfig() (*Config, error) {
	cfg := &Config{DB: v.get("db"), Secret: v.get("secret")}
	var err error
	if cfg.DBMaxConns, err = strconv.Atoi(v.get("db-max-conns")); err != nil || cfg.DBMaxConns < 2 {
		return nil, fmt.Errorf("db-max-conns %q: want a whole number of at least 2", v.get("db-max-conns"))
	}
	return cfg, nil
}

// parseConfig reads serve's flags, falling back to the environment, then
// defaults.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fset := flag.NewFlagSet("loadhook serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	values := defineSettings(fset, getenv)
	fset.Usage = func() {
		fmt.Fprintf(stderr, "loadhook: webhook integration service\n\n%s\nServe flags (every flag can also be set by its environment variable):\n\n", commandsUsage)
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return nil, err
	}
	if fset.NArg() > 0 {
		return nil, fmt.Errorf("serve takes flags only, not %q (see loadhook serve -h)", fset.Arg(0))
	}
	get := values.get
	cfg, err := values.dbConfig()
	if err != nil {
		return nil, err
	}
	cfg.Addr, cfg.BaseURL = get("addr"), strings.TrimRight(get("base-url"), "/")
	cfg.AllowedHosts, cfg.Source, cfg.LogLevel = get("allowed-hosts"), get("source"), get("log-level")
	cfg.MetricsAddr = get("metrics-addr")
	if cfg.TrustedProxies, err = parseProxies(get("trusted-proxies")); err != nil {
		return nil, err
	}
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
	if cfg.AutoDisableAfter, err = parseAutoDisableAfter(get("auto-disable-after")); err != nil {
		return nil, err
	}
	if cfg.AutoDisableMinMessages, err = strconv.Atoi(get("auto-disable-min-messages")); err != nil || cfg.AutoDisableMinMessages < 1 {
		return nil, fmt.Errorf("auto-disable-min-messages %q: want a whole number of at least 1", get("auto-disable-min-messages"))
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = baseURLFor(cfg.Addr)
	}
	return cfg, nil
}

// autoDisableOff is the auto-disable-after value that turns it off.
const autoDisableOff = "off"

// parseAutoDisableAfter reads auto-disable-after: a positive duration, or
// off (a negative duration, as webhook.Config takes it).
func parseAutoDisableAfter(v string) (time.Duration, error) {
	if v == autoDisableOff {
		return -1, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("auto-disable-after %q: want a positive duration such as 24h, or %s", v, autoDisableOff)
	}
	return d, nil
}

// loadSecret returns the configured secret, or one generated on first start
// and kept beside the database, so restarts keep sessions and can decrypt.
func loadSecret(cfg *Config) ([]byte, error) {
	if cfg.Secret != "" {
		if len(cfg.Secret) < models.MinSecretLen {
			return nil, fmt.Errorf("LOADHOOK_SECRET must be at least %d characters", models.MinSecretLen)
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

// parseProxies reads a comma-separated list of IPs and CIDRs.
func parseProxies(spec string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			if ip := net.ParseIP(item); ip != nil {
				bits := 128
				if ip.To4() != nil {
					ip, bits = ip.To4(), 32
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
				continue
			}
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies %q: want IP addresses or CIDRs such as 10.0.0.0/8, comma-separated", item)
		}
		out = append(out, n)
	}
	return out, nil
}
