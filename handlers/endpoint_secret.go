package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// revealSecret shows an endpoint's signing secret to its owner: in place for
// htmx, as a page otherwise. It is a POST so the secret is never in a URL,
// a history entry or a cache.
func (s *Server) revealSecret(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.SecretValue(ep.Secret))
	}
	return s.render(c, http.StatusOK, views.SecretPage(views.SecretProps{
		Page: s.page(c, "Signing secret", views.NavWebhook), EndpointID: ep.ID, EndpointURL: ep.URL, Secret: ep.Secret,
	}))
}

// rotateSecret gives the endpoint a new secret; the old one keeps signing
// for catalog.SecretOverlap.
func (s *Server) rotateSecret(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	until := time.Now().UTC().Add(catalog.SecretOverlap)
	ep.PreviousSecret, ep.PreviousSecretUntil = ep.Secret, &until
	ep.Secret = catalog.GenerateSecret()
	ep.UpdatedAt = time.Now().UTC()
	if err := s.store.UpdateEndpoint(c.Request().Context(), ep); err != nil {
		return fmt.Errorf("rotate secret of endpoint %d: %w", ep.ID, err)
	}
	s.log.Info("endpoint secret rotated", "user", ep.UserID, "endpoint", ep.ID)
	s.flash(c, views.FlashSuccess, "New signing secret created. Requests are signed with both the new and the previous secret until "+
		until.Format("2 Jan 2006, 15:04 UTC")+".")
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID)+"#signing-secret")
}
