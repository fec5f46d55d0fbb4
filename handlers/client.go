package handlers

import (
	"time"

	"github.com/labstack/echo/v4"
)

// clientAddress tells who the client is, for the login and token limits.
// Trusting X-Forwarded-For from anyone would let a guesser pick a fresh
// address per guess, so it is read only from the configured load
// balancers; without them the client is the TCP peer.
func (s *Server) clientAddress() echo.IPExtractor {
	if len(s.cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range s.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// countRequests records every request by its route pattern and final
// status. It runs outside the request logger, which has answered any
// error by the time control is back here.
func (s *Server) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.cfg.Metrics.Request(route, c.Request().Method, c.Response().Status, time.Since(start))
		return err
	}
}
