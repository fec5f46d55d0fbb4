package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/static"
)

// contentSecurityPolicy allows only this origin's files: no inline script or
// style. Pico's form icons are data: SVGs, hence img-src data:.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// useMiddleware installs what runs around every handler, outermost first.
func (s *Server) useMiddleware(e *echo.Echo) {
	// A panic goes on to answerError, which logs it with its stack.
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			return &panicError{err: err, stack: stack}
		},
	}))
	e.Use(s.countRequests)
	e.Use(s.logRequests())
	e.Use(securityHeaders(strings.HasPrefix(s.cfg.BaseURL, "https://")))
	// The user is loaded first so that even a CSRF refusal renders the
	// signed-in navigation.
	e.Use(s.loadUser)
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        func(c echo.Context) bool { return isAPI(c) || isStatic(c) },
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "loadhook_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   strings.HasPrefix(s.cfg.BaseURL, "https://"),
		CookieSameSite: http.SameSiteLaxMode,
		// Echo answers a missing token with 400; it is the same refusal as a
		// wrong one, and says so.
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "This form has expired or came from another site. Reload the page and try again.")
		},
	}))
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, paths.APIPrefix)
}

func isStatic(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, static.Prefix)
}

// isHTMX reports whether htmx (or app.js) sent the request for a fragment.
func isHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true"
}

func wantsJSON(c echo.Context) bool {
	return isAPI(c) || strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// logRequests logs one line per request with slog. An internal error's
// details are logged once, by answerError, not again here.
func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRemoteIP: true,
		HandleError: true,
		Skipper:     isStatic,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// A 5xx is a warning here: answerError has logged the error itself.
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", v.URI), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP),
			}
			if isRefusal(v.Status, c.Request().URL.Path) {
				logIt, skipped := s.refusals.admit()
				if !logIt {
					return nil
				}
				attrs = append(attrs, slog.Int("refusals_not_logged", skipped))
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// securityHeaders sets the headers every response carries. Pages carry
// tokens and secrets, so nothing but the hashed static files is cached.
func securityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Frame-Options", "DENY")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if https {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			if !isStatic(c) {
				h.Set("Cache-Control", "no-store")
			}
			return next(c)
		}
	}
}

// userKey is the request-context key of the signed-in user.
type userKey struct{}

// loadUser puts the signed-in user, if any, into the request context.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isAPI(c) || isStatic(c) {
			return next(c)
		}
		sid := s.sessionID(c)
		if sid == "" {
			return next(c)
		}
		u, err := s.store.SessionUser(c.Request().Context(), sid)
		if errors.Is(err, models.ErrNotFound) {
			// Logged out elsewhere or expired: carry on signed out.
			return next(c)
		}
		if err != nil {
			return fmt.Errorf("load session user: %w", err)
		}
		withRequestValue(c, userKey{}, u)
		return next(c)
	}
}

// withRequestValue puts v into the request's context under key, for the
// handlers a middleware lets through.
func withRequestValue(c echo.Context, key, v any) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), key, v)))
}

// currentUser returns the signed-in user, or nil.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Request().Context().Value(userKey{}).(*models.User)
	return u
}

// requireUser lets only signed-in users through. A page load goes to the
// log-in page and comes back after; htmx and JSON callers get 401.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		login := paths.LogIn
		if r := c.Request(); r.Method == http.MethodGet {
			login = paths.WithNext(paths.LogIn, r.URL.RequestURI())
		}
		if isHTMX(c) || wantsJSON(c) {
			c.Response().Header().Set("HX-Redirect", login)
			return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Log in again.")
		}
		return c.Redirect(http.StatusSeeOther, login)
	}
}
