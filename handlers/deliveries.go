package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// recentLimit is how many deliveries the endpoint page lists.
const recentLimit = 10

// listDeliveries renders an endpoint's delivery log with filters. htmx gets
// only the list, which is how the list refreshes itself while deliveries
// are in flight; view=recent is the short list of the endpoint page.
func (s *Server) listDeliveries(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	// The same URL answers a page or a fragment; caches must keep them apart.
	c.Response().Header().Add("Vary", "HX-Request")
	now := time.Now().UTC()
	if c.QueryParam(paths.ViewParam) == paths.ViewRecent {
		list, err := s.recentDeliveries(c.Request().Context(), ep, now)
		if err != nil {
			return err // the store says which endpoint
		}
		return s.render(c, http.StatusOK, views.DeliveryList(list))
	}

	query, filter, notes := parseDeliveryQuery(c.QueryParams(), now)
	page, err := s.store.Deliveries(c.Request().Context(), ep.UserID, ep.ID, filter)
	if err != nil {
		return err // the store says which endpoint
	}
	list := views.DeliveryListProps{EndpointID: ep.ID, Rows: deliveryRows(page.Messages), Query: query, Next: page.Next, Now: now}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.DeliveryList(list))
	}
	return s.render(c, http.StatusOK, views.DeliveriesPage(views.DeliveriesPageProps{
		Page: s.page(c, "Deliveries", views.NavWebhook), EndpointID: ep.ID, EndpointURL: ep.URL,
		EventTypes: eventGroups(), Notes: notes, List: list,
	}))
}

// recentDeliveries is the short, unfiltered list of the endpoint page.
func (s *Server) recentDeliveries(ctx context.Context, ep *models.Endpoint, now time.Time) (views.DeliveryListProps, error) {
	page, err := s.store.Deliveries(ctx, ep.UserID, ep.ID, models.DeliveryFilter{Limit: recentLimit})
	if err != nil {
		return views.DeliveryListProps{}, err
	}
	return views.DeliveryListProps{EndpointID: ep.ID, Rows: deliveryRows(page.Messages), Next: page.Next, Compact: true, Now: now}, nil
}

func deliveryRows(msgs []models.Message) []views.DeliveryRow {
	rows := make([]views.DeliveryRow, len(msgs))
	for i, m := range msgs {
		rows[i] = views.DeliveryRow{
			ID: m.ID, EventType: m.EventType, Test: m.Test, State: m.State,
			Attempts: m.Attempts, MaxAttempts: m.MaxAttempts, LastStatus: m.LastStatus, LastError: m.LastErrorClass,
			LastDuration: time.Duration(m.LastDurationMs) * time.Millisecond,
			CreatedAt:    m.CreatedAt, NextAttemptAt: m.NextAttemptAt, WaitingFor: m.WaitingFor,
			Redelivered: redelivered(m),
			Blocked:     m.LastErrorClass == catalog.ClassBlocked, Disabled: m.LastErrorClass == catalog.ClassDisabled,
		}
	}
	return rows
}

// redelivered reports whether a user has redelivered the message by hand.
// A message gets webhook.MaxAttempts automatic attempts, and a redelivery
// sets its maximum to the attempts made plus one (Store.ReopenMessage), so
// either count beyond the automatic ones tells it. A message redelivered
// after exactly MaxAttempts-1 attempts looks like an automatic one: the
// message keeps no other record of it.
func redelivered(m models.Message) bool {
	return m.Attempts > webhook.MaxAttempts || m.MaxAttempts != webhook.MaxAttempts
}

// datetimeLayouts are what a datetime-local input sends (with and without
// seconds), and RFC 3339 for hand-made links.
var datetimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339}

func parseDatetime(s string) (time.Time, bool) {
	for _, layout := range datetimeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseDeliveryQuery reads the filters of the delivery log. A value that
// makes no sense is dropped with a note saying so, rather than failing the
// page: a shared link with a typo still shows something useful.
func parseDeliveryQuery(v url.Values, now time.Time) (views.DeliveryQuery, models.DeliveryFilter, []string) {
	q, f, notes := parseDeliveryParams(v, now)
	texts := make([]string, len(notes))
	for i, n := range notes {
		texts[i] = n.text
	}
	return q, f, texts
}

// knownBy turns a catalog lookup into whether it knows a value.
func knownBy[T any](lookup func(string) (T, bool)) func(string) bool {
	return func(v string) bool {
		_, ok := lookup(v)
		return ok
	}
}

// deliveryNote is a delivery log parameter whose value could not be used,
// and why; the management API answers them as fields.
type deliveryNote struct{ param, text string }

// parseDeliveryParams is parseDeliveryQuery with each note's parameter.
func parseDeliveryParams(v url.Values, now time.Time) (views.DeliveryQuery, models.DeliveryFilter, []deliveryNote) {
	var q views.DeliveryQuery
	var f models.DeliveryFilter
	var notes []deliveryNote
	ignore := func(param, format string, args ...any) {
		notes = append(notes, deliveryNote{param, fmt.Sprintf(format, args...)})
	}

	// choice reads param, which must be a value the catalog knows; another
	// is ignored with a note that calls it what and ends with hint.
	choice := func(param string, known func(string) bool, what, hint string) string {
		value := strings.TrimSpace(v.Get(param))
		if value == "" || known(value) {
			return value
		}
		ignore(param, "Ignored the %s %q: %s.", what, clip(value), hint)
		return ""
	}

	q.State = choice("state", knownBy(catalog.LookupMessageState), "state", "choose "+catalog.MessageStateNames())
	q.EventType = choice("type", knownBy(catalog.LookupEventType), "event type", "it is not one of the nine event types")
	q.Status = choice("status", knownBy(catalog.LookupStatusClass), "HTTP status", "choose "+catalog.StatusClassValues())
	f.State, f.EventType, f.StatusClass = q.State, q.EventType, q.Status
	if rng := strings.TrimSpace(v.Get("range")); rng != "" {
		if r, ok := catalog.LookupPeriod(rng); ok {
			q.Range, f.Since = rng, now.Add(-r.Duration)
		} else {
			ignore("range", "Ignored the time range %q: choose %s.", clip(rng), catalog.PeriodValues())
		}
	}
	if since := strings.TrimSpace(v.Get("since")); since != "" {
		if t, ok := parseDatetime(since); ok {
			q.Since = since
			// With a preset too, both apply: the later start wins.
			if t.After(f.Since) {
				f.Since = t
			}
		} else {
			ignore("since", "Ignored the start time %q: use a date and time like 2025-07-03T14:30 (UTC).", clip(since))
		}
	}
	if until := strings.TrimSpace(v.Get("until")); until != "" {
		t, ok := parseDatetime(until)
		switch {
		case !ok:
			ignore("until", "Ignored the end time %q: use a date and time like 2025-07-03T14:30 (UTC).", clip(until))
		case !f.Since.IsZero() && !t.After(f.Since):
			ignore("until", "Ignored the end time %s: it is not after the start of the period.", clip(until))
		default:
			q.Until, f.Until = until, t
		}
	}
	if search := strings.TrimSpace(v.Get("q")); search != "" {
		if models.IsID(search, models.MessageIDPrefix) || models.IsID(search, models.EventIDPrefix) {
			q.Search, f.Search = search, search
		} else {
			ignore("q", "Ignored the search %q: search by a message id (%s…) or an event id (%s…).", clip(search), models.MessageIDPrefix, models.EventIDPrefix)
		}
	}
	if before := strings.TrimSpace(v.Get("before")); before != "" {
		if models.IsID(before, models.MessageIDPrefix) {
			q.Before, f.Before = before, before
		} else {
			ignore("before", "Ignored the page cursor %q; showing the newest deliveries.", clip(before))
		}
	}
	return q, f, notes
}

// clip shortens a value quoted back in a note.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
