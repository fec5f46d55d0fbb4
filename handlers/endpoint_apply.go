package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
)

// What the endpoint form and the management API both do with a valid
// endpoint form, so the page and the API save alike.

// msgTooManyEndpoints refuses an endpoint past models.MaxEndpointsPerUser.
var msgTooManyEndpoints = fmt.Sprintf("You already have %d endpoints, the most an account can have. Delete one to add another.", models.MaxEndpointsPerUser)

// newEndpointFrom is a new endpoint of the user from a valid form, with a
// fresh signing secret.
func newEndpointFrom(userID int64, form forms.EndpointForm) *models.Endpoint {
	return &models.Endpoint{
		UserID: userID, URL: form.URL, Description: form.Description, Events: strings.Join(form.Events, ","),
		Enabled: form.Enabled, Headers: form.SavedHeaders(), Secret: catalog.GenerateSecret(),
	}
}

// applyEndpointForm copies a valid form onto a saved endpoint.
func applyEndpointForm(ep *models.Endpoint, form forms.EndpointForm) {
	now := time.Now().UTC()
	switch {
	case form.Enabled && !ep.Enabled:
		// Turning it back on is the user's answer to why it was turned off,
		// and starts a new count towards automatic disabling.
		ep.DisabledReason, ep.DisabledAt, ep.EnabledAt = "", nil, &now
	case !form.Enabled && ep.Enabled:
		ep.DisabledAt = &now
	}
	ep.URL, ep.Description, ep.Events, ep.Enabled = form.URL, form.Description, strings.Join(form.Events, ","), form.Enabled
	ep.Headers = form.SavedHeaders()
	ep.UpdatedAt = now
}

// savedEndpointForm is the form of a saved endpoint, credentials masked.
func savedEndpointForm(ep *models.Endpoint) forms.EndpointForm {
	return forms.EndpointFormFrom(forms.SavedEndpoint{
		URL: ep.URL, Description: ep.Description, Events: ep.EventTypes(), Enabled: ep.Enabled, Headers: ep.Headers,
	})
}

// rotateEndpointSecret gives ep a new secret; the old one keeps signing
// until the returned time (catalog.SecretOverlap).
func (s *Server) rotateEndpointSecret(ctx context.Context, ep *models.Endpoint) (time.Time, error) {
	now := time.Now().UTC()
	until := now.Add(catalog.SecretOverlap)
	ep.PreviousSecret, ep.PreviousSecretUntil = ep.Secret, &until
	ep.Secret = catalog.GenerateSecret()
	ep.UpdatedAt = now
	if err := s.store.UpdateEndpoint(ctx, ep); err != nil {
		return until, fmt.Errorf("rotate secret of endpoint %d: %w", ep.ID, err)
	}
	s.log.Info("endpoint secret rotated", "user", ep.UserID, "endpoint", ep.ID)
	return until, nil
}
