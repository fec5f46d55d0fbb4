package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/paths"
)

// showHome sends visitors where they can do something.
func (s *Server) showHome(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, paths.Webhook)
	}
	return c.Redirect(http.StatusSeeOther, paths.LogIn)
}
