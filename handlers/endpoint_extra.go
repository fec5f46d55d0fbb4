package handlers

import (
	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/models"
)

// endpointExtra returns what the edit page shows below the form, inside
// <section id="endpoint-deliveries">: the delivery log part of the app
// ("Send test event", "Recent deliveries") replaces this body. nil shows
// nothing.
func (s *Server) endpointExtra(c echo.Context, ep *models.Endpoint) templ.Component {
	return nil
}
