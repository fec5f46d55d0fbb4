package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loadhook/loadhook/models"
)

// TestEndpointCacheCurrent checks when the cache calls an entry current:
// only when loaded while watched, with no change overlapping the load.
func TestEndpointCacheCurrent(t *testing.T) {
	cases := []struct {
		name    string
		watched bool
		// during runs inside the load.
		during      func(c *endpointCache)
		wantCurrent bool
		wantKept    bool
	}{
		{name: "not watched", wantKept: true},
		{name: "watched", watched: true, wantCurrent: true, wantKept: true},
		{name: "changed while loading", watched: true, during: func(c *endpointCache) { c.forget(7) }},
		{name: "another endpoint changed while loading", watched: true, during: func(c *endpointCache) { c.forget(8) }},
		{name: "watch lost while loading", watched: true, during: func(c *endpointCache) { c.setWatched(false) }},
		{name: "watch began while loading", during: func(c *endpointCache) { c.setWatched(true) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *endpointCache
			c = newEndpointCache(time.Hour, func(context.Context, int64) (*models.Endpoint, error) {
				if tc.during != nil {
					tc.during(c)
				}
				return &models.Endpoint{ID: 7, Enabled: true}, nil
			})
			c.setWatched(tc.watched)
			_, current, err := c.get(t.Context(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if current != tc.wantCurrent {
				t.Errorf("current = %v, want %v", current, tc.wantCurrent)
			}
			if _, kept := c.items[7]; kept != tc.wantKept {
				t.Errorf("kept = %v, want %v", kept, tc.wantKept)
			}
		})
	}
}

// TestEndpointWatchForgetsChangedEndpoints: every way an endpoint changes
// drops it from the cache at once, so the worker may trust an entry it
// calls current: on Postgres through the trigger's notice, on SQLite
// through the store's write callbacks.
func TestEndpointWatchForgetsChangedEndpoints(t *testing.T) {
	t.Parallel()
	e := newIdleEngine(t, "loopback", Config{})
	listening := make(chan struct{}, 1)
	if e.svc.watch != nil {
		e.svc.watch.listening = func() { listening <- struct{}{} }
	}
	if err := e.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !e.store.IsSQLite() {
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			t.Fatal("the endpoint watch never listened")
		}
	}
	ctx := t.Context()
	disabled := func(got *models.Endpoint, err error) bool { return err == nil && !got.Enabled }
	for _, tc := range []struct {
		name   string
		change func(ep *models.Endpoint) error
		// check says what the reloaded endpoint must show.
		check func(got *models.Endpoint, err error) bool
	}{
		{"disabled by the user", func(ep *models.Endpoint) error { return e.store.SetEndpointEnabled(ctx, e.userID, ep.ID, false) },
			disabled},
		{"disabled by the engine", func(ep *models.Endpoint) error { return e.store.DisableEndpoint(ctx, ep.ID, "410") },
			disabled},
		{"auto-disabled", func(ep *models.Endpoint) error {
			_, err := e.store.AutoDisableEndpoint(ctx, ep.ID, "failing", time.Now().Add(time.Hour), time.Now())
			return err
		}, disabled},
		{"edited", func(ep *models.Endpoint) error {
			edited := *ep
			edited.URL = "http://127.0.0.1:9/edited"
			return e.store.UpdateEndpoint(ctx, &edited)
		}, func(got *models.Endpoint, err error) bool {
			return err == nil && got.URL == "http://127.0.0.1:9/edited"
		}},
		{"deleted", func(ep *models.Endpoint) error { return e.store.DeleteEndpoint(ctx, e.userID, ep.ID) },
			func(_ *models.Endpoint, err error) bool { return errors.Is(err, models.ErrNotFound) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := e.addEndpoint(t, "http://127.0.0.1:9/")
			got, current, err := e.svc.endpoints.get(ctx, ep.ID)
			if err != nil || !current || !got.Enabled {
				t.Fatalf("before: enabled %v, current %v (err %v); want an enabled, current entry", got != nil && got.Enabled, current, err)
			}
			if err := tc.change(ep); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for cached(e.svc.endpoints, ep.ID) {
				if time.Now().After(deadline) {
					t.Fatal("the changed endpoint is still cached: the change was not seen")
				}
				time.Sleep(5 * time.Millisecond)
			}
			got, current, err = e.svc.endpoints.get(ctx, ep.ID)
			if !tc.check(got, err) {
				t.Fatalf("after: %+v (err %v), current %v: the reload does not show the change", got, err, current)
			}
		})
	}
}

func cached(c *endpointCache, id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[id]
	return ok
}
