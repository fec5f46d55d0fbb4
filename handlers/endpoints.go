package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// summaryWindow is the period of the success rate on the endpoint list.
var summaryWindow = catalog.PeriodDay.Duration

// loadEndpoint loads the signed-in user's endpoint named by the :id
// parameter. Another user's endpoint is as absent as a deleted one: 404.
func (s *Server) loadEndpoint(c echo.Context) (*models.Endpoint, error) {
	return s.loadEndpointOf(c, currentUser(c).ID)
}

// loadEndpointOf loads userID's endpoint named by the :id parameter; the
// pages and the API differ only in who the user is.
func (s *Server) loadEndpointOf(c echo.Context, userID int64) (*models.Endpoint, error) {
	id, err := strconv.ParseInt(c.Param(paths.ParamID), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("endpoint id %q: %w", c.Param(paths.ParamID), models.ErrNotFound)
	}
	ep, err := s.store.Endpoint(c.Request().Context(), userID, id)
	if err != nil {
		return nil, fmt.Errorf("load endpoint %d: %w", id, err)
	}
	return ep, nil
}

// listEndpoints renders the Webhook page: the endpoints with their recent
// delivery state, or an explanation when there are none.
func (s *Server) listEndpoints(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	endpoints, err := s.store.Endpoints(ctx, user.ID)
	if err != nil {
		return fmt.Errorf("list endpoints of user %d: %w", user.ID, err)
	}
	now := time.Now().UTC()
	summaries, err := s.store.EndpointSummaries(ctx, user.ID, now.Add(-summaryWindow))
	if err != nil {
		return fmt.Errorf("summarise endpoints of user %d: %w", user.ID, err)
	}
	props := views.WebhookListProps{Page: s.page(c, "Webhook", views.NavWebhook), Max: models.MaxEndpointsPerUser, Now: now}
	for _, ep := range endpoints {
		props.Endpoints = append(props.Endpoints, endpointCard(ep, summaries[ep.ID]))
	}
	return s.render(c, http.StatusOK, views.WebhookListPage(props))
}

func endpointCard(ep models.Endpoint, sum models.EndpointSummary) views.EndpointCard {
	card := views.EndpointCard{
		ID: ep.ID, URL: ep.URL, Description: ep.Description, EventCount: len(ep.EventTypes()),
		HeaderCount: len(ep.Headers), State: endpointState(&ep, sum),
		Health: healthFigure(sum.Health), HealthWindow: summaryWindow,
	}
	if sum.HasMessages() {
		card.Last = &views.LastDelivery{State: sum.LastState, Status: sum.LastStatus, At: sum.LastAt}
	}
	return card
}

// endpointState is what the list and the overview say the endpoint is:
// Disabled (and why, if loadhook did it), Failing (with the last error in
// words) or Enabled.
func endpointState(ep *models.Endpoint, sum models.EndpointSummary) views.EndpointState {
	st := views.EndpointState{Enabled: ep.Enabled}
	if !ep.Enabled {
		st.DisabledReason, st.DisabledAt = ep.DisabledReason, ep.DisabledAt
		return st
	}
	if f := sum.Failing; f != nil {
		since := f.Since
		st.FailingSince = &since
		st.LastError = webhook.ExplainAttempt(f.LastErrorClass, f.LastStatus, "", false)
	}
	return st
}

// showEndpoint renders an endpoint's overview, what opening it shows.
func (s *Server) showEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	sum, err := s.store.EndpointSummary(ctx, ep.UserID, ep.ID, time.Now().UTC().Add(-summaryWindow))
	if err != nil {
		return err // the store says which user
	}
	page := s.page(c, views.EndpointName(ep.Description, ep.URL), views.NavWebhook)
	deliveries, err := s.endpointDeliveries(ctx, ep, page.CSRF)
	if err != nil {
		return err
	}
	props := views.EndpointOverviewProps{
		Page: page, ID: ep.ID, URL: ep.URL, Description: ep.Description, State: endpointState(ep, sum),
		EventTypes: ep.EventTypes(), HeaderCount: len(ep.Headers), Deliveries: deliveries,
	}
	if ep.PreviousSecret != "" && ep.PreviousSecretUntil != nil {
		props.PreviousSecretUntil = ep.PreviousSecretUntil
	}
	return s.render(c, http.StatusOK, views.EndpointOverviewPage(props))
}

// afterToggle is where Disable and Enable come back to: the overview when
// they were pressed there, else the list.
func afterToggle(c echo.Context, ep *models.Endpoint) string {
	if c.FormValue(views.ReturnParam) == views.ReturnOverview {
		return paths.WithID(paths.Endpoint, ep.ID)
	}
	return paths.Webhook
}

// toggleEndpoint turns deliveries to an endpoint on or off.
func (s *Server) toggleEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	enabled := c.FormValue("enabled") == "true"
	if err := s.store.SetEndpointEnabled(c.Request().Context(), ep.UserID, ep.ID, enabled); err != nil {
		return err // the store says which endpoint
	}
	if enabled {
		s.flash(c, views.FlashSuccess, "Endpoint enabled: "+ep.URL)
	} else {
		s.flash(c, views.FlashSuccess, "Endpoint disabled: "+ep.URL+". Nothing is sent to it until you enable it again.")
	}
	return c.Redirect(http.StatusSeeOther, afterToggle(c, ep))
}

// reenableEndpoint turns an endpoint back on and replays what it missed
// (webhook.Service.ReenableAndReplay), counted and capped like Resend failed.
func (s *Server) reenableEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	overview := paths.WithID(paths.Endpoint, ep.ID)
	if ep.Enabled {
		s.flash(c, views.FlashInfo, "This endpoint is already enabled: nothing to replay. Use Resend failed for its failed deliveries.")
		return c.Redirect(http.StatusSeeOther, overview)
	}
	if err := s.limitUser(c, resendLimit, ep.UserID, tooManyResends); err != nil {
		return err
	}
	replayed, err := s.hooks.ReenableAndReplay(c.Request().Context(), ep.UserID, ep.ID, resendCap)
	if err != nil {
		return fmt.Errorf("enable and replay endpoint %d: %w", ep.ID, err)
	}
	s.log.Info("endpoint enabled and replayed", "user", ep.UserID, "endpoint", ep.ID,
		"messages", replayed.Messages, "missed_events", replayed.Missed)
	msg := "Endpoint enabled. " + replayText(replayed)
	if replayed.Capped {
		msg += fmt.Sprintf(" That is the most at once (%d); use Resend failed for the rest.", resendCap)
	}
	s.flash(c, views.FlashSuccess, msg)
	return c.Redirect(http.StatusSeeOther, overview)
}

// replayText says what a replay queued.
func replayText(r webhook.Replayed) string {
	switch {
	case r.Messages == 0 && r.Missed == 0:
		return "Nothing had failed or been missed: nothing to replay."
	case r.Missed == 0:
		return "Replaying " + nounCount(r.Messages, "failed message") + " with their original webhook-id."
	case r.Messages == 0:
		return "Sending " + nounCount(r.Missed, "event") + " that arrived while it was off."
	}
	return "Replaying " + nounCount(r.Messages, "failed message") + " with their original webhook-id, and sending " +
		nounCount(r.Missed, "event") + " that arrived while it was off."
}

// confirmDeleteEndpoint asks before deleting; it is the no-JavaScript path.
func (s *Server) confirmDeleteEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.ConfirmPage(views.ConfirmProps{
		Page:       s.page(c, "Delete endpoint", views.NavWebhook),
		Crumbs:     []views.Breadcrumb{{Label: "Webhook", Href: paths.Webhook}, {Label: "Delete endpoint"}},
		Title:      "Delete this endpoint?",
		Subject:    ep.URL,
		Message:    "Its settings, signing secret and delivery history are deleted, and deliveries still pending are dropped. This can't be undone.",
		Action:     paths.WithID(paths.EndpointDelete, ep.ID),
		Confirm:    "Delete endpoint",
		CancelHref: paths.Webhook,
	}))
}

// deleteEndpoint deletes an endpoint once confirmed: by app.js's confirm()
// or by the confirmation page, both of which post confirmed=yes.
func (s *Server) deleteEndpoint(c echo.Context) error {
	if c.FormValue("confirmed") != "yes" {
		return s.confirmDeleteEndpoint(c)
	}
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteEndpoint(c.Request().Context(), ep.UserID, ep.ID); err != nil {
		return err // the store says which endpoint
	}
	s.log.Info("endpoint deleted", "user", ep.UserID, "endpoint", ep.ID)
	s.flash(c, views.FlashSuccess, "Endpoint deleted: "+ep.URL)
	return c.Redirect(http.StatusSeeOther, paths.Webhook)
}
