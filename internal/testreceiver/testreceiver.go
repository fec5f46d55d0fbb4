// Package testreceiver is an endpoint for the tests of delivery order: it
// answers each delivery as the test says and notes every arrival in order.
package testreceiver

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// Delivery is one request as a receiver sees it: the message ID from the
// webhook-id header, the event type and the test run from the body.
type Delivery struct {
	MessageID, EventType, Run string
}

// Arrival is a delivery and the status it was answered with.
type Arrival struct {
	Delivery
	Status int
}

// Receiver answers each delivery with the status its answer function gives
// and notes every arrival in order.
type Receiver struct {
	answer func(d Delivery, earlier int) int

	mu       sync.Mutex
	arrivals []Arrival
}

// New returns a receiver whose answer is given each delivery and how many
// times its message arrived before; it may block, to hold an attempt.
func New(answer func(d Delivery, earlier int) int) *Receiver {
	return &Receiver{answer: answer}
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		EventType string            `json:"eventType"`
		Metadata  map[string]string `json:"metadata"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d := Delivery{req.Header.Get("webhook-id"), body.EventType, body.Metadata[catalog.TestRunKey]}
	earlier := 0
	r.mu.Lock()
	for _, a := range r.arrivals {
		if a.MessageID == d.MessageID {
			earlier++
		}
	}
	r.mu.Unlock()
	status := r.answer(d, earlier) // may block: not under the lock
	r.mu.Lock()
	r.arrivals = append(r.arrivals, Arrival{d, status})
	r.mu.Unlock()
	w.WriteHeader(status)
}

// Arrivals returns the arrivals so far, in order.
func (r *Receiver) Arrivals() []Arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Arrival(nil), r.arrivals...)
}

// WaitFor waits until a request of message id arrived.
func (r *Receiver) WaitFor(t testing.TB, id string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, a := range r.Arrivals() {
			if a.MessageID == id {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s never arrived; arrivals: %+v", id, r.Arrivals())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
