package handlers

import (
	"sync"
	"time"

	"github.com/loadhook/loadhook/models"
)

// tokenFreshFor is how long a token checked against the database is trusted
// without checking again. It bounds how long another instance still accepts
// a revoked token: at most 1 s.
const tokenFreshFor = time.Second

// tokenKnownFor is how long a token that was valid is remembered as such
// after it went stale: from an address blocked for bad tokens, only tokens
// known this way are still looked up, so a flood of made-up tokens never
// reaches the database and the platform's real ones keep working.
const tokenKnownFor = 10 * time.Minute

// maxCachedTokens bounds the cache; only valid tokens enter it.
const maxCachedTokens = 10000

// tokenCache remembers authenticated API tokens briefly: under load the
// token lookup was a tenth of the server's work per event; with a 1 s
// freshness it is one lookup per token per second per instance.
type tokenCache struct {
	now   func() time.Time
	mu    sync.Mutex
	items map[string]cachedToken // by token hash
}

type cachedToken struct {
	token models.APIToken
	// checked is when the database lookup that found the token started.
	checked time.Time
}

func newTokenCache() *tokenCache {
	return &tokenCache{now: time.Now, items: make(map[string]cachedToken)}
}

// get returns the cached token: fresh means it may be used without a lookup,
// known that it was valid within tokenKnownFor.
func (c *tokenCache) get(hash string) (token *models.APIToken, fresh, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	item, ok := c.items[hash]
	if !ok {
		return nil, false, false
	}
	age := c.now().Sub(item.checked)
	if age >= tokenKnownFor {
		delete(c.items, hash)
		return nil, false, false
	}
	if age >= tokenFreshFor {
		return nil, false, true
	}
	t := item.token
	return &t, true, true
}

// put caches a token found by a lookup that started at checked: the
// freshness counts from before the read, so a revocation committed during
// the lookup is still seen within tokenFreshFor.
func (c *tokenCache) put(hash string, t *models.APIToken, checked time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= maxCachedTokens {
		clear(c.items)
	}
	c.items[hash] = cachedToken{token: *t, checked: checked}
}

// drop forgets a token the database no longer has.
func (c *tokenCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, hash)
}

// forget drops a revoked token.
func (c *tokenCache) forget(tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for hash, item := range c.items {
		if item.token.ID == tokenID {
			delete(c.items, hash)
		}
	}
}
