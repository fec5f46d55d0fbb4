// Package testreceiver reads, for the tests' receivers, what the engine
// posts: which message, which event type and which test run.
package testreceiver

import (
	"encoding/json"
	"net/http"

	"github.com/loadhook/loadhook/catalog"
)

// Delivery is one request as a receiver sees it: the message ID from the
// webhook-id header, the event type and the test run from the body.
type Delivery struct {
	MessageID, EventType, Run string
}

// Read decodes the request. A body that is not an event is answered 400,
// and ok is false.
func Read(w http.ResponseWriter, req *http.Request) (d Delivery, ok bool) {
	var body struct {
		EventType string            `json:"eventType"`
		Metadata  map[string]string `json:"metadata"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return Delivery{}, false
	}
	return Delivery{req.Header.Get("webhook-id"), body.EventType, body.Metadata[catalog.TestRunKey]}, true
}
