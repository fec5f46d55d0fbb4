package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/models"
)

var errBadToken = errors.New("a valid API token is required: send Authorization: Bearer " + models.APITokenPrefix + "…")

// bearerToken authenticates the request's API token. Bad tokens are counted
// per address (apiAuthLimit); once an address is over the limit, only
// tokens this instance has recently seen valid are still looked up, so a
// flood of made-up tokens costs neither reads nor writes.
func (s *Server) bearerToken(c echo.Context) (*models.APIToken, error) {
	hash, wellFormed := tokenHash(c.Request().Header.Get(echo.HeaderAuthorization))
	known := false
	if wellFormed {
		var token *models.APIToken
		var fresh bool
		if token, fresh, known = s.tokens.get(hash); fresh {
			return token, nil
		}
	}
	addr := clientAddress(c)
	if wait := s.limits.blockedFor(apiAuthLimit, addr, s.limits.now()); wait > 0 && !known {
		return nil, &limitedError{limit: apiAuthLimit, retryAfter: wait}
	}
	if wellFormed {
		ctx := c.Request().Context()
		started := s.tokens.now()
		token, err := s.store.APITokenByHash(ctx, hash)
		if err == nil {
			s.tokens.put(hash, token, started)
			return token, nil
		}
		if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		s.tokens.drop(hash)
	}
	if err := s.limits.hit(c.Request().Context(), apiAuthLimit, addr); err != nil {
		return nil, err
	}
	return nil, errBadToken
}

// tokenHash returns the stored hash of the token in an Authorization header,
// and whether the header holds a token at all.
func tokenHash(header string) (string, bool) {
	scheme, value, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(value, models.APITokenPrefix) {
		return "", false
	}
	return models.HashAPIToken(strings.TrimSpace(value)), true
}

// authRefusal is the error for a request bearerToken refused: a bad token
// (401, with the WWW-Authenticate challenge) or an address over the
// bad-token limit (429, with Retry-After).
func authRefusal(c echo.Context, err error) error {
	switch {
	case errors.Is(err, errBadToken):
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="loadhook"`)
		return err
	case errors.Is(err, errRateLimited):
		return withMessage(err, fmt.Sprintf(
			"too many requests with a bad API token from this address (at most %s); retry after the Retry-After seconds", perWindow(apiAuthLimit)))
	default:
		return fmt.Errorf("look up api token: %w", err)
	}
}

// tokenKey is the request-context key of the API token a management route
// was called with.
type tokenKey struct{}

// requireScope wraps a management API handler: it answers only a valid
// bearer token whose scope allows scope, and puts the token in the request
// context for apiToken.
func (s *Server) requireScope(scope string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, err := s.bearerToken(c)
		if err != nil {
			return authRefusal(c, err)
		}
		if !token.Allows(scope) {
			// RFC 6750 §3.1: the token is good, its scope is not enough.
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="loadhook", error="insufficient_scope", scope="`+scope+`"`)
			return &scopeError{have: token.Scope, need: scope}
		}
		withRequestValue(c, tokenKey{}, token)
		return next(c)
	}
}

// apiToken returns the token requireScope let through.
func apiToken(c echo.Context) *models.APIToken {
	t, _ := c.Request().Context().Value(tokenKey{}).(*models.APIToken)
	return t
}

// errScope is what every *scopeError is: its row in the error table (403).
var errScope = errors.New("insufficient token scope")

// scopeError refuses a token whose scope does not cover the route.
type scopeError struct{ have, need string }

func (e *scopeError) Error() string {
	return fmt.Sprintf("this API token has the %q scope, which only emits events; this route needs a token with the %q scope: create one on the Profile page", e.have, e.need)
}

func (e *scopeError) Unwrap() error { return errScope }

// Message is what the answer's error says.
func (e *scopeError) Message() string { return e.Error() }

// Fields names the scope the route needs.
func (e *scopeError) Fields() map[string]string {
	return map[string]string{"scope": "needs " + strconv.Quote(e.need)}
}
