package views

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
)

// DeliveriesPath is an endpoint's delivery log with the filters of q.
func DeliveriesPath(endpointID int64, q DeliveryQuery) string {
	p := paths.WithID(paths.EndpointDeliveries, endpointID)
	if v := q.Values().Encode(); v != "" {
		p += "?" + v
	}
	return p
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

// StateOptions are the states the log can be filtered by.
var StateOptions = stateOptions()

func stateOptions() []Option {
	opts := make([]Option, len(catalog.MessageStates))
	for i, s := range catalog.MessageStates {
		opts[i] = Option{s.Name, s.Label}
	}
	return opts
}

// DeliveryQuery is the filter form of the delivery log as the user sent it,
// with invalid values already dropped. It rebuilds the links that keep the
// filters, so every filtered page has a URL that can be shared.
type DeliveryQuery struct {
	State     string
	EventType string
	Status    string
	Range     string
	// Since and Until are datetime-local values, in UTC.
	Since  string
	Until  string
	Search string
	// Before is the keyset cursor: show messages older than this id.
	Before string
}

// Values encodes the query for a URL, leaving out what is empty.
func (q DeliveryQuery) Values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{
		{"state", q.State}, {"type", q.EventType}, {"status", q.Status}, {"range", q.Range},
		{"since", q.Since}, {"until", q.Until}, {"q", q.Search}, {"before", q.Before},
	} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// Filtered reports whether any filter narrows the log.
func (q DeliveryQuery) Filtered() bool {
	q.Before = ""
	return q != DeliveryQuery{}
}

// DeliveryRow is one message in the delivery log.
type DeliveryRow struct {
	ID          string
	EventType   string
	Test        bool
	State       string
	Attempts    int
	MaxAttempts int
	// LastStatus is the HTTP status of the last attempt, 0 without an answer.
	LastStatus int
	// LastError is the error class of the last attempt.
	LastError     string
	LastDuration  time.Duration
	CreatedAt     time.Time
	NextAttemptAt *time.Time
	WaitingFor    string // the earlier message of its test run a waiting message waits for
	// Redelivered is set once a user has redelivered the message by hand:
	// its last attempt, or the one coming, is that redelivery.
	Redelivered bool
	// Blocked and Disabled say the message was not sent: the host policy
	// refused the address, or the endpoint was disabled.
	Blocked, Disabled bool
}

func (r DeliveryRow) progress() progress {
	return progress{State: r.State, Attempts: r.Attempts, LastStatus: r.LastStatus, Redelivered: r.Redelivered,
		Blocked: r.Blocked, Disabled: r.Disabled, NextAttemptAt: r.NextAttemptAt}
}

// progress is where a message stands, in the words the delivery log and the
// detail page share: no "1/4" to decode.
type progress struct {
	State         string
	Attempts      int
	LastStatus    int
	Redelivered   bool
	Blocked       bool
	Disabled      bool
	NextAttemptAt *time.Time
}

// summary says how the message ended, or that it is still going.
func (p progress) summary() string {
	switch p.State {
	case catalog.StateSucceeded:
		if p.Redelivered {
			return "Delivered on redelivery"
		}
		return "Delivered on attempt " + itoa(p.Attempts)
	case catalog.StatePending:
		if p.Redelivered {
			return "Redelivery in progress"
		}
		return "In progress"
	case catalog.StateWaiting:
		return "Not started: its test run goes in order"
	case catalog.StateRetrying:
		return "Attempt " + itoa(p.Attempts) + " failed"
	case catalog.StateFailed:
		switch {
		case p.Blocked:
			return "Not retried: blocked"
		case p.Disabled:
			return "Not sent: endpoint disabled"
		case p.LastStatus == http.StatusGone:
			return "Not retried: 410 Gone"
		case p.Redelivered:
			return "Redelivery failed"
		}
		return "Failed after " + plural(p.Attempts, "attempt")
	}
	return p.State
}

// nextAttempt says when a retrying message is tried again; ok is false when
// nothing is scheduled.
func (p progress) nextAttempt(now time.Time) (text string, ok bool) {
	if p.State != catalog.StateRetrying || p.NextAttemptAt == nil {
		return "", false
	}
	if due(p.NextAttemptAt, now) {
		return "Retrying now", true
	}
	return "Next retry " + until(*p.NextAttemptAt, now), true
}

// InFlight reports whether the message still has attempts coming.
func (r DeliveryRow) InFlight() bool { return catalog.InFlight(r.State) }

// result is what the last attempt got: a status, else an error class.
func (r DeliveryRow) result() string {
	switch {
	case r.Blocked || r.Disabled:
		return "not sent"
	case r.LastStatus > 0:
		return itoa(r.LastStatus)
	case r.LastError != "":
		return r.LastError
	}
	return "—"
}

func (r DeliveryRow) resultClass() string {
	switch {
	case catalog.SuccessStatus(r.LastStatus):
		return "result-ok"
	case r.LastStatus > 0 || r.LastError != "":
		return "result-bad"
	}
	return "muted"
}

// DeliveryListProps are the props of the list of messages, which is also
// the fragment htmx fetches to refresh it.
type DeliveryListProps struct {
	EndpointID int64
	Rows       []DeliveryRow
	Query      DeliveryQuery
	// Next is the cursor of the older page, "" on the last page.
	Next string
	// Compact is the short list on the endpoint page: no paging, a link to
	// the whole log instead.
	Compact bool
	Now     time.Time
}

// InFlight reports whether any row is still being delivered: only then does
// the list refresh itself.
func (p DeliveryListProps) InFlight() bool {
	for _, r := range p.Rows {
		if r.InFlight() {
			return true
		}
	}
	return false
}

func (p DeliveryListProps) refreshURL() string {
	if p.Compact {
		return paths.RecentDeliveries(p.EndpointID)
	}
	return DeliveriesPath(p.EndpointID, p.Query)
}

func (p DeliveryListProps) olderURL() string {
	q := p.Query
	q.Before = p.Next
	return DeliveriesPath(p.EndpointID, q)
}

func (p DeliveryListProps) newestURL() string {
	q := p.Query
	q.Before = ""
	return DeliveriesPath(p.EndpointID, q)
}

// HealthWindow sums up an endpoint's attempts over a period: the health
// block's attempt-level figure, beside the messages one (HealthFigure).
type HealthWindow struct {
	Label     string
	Attempts  int64
	Succeeded int64
	P50, P95  time.Duration
}

func (h HealthWindow) rate() string { return shareText(h.Succeeded, h.Attempts) }

// SendTestDisabledNote says why Send test event does nothing for a disabled
// endpoint; the server's refusal says the same.
const SendTestDisabledNote = "This endpoint is disabled, and loadhook sends a disabled endpoint nothing, test events included. Enable it to send a test event."

// EndpointDeliveriesProps are the props of the delivery part of the
// endpoint page: test events, health and the recent deliveries.
type EndpointDeliveriesProps struct {
	EndpointID int64
	// Enabled is false for a disabled endpoint, which is sent nothing: the
	// test button is off and says why.
	Enabled    bool
	CSRF       string
	EventTypes []EventGroup
	Health     EndpointHealthProps
	Recent     DeliveryListProps
}

// DeliveriesPageProps are the props of an endpoint's whole delivery log.
type DeliveriesPageProps struct {
	Page        Page
	EndpointID  int64
	EndpointURL string
	EventTypes  []EventGroup
	// Notes say which filter values were ignored, and why.
	Notes []string
	List  DeliveryListProps
}

// TestEventSentProps are the props of htmx's answer to "Send test event".
type TestEventSentProps struct {
	EventType string
	MessageID string
	List      DeliveryListProps
}

// duration writes a duration for people: "840 ms", "1.2 s".
func duration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// until says how long until t: "in 3 s", "in 2 min".
func until(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("in %d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(d/time.Minute))
	}
	return "at " + timeUTC(t)
}

// due reports whether a retrying message's next attempt is due: then it is
// running, or about to, and "in 0 s" would read oddly.
func due(next *time.Time, now time.Time) bool { return !next.After(now) }

// timeExact is a time to the second, in UTC, for titles.
func timeExact(t time.Time) string {
	return t.UTC().Format("2 Jan 2006, 15:04:05 UTC")
}

func deliveryCrumbs(endpointID int64, last string) []Breadcrumb {
	return append(webhookCrumbs[:2:2], Breadcrumb{Label: "Webhook", Href: paths.Webhook},
		Breadcrumb{Label: "Endpoint", Href: paths.WithID(paths.Endpoint, endpointID)}, Breadcrumb{Label: last})
}
