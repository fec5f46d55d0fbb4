package views

import (
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
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
	// LastStatus, Redelivered, Blocked and Disabled are as in DeliveryRow.
	LastStatus        int
	Redelivered       bool
	Blocked, Disabled bool
}

func (p DeliveryStatusProps) progress() progress {
	return progress{State: p.State, Attempts: p.Attempts, LastStatus: p.LastStatus, Redelivered: p.Redelivered,
		Blocked: p.Blocked, Disabled: p.Disabled, NextAttemptAt: p.NextAttemptAt}
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
	// Advice says what to do about a failure; AdviceSection is its section
	// of the delivery-failures page.
	Advice        string
	AdviceSection string
	// Redelivery marks an attempt a user asked for by hand.
	Redelivery bool
	// NotSent is an attempt the host policy refused: no request left.
	NotSent bool
}

// adviceURL links an attempt's advice to its section of the
// delivery-failures page.
func (a AttemptView) adviceURL() string { return paths.DeliveryHelp + "#" + a.AdviceSection }

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
