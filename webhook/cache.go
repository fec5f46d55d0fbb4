package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/loadhook/loadhook/models"
)

// endpointCache keeps decrypted endpoints for a moment. Every attempt needs
// the URL, headers and secrets; loading and decrypting them per attempt cost
// more than the rest of an attempt's bookkeeping. An edit reaches deliveries
// within the TTL, on every instance; while the cache is watched, every
// change to an endpoint drops its entry at once, and an entry loaded while
// watched is current (see get). On Postgres the watch listens for the
// trigger's notices (endpoint_watch.go); on SQLite, the one process that
// writes the file sees its own writes (models.Store.OnEndpointWrite).
type endpointCache struct {
	ttl   time.Duration
	load  func(ctx context.Context, id int64) (*models.Endpoint, error)
	mu    sync.Mutex
	items map[int64]cachedEndpoint
	// watched says every change to an endpoint reaches forget: the
	// listener is connected.
	watched bool
	// gen counts forgets and changes of watched, so that a load that
	// overlapped one does not store what it read.
	gen uint64
}

type cachedEndpoint struct {
	endpoint *models.Endpoint
	loaded   time.Time
	// watched: loaded while the cache was watched, so still current.
	watched bool
}

// watchedTTL bounds a watched entry's life, as a safety net only: changes
// drop it anyway.
const watchedTTL = time.Minute

func newEndpointCache(ttl time.Duration, load func(context.Context, int64) (*models.Endpoint, error)) *endpointCache {
	return &endpointCache{ttl: ttl, load: load, items: make(map[int64]cachedEndpoint)}
}

// get returns the endpoint, from the cache while it is fresh. current says
// it is the endpoint as stored now (up to a change notice still on its way):
// it was loaded while the cache was watched and nothing changed it since.
// Otherwise it may be up to the TTL old. The result is shared: callers must
// not modify it.
func (c *endpointCache) get(ctx context.Context, id int64) (ep *models.Endpoint, current bool, err error) {
	now := time.Now()
	c.mu.Lock()
	item, ok := c.items[id]
	gen, watched := c.gen, c.watched
	c.mu.Unlock()
	ttl := c.ttl
	if item.watched {
		ttl = watchedTTL
	}
	if ok && now.Sub(item.loaded) < ttl && !previousSecretExpired(item.endpoint, now) {
		return item.endpoint, item.watched, nil
	}
	ep, err = c.load(ctx, id)
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		// A change (or the listener's loss) overlapped the load: use what
		// was read, but neither keep it nor call it current.
		return ep, false, nil
	}
	if len(c.items) > 10000 {
		clear(c.items)
	}
	c.items[id] = cachedEndpoint{endpoint: ep, loaded: now, watched: watched}
	return ep, watched, nil
}

// previousSecretExpired reports whether ep still signs with a rotated-out
// secret past its overlap, which loading it again drops.
func previousSecretExpired(ep *models.Endpoint, now time.Time) bool {
	return ep.PreviousSecret != "" && ep.PreviousSecretUntil != nil && now.After(*ep.PreviousSecretUntil)
}

// forget drops an endpoint that changed.
func (c *endpointCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, id)
	c.gen++
}

// forgetAll drops every endpoint: one changed, which one is not known.
func (c *endpointCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	c.gen++
}

// setWatched says whether changes reach forget from now on. Either way
// every entry goes: those loaded before cannot be told current.
func (c *endpointCache) setWatched(watched bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	c.watched = watched
	c.gen++
}
