// Command loginbench measures what a flood of wrong logins costs a real
// server process: it starts the loadhook binary on a fresh SQLite file,
// sends N wrong logins at once, each from its own loopback address and with
// its own email (so no login limit applies and every attempt costs a
// password hash), and reports the process's peak memory and the answers'
// latency beside the idle memory and a lone login of the same run.
//
//	go build -o /tmp/loadhook . && go run ./cmd/loginbench -server /tmp/loadhook
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loadhook/loadhook/internal/serverproc"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loginbench:", err)
		os.Exit(1)
	}
}

type options struct {
	server   string
	parallel int
	lone     int
	out      string
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loginbench", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "", "loadhook binary to run as the server under test (required)")
	fs.IntVar(&o.parallel, "parallel", 400, "wrong logins sent at once, each from its own 127.x address")
	fs.IntVar(&o.lone, "lone", 5, "lone logins before the flood, for the baseline latency (the median is reported)")
	fs.StringVar(&o.out, "out", "", "also write the Markdown report to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.server == "" {
		return errors.New("-server is required: build the binary first (go build -o /tmp/loadhook .)")
	}
	if o.parallel < 1 || o.parallel > 60000 || o.lone < 1 {
		return fmt.Errorf("-parallel %d, -lone %d: want 1..60000 and at least 1", o.parallel, o.lone)
	}
	dir, err := os.MkdirTemp("", "loginbench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()

	ctx := context.Background()
	proc, err := serverproc.Start(ctx, serverproc.Options{
		Binary: o.server, DB: filepath.Join(dir, "loadhook.db"), Secret: "loginbench secret, long enough", Log: logFile,
	})
	if err != nil {
		return err
	}
	defer proc.Kill()

	r, err := measure(ctx, proc, o)
	if err != nil {
		return err
	}
	report := r.markdown(o)
	fmt.Fprint(stdout, report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

// result is one run's figures.
type result struct {
	idleRSS, peakRSS, afterRSS int64
	lone                       time.Duration
	latencies                  []time.Duration // of the flood, sorted
	statuses                   map[int]int
	errors                     int
}

func measure(ctx context.Context, proc *serverproc.Process, o options) (*result, error) {
	r := &result{statuses: map[int]int{}}
	var lone []time.Duration
	for i := range o.lone {
		// The first lone login also computes the server's dummy hash.
		status, took, err := wrongLogin(ctx, newClient("127.0.0.1"), proc.URL, fmt.Sprintf("lone%d@example.com", i))
		if err != nil {
			return nil, fmt.Errorf("lone login: %w", err)
		}
		if status != http.StatusUnprocessableEntity {
			return nil, fmt.Errorf("lone login answered %d, want 422", status)
		}
		lone = append(lone, took)
	}
	slices.Sort(lone)
	r.lone = lone[len(lone)/2]
	var err error
	if r.idleRSS, err = proc.RSS(); err != nil {
		return nil, err
	}

	// Clients and their connections are made first, so the flood is the
	// logins only.
	clients := make([]*http.Client, o.parallel)
	for i := range clients {
		clients[i] = newClient(floodAddress(i))
	}
	stopSampling := make(chan struct{})
	sampled := make(chan int64, 1)
	go func() { sampled <- samplePeakRSS(proc, stopSampling) }()

	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, client := range clients {
		wg.Go(func() {
			<-start
			status, took, err := wrongLogin(ctx, client, proc.URL, fmt.Sprintf("flood%d@example.com", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.errors++
				return
			}
			r.statuses[status]++
			r.latencies = append(r.latencies, took)
		})
	}
	close(start)
	wg.Wait()
	close(stopSampling)
	r.peakRSS = <-sampled
	if hwm, err := serverproc.ReadHWM(proc.Pid()); err == nil && hwm > r.peakRSS {
		r.peakRSS = hwm // the kernel's high-water mark catches a peak between samples
	}
	if r.afterRSS, err = proc.RSS(); err != nil {
		return nil, err
	}
	slices.Sort(r.latencies)
	return r, nil
}

// floodAddress is the i-th client's own source address, in 127.1.0.0/16.
func floodAddress(i int) string {
	return fmt.Sprintf("127.1.%d.%d", i/250, i%250+1)
}

func newClient(localIP string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	return &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// wrongLogin posts the login form with a wrong password. Sec-Fetch-Site
// stands in for the CSRF token, as a browser's same-origin post does.
func wrongLogin(ctx context.Context, client *http.Client, base, email string) (int, time.Duration, error) {
	form := url.Values{"email": {email}, "password": {"not the password, surely"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(began), err
}

// samplePeakRSS reads the process's RSS every 5 ms until stop is closed
// and returns the largest.
func samplePeakRSS(proc *serverproc.Process, stop <-chan struct{}) int64 {
	var peak int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if rss, err := proc.RSS(); err == nil && rss > peak {
			peak = rss
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(int(p*float64(len(r.latencies))), len(r.latencies)-1)]
}

func (r *result) markdown(o options) string {
	mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	var b strings.Builder
	fmt.Fprintf(&b, "%d wrong logins at once, each from its own address and email\n\n", o.parallel)
	fmt.Fprintf(&b, "| figure | value | against the baseline |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| RSS idle, after %d lone logins (baseline) | %s | 1× |\n", o.lone, mib(r.idleRSS))
	fmt.Fprintf(&b, "| peak RSS during the flood | %s | %.1f× |\n", mib(r.peakRSS), float64(r.peakRSS)/float64(r.idleRSS))
	fmt.Fprintf(&b, "| RSS after the flood | %s | %.1f× |\n", mib(r.afterRSS), float64(r.afterRSS)/float64(r.idleRSS))
	fmt.Fprintf(&b, "| lone login, median (baseline) | %s | 1× |\n", ms(r.lone))
	for _, p := range []struct {
		name string
		q    float64
	}{{"p50", 0.5}, {"p90", 0.9}, {"max", 1}} {
		d := r.percentile(p.q)
		fmt.Fprintf(&b, "| flood answer %s | %s | %.0f× |\n", p.name, ms(d), float64(d)/float64(r.lone))
	}
	codes := make([]int, 0, len(r.statuses))
	for code := range r.statuses {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	var parts []string
	for _, code := range codes {
		parts = append(parts, fmt.Sprintf("%d × %d", r.statuses[code], code))
	}
	if r.errors > 0 {
		parts = append(parts, fmt.Sprintf("%d transport errors", r.errors))
	}
	fmt.Fprintf(&b, "\nAnswers: %s.\n", strings.Join(parts, ", "))
	return b.String()
}
