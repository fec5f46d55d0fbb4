package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// createToken makes an API token, then redirects (303) to the profile page,
// which shows the value once: it travels in the encrypted session cookie
// to that one page view and is gone from it after. Only its hash is
// stored, and a reload of the page creates nothing.
func (s *Server) createToken(c echo.Context) error {
	form, err := parsedForm(c, forms.ParseTokenForm)
	if err != nil {
		return err
	}
	user := currentUser(c)
	if errs := form.Validate(); errs.Any() {
		props, err := s.profileProps(c)
		if err != nil {
			return err
		}
		props.TokenForm, props.TokenErrors = form, errs
		return s.render(c, http.StatusUnprocessableEntity, views.ProfilePage(props))
	}
	t, value := models.NewAPIToken(user.ID, form.Name)
	t.Scope = form.ChosenScope()
	if err := s.store.CreateAPIToken(c.Request().Context(), t); err != nil {
		return fmt.Errorf("create token for user %d: %w", user.ID, err)
	}
	s.log.Info("api token created", "user", user.ID, "token", t.ID, "scope", t.Scope)
	if err := s.keepNewToken(c, views.NewToken{Name: t.Name, Value: value, Scope: t.Scope}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, paths.Profile+"#tokens")
}

// showTokens is where a browser lands that reloads the page of a refused
// token form, or follows an old link: the tokens are on the profile page.
func (s *Server) showTokens(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, paths.Profile+"#tokens")
}

// newTokenKey is the session key that carries a just-created token's
// value to the one page view that shows it.
const newTokenKey = "new_token"

// keepNewToken puts a just-created token in the session for the next page.
func (s *Server) keepNewToken(c echo.Context, t views.NewToken) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode new token: %w", err)
	}
	sess := s.cookieSession(c)
	sess.AddFlash(string(b), newTokenKey)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("save new token in the session: %w", err)
	}
	return nil
}

// takeNewToken returns the token keepNewToken put in the session, if any,
// and removes it, so a reload does not show it again.
func (s *Server) takeNewToken(c echo.Context) *views.NewToken {
	sess := s.cookieSession(c)
	flashes := sess.Flashes(newTokenKey)
	if len(flashes) == 0 {
		return nil
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		s.log.Warn("clear new token from the session", "err", err)
	}
	raw, _ := flashes[len(flashes)-1].(string)
	var t views.NewToken
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		s.log.Warn("decode new token from the session", "err", err)
		return nil
	}
	return &t
}

// revokeToken deletes one of the user's tokens, after a confirmation page
// when the browser did not confirm with JavaScript.
func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param(paths.ParamID), 10, 64)
	if err != nil {
		return fmt.Errorf("token id %q: %w", c.Param(paths.ParamID), models.ErrNotFound)
	}
	ctx := c.Request().Context()
	user := currentUser(c)
	if c.FormValue("confirmed") != "yes" {
		tokens, err := s.store.APITokens(ctx, user.ID)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		for _, t := range tokens {
			if t.ID == id {
				return s.render(c, http.StatusOK, views.ConfirmPage(views.ConfirmProps{
					Page:       s.page(c, "Revoke token", views.NavProfile),
					Crumbs:     []views.Breadcrumb{{Label: "Profile", Href: paths.Profile}, {Label: "Revoke token"}},
					Title:      "Revoke this token?",
					Subject:    t.Name + " (" + t.Prefix + "…)",
					Message:    "Anything that uses it will no longer be able to send events. This can't be undone.",
					Action:     paths.WithID(paths.TokenRevoke, id),
					Confirm:    "Revoke token",
					CancelHref: paths.Profile + "#tokens",
				}))
			}
		}
		return fmt.Errorf("revoke token %d: %w", id, models.ErrNotFound)
	}
	if err := s.store.DeleteAPIToken(ctx, user.ID, id); err != nil {
		return err // the store says which token
	}
	s.tokens.forget(id) // on this instance at once; on others within tokenFreshFor

	s.log.Info("api token revoked", "user", user.ID, "token", id)
	s.flash(c, views.FlashSuccess, "Token revoked.")
	return c.Redirect(http.StatusSeeOther, paths.Profile+"#tokens")
}
