package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/views"
)

// healthWindows are the periods the endpoint page sums up. The first is
// summaryWindow, the list's: both pages show the same figure for it.
var healthWindows = []catalog.Period{catalog.PeriodDay, catalog.PeriodWeek}

// chartHours is how many hours the attempts chart covers.
const chartHours = 24

// endpointDeliveries loads what the overview shows below the secret,
// inside <section id="endpoint-deliveries">: "Send test event", the
// endpoint's health and its recent deliveries. csrf goes into the
// section's forms. The store's errors already name the endpoint.
func (s *Server) endpointDeliveries(ctx context.Context, ep *models.Endpoint, csrf string) (views.EndpointDeliveriesProps, error) {
	now := time.Now().UTC()
	props := views.EndpointDeliveriesProps{EndpointID: ep.ID, Enabled: ep.Enabled, CSRF: csrf, EventTypes: eventGroups()}
	var err error
	if props.Recent, err = s.recentDeliveries(ctx, ep, now); err != nil {
		return props, err
	}
	if props.Health, err = s.endpointHealth(ctx, ep, now, props.Recent.InFlight()); err != nil {
		return props, err
	}
	return props, nil
}

// endpointHealth computes the health block: per window the messages figure
// (models.MessageHealth, the list's figure) and the attempts figure, and
// the hourly chart. refresh makes the block fetch itself again.
func (s *Server) endpointHealth(ctx context.Context, ep *models.Endpoint, now time.Time, refresh bool) (views.EndpointHealthProps, error) {
	props := views.EndpointHealthProps{EndpointID: ep.ID, Refresh: refresh}
	for _, w := range healthWindows {
		msgs, err := s.store.MessageHealthSince(ctx, ep.UserID, ep.ID, now.Add(-w.Duration))
		if err != nil {
			return props, err
		}
		h, err := s.store.EndpointHealth(ctx, ep.ID, now, w.Duration)
		if err != nil {
			return props, err
		}
		props.Periods = append(props.Periods, views.HealthPeriod{
			Label:    w.Label,
			Messages: healthFigure(msgs),
			Attempts: views.HealthWindow{Label: w.Label, Attempts: h.Attempts, Succeeded: h.Succeeded, P50: h.P50, P95: h.P95},
		})
	}
	buckets, err := s.store.AttemptsPerHour(ctx, ep.ID, now, chartHours)
	if err != nil {
		return props, err
	}
	hours := make([]views.HourCount, len(buckets))
	for i, b := range buckets {
		hours[i] = views.HourCount{Hour: b.Hour, Succeeded: b.Succeeded, Failed: b.Failed}
	}
	props.Chart = views.NewAttemptsChart(hours)
	return props, nil
}

// healthFigure is the models figure as the views show it.
func healthFigure(h models.MessageHealth) views.HealthFigure {
	return views.HealthFigure{Delivered: h.Delivered, Finished: h.Finished}
}

// showEndpointHealth answers the health block alone, which the overview
// fetches again while deliveries are in flight.
func (s *Server) showEndpointHealth(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := time.Now().UTC()
	recent, err := s.recentDeliveries(ctx, ep, now)
	if err != nil {
		return err
	}
	props, err := s.endpointHealth(ctx, ep, now, recent.InFlight())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.EndpointHealth(props))
}
