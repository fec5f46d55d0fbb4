package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// showDelivery renders one message with its payload and every attempt.
// htmx gets only the status part, which refreshes itself while the message
// is in flight.
func (s *Server) showDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	d, err := s.store.DeliveryDetail(ctx, user.ID, c.Param(paths.ParamMessageID))
	if err != nil {
		return fmt.Errorf("load delivery %s: %w", c.Param(paths.ParamMessageID), err)
	}
	c.Response().Header().Add("Vary", "HX-Request")
	page := s.page(c, "Delivery "+d.Message.ID, views.NavWebhook)
	status := deliveryStatus(d, page.CSRF, time.Now().UTC())
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.DeliveryStatus(status))
	}
	props := views.DeliveryDetailProps{
		Page: page, MessageID: d.Message.ID, EventID: d.Event.ID, EventType: d.Message.EventType, Test: d.Message.Test,
		EndpointID: d.Message.EndpointID, CreatedAt: d.Message.CreatedAt,
		Payload: prettyJSON(d.Event.Payload), RawPayload: string(d.Event.Payload), Status: status,
	}
	ep, err := s.store.Endpoint(ctx, user.ID, d.Message.EndpointID)
	switch {
	case err == nil:
		props.EndpointURL = ep.URL
	case !errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("load endpoint of delivery %s: %w", d.Message.ID, err)
	}
	return s.render(c, http.StatusOK, views.DeliveryDetailPage(props))
}

// redeliver makes one more attempt of a finished message.
func (s *Server) redeliver(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	// Ownership first: another user's message is a 404, and costs nothing
	// from the rate limit.
	msg, err := s.store.Message(ctx, user.ID, c.Param(paths.ParamMessageID))
	if err != nil {
		return fmt.Errorf("load message %s: %w", c.Param(paths.ParamMessageID), err)
	}
	if err := s.limitUser(c, resendLimit, user.ID, tooManyResends); err != nil {
		return err
	}
	err = s.hooks.Redeliver(ctx, user.ID, msg.ID)
	switch {
	case errors.Is(err, models.ErrNotRedeliverable):
		s.flash(c, views.FlashInfo, msgStillDelivering)
	case err != nil:
		return fmt.Errorf("redeliver %s: %w", msg.ID, err)
	default:
		s.log.Info("redelivery queued", "user", user.ID, "message", msg.ID)
		s.flash(c, views.FlashSuccess, fmt.Sprintf("Redelivery queued: attempt %d starts now, with the same webhook-id.", msg.Attempts+1))
	}
	return c.Redirect(http.StatusSeeOther, paths.WithMessageID(paths.Delivery, msg.ID))
}

// tooManyResends answers a user who redelivers faster than the limit.
var tooManyResends = "Too many redeliveries: at most " + perWindow(resendLimit) + ". Wait a minute, then try again."

func deliveryStatus(d *models.DeliveryDetail, csrf string, now time.Time) views.DeliveryStatusProps {
	m := d.Message
	p := views.DeliveryStatusProps{
		MessageID: m.ID, CSRF: csrf, State: m.State, Attempts: m.Attempts,
		MaxAttempts: m.MaxAttempts, NextAttemptAt: m.NextAttemptAt, Now: now,
		WaitingFor: m.WaitingFor,
		LastStatus: m.LastStatus, Redelivered: redelivered(m),
		Blocked: m.LastErrorClass == catalog.ClassBlocked, Disabled: m.LastErrorClass == catalog.ClassDisabled,
	}
	for i, a := range d.Attempts {
		v := attemptView(a)
		v.Redelivery = isRedelivery(d.Attempts[:i], a, m)
		p.AttemptList = append(p.AttemptList, v)
	}
	return p
}

// isRedelivery tells an attempt a user asked for from the engine's own, by
// what came before it: past the automatic attempts, after an attempt that
// ended the message (a success, a blocked address, 410 Gone), or the last
// attempt of a message whose maximum a redelivery set. Attempts are not
// marked when they are made, so a redelivery of a message the engine
// stopped without an attempt (endpoint disabled) is known only while it is
// the last.
func isRedelivery(before []models.Attempt, a models.Attempt, m models.Message) bool {
	if a.Number > webhook.MaxAttempts {
		return true
	}
	if n := len(before); n > 0 {
		prev := before[n-1]
		if prev.Success || prev.ErrorClass == catalog.ClassBlocked || prev.ResponseStatus == http.StatusGone {
			return true
		}
	}
	last := a.Number == m.Attempts && !catalog.InFlight(m.State)
	return last && m.MaxAttempts != webhook.MaxAttempts && a.Number == m.MaxAttempts
}

func attemptView(a models.Attempt) views.AttemptView {
	advice := webhook.Advice{}
	if !a.Success {
		advice = webhook.AdviceFor(a.ErrorClass, a.ResponseStatus)
	}
	return views.AttemptView{
		Advice: advice.Text, AdviceSection: advice.Section,
		NotSent: a.ErrorClass == catalog.ClassBlocked,
		Number:  a.Number, StartedAt: a.StartedAt, URL: a.URL,
		// Masked when recorded; masked again here so that a row written by
		// an older version, or by hand, cannot show a credential.
		RequestHeaders:  headerLines(a.RequestHeaders, true),
		Status:          a.ResponseStatus,
		StatusText:      http.StatusText(a.ResponseStatus),
		ResponseHeaders: headerLines(a.ResponseHeaders, false),
		Body:            strings.ToValidUTF8(string(a.ResponseBody), "\uFFFD"),
		BodyBytes:       len(a.ResponseBody),
		Truncated:       a.Truncated,
		Timing:          a.Timing(),
		Success:         a.Success,
		Explanation:     explainAttempt(a),
	}
}

// headerLines turns the JSON of an http.Header into sorted rows. A value
// that cannot be read is shown as it is stored rather than hidden: it is
// the evidence a user debugs with.
func headerLines(raw string, mask bool) []views.HeaderLine {
	if raw == "" {
		return nil
	}
	var h map[string][]string
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return []views.HeaderLine{{Name: "(unreadable)", Value: raw}}
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []views.HeaderLine
	for _, name := range names {
		for _, v := range h[name] {
			if mask && catalog.IsSensitiveHeader(name) && !strings.Contains(v, catalog.MaskDots) {
				v = catalog.MaskValue(v)
			}
			out = append(out, views.HeaderLine{Name: name, Value: v})
		}
	}
	return out
}

// prettyJSON indents a payload for reading; anything that is not JSON is
// shown as it is.
func prettyJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// explainAttempt says in one line of plain words what an attempt got, in
// the engine's words for its error classes.
func explainAttempt(a models.Attempt) string {
	return webhook.ExplainAttempt(a.ErrorClass, a.ResponseStatus, a.ErrorDetail, a.Success)
}
