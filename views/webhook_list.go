package views

import (
	"time"

	"github.com/loadhook/loadhook/paths"
)

// WebhookListProps are the props of the endpoint list.
type WebhookListProps struct {
	Page      Page
	Endpoints []EndpointCard
	// Max is how many endpoints a user may have.
	Max int
	Now time.Time
}

// AutoDisabled lists the endpoints loadhook turned off, for the banner.
func (p WebhookListProps) AutoDisabled() []EndpointCard {
	var out []EndpointCard
	for _, e := range p.Endpoints {
		if e.State.AutoDisabled() {
			out = append(out, e)
		}
	}
	return out
}

// listSeparator ends item i of n in a sentence: ", " between, "." last.
func listSeparator(i, n int) string {
	if i == n-1 {
		return "."
	}
	return ", "
}

// openWhich starts the banner's advice: "Open it" or "Open one".
func openWhich(n int) string {
	if n == 1 {
		return "Open it"
	}
	return "Open one"
}

// AtLimit reports whether the user may add no more endpoints.
func (p WebhookListProps) AtLimit() bool { return len(p.Endpoints) >= p.Max }

// EndpointCard is one endpoint in the list.
type EndpointCard struct {
	ID          int64
	URL         string
	Description string
	EventCount  int
	HeaderCount int
	State       EndpointState
	// Last is nil until the endpoint has been sent something.
	Last *LastDelivery
	// Health counts the messages of the last HealthWindow, as the
	// overview's first period does.
	Health       HealthFigure
	HealthWindow time.Duration
}

// LastDelivery is the state of an endpoint's newest message.
type LastDelivery struct {
	State  string
	Status int
	At     time.Time
}

var webhookCrumbs = []Breadcrumb{{Label: "Profile", Href: paths.Profile}, {Label: "Integrations", Href: paths.Profile + "#integrations"}, {Label: "Webhook"}}

// ConfirmProps are the props of a page that asks before doing something
// that cannot be undone; it is what users without JavaScript see.
type ConfirmProps struct {
	Page    Page
	Crumbs  []Breadcrumb
	Title   string
	Message string
	// Subject is the thing concerned, shown as code (a URL, a token name).
	Subject    string
	Action     string
	Confirm    string
	CancelHref string
}
