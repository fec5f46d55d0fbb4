package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

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
		// The snippets below fill in the secret too.
		return s.render(c, http.StatusOK, templ.Join(views.SecretValue(ep.Secret), views.VerifySlot(ep.Secret, true)))
	}
	return s.render(c, http.StatusOK, views.SecretPage(views.SecretProps{
		Page: s.page(c, "Signing secret", views.NavWebhook), EndpointID: ep.ID, EndpointURL: ep.URL,
		EndpointDescription: ep.Description, Secret: ep.Secret,
	}))
}

// rotateSecret gives the endpoint a new secret; the old one keeps signing
// for catalog.SecretOverlap.
func (s *Server) rotateSecret(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	until, err := s.rotateEndpointSecret(c.Request().Context(), ep)
	if err != nil {
		return err
	}
	s.flash(c, views.FlashSuccess, "New signing secret created. Requests are signed with both the new and the previous secret until "+
		until.Format("2 Jan 2006, 15:04 UTC")+".")
	// No #anchor: the flash is at the top of the page, where it loads.
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID))
}
