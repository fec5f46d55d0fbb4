package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// wrongPassword answers a change whose confirming password is wrong.
const wrongPassword = "That is not your current password."

// showAccount renders the change-email and change-password forms.
func (s *Server) showAccount(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, views.AccountProps{})
}

// renderAccount renders the account page with the state of one form.
func (s *Server) renderAccount(c echo.Context, status int, props views.AccountProps) error {
	user := currentUser(c)
	props.Page = s.page(c, "Account", views.NavProfile)
	props.Email, props.MemberSince = user.Email, user.CreatedAt
	return s.render(c, status, views.AccountPage(props))
}

// confirmPassword checks the signed-in user's password as a login does,
// under the same limits, so a stolen session cannot guess it faster than
// the login form could. It returns the message for the password field, or
// an error for anything but a wrong password or a limit.
func (s *Server) confirmPassword(c echo.Context, password string) (status int, msg string, err error) {
	_, err = s.checkLogIn(c, currentUser(c).Email, password)
	var limited *limitedError
	switch {
	case err == nil:
		return 0, "", nil
	case errors.Is(err, errWrongCredentials):
		return http.StatusUnprocessableEntity, wrongPassword, nil
	case errors.As(err, &limited):
		setRetryAfter(c, limited.retryAfter)
		return http.StatusTooManyRequests, tooManyLogins, nil
	case errors.Is(err, errHashBusy):
		setRetryAfter(c, hashBusyRetry)
		return http.StatusServiceUnavailable, passwordsBusy, nil
	}
	return 0, "", err
}

// changeEmail gives the signed-in user a new email, confirmed with the
// password.
func (s *Server) changeEmail(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	user := currentUser(c)
	form := forms.ParseEmailChange(values)
	errs := form.Validate(user.Email)
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		var msg string
		status, msg, err = s.confirmPassword(c, form.Password)
		switch {
		case err != nil:
			return fmt.Errorf("change email of user %d: %w", user.ID, err)
		case status == http.StatusUnprocessableEntity:
			errs.Password = msg
		case msg != "":
			errs.Form = msg
		default:
			err := s.store.ChangeEmail(c.Request().Context(), user.ID, form.Email)
			switch {
			case errors.Is(err, models.ErrEmailTaken):
				status, errs.Email = http.StatusUnprocessableEntity, "Another account has this email address."
			case err != nil:
				return err // the store says which user
			default:
				s.log.Info("email changed", "user", user.ID)
				s.flash(c, views.FlashSuccess, "Email changed: you now log in as "+form.Email+".")
				return c.Redirect(http.StatusSeeOther, paths.Account)
			}
		}
	}
	form.Password = ""
	return s.renderAccount(c, status, views.AccountProps{EmailForm: form, EmailErrors: errs})
}

// changePassword sets a new password once the current one is confirmed, and
// ends every other session of the user.
func (s *Server) changePassword(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	user := currentUser(c)
	form := forms.ParsePasswordChange(values)
	errs := form.Validate()
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		var msg string
		status, msg, err = s.confirmPassword(c, form.Current)
		switch {
		case err != nil:
			return fmt.Errorf("change password of user %d: %w", user.ID, err)
		case status == http.StatusUnprocessableEntity:
			errs.Current = msg
		case msg != "":
			errs.Form = msg
		default:
			return s.storePassword(c, user.ID, form.New)
		}
	}
	return s.renderAccount(c, status, views.AccountProps{PasswordErrors: errs})
}

// storePassword hashes and stores a new password, keeping only this
// session, and answers with a redirect to the account page.
func (s *Server) storePassword(c echo.Context, userID int64, password string) error {
	ctx := c.Request().Context()
	hash, err := s.passwords.hash(ctx, password)
	if errors.Is(err, errHashBusy) {
		setRetryAfter(c, hashBusyRetry)
		return s.renderAccount(c, http.StatusServiceUnavailable, views.AccountProps{PasswordErrors: forms.PasswordChangeErrors{Form: passwordsBusy}})
	}
	if err != nil {
		return fmt.Errorf("change password of user %d: %w", userID, err)
	}
	ended, err := s.store.ChangePassword(ctx, userID, hash, s.sessionID(c))
	if err != nil {
		return err // the store says which user
	}
	s.log.Info("password changed", "user", userID, "sessions_ended", ended)
	msg := "Password changed."
	if ended > 0 {
		msg += fmt.Sprintf(" Signed out everywhere else (%s).", nounCount(int(ended), "other session"))
	}
	s.flash(c, views.FlashSuccess, msg)
	return c.Redirect(http.StatusSeeOther, paths.Account)
}
