package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/metrics"
	"github.com/loadhook/loadhook/models"
)

func TestRetryScheduleRealClock(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{statuses: []int{500, 502, 503, 200}}
	srv := serve(t, rec)
	ep := e.addEndpoint(t, srv.URL+"/hook")

	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, msg.ID, 12*time.Second)
	if final.State != models.StateSucceeded || final.Attempts != 4 {
		t.Fatalf("message state %s after %d attempts, want succeeded after 4", final.State, final.Attempts)
	}
	got := rec.got()
	if len(got) != 4 {
		t.Fatalf("receiver saw %d attempts, want 4", len(got))
	}
	// The receiver answers at once, so each rest starts about when its
	// attempt arrived: attempts 1 s, 2 s and 4 s apart, about t0, +1 s,
	// +3 s, +7 s. Late by a poll or two, never early.
	t0 := got[0].at
	for i := range got {
		if i > 0 {
			gap, rest := got[i].at.Sub(got[i-1].at), RetryDelay(i)
			if gap < rest-20*time.Millisecond || gap > rest+300*time.Millisecond {
				t.Errorf("attempt %d came %v after attempt %d, want %v (+0.3 s)", i+1, gap, i, rest)
			}
		}
		if off, want := got[i].at.Sub(t0), AttemptDue(t0, i+1).Sub(t0); off < want-50*time.Millisecond || off > want+500*time.Millisecond {
			t.Errorf("attempt %d at +%v, want about +%v", i+1, off, want)
		}
		if id := got[i].header.Get("webhook-id"); id != msg.ID {
			t.Errorf("attempt %d webhook-id %q, want %q", i+1, id, msg.ID)
		}
		if i > 0 && got[i].header.Get("webhook-timestamp") == got[i-1].header.Get("webhook-timestamp") {
			t.Errorf("attempt %d reused the previous webhook-timestamp", i+1)
		}
		if !bytes.Equal(got[i].body, got[0].body) {
			t.Errorf("attempt %d body differs from the first", i+1)
		}
	}
	attempts := e.attempts(t, msg.ID)
	if len(attempts) != 4 || attempts[0].ResponseStatus != 500 || attempts[0].ErrorClass != ClassHTTPStatus || !attempts[3].Success {
		t.Fatalf("recorded attempts wrong: %+v", attempts)
	}
}

func TestFailsAfterFourAttempts(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{statuses: []int{500}}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_FAILED")
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, msg.ID, 12*time.Second)
	if final.State != models.StateFailed || final.Attempts != 4 || len(rec.got()) != 4 {
		t.Fatalf("state %s, %d attempts, receiver saw %d; want failed, 4, 4", final.State, final.Attempts, len(rec.got()))
	}

	// A manual redelivery makes one more attempt with the same webhook-id.
	rec.mu.Lock()
	rec.statuses = []int{200}
	rec.mu.Unlock()
	if err := e.svc.Redeliver(t.Context(), e.userID, msg.ID); err != nil {
		t.Fatal(err)
	}
	final = e.waitMessage(t, msg.ID, 5*time.Second)
	got := rec.got()
	if final.State != models.StateSucceeded || final.Attempts != 5 || len(got) != 5 || got[4].header.Get("webhook-id") != msg.ID {
		t.Fatalf("after redelivery: state %s, %d attempts, %d arrivals", final.State, final.Attempts, len(got))
	}
}

func TestHangingReceiverTimesOutAndRetries(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{hang: func(n int) time.Duration {
		if n == 0 {
			return time.Minute
		}
		return 0
	}}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, msg.ID, 15*time.Second)
	attempts := e.attempts(t, msg.ID)
	if final.State != models.StateSucceeded || len(attempts) != 2 {
		t.Fatalf("state %s with %d attempts, want succeeded with 2", final.State, len(attempts))
	}
	if attempts[0].ErrorClass != ClassTimeout || attempts[0].DurationMs < 9900 || attempts[0].DurationMs > 10500 {
		t.Fatalf("first attempt: class %q after %d ms, want timeout after ~10000 ms", attempts[0].ErrorClass, attempts[0].DurationMs)
	}
	// The receiver gets its rest after the timeout too: the retry comes 1 s
	// after the first attempt gave up, not the moment it did.
	got := rec.got()
	if gap := got[1].at.Sub(got[0].at); gap < AttemptTimeout+RetryDelay(1)-50*time.Millisecond || gap > AttemptTimeout+RetryDelay(1)+600*time.Millisecond {
		t.Fatalf("retry came %v after the first attempt started, want %v: the 10 s timeout, then a 1 s rest", gap, AttemptTimeout+RetryDelay(1))
	}
}

// A receiver that answers 429 or 503 with Retry-After gets the rest it asks
// for, in seconds or as a date, when that is longer than the backoff's.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter func() string
		rest       time.Duration
		slack      time.Duration
	}{
		{"503 with seconds", http.StatusServiceUnavailable, func() string { return "3" }, 3 * time.Second, 0},
		// An HTTP-date has whole seconds: the rest is between 3 and 4 s.
		{"429 with a date", http.StatusTooManyRequests, func() string { return time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second, time.Second},
		{"500 is not asked", http.StatusInternalServerError, func() string { return "3" }, RetryDelay(1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEngine(t, "loopback", Config{})
			var mu sync.Mutex
			var arrivals []time.Time
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				first := len(arrivals) == 1
				mu.Unlock()
				if first {
					w.Header().Set("Retry-After", tc.retryAfter())
					w.WriteHeader(tc.status)
				}
			}))
			ep := e.addEndpoint(t, srv.URL)
			msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
			if err != nil {
				t.Fatal(err)
			}
			if final := e.waitMessage(t, msg.ID, 10*time.Second); final.State != models.StateSucceeded || final.Attempts != 2 {
				t.Fatalf("message %s after %d attempts, want succeeded after 2", final.State, final.Attempts)
			}
			mu.Lock()
			gap := arrivals[1].Sub(arrivals[0])
			mu.Unlock()
			if gap < tc.rest-20*time.Millisecond || gap > tc.rest+tc.slack+300*time.Millisecond {
				t.Fatalf("retry came %v after the first attempt, want %v (+%v)", gap, tc.rest, tc.slack+300*time.Millisecond)
			}
		})
	}
}

func TestRedirectsAreFailuresAndNotFollowed(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	var canary atomic.Int32
	target := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { canary.Add(1) }))
	for _, status := range []int{301, 302, 307} {
		redirect := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", status)
		}))
		ep := e.addEndpoint(t, redirect.URL)
		msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "PROJECT_CREATED")
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for len(e.attempts(t, msg.ID)) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		attempts := e.attempts(t, msg.ID)
		if len(attempts) == 0 {
			t.Fatalf("%d: no attempt recorded", status)
		}
		a := attempts[0]
		if a.Success || a.ResponseStatus != status || a.ErrorClass != ClassRedirect || !strings.Contains(a.ErrorDetail, "redirects are not followed") {
			t.Errorf("%d: attempt %+v, want a redirect failure", status, a)
		}
		msg2, _ := e.store.Message(t.Context(), e.userID, msg.ID)
		if msg2.State != models.StateRetrying {
			t.Errorf("%d: message %s, want retrying", status, msg2.State)
		}
	}
	if n := canary.Load(); n != 0 {
		t.Fatalf("the Location was visited %d times", n)
	}
}

func TestReceiverVerifiesSignature(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL, catalog.Header{Name: "X-Team", Value: "perf"}, catalog.Header{Name: "Authorization", Value: "Bearer abcdefghijkl"})
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_FINISH")
	if err != nil {
		t.Fatal(err)
	}
	if final := e.waitMessage(t, msg.ID, 5*time.Second); final.State != models.StateSucceeded {
		t.Fatalf("state %s", final.State)
	}
	got := rec.got()[0]
	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Fatalf("receiver could not verify the delivery: %v", err)
	}
	for name, want := range map[string]string{
		"Content-Type": "application/json", "X-Team": "perf", "Authorization": "Bearer abcdefghijkl",
		"User-Agent": "loadhook/dev",
	} {
		if got.header.Get(name) != want {
			t.Errorf("header %s = %q, want %q", name, got.header.Get(name), want)
		}
	}
	// The log keeps the request headers with secrets masked.
	a := e.attempts(t, msg.ID)[0]
	if strings.Contains(a.RequestHeaders, "abcdefghijkl") || !strings.Contains(a.RequestHeaders, "perf") {
		t.Fatalf("recorded request headers not masked right: %s", a.RequestHeaders)
	}
}

func TestRotatedSecretSignsWithBoth(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	old := ep.Secret
	until := time.Now().Add(24 * time.Hour)
	ep.PreviousSecret, ep.PreviousSecretUntil, ep.Secret = old, &until, catalog.GenerateSecret()
	if err := e.store.UpdateEndpoint(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	e.waitMessage(t, msg.ID, 5*time.Second)
	got := rec.got()[0]
	if sigs := strings.Fields(got.header.Get("webhook-signature")); len(sigs) != 2 {
		t.Fatalf("want two signatures during rotation, got %q", got.header.Get("webhook-signature"))
	}
	for _, secret := range []string{old, ep.Secret} {
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(got.body, got.header); err != nil {
			t.Errorf("verify with one of the secrets: %v", err)
		}
	}
}

func TestBlockedAddressIsRecordedAndNotRetried(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "external", Config{})
	var hits atomic.Int32
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	ep := e.addEndpoint(t, srv.URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, msg.ID, 5*time.Second)
	attempts := e.attempts(t, msg.ID)
	if final.State != models.StateFailed || len(attempts) != 1 || attempts[0].ErrorClass != ClassBlocked {
		t.Fatalf("state %s, attempts %+v; want failed after one blocked attempt", final.State, attempts)
	}
	if !strings.Contains(attempts[0].ErrorDetail, "127.0.0.1 is a loopback address") || hits.Load() != 0 {
		t.Fatalf("detail %q, %d hits", attempts[0].ErrorDetail, hits.Load())
	}
	// A duplicate job for the finished message (as after a crash) makes no
	// further attempt, even with a stale publish-time copy of the message
	// left in the handoff (its first run loaded it from the database).
	stale := *final
	stale.State, stale.Attempts, stale.FirstAttemptAt = models.StatePending, 0, nil
	e.svc.handoff.put([]models.Delivery{{Message: stale}})
	if again, err := e.svc.attempt(t.Context(), msg.ID, attemptRun{startBy: time.Now().Add(singleWait)}); err != nil || !again.IsZero() {
		t.Fatalf("a duplicate job's run: again %v, err %v; want done", again, err)
	}
	if n := len(e.attempts(t, msg.ID)); n != 1 {
		t.Fatalf("%d attempts after a duplicate job, want 1", n)
	}
}

func TestGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t, "loopback", Config{})
	rec := &receiver{statuses: []int{http.StatusGone}}
	ep := e.addEndpoint(t, serve(t, rec).URL)
	msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, msg.ID, 5*time.Second)
	after, err := e.store.Endpoint(t.Context(), e.userID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.State != models.StateFailed || final.Attempts != 1 || after.Enabled || !strings.Contains(after.DisabledReason, "410 Gone") {
		t.Fatalf("state %s after %d attempts; endpoint enabled=%v reason=%q", final.State, final.Attempts, after.Enabled, after.DisabledReason)
	}
}

func TestHangingEndpointDoesNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil, nil, slog.New(slog.DiscardHandler))
	e := newTestEngine(t, "loopback", Config{Workers: 20, Metrics: m})
	release := make(chan struct{})
	hanging := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) }) // runs before the server's Close, which waits for handlers
	slow := e.addEndpoint(t, hanging.URL)
	slow.Events = "TEST_STARTED"
	if err := e.store.UpdateEndpoint(t.Context(), slow); err != nil {
		t.Fatal(err)
	}
	healthy := &receiver{}
	fast := e.addEndpoint(t, serve(t, healthy).URL)
	fast.Events = "TEST_FINISH"
	if err := e.store.UpdateEndpoint(t.Context(), fast); err != nil {
		t.Fatal(err)
	}
	sample, _ := catalog.SampleEvent("TEST_STARTED", "https://loadhook.example", time.Now())
	for i := range 100 {
		// A run each: messages of one run would go one at a time (order
		// per test run) and never reach the endpoint's cap.
		sample.Metadata = maps.Clone(sample.Metadata)
		sample.Metadata[catalog.TestRunKey] = strconv.Itoa(i)
		if _, err := e.svc.Publish(t.Context(), e.userID, sample); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the hanging endpoint take its slots
	finish, _ := catalog.SampleEvent("TEST_FINISH", "https://loadhook.example", time.Now())
	start := time.Now()
	pub, err := e.svc.Publish(t.Context(), e.userID, finish)
	if err != nil {
		t.Fatal(err)
	}
	final := e.waitMessage(t, pub.Messages[0].ID, time.Second)
	if final.State != models.StateSucceeded {
		t.Fatalf("healthy endpoint's message is %s %v after publishing, want succeeded within 1 s", final.State, time.Since(start))
	}
	// The hanging endpoint's messages beyond its cap are put off once they
	// have waited for a slot, and the operator can see it.
	for deadline := time.Now().Add(5 * time.Second); deferredTotal(t, m) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("loadhook_delivery_deferred_total is still 0 while 96 messages wait behind the hanging endpoint's cap")
		}
	}
}

// deferredTotal scrapes loadhook_delivery_deferred_total.
func deferredTotal(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if v, ok := strings.CutPrefix(line, "loadhook_delivery_deferred_total "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("the scrape has no loadhook_delivery_deferred_total")
	return 0
}

// The retention job runs on its own: old attempts disappear without anyone
// calling the store.
func TestRetentionJobPrunesOldAttempts(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{Retention: time.Hour})
	ep := e.addEndpoint(t, "http://127.0.0.1:9/")
	old := models.Attempt{MessageID: "msg_old", EndpointID: ep.ID, Number: 1, StartedAt: time.Now().Add(-2 * time.Hour).UTC(), URL: ep.URL}
	recent := models.Attempt{MessageID: "msg_recent", EndpointID: ep.ID, Number: 1, StartedAt: time.Now().UTC(), URL: ep.URL}
	if err := e.db.Create(&[]models.Attempt{old, recent}).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ids []string
		e.db.Model(&models.Attempt{}).Pluck("message_id", &ids)
		if len(ids) == 1 && ids[0] == "msg_recent" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempts left: %v; want only msg_recent", ids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Disabling an endpoint stops the next attempt of each of its messages, test
// messages too, even while the endpoint cache still holds it as enabled.
func TestDisablingStopsTheNextAttempt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		test bool
	}{{"test event", true}, {"real event", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newIdleEngine(t, "loopback", Config{})
			e.svc.endpoints.ttl = time.Hour
			if err := e.svc.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec := &receiver{statuses: []int{http.StatusInternalServerError}}
			ep := e.addEndpoint(t, serve(t, rec).URL)
			var msgID string
			if tc.test {
				msg, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED")
				if err != nil {
					t.Fatal(err)
				}
				msgID = msg.ID
			} else {
				in, _ := catalog.SampleEvent("TEST_STARTED", "https://loadhook.example", time.Now())
				pub, err := e.svc.Publish(t.Context(), e.userID, in)
				if err != nil {
					t.Fatal(err)
				}
				msgID = pub.Messages[0].ID
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(e.attempts(t, msgID)) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if err := e.store.SetEndpointEnabled(t.Context(), e.userID, ep.ID, false); err != nil {
				t.Fatal(err)
			}
			final := e.waitMessage(t, msgID, 5*time.Second)
			if final.State != models.StateFailed || final.LastErrorClass != ClassDisabled || final.Attempts != 1 || final.NextAttemptAt != nil {
				t.Fatalf("message %s after %d attempts, last outcome %q, next %v; want failed after 1 with %q and nothing next",
					final.State, final.Attempts, final.LastErrorClass, final.NextAttemptAt, ClassDisabled)
			}
			if n := len(rec.got()); n != 1 {
				t.Fatalf("the receiver got %d requests, want 1: nothing after the endpoint was disabled", n)
			}
		})
	}
}

func TestSendTestToDisabledEndpointIsRefused(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	ep := e.addEndpoint(t, "http://127.0.0.1:9/")
	if err := e.store.SetEndpointEnabled(t.Context(), e.userID, ep.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED"); !errors.Is(err, ErrEndpointDisabled) {
		t.Fatalf("SendTest to a disabled endpoint: %v, want ErrEndpointDisabled", err)
	}
	var n int64
	if err := e.db.Model(&models.Message{}).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d messages stored (err %v), want none", n, err)
	}
	// Once enabled again, the test event is accepted.
	if err := e.store.SetEndpointEnabled(t.Context(), e.userID, ep.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SendTest(t.Context(), e.userID, ep.ID, "TEST_STARTED"); err != nil {
		t.Fatalf("SendTest once enabled again: %v", err)
	}
}
