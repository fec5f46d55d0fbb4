package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// summaryWindow is the period of the success rate on the endpoint list.
const summaryWindow = 24 * time.Hour

// loadEndpoint loads the signed-in user's endpoint named by the :id
// parameter. Another user's endpoint is as absent as a deleted one: 404.
func (s *Server) loadEndpoint(c echo.Context) (*models.Endpoint, error) {
	id, err := strconv.ParseInt(c.Param(paths.ParamID), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("endpoint id %q: %w", c.Param(paths.ParamID), models.ErrNotFound)
	}
	ep, err := s.store.Endpoint(c.Request().Context(), currentUser(c).ID, id)
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
		HeaderCount: len(ep.Headers), Enabled: ep.Enabled, DisabledReason: ep.DisabledReason,
	}
	if sum.HasMessages() {
		card.Last = &views.LastDelivery{State: sum.LastState, Status: sum.LastStatus, At: sum.LastAt}
	}
	if pct, ok := sum.Health.Rate(); ok {
		card.Rate = &views.SuccessRate{Percent: pct, Succeeded: sum.Health.Delivered, Finished: sum.Health.Finished, Window: summaryWindow}
	}
	return card
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
	return c.Redirect(http.StatusSeeOther, paths.Webhook)
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
