package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
)

// Trial is a URL and headers as typed on the endpoint form, to be tried with
// a sample event before anything is saved.
type Trial struct {
	URL     string
	Headers []catalog.Header
	// EventType names the sample event to send.
	EventType string
	// Endpoint is the saved endpoint being edited: its secrets sign the
	// trial as they sign its deliveries. Nil for an endpoint not saved yet,
	// whose trial is signed with a one-time secret.
	Endpoint *models.Endpoint
}

// TrialResult is what one trial sent and got.
type TrialResult struct {
	// MessageID is the webhook-id the trial was sent with; no message of
	// that id is stored.
	MessageID string
	// OneTimeSecret signed the trial of an unsaved endpoint; "" when the
	// endpoint's own secrets did.
	OneTimeSecret string
	Outcome       *Outcome
}

// Try sends the sample event of t.EventType once to t.URL, through the
// sender real deliveries use: the host policy checked at dial time, the
// same headers, the AttemptTimeout deadline and Standard Webhooks signing.
// It stores nothing, queues nothing and never retries. The error is only
// for a trial that cannot be built (an unknown event type); every failure
// of the attempt itself is in the Outcome.
func (s *Service) Try(ctx context.Context, t Trial) (*TrialResult, error) {
	in, err := catalog.SampleEvent(t.EventType, s.cfg.BaseURL, time.Now())
	if err != nil {
		return nil, err
	}
	body, err := catalog.BuildPayload(s.cfg.Source, in)
	if err != nil {
		return nil, fmt.Errorf("try %s: %w", t.EventType, err)
	}
	res := &TrialResult{MessageID: models.NewID(models.MessageIDPrefix)}
	var signing []string
	if t.Endpoint != nil {
		signing = secrets(t.Endpoint)
	} else {
		res.OneTimeSecret = catalog.GenerateSecret()
		signing = []string{res.OneTimeSecret}
	}
	res.Outcome = s.sender.Send(ctx, Delivery{URL: t.URL, MessageID: res.MessageID, Body: body, Headers: t.Headers, Secrets: signing})
	return res, nil
}
