package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// receiver is the loopback webhook receiver every phase sends to. The path
// picks its behaviour:
//
//	/ok/…     answers 200 at once (deliveries and the baseline loop alike)
//	/flaky/…  answers 500 to the first three attempts of a webhook-id, then 200
//	/hang/…   answers nothing until released or the client gives up
//
// Arrival times are taken before the body is read, on the same clock as the
// harness's 202 times.
type receiver struct {
	mu    sync.Mutex
	first map[string]time.Time   // first arrival of each webhook-id on /ok/
	flaky map[string][]time.Time // every arrival of each webhook-id on /flaky/
	dups  int                    // repeated webhook-ids on /ok/

	okDistinct atomic.Int64
	hanging    atomic.Int64
	release    chan struct{}

	srv *http.Server
	URL string
}

func newReceiver() *receiver {
	return &receiver{
		first:   make(map[string]time.Time, 64<<10),
		flaky:   make(map[string][]time.Time),
		release: make(chan struct{}),
	}
}

// start listens on a free loopback port; serve runs under ctx's profiler
// labels when the caller sets them.
func (r *receiver) start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("receiver listen: %w", err)
	}
	r.URL = "http://" + ln.Addr().String()
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("receiver stopped: %v", err))
		}
	}()
	return nil
}

// stop releases hanging requests and closes the receiver.
func (r *receiver) stop(ctx context.Context) error {
	r.unhang()
	if err := r.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("receiver shutdown: %w", err)
	}
	return nil
}

// unhang lets every held /hang/ request answer; safe to call twice.
func (r *receiver) unhang() {
	select {
	case <-r.release:
	default:
		close(r.release)
	}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	id := req.Header.Get("webhook-id")
	// Read the body as a real receiver would (and as the sender expects).
	_, _ = io.Copy(io.Discard, req.Body)
	switch {
	case strings.HasPrefix(req.URL.Path, "/ok/"):
		r.mu.Lock()
		if _, ok := r.first[id]; ok {
			r.dups++
		} else {
			r.first[id] = now
			r.okDistinct.Add(1)
		}
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(req.URL.Path, "/flaky/"):
		r.mu.Lock()
		r.flaky[id] = append(r.flaky[id], now)
		n := len(r.flaky[id])
		r.mu.Unlock()
		if n <= 3 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(req.URL.Path, "/hang/"):
		r.hanging.Add(1)
		defer r.hanging.Add(-1)
		select {
		case <-r.release:
		case <-req.Context().Done():
			return
		case <-time.After(time.Minute):
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, req)
	}
}

// arrival returns the first arrival of id on /ok/.
func (r *receiver) arrival(id string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.first[id]
	return t, ok
}

// flakyArrivals copies the arrivals of every /flaky/ webhook-id.
func (r *receiver) flakyArrivals() map[string][]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]time.Time, len(r.flaky))
	for id, ts := range r.flaky {
		out[id] = append([]time.Time(nil), ts...)
	}
	return out
}

func (r *receiver) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups
}
