package webhook

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// The micro-benchmarks of the delivery path. `make bench` runs them; the
// end-to-end numbers are cmd/loadbench's (BENCHMARKS.md).

func sampleInput(b testing.TB, eventType string) catalog.EventInput {
	b.Helper()
	in, err := catalog.SampleEvent(eventType, "https://loadhook.example", time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// unorderedInput is sampleInput with no test run: published again and
// again, the sample's one testRunId would chain every message behind the
// last (order per test run), and the benchmark would measure that chain.
func unorderedInput(b testing.TB, eventType string) catalog.EventInput {
	in := sampleInput(b, eventType)
	in.Metadata = maps.Clone(in.Metadata)
	in.Metadata[catalog.TestRunKey] = ""
	return in
}

func BenchmarkBuildPayload(b *testing.B) {
	// TEST_FINISH has the most metadata keys; PROJECT_CREATED fills the
	// message template and has none.
	for _, eventType := range []string{"TEST_FINISH", "PROJECT_CREATED"} {
		b.Run(eventType, func(b *testing.B) {
			in := sampleInput(b, eventType)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := catalog.BuildPayload(catalog.DefaultSource, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	body, err := catalog.BuildPayload(catalog.DefaultSource, sampleInput(b, "TEST_FINISH"))
	if err != nil {
		b.Fatal(err)
	}
	secret := catalog.GenerateSecret()
	ts := time.Unix(1751553000, 0)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.Sign(secret, "msg_01jz0000000000000000000000", ts, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignatureHeader(b *testing.B) {
	body, err := catalog.BuildPayload(catalog.DefaultSource, sampleInput(b, "TEST_FINISH"))
	if err != nil {
		b.Fatal(err)
	}
	ts := time.Unix(1751553000, 0)
	for _, bc := range []struct {
		name    string
		secrets []string
	}{
		{"one_secret", []string{catalog.GenerateSecret()}},
		{"rotation", []string{catalog.GenerateSecret(), catalog.GenerateSecret()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := catalog.SignatureHeader(bc.secrets, "msg_01jz0000000000000000000000", ts, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublish stores one event for one endpoint through the real
// Service on a temp SQLite file: event, message and queue job in one commit.
func BenchmarkPublish(b *testing.B) {
	// queue_stopped measures the commit alone; delivering also has the
	// engine deliver every published message to a loopback receiver, so
	// publishing competes with the workers for SQLite's single connection.
	for _, deliver := range []bool{false, true} {
		name := "queue_stopped"
		if deliver {
			name = "delivering"
		}
		b.Run(name, func(b *testing.B) {
			e := newTestEngine(b, "loopback", Config{})
			srv := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			e.addEndpoint(b, srv.URL)
			if !deliver {
				stopQueue(b, e)
			}
			in := unorderedInput(b, "TEST_STARTED")
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.svc.Publish(ctx, e.userID, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublishParallel publishes from many goroutines at once, as the
// event API does under load; concurrent publishes share commits.
func BenchmarkPublishParallel(b *testing.B) {
	e := newTestEngine(b, "loopback", Config{})
	e.addEndpoint(b, "http://127.0.0.1:9/never-delivered")
	stopQueue(b, e)
	in := unorderedInput(b, "TEST_STARTED")
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := e.svc.Publish(ctx, e.userID, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// stopQueue stops the queue's workers but not the Service, so Publish still
// commits jobs while nothing works them.
func stopQueue(b *testing.B, e *testEngine) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.svc.river.Stop(ctx); err != nil {
		b.Fatalf("stop queue: %v", err)
	}
}
