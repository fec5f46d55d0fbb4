package webhook

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestZZThroughput(t *testing.T) {
	e := newTestEngine(t, "loopback", Config{})
	var n atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	for range 20 {
		e.addEndpoint(t, srv.URL)
	}
	// each event to all 20 endpoints: 250 events → 5000 deliveries
	sample, _ := SampleEvent("TEST_STARTED", "https://x", time.Now())
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 250; i += 8 {
				if _, err := e.svc.Publish(t.Context(), e.userID, sample); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	ingest := time.Since(start)
	for n.Load() < 5000 && time.Since(start) < 60*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	t.Logf("ingest %v, %d deliveries in %v: %.0f/s", ingest, n.Load(), el, float64(n.Load())/el.Seconds())
}
