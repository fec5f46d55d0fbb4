package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/loadhook/loadhook/webhook"
)

func (f *apiFixture) postWithKey(t *testing.T, key, body string) *httptest.ResponseRecorder {
	t.Helper()
	return f.postKeyed(t, "Bearer "+f.token, key, body)
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "TEST_STARTED", true)
	f.addEndpoint(t, "TEST_STARTED", true)
	first := f.postWithKey(t, "run-42-started", startedBody)
	if first.Code != http.StatusAccepted || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first POST: %d %s (replayed %q)", first.Code, first.Body, first.Header().Get("Idempotent-Replayed"))
	}
	again := f.postWithKey(t, "run-42-started", startedBody)
	if again.Code != http.StatusAccepted || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retried POST: %d %s (replayed %q)", again.Code, again.Body, again.Header().Get("Idempotent-Replayed"))
	}
	var a, b createEventResponse
	json.Unmarshal(first.Body.Bytes(), &a)
	json.Unmarshal(again.Body.Bytes(), &b)
	if a.ID == "" || a.ID != b.ID || len(b.Messages) != 2 || len(a.Messages) != 2 {
		t.Fatalf("retry answered %+v, first %+v", b, a)
	}
	// The same messages; the order of two made in one instant may differ.
	seen := map[webhook.PublishedMessage]bool{}
	for _, m := range a.Messages {
		seen[m] = true
	}
	for _, m := range b.Messages {
		if !seen[m] {
			t.Errorf("the retry names message %+v, which the first answer did not", m)
		}
	}
	if n := f.count(t, "events"); n != 1 {
		t.Errorf("%d events stored for one key, want 1", n)
	}
	if n := f.count(t, "messages"); n != 2 {
		t.Errorf("%d messages stored, want 2", n)
	}
	// Another key is another event; no key is never deduplicated.
	if rec := f.postWithKey(t, "run-42-started-b", startedBody); rec.Code != http.StatusAccepted {
		t.Fatalf("other key: %d %s", rec.Code, rec.Body)
	}
	if rec := f.post(t, "Bearer "+f.token, startedBody); rec.Code != http.StatusAccepted {
		t.Fatalf("no key: %d %s", rec.Code, rec.Body)
	}
	if n := f.count(t, "events"); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
}

func TestIdempotencyKeyWithAnotherBody(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "TEST_STARTED,PROJECT_CREATED", true)
	if rec := f.postWithKey(t, "k1", startedBody); rec.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	rec := f.postWithKey(t, "k1", `{"eventType":"PROJECT_CREATED","projectName":"Shop"}`)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "different request body") {
		t.Fatalf("same key, other body: %d %s", rec.Code, rec.Body)
	}
	if n := f.count(t, "events"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

func TestIdempotencyKeyRules(t *testing.T) {
	f := newAPIFixture(t)
	for _, key := range []string{strings.Repeat("k", 256), "has space", "naïve"} {
		rec := f.postWithKey(t, key, startedBody)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Idempotency-Key") {
			t.Errorf("key %q: %d %s", key, rec.Code, rec.Body)
		}
	}
	if n := f.count(t, "events"); n != 0 {
		t.Errorf("%d events stored for refused keys", n)
	}
}

func TestIdempotencyKeyConcurrentPostsStoreOneEvent(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "TEST_STARTED", true)
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Go(func() {
			rec := f.postWithKey(t, "same-key", startedBody)
			if rec.Code != http.StatusAccepted {
				t.Errorf("POST %d: %d %s", i, rec.Code, rec.Body)
				return
			}
			var r createEventResponse
			json.Unmarshal(rec.Body.Bytes(), &r)
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent POSTs with one key got events %v", ids)
		}
	}
	if n := f.count(t, "events"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}
