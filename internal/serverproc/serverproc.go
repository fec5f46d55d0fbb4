// Package serverproc runs the loadhook binary as a separate process on
// 127.0.0.1 and seeds its SQLite database, for the crash tests and the load
// harness. Running a real process is the point: only then do SIGKILL,
// SIGTERM and the process's own memory use mean what they mean in production.
package serverproc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// Options starts one server process.
type Options struct {
	// Binary is the loadhook executable.
	Binary string
	// DB is the SQLite file; Secret must be the one the seeder used, or the
	// server cannot open the endpoints' sealed signing secrets.
	DB     string
	Secret string
	// Addr is 127.0.0.1:port; empty picks a free port.
	Addr string
	// Env adds or overrides variables ("LOADHOOK_WORKERS=50").
	Env []string
	// Args are the command line after the binary; none serves with the
	// settings above.
	Args []string
	// Log receives the process's stdout and stderr; nil discards them.
	Log io.Writer
	// ReadyTimeout bounds the wait for the first HTTP answer (default 30 s).
	ReadyTimeout time.Duration
}

// Process is a running server.
type Process struct {
	cmd  *exec.Cmd
	Addr string
	// URL is http://Addr.
	URL  string
	done chan struct{}
	err  error // the result of cmd.Wait, valid once done is closed
}

// FreeAddr returns a 127.0.0.1 address with a port nothing listens on now.
// Another process may take it before the server binds it; on loopback in a
// test that race is rare enough to accept.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("release probe port: %w", err)
	}
	return addr, nil
}

// Start launches the server and waits until it answers HTTP.
func Start(ctx context.Context, opts Options) (*Process, error) {
	if opts.Addr == "" {
		addr, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		opts.Addr = addr
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	cmd := exec.Command(opts.Binary, opts.Args...)
	// Later entries win, so inherited LOADHOOK_* settings cannot leak in.
	cmd.Env = append(os.Environ(),
		"LOADHOOK_ADDR="+opts.Addr,
		"LOADHOOK_DB="+opts.DB,
		"LOADHOOK_SECRET="+opts.Secret,
		"LOADHOOK_ALLOWED_HOSTS=loopback",
		"LOADHOOK_BASE_URL=http://"+opts.Addr,
	)
	cmd.Env = append(cmd.Env, opts.Env...)
	if opts.Log != nil {
		cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", opts.Binary, err)
	}
	p := &Process{cmd: cmd, Addr: opts.Addr, URL: "http://" + opts.Addr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(ctx, opts.ReadyTimeout); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

// waitReady polls until the server answers any HTTP request: the listener
// opens only after migrations and the queue have started.
func (p *Process) waitReady(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/", nil)
		if err != nil {
			return fmt.Errorf("readiness request: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("server exited before it was ready: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("wait for server: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not answering on %s after %s: %w", p.Addr, timeout, err)
		}
	}
}

// Pid is the server's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the server.
func (p *Process) Signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v to pid %d: %w", sig, p.Pid(), err)
	}
	return nil
}

// Kill ends the server with SIGKILL, as a crash or the OOM killer would, and
// waits for it to be gone. It is safe to call on an exited process.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits up to timeout for the process to exit and returns its exit code.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("pid %d still running after %s", p.Pid(), timeout)
	}
	return p.cmd.ProcessState.ExitCode(), nil
}

// ExitErr is what waiting for the process returned; valid after Done.
func (p *Process) ExitErr() error { return p.err }

// RSS returns the process's resident set size in bytes (VmRSS).
func (p *Process) RSS() (int64, error) { return ReadRSS(p.Pid()) }

// ReadRSS reads VmRSS (resident set size) of pid from /proc, in bytes.
func ReadRSS(pid int) (int64, error) { return readStatusKB(pid, "VmRSS") }

// ReadHWM reads VmHWM (the peak resident set size since start) of pid from
// /proc, in bytes.
func ReadHWM(pid int) (int64, error) { return readStatusKB(pid, "VmHWM") }

// readStatusKB reads one "Key: N kB" line of /proc/<pid>/status, in bytes.
func readStatusKB(pid int, key string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), key+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s %q: %w", key, rest, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("scan /proc/%d/status: %w", pid, err)
	}
	return 0, fmt.Errorf("no %s for pid %d (exited?)", key, pid)
}

// CPU returns the user+system CPU time the process has used so far.
func (p *Process) CPU() (time.Duration, error) { return ReadCPU(p.Pid()) }

// ReadCPU reads utime+stime of pid from /proc/<pid>/stat. Linux reports them
// in clock ticks of 1/100 s on every common architecture (USER_HZ).
func ReadCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read cpu time of pid %d: %w", pid, err)
	}
	// The command name (field 2) may contain spaces; fields after it are
	// counted from the closing parenthesis. utime and stime are fields 14, 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// IsKilled reports whether err from Wait means death by SIGKILL.
func IsKilled(err error) bool {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return false
	}
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// Seeder writes users, tokens and endpoints into a server's database before
// the server starts (or while it runs: SQLite serialises the writers).
type Seeder struct {
	db    *gorm.DB
	store *models.Store
}

// OpenSeeder opens (and migrates) the SQLite file with the server's secret.
func OpenSeeder(dbPath, secret string) (*Seeder, error) {
	db, err := models.Open(dbPath)
	if err != nil {
		return nil, err
	}
	if err := models.Migrate(db); err != nil {
		closeDB(db)
		return nil, err
	}
	sealer, err := models.NewSealer([]byte(secret))
	if err != nil {
		closeDB(db)
		return nil, fmt.Errorf("seeder sealer: %w", err)
	}
	return &Seeder{db: db, store: models.NewStore(db, sealer)}, nil
}

// DB is the seeder's handle, for read queries on the server's tables.
func (s *Seeder) DB() *gorm.DB { return s.db }

// Close closes the database handle.
func (s *Seeder) Close() error { return closeDB(s.db) }

func closeDB(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("get sql handle: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// AddUser creates a user with one API token and returns the token.
func (s *Seeder) AddUser(ctx context.Context, email string) (userID int64, token string, err error) {
	u, err := s.store.CreateUser(ctx, email, "not-a-password-hash")
	if err != nil {
		return 0, "", fmt.Errorf("seed user %s: %w", email, err)
	}
	t, token := models.NewAPIToken(u.ID, "bench")
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return 0, "", fmt.Errorf("seed token of %s: %w", email, err)
	}
	return u.ID, token, nil
}

// AddEndpoint creates an enabled endpoint subscribed to events (comma list).
func (s *Seeder) AddEndpoint(ctx context.Context, userID int64, url, events string) (int64, error) {
	ep := &models.Endpoint{UserID: userID, URL: url, Events: events, Enabled: true, Secret: catalog.GenerateSecret()}
	if err := s.store.CreateEndpoint(ctx, ep); err != nil {
		return 0, fmt.Errorf("seed endpoint %s: %w", url, err)
	}
	return ep.ID, nil
}

// Accepted is the event API's 202 answer.
type Accepted struct {
	ID       string `json:"id"`
	Messages []struct {
		ID         string `json:"id"`
		EndpointID int64  `json:"endpointId"`
	} `json:"messages"`
}

// StatusError is a non-202 answer of the event API.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("event API answered %d: %s", e.Status, e.Body)
}

// PostEvent sends one event to the API. A transport error (the server died
// mid-request) is returned as is; any answer but 202 is a *StatusError.
func PostEvent(ctx context.Context, client *http.Client, baseURL, token string, body []byte) (*Accepted, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build event request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post event: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read event answer: %w", err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return nil, &StatusError{Status: resp.StatusCode, Body: string(raw)}
	}
	var acc Accepted
	if err := json.Unmarshal(raw, &acc); err != nil {
		return nil, fmt.Errorf("decode 202 answer %q: %w", raw, err)
	}
	return &acc, nil
}

// StartedEvent is a valid TEST_STARTED event body; runID makes it unique.
func StartedEvent(runID int) []byte {
	return fmt.Appendf(nil, `{"eventType":"TEST_STARTED","metadata":{"testRunId":"%d","maxUser":"100","duration":"300","watchLive":"https://app.example/live/%d"}}`, runID, runID)
}

// EventOf is a valid event body of eventType (TEST_STARTED, TEST_FINISH or
// TEST_FAILED); runID makes it unique.
func EventOf(eventType string, runID int) ([]byte, error) {
	var md string
	switch eventType {
	case "TEST_STARTED":
		return StartedEvent(runID), nil
	case "TEST_FINISH":
		md = fmt.Sprintf(`"testRunId":"%d","status":"FINISH","duration":"300","maxUser":"100","totalRequestCount":"1500015000","avgResponseTime":"245.7","throughput":"50.2","apdexScore":"0.85","runningTime":"300","reportLink":"https://app.example/r/%d"`, runID, runID)
	case "TEST_FAILED":
		md = fmt.Sprintf(`"testRunId":"%d","duration":"300","totalRequestCount":"1000","errorRate":"12.5","avgResponseTime":"245.7","runningTime":"120","failReportLink":"https://app.example/f/%d"`, runID, runID)
	default:
		return nil, fmt.Errorf("no sample body for %s", eventType)
	}
	return fmt.Appendf(nil, `{"eventType":%q,"metadata":{%s}}`, eventType, md), nil
}
