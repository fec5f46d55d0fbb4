package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/internal/serverproc"
)

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

// light measures first-attempt latency with the server nearly idle.
func (b *bench) light(ctx context.Context, base *baselineResult) error {
	n := b.opts.lightEvents
	stop, err := b.profile("light")
	if err != nil {
		return err
	}
	defer stop()
	cpu0, start := b.cpu(), time.Now()
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
	if used := b.cpu().sub(cpu0); !used.inProcess {
		perDelivery := used.server / time.Duration(n)
		beyondIdle := (used.server - time.Duration(b.idleCores*float64(time.Since(start)))) / time.Duration(n)
		b.add(fmt.Sprintf("Server CPU per delivery at %d events/s", b.opts.lightRate),
			fmt.Sprintf("%.0f µs (%.0f µs beyond idle)", float64(perDelivery.Nanoseconds())/1e3, float64(beyondIdle.Nanoseconds())/1e3), "")
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
		bodies[i] = b.throughputEvent()
	}
	stop, err := b.profile("throughput")
	if err != nil {
		return err
	}
	defer stop()
	b.log.Info("throughput phase", "events", n, "endpoints", len(b.tokens), "api_concurrency", b.opts.concurrency)

	cpu0 := b.cpu()
	deferred0, _, _ := counter(ctx, b.srv, deferredMetric)
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
	used := cpu1.sub(cpu0)
	b.add("CPU used during that run (2 cores = 2 s per second)", used.describe(total, n), "")
	b.outcome = outcome{baseline: b.baselineRate, rate: perSec, cpuPerDelivery: used.server.Seconds() * 1e6 / float64(n)}
	if deferred1, ok, err := counter(ctx, b.srv, deferredMetric); ok && err == nil {
		// Each deferral is a snooze written and a job fetched again.
		b.add("Attempts put off by the per-endpoint cap during that run ("+deferredMetric+")",
			fmt.Sprintf("%s (%.2f per delivery)", thousands(deferred1-deferred0), (deferred1-deferred0)/float64(n)), "")
	}
	return nil
}

// deferredMetric counts the attempts the engine put off because their
// endpoint had its share of attempts in flight.
const deferredMetric = "loadhook_delivery_deferred_total"

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

func countRows(db *gorm.DB, table string) int64 {
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		return -1
	}
	return n
}
