package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// payloadFields says what each top-level key of a payload holds (SPEC.md
// "Payload"), in payload order.
var payloadFields = []views.CatalogField{
	{Name: "type", Value: `always "notification"`},
	{Name: "source", Value: "the platform that sent the event, the same for every event of this server"},
	{Name: "eventType", Value: "one of the nine types below"},
	{Name: "title", Value: "the type's title, unless the platform overrides it"},
	{Name: "message", Value: "the type's message, unless the platform overrides it"},
	{Name: "timestamp", Value: "when the event happened, in UTC, as " + catalog.TimestampLayout + " (no zone, no fraction)"},
	{Name: "metadata", Value: "an object of the type's keys, every value a string; {} for project events"},
	{Name: "severity", Value: "info, success, warning or error"},
}

// showEventCatalog lists the nine event types with their fields and a
// sample payload each, built as Send test event builds one.
func (s *Server) showEventCatalog(c echo.Context) error {
	now := time.Now().UTC()
	props := views.EventCatalogProps{Page: s.page(c, "Event catalog", ""), Fields: payloadFields}
	for _, g := range catalog.EventGroups() {
		vg := views.CatalogGroup{Name: g.Name}
		for _, t := range g.Types {
			body, err := s.hooks.SamplePayload(t.Name, now)
			if err != nil {
				return fmt.Errorf("event catalog: %w", err)
			}
			var payload struct {
				Message  string            `json:"message"`
				Metadata map[string]string `json:"metadata"`
			}
			if err := json.Unmarshal(body, &payload); err != nil {
				return fmt.Errorf("event catalog: read the sample of %s: %w", t.Name, err)
			}
			ct := views.CatalogType{Name: t.Name, Title: t.Title, Message: payload.Message, Severity: t.Severity, Sample: prettyJSON(body)}
			for _, k := range t.MetadataKeys {
				ct.Metadata = append(ct.Metadata, views.CatalogField{Name: k, Value: payload.Metadata[k]})
			}
			vg.Types = append(vg.Types, ct)
		}
		props.Groups = append(props.Groups, vg)
	}
	return s.render(c, http.StatusOK, views.EventCatalogPage(props))
}

// showDeliveryHelp says what each failed attempt means and what to do, in
// the engine's words (webhook.Failures), with the retry schedule.
func (s *Server) showDeliveryHelp(c echo.Context) error {
	props := views.DeliveryHelpProps{Page: s.page(c, "Delivery failures", ""), Schedule: retrySchedule()}
	for _, f := range webhook.Failures() {
		props.Failures = append(props.Failures, views.FailureHelp{Section: f.Section, Title: f.Title, Explain: f.Explain, Advice: f.Text})
	}
	return s.render(c, http.StatusOK, views.DeliveryHelpPage(props))
}

// retrySchedule says the retry policy in one paragraph, from the engine's
// own numbers.
func retrySchedule() string {
	rests := make([]string, 0, webhook.MaxAttempts-1)
	for n := 1; n < webhook.MaxAttempts; n++ {
		rests = append(rests, fmt.Sprintf("%d s", int(webhook.RetryDelay(n)/time.Second)))
	}
	if n := len(rests); n > 1 {
		rests[n-1] = "then " + rests[n-1]
	}
	return fmt.Sprintf("A 2xx answer within %d s is a success. Anything else is retried, %d attempts in all: each retry waits %s after the attempt before it ended, "+
		"longer if a 429 or 503 asks with Retry-After (up to %d s). A blocked address and 410 Gone are not retried. "+
		"A message that failed can be redelivered by hand, with the same webhook-id.",
		int(webhook.AttemptTimeout/time.Second), webhook.MaxAttempts, strings.Join(rests, ", "), int(webhook.MaxRetryDelay/time.Second))
}
