package webhook

import (
	"sync"
	"time"

	"github.com/loadhook/loadhook/models"
)

// handoff passes just-committed messages and their payloads from the publish
// commit to the worker that makes their first attempt, saving it a database
// read. It is only a shortcut: a miss (another instance, a restart, a full
// handoff) falls back to loading the message from the database.
type handoff struct {
	mu    sync.Mutex
	max   int
	items map[string]handoffItem
}

type handoffItem struct {
	delivery models.Delivery
	at       time.Time
}

// handoffTTL drops entries nobody took: their jobs ran on another instance.
const handoffTTL = 30 * time.Second

func newHandoff(max int) *handoff {
	return &handoff{max: max, items: make(map[string]handoffItem)}
}

// put offers committed deliveries to this process's workers.
func (h *handoff) put(deliveries []models.Delivery) {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.items)+len(deliveries) > h.max {
		for id, item := range h.items {
			if now.Sub(item.at) > handoffTTL {
				delete(h.items, id)
			}
		}
	}
	for _, d := range deliveries {
		if len(h.items) >= h.max {
			return
		}
		h.items[d.Message.ID] = handoffItem{delivery: d, at: now}
	}
}

// take returns and forgets a handed-off delivery, or nil.
func (h *handoff) take(messageID string) *models.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	item, ok := h.items[messageID]
	if !ok {
		return nil
	}
	delete(h.items, messageID)
	return &item.delivery
}
