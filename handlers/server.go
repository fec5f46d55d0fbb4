// Package handlers is the web layer: it parses requests, calls models and the
// webhook engine, and renders views. It never sends webhooks itself.
package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/metrics"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// Config is what the web layer needs to know about the deployment.
type Config struct {
	// BaseURL is the public URL; an https one makes cookies Secure.
	BaseURL string
	// SessionKey signs and encrypts the session cookie (at least 32 bytes).
	SessionKey []byte
	// Version is shown in the footer.
	Version string
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client; with none, the client is the TCP peer.
	TrustedProxies []*net.IPNet
	// Metrics counts requests by route and status; nil counts nothing.
	Metrics *metrics.Metrics
}

// Server holds the dependencies of every handler.
type Server struct {
	cfg       Config
	store     *models.Store
	hooks     *webhook.Service
	cookies   *sessions.CookieStore
	limits    *rateLimiter
	passwords *passwordHasher
	tokens    *tokenCache
	refusals  *refusalLog
	log       *slog.Logger
	// openAPI builds the API's OpenAPI document once (openapi.go).
	openAPI func() (*apiDoc, error)
}

// sessionTTL is how long a login lasts.
const sessionTTL = 30 * 24 * time.Hour

// New builds the web layer.
func New(cfg Config, store *models.Store, hooks *webhook.Service, log *slog.Logger) *Server {
	cookies := sessions.NewCookieStore(cfg.SessionKey[:32], cfg.SessionKey[32:64])
	cookies.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(sessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   len(cfg.BaseURL) > 8 && cfg.BaseURL[:8] == "https://",
		SameSite: http.SameSiteLaxMode,
	}
	return &Server{
		cfg:       cfg,
		store:     store,
		hooks:     hooks,
		cookies:   cookies,
		limits:    newRateLimiter(store, log),
		passwords: newPasswordHasher(hashSlots(), hashWait),
		tokens:    newTokenCache(),
		refusals:  newRefusalLog(),
		log:       log,
		openAPI:   sync.OnceValues(func() (*apiDoc, error) { return loadAPIDoc(cfg.BaseURL) }),
	}
}

// render writes a component into a buffer first, so a failed render becomes a
// clean 500 instead of a half-written page.
func (s *Server) render(c echo.Context, status int, component templ.Component) error {
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("render %s: %w", c.Request().URL.Path, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// page builds the layout props every page needs, taking pending flashes.
func (s *Server) page(c echo.Context, title, nav string) views.Page {
	p := views.Page{Title: title, Nav: nav, Version: s.cfg.Version, Flashes: s.takeFlashes(c)}
	p.CSRF, _ = c.Get("csrf").(string)
	if u := currentUser(c); u != nil {
		p.UserEmail = u.Email
	}
	return p
}
