package handlers

import (
	"fmt"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/views"
)

// sessionCookie is the signed, encrypted cookie holding the session id and
// flash messages; the session itself is a server-side row.
const sessionCookie = "loadhook_session"

const sessionIDKey = "sid"

// cookieSession returns the request's cookie session, the same one for the
// whole request. A cookie that fails to decode (e.g. after a key change)
// yields a new, empty session: the user is simply signed out.
func (s *Server) cookieSession(c echo.Context) *sessions.Session {
	sess, _ := s.cookies.Get(c.Request(), sessionCookie)
	return sess
}

// sessionID returns the id of the server-side session the cookie names.
func (s *Server) sessionID(c echo.Context) string {
	sid, _ := s.cookieSession(c).Values[sessionIDKey].(string)
	return sid
}

// startSession signs the user in with a new session row, deleting the one
// the cookie named before, so a session id planted before login is useless.
func (s *Server) startSession(c echo.Context, userID int64) error {
	ctx := c.Request().Context()
	sess := s.cookieSession(c)
	if old, _ := sess.Values[sessionIDKey].(string); old != "" {
		if err := s.store.DeleteSession(ctx, old); err != nil {
			return fmt.Errorf("renew session: %w", err)
		}
	}
	row, err := s.store.CreateSession(ctx, userID, sessionTTL)
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	sess.Values[sessionIDKey] = row.ID
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("save session cookie: %w", err)
	}
	return nil
}

// endSession deletes the session row and forgets its id.
func (s *Server) endSession(c echo.Context) error {
	sess := s.cookieSession(c)
	if sid, _ := sess.Values[sessionIDKey].(string); sid != "" {
		if err := s.store.DeleteSession(c.Request().Context(), sid); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	}
	delete(sess.Values, sessionIDKey)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("save session cookie: %w", err)
	}
	return nil
}

// flashKinds are the flash keys in the order pages show them.
var flashKinds = []string{views.FlashError, views.FlashSuccess, views.FlashInfo}

// flash stores a message for the next page the user sees.
func (s *Server) flash(c echo.Context, kind, msg string) {
	sess := s.cookieSession(c)
	sess.AddFlash(msg, "flash_"+kind)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		s.log.Warn("save flash", "err", err)
	}
}

// takeFlashes returns and clears the pending messages.
func (s *Server) takeFlashes(c echo.Context) []views.Flash {
	sess := s.cookieSession(c)
	var out []views.Flash
	for _, kind := range flashKinds {
		for _, f := range sess.Flashes("flash_" + kind) {
			if msg, ok := f.(string); ok {
				out = append(out, views.Flash{Kind: kind, Message: msg})
			}
		}
	}
	if len(out) > 0 {
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			s.log.Warn("clear flashes", "err", err)
		}
	}
	return out
}
