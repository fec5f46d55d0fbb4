package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// resendCap bounds one "Resend failed": enough for any real outage, small
// enough that the request ends in seconds. Pressing again takes the next
// ones, since those resent are no longer failed.
const resendCap = 1000

// sendTestEvent sends an event type's sample payload to one endpoint through
// the real pipeline. htmx gets the refreshed list; a plain form post goes
// back to the endpoint page with a flash.
func (s *Server) sendTestEvent(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	typ := c.FormValue("event_type")
	if _, ok := catalog.LookupEventType(typ); !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, msgChooseEventType)
	}
	ctx := c.Request().Context()
	if err := s.limitUser(c, testSendLimit, ep.UserID, tooManyTests); err != nil {
		return err
	}
	msg, err := s.hooks.SendTest(ctx, ep.UserID, ep.ID, typ)
	if err != nil {
		return fmt.Errorf("send test %s to endpoint %d: %w", typ, ep.ID, err)
	}
	if isHTMX(c) {
		list, err := s.recentDeliveries(ctx, ep, time.Now().UTC())
		if err != nil {
			return err
		}
		// The health block comes along out of band and keeps itself fresh
		// until the test has finished, so its figures and chart include it.
		health, err := s.endpointHealth(ctx, ep, time.Now().UTC(), true)
		if err != nil {
			return err
		}
		health.OutOfBand = true
		return s.render(c, http.StatusOK, templ.Join(
			views.TestEventSent(views.TestEventSentProps{EventType: typ, MessageID: msg.ID, List: list}), views.EndpointHealth(health)))
	}
	s.flash(c, views.FlashSuccess, fmt.Sprintf("Sent a %s test event as %s. Its delivery shows under Recent deliveries.", typ, msg.ID))
	// No #anchor: the flash is at the top of the page, where it loads.
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID))
}

// resendFailed redelivers every failed message of an endpoint created in
// the chosen period.
func (s *Server) resendFailed(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	rng, ok := catalog.LookupPeriod(c.FormValue("range"))
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, msgChoosePeriod)
	}
	ctx := c.Request().Context()
	if err := s.limitUser(c, resendLimit, ep.UserID, tooManyResends); err != nil {
		return err
	}
	sent, capped, err := s.resendFailedIn(ctx, ep, rng)
	if err != nil {
		return err
	}
	period := strings.ToLower(rng.Label)
	switch {
	case sent == 0:
		s.flash(c, views.FlashInfo, fmt.Sprintf("No failed deliveries in the %s: nothing to resend.", period))
	case capped:
		s.flash(c, views.FlashSuccess, fmt.Sprintf("Redelivering %s from the %s, the most at once; press again for the rest.", nounCount(sent, "failed message"), period))
	default:
		s.flash(c, views.FlashSuccess, fmt.Sprintf("Redelivering %s from the %s.", nounCount(sent, "failed message"), period))
	}
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID))
}

// resendFailedIn redelivers the endpoint's failed messages created in the
// period, at most resendCap; capped says the cap was reached, so more may
// remain.
func (s *Server) resendFailedIn(ctx context.Context, ep *models.Endpoint, rng catalog.Period) (sent int, capped bool, err error) {
	now := time.Now().UTC()
	ids, err := s.store.FailedMessageIDs(ctx, ep.UserID, ep.ID, now.Add(-rng.Duration), now, resendCap)
	if err != nil {
		return 0, false, err // the store says which endpoint
	}
	for _, id := range ids {
		err := s.hooks.Redeliver(ctx, ep.UserID, id)
		switch {
		case errors.Is(err, models.ErrNotRedeliverable), errors.Is(err, models.ErrNotFound):
			// Resent or deleted since the list was read: nothing to do.
		case err != nil:
			return sent, false, fmt.Errorf("resend failed message %s: %w", id, err)
		default:
			sent++
		}
	}
	s.log.Info("failed deliveries resent", "user", ep.UserID, "endpoint", ep.ID, "count", sent)
	return sent, len(ids) == resendCap, nil
}

// Messages of the test and resend actions, the page's and the API's.
var (
	msgChooseEventType = "Choose one of the nine event types."
	msgChoosePeriod    = "Choose a period: the " + catalog.PeriodLabels() + "."
)

// tooManyTests answers a user who sends test events faster than the limit.
var tooManyTests = "Too many test events: at most " + perWindow(testSendLimit) + ". Wait a minute, then try again."

func nounCount(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
