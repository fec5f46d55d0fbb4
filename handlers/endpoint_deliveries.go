package handlers

import (
	"context"
	"time"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/views"
)

// healthWindows are the periods the endpoint page sums up.
var healthWindows = []struct {
	label  string
	window time.Duration
}{
	{"Last 24 hours", 24 * time.Hour},
	{"Last 7 days", 7 * 24 * time.Hour},
}

// chartHours is how many hours the attempts chart covers.
const chartHours = 24

// endpointDeliveries loads what the edit page shows below the form, inside
// <section id="endpoint-deliveries">: "Send test event", the endpoint's
// health and its recent deliveries. csrf goes into the section's forms.
// The store's errors already name the endpoint.
func (s *Server) endpointDeliveries(ctx context.Context, ep *models.Endpoint, csrf string) (views.EndpointDeliveriesProps, error) {
	now := time.Now().UTC()
	props := views.EndpointDeliveriesProps{EndpointID: ep.ID, Enabled: ep.Enabled, CSRF: csrf, EventTypes: eventGroups()}
	var err error
	if props.Recent, err = s.recentDeliveries(ctx, ep, now); err != nil {
		return props, err
	}
	for _, w := range healthWindows {
		h, err := s.store.EndpointHealth(ctx, ep.ID, now, w.window)
		if err != nil {
			return props, err
		}
		props.Health = append(props.Health, views.HealthWindow{Label: w.label, Attempts: h.Attempts, Succeeded: h.Succeeded, P50: h.P50, P95: h.P95})
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
