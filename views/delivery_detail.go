package views

import (
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// DeliveryDetailProps are the props of one message's page.
type DeliveryDetailProps struct {
	Page       Page
	MessageID  string
	EventID    string
	EventType  string
	Test       bool
	EndpointID int64
	// EndpointURL is the endpoint's current URL; each attempt keeps the URL
	// it went to.
	EndpointURL string
	CreatedAt   time.Time
	// Payload is the body pretty-printed; RawPayload is the exact bytes
	// sent, which the Copy button copies.
	Payload    string
	RawPayload string
	Status     DeliveryStatusProps
}

// DeliveryStatusProps are the props of the part of the page that changes
// while the message is delivered: its state, the attempts and Redeliver.
type DeliveryStatusProps struct {
	MessageID     string
	CSRF          string
	State         string
	Attempts      int
	MaxAttempts   int
	NextAttemptAt *time.Time
	WaitingFor    string // as in DeliveryRow
	AttemptList   []AttemptView
	Now           time.Time
}

// InFlight reports whether attempts are still coming.
func (p DeliveryStatusProps) InFlight() bool {
	return catalog.InFlight(p.State)
}

// AttemptView is one HTTP attempt as the page shows it. Every string in it
// may come from the receiver; templ escapes them all.
type AttemptView struct {
	Number          int
	StartedAt       time.Time
	URL             string
	RequestHeaders  []HeaderLine
	Status          int
	StatusText      string
	ResponseHeaders []HeaderLine
	Body            string
	BodyBytes       int
	Truncated       bool
	catalog.Timing
	Success bool
	// Explanation says in plain words what happened.
	Explanation string
}

// HeaderLine is one header name and value.
type HeaderLine struct {
	Name  string
	Value string
}

func (p DeliveryDetailProps) crumbs() []Breadcrumb {
	c := deliveryCrumbs(p.EndpointID, "Deliveries")
	c[len(c)-1].Href = DeliveriesPath(p.EndpointID, DeliveryQuery{})
	return append(c, Breadcrumb{Label: p.MessageID})
}

// phase writes one part of an attempt's timing, "—" when it did not happen.
func phase(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return duration(d)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
