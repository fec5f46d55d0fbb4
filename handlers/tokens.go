package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// createToken makes an API token and shows it once, in this response only:
// only its hash is stored.
func (s *Server) createToken(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	user := currentUser(c)
	form := forms.ParseTokenForm(values)
	errs := form.Validate()
	var created *views.NewToken
	if !errs.Any() {
		t, value := models.NewAPIToken(user.ID, form.Name)
		if err := s.store.CreateAPIToken(c.Request().Context(), t); err != nil {
			return fmt.Errorf("create token for user %d: %w", user.ID, err)
		}
		s.log.Info("api token created", "user", user.ID, "token", t.ID)
		created = &views.NewToken{Name: t.Name, Value: value}
		form = forms.TokenForm{}
	}
	props, err := s.profileProps(c)
	if err != nil {
		return err
	}
	props.TokenForm, props.TokenErrors, props.NewToken = form, errs, created
	status := http.StatusCreated
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, views.ProfilePage(props))
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
