package views

import (
	"net/url"
	"time"

	"github.com/loadhook/loadhook/paths"
)

// EndpointOverviewProps are the props of an endpoint's overview page, what
// opening an endpoint shows: what it is, its state, its secret, its health
// and its deliveries, with the actions on it.
type EndpointOverviewProps struct {
	Page        Page
	ID          int64
	URL         string
	Description string
	State       EndpointState
	EventTypes  []string
	HeaderCount int
	// PreviousSecretUntil is set while a rotated-out secret still signs.
	PreviousSecretUntil *time.Time
	// Deliveries is Send test event, the health block and recent deliveries.
	Deliveries EndpointDeliveriesProps
}

// EndpointState is what the list and the overview say an endpoint is:
// Enabled, Failing (enabled, and its newest finished messages failed) or
// Disabled, with why.
type EndpointState struct {
	Enabled bool
	// DisabledReason says why loadhook turned the endpoint off; empty when
	// its user did.
	DisabledReason string
	// DisabledAt is when it was turned off, if known.
	DisabledAt *time.Time
	// FailingSince is set for an enabled endpoint whose every message
	// since then failed; LastError says the newest failure in words.
	FailingSince *time.Time
	LastError    string
}

// The states an endpoint is shown in.
const (
	StateLabelEnabled  = "Enabled"
	StateLabelFailing  = "Failing"
	StateLabelDisabled = "Disabled"
)

// Label is the state's badge text.
func (s EndpointState) Label() string {
	switch {
	case !s.Enabled:
		return StateLabelDisabled
	case s.FailingSince != nil:
		return StateLabelFailing
	}
	return StateLabelEnabled
}

// Failing reports whether the endpoint is on but its messages fail.
func (s EndpointState) Failing() bool { return s.Enabled && s.FailingSince != nil }

// AutoDisabled reports whether loadhook, not its user, turned it off.
func (s EndpointState) AutoDisabled() bool { return !s.Enabled && s.DisabledReason != "" }

func (s EndpointState) badgeClass() string {
	switch s.Label() {
	case StateLabelFailing:
		return "badge badge-danger"
	case StateLabelDisabled:
		return "badge badge-neutral"
	}
	return "badge badge-success"
}

// EndpointName is what breadcrumbs and titles call an endpoint: its
// description, else its URL's host.
func EndpointName(description, rawURL string) string {
	if description != "" {
		return description
	}
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}

func (p EndpointOverviewProps) name() string { return EndpointName(p.Description, p.URL) }

func (p EndpointOverviewProps) crumbs() []Breadcrumb {
	return append(webhookCrumbs[:2:2], Breadcrumb{Label: "Webhook", Href: paths.Webhook}, Breadcrumb{Label: p.name()})
}

// HealthFigure is the headline health figure: of the messages of a period
// that finished, how many were delivered. The list and the overview show
// this one figure; attempts, retries included, are a figure of their own.
type HealthFigure struct {
	Delivered int64
	Finished  int64
}

func (h HealthFigure) rate() string { return shareText(h.Delivered, h.Finished) }

// shareText is part of whole as a percentage, "—" when whole is 0.
func shareText(part, whole int64) string {
	if whole == 0 {
		return "—"
	}
	return percent(100 * float64(part) / float64(whole))
}

// rateClass colours the figure: green from 95 %, amber from 80 %, red below.
func (h HealthFigure) rateClass() string {
	switch {
	case h.Finished == 0:
		return "health-rate"
	case h.Delivered*100 >= h.Finished*95:
		return "health-rate rate-good"
	case h.Delivered*100 >= h.Finished*80:
		return "health-rate rate-warn"
	}
	return "health-rate rate-bad"
}

// counts is "55 of 55 messages delivered".
func (h HealthFigure) counts() string {
	if h.Finished == 0 {
		return "no finished messages"
	}
	return itoa(int(h.Delivered)) + " of " + plural(int(h.Finished), "message") + " delivered"
}

// HealthPeriod is one period of the health block: the messages figure, and
// the attempts figure labelled as such.
type HealthPeriod struct {
	Label    string
	Messages HealthFigure
	Attempts HealthWindow
}

// EndpointHealthProps are the props of the overview's health block.
type EndpointHealthProps struct {
	EndpointID int64
	Periods    []HealthPeriod
	Chart      Chart
	// Refresh is set while messages are in flight: the block fetches itself
	// again, so the figures and the chart catch up with a test event.
	Refresh bool
	// OutOfBand renders it as htmx's out-of-band replacement of the block.
	OutOfBand bool
}

// ReturnParam is the form field of Disable and Enable that names the page
// to come back to; ReturnOverview is its one value (the list otherwise).
const (
	ReturnParam    = "return"
	ReturnOverview = "overview"
)

// HealthRefreshInterval is how often the health block refreshes itself
// while messages are in flight.
const HealthRefreshInterval = "2s"
