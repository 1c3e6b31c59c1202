package signing

import (
	"sync"
	"time"
)

// sigCache maps exact policy bytes to their signature until the policy expires. It
// holds at most max entries; when full it first drops expired entries, then an
// arbitrary half (map order), which keeps the cost of a full cache O(1) amortized.
type sigCache struct {
	mu      sync.RWMutex
	max     int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	sig     string
	expires time.Time
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, entries: make(map[string]cacheEntry, max)}
}

func (c *sigCache) get(doc string, now time.Time) (string, bool) {
	c.mu.RLock()
	e, ok := c.entries[doc]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return "", false
	}
	return e.sig, true
}

func (c *sigCache) put(doc, sig string, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := time.Now()
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max/2+1 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[doc] = cacheEntry{sig: sig, expires: expires}
}
