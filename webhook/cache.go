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
// within the TTL, on every instance.
type endpointCache struct {
	ttl   time.Duration
	load  func(ctx context.Context, id int64) (*models.Endpoint, error)
	mu    sync.Mutex
	items map[int64]cachedEndpoint
}

type cachedEndpoint struct {
	endpoint *models.Endpoint
	loaded   time.Time
}

func newEndpointCache(ttl time.Duration, load func(context.Context, int64) (*models.Endpoint, error)) *endpointCache {
	return &endpointCache{ttl: ttl, load: load, items: make(map[int64]cachedEndpoint)}
}

// get returns the endpoint, from the cache while it is fresh. The result is
// shared: callers must not modify it.
func (c *endpointCache) get(ctx context.Context, id int64) (*models.Endpoint, error) {
	now := time.Now()
	c.mu.Lock()
	item, ok := c.items[id]
	c.mu.Unlock()
	if ok && now.Sub(item.loaded) < c.ttl {
		return item.endpoint, nil
	}
	ep, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.items) > 10000 {
		clear(c.items)
	}
	c.items[id] = cachedEndpoint{endpoint: ep, loaded: now}
	c.mu.Unlock()
	return ep, nil
}
