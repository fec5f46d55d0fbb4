package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// TestBrowserDeliveryScreenshots makes the README's pictures of the delivery
// log: docs/screenshot-endpoint.png (the endpoint page with Send test event,
// health, the hourly chart and recent deliveries in several states) and
// docs/screenshot-delivery.png (a delivery that failed once, then
// succeeded). Every delivery in them is real: the engine sends it to a
// receiver on 127.0.0.1 that fails some event types on purpose.
//
// It runs only under `make screenshots` (LOADHOOK_SCREENSHOTS=1). With
// LOADHOOK_SCREENSHOTS_EXTRA=DIR it also writes, into DIR, phone-width
// (390 px) shots of the same pages and of the whole log, to look at and
// not to commit.
func TestBrowserDeliveryScreenshots(t *testing.T) {
	if os.Getenv("LOADHOOK_SCREENSHOTS") == "" {
		t.Skip("set LOADHOOK_SCREENSHOTS=1 (make screenshots) to regenerate the delivery log screenshots")
	}
	app, ctx, receiverURL := deliveringBrowserApp(t, newScreenshotReceiver().ServeHTTP)
	base := app.srv.URL
	bg := context.Background()

	browserSignUp(t, ctx, base, "screenshots@example.com")
	uid := app.user("screenshots@example.com").ID
	ep := &models.Endpoint{UserID: uid, URL: receiverURL + "/hooks/loadhook", Description: "Load test alerts for the checkout team",
		Events: "TEST_STARTED,TEST_FINISH,TEST_FAILED", Enabled: true, Secret: catalog.GenerateSecret(),
		Headers: []catalog.Header{{Name: "X-Team", Value: "checkout"}, {Name: "Authorization", Value: "Bearer screenshot-secret-123"}}}
	if err := app.store.CreateEndpoint(bg, ep); err != nil {
		t.Fatal(err)
	}
	send := func(typ string) string {
		t.Helper()
		m, err := app.hooks.SendTest(bg, uid, ep.ID, typ)
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}

	// A day of history for the chart and the health numbers: real
	// deliveries, moved back in time once they have finished.
	shift := map[string]time.Duration{}
	for i, h := range screenshotHistory {
		for j := range h.count {
			typ := "TEST_STARTED"
			switch {
			case h.failing > j:
				typ = "TEST_FAILED"
			case (i+j)%8 == 0:
				typ = "TEST_FINISH"
			}
			shift[send(typ)] = h.ago + time.Duration(j)*7*time.Minute
		}
	}
	waitDelivered(t, app, len(shift))
	for id, d := range shift {
		backdate(t, app, id, d)
	}

	// What the list shows, oldest first.
	send("TEST_STARTED")
	retried := send("TEST_FINISH") // fails once, then succeeds
	send("TEST_FAILED")            // fails all four attempts
	send("PROJECT_CREATED")
	send("TEST_STARTED")
	waitDelivered(t, app, len(shift)+5)

	// The newest row is sent from the page, and shot while it retries.
	do(t, ctx, "open the endpoint",
		chromedp.Navigate(base+endpointPath(ep.ID, "")),
		chromedp.WaitVisible(tid("send-test-form")),
		chromedp.SetValue(chromedp.ID("test-event-type"), "TEST_FAILED"),
		chromedp.Click(tid("send-test-button")),
	)
	waitFor(t, ctx, "the test event is retrying",
		`document.querySelector('[data-testid=delivery-row]')?.dataset.state === 'retrying' &&
		 document.querySelector('[data-testid=next-attempt]')?.textContent.trim().startsWith('Next retry in') &&
		 document.querySelector('[data-testid=test-event-status]').textContent.trim() !== ''`)
	capture(t, ctx, docsPath("screenshot-endpoint.png"))

	detail := base + "/profile/integrations/webhook/deliveries/" + retried
	screenshot(t, ctx, detail, "screenshot-delivery.png")

	if dir := os.Getenv("LOADHOOK_SCREENSHOTS_EXTRA"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		log := base + endpointPath(ep.ID, "deliveries")
		open := func(url string) {
			t.Helper()
			do(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("footer")))
		}
		open(log)
		capture(t, ctx, filepath.Join(dir, "deliveries-wide.png"))
		do(t, ctx, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		for name, url := range map[string]string{"endpoint-narrow.png": base + endpointPath(ep.ID, ""), "delivery-narrow.png": detail, "deliveries-narrow.png": log} {
			open(url)
			capture(t, ctx, filepath.Join(dir, name))
		}
	}
}

// screenshotHistory is the made-up past of the screenshot's endpoint,
// oldest first like message ids: how many deliveries it had how long ago,
// and how many of them failed.
var screenshotHistory = []struct {
	ago            time.Duration
	count, failing int
}{
	{5 * 24 * time.Hour, 12, 1}, {3 * 24 * time.Hour, 9, 0},
	{22 * time.Hour, 4, 0}, {21 * time.Hour, 6, 0}, {20 * time.Hour, 3, 0}, {19 * time.Hour, 7, 0}, {17 * time.Hour, 5, 0},
	{15 * time.Hour, 9, 0}, {14 * time.Hour, 6, 0}, {12 * time.Hour, 11, 0}, {11 * time.Hour, 7, 0}, {10 * time.Hour, 8, 0},
	{8 * time.Hour, 12, 1}, {7 * time.Hour, 9, 0}, {6 * time.Hour, 5, 0}, {5 * time.Hour, 6, 0}, {4 * time.Hour, 3, 0},
	{3 * time.Hour, 10, 0}, {2 * time.Hour, 8, 0}, {time.Hour, 9, 0},
}

// newScreenshotReceiver answers like a receiver with a few problems:
// TEST_FAILED always gets 503, TEST_FINISH gets 500 the first time and 200
// on the retry, and the rest 200. It takes a little while to answer, so the
// durations look like a real network's.
func newScreenshotReceiver() http.Handler {
	var mu sync.Mutex
	tries := map[string]int{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("webhook-id")
		mu.Lock()
		tries[id]++
		n := tries[id]
		mu.Unlock()
		var ev struct {
			EventType string `json:"eventType"`
		}
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &ev)
		h := fnv.New32a()
		io.WriteString(h, id)
		time.Sleep(time.Duration(20+h.Sum32()%140) * time.Millisecond)

		w.Header().Set("Content-Type", "application/json")
		switch {
		case ev.EventType == "TEST_FAILED":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"alert queue is full, try again later"}`)
		case ev.EventType == "TEST_FINISH" && n == 1:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":"database is locked"}`)
		default:
			w.WriteHeader(http.StatusOK)
			fmt.Fprintf(w, `{"received":true,"id":%q}`, id)
		}
	})
}

// waitDelivered waits until n messages exist and none is in flight.
func waitDelivered(t *testing.T, app *testApp, n int) {
	t.Helper()
	// 144 messages at four in flight, the failing ones 11 s of retries
	// each: on a slow machine that takes more than half a minute.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var total, busy int64
		db := app.db
		db.Model(&models.Message{}).Count(&total)
		db.Model(&models.Message{}).Where("state IN ?", []string{models.StatePending, models.StateRetrying}).Count(&busy)
		if total == int64(n) && busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			var stuck []models.Message
			db.Where("state IN ?", []string{models.StatePending, models.StateRetrying}).Limit(5).Find(&stuck)
			for _, m := range stuck {
				t.Logf("in flight: %s %s %s, attempt %d of %d, next %v, last %s %d", m.ID, m.EventType, m.State, m.Attempts, m.MaxAttempts, m.NextAttemptAt, m.LastErrorClass, m.LastStatus)
			}
			t.Fatalf("%d of %d messages are still in flight", busy, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// backdate moves a finished message, its event and its attempts d into the
// past.
func backdate(t *testing.T, app *testApp, messageID string, d time.Duration) {
	t.Helper()
	db := app.db
	var msg models.Message
	if err := db.Where("id = ?", messageID).Take(&msg).Error; err != nil {
		t.Fatal(err)
	}
	updates := map[string]any{"created_at": msg.CreatedAt.Add(-d), "updated_at": msg.UpdatedAt.Add(-d)}
	if msg.FirstAttemptAt != nil {
		updates["first_attempt_at"] = msg.FirstAttemptAt.Add(-d)
	}
	if err := db.Model(&models.Message{}).Where("id = ?", messageID).UpdateColumns(updates).Error; err != nil {
		t.Fatal(err)
	}
	var ev models.Event
	if err := db.Where("id = ?", msg.EventID).Take(&ev).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&models.Event{}).Where("id = ?", ev.ID).UpdateColumn("created_at", ev.CreatedAt.Add(-d)).Error; err != nil {
		t.Fatal(err)
	}
	var attempts []models.Attempt
	if err := db.Where("message_id = ?", messageID).Find(&attempts).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		if err := db.Model(&models.Attempt{}).Where("id = ?", a.ID).UpdateColumn("started_at", a.StartedAt.Add(-d)).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func docsPath(name string) string { return filepath.Join("..", "docs", name) }

// capture saves a full-page PNG of the page as it is now.
func capture(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
