package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/views"
)

// wrongCredentials is the one message for an unknown email and a wrong
// password, so the form does not tell which accounts exist.
const wrongCredentials = "Email or password is incorrect."

// afterLogin is where a user lands after signing in, unless next says otherwise.
func afterLogin(next string) string {
	if safe := forms.SafeNext(next); safe != "" {
		return safe
	}
	return views.PathWebhook
}

// showSignUp renders the sign-up form.
func (s *Server) showSignUp(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, views.PathWebhook)
	}
	form := forms.AuthForm{Next: forms.SafeNext(c.QueryParam("next"))}
	return s.render(c, http.StatusOK, views.SignUpPage(views.AuthProps{Page: s.page(c, "Sign up", ""), Form: form}))
}

// signUp creates an account and signs it in.
func (s *Server) signUp(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form := forms.ParseAuthForm(values)
	errs := form.ValidateSignUp()
	if !errs.Any() {
		user, err := s.store.CreateUser(c.Request().Context(), form.Email, hashPassword(form.Password))
		switch {
		case errors.Is(err, models.ErrEmailTaken):
			errs.Email = "An account with this email already exists. Log in instead?"
		case err != nil:
			return fmt.Errorf("sign up: %w", err)
		default:
			if err := s.startSession(c, user.ID); err != nil {
				return err
			}
			s.log.Info("user signed up", "user", user.ID)
			s.flash(c, views.FlashSuccess, "Welcome to loadhook! Add an endpoint to start receiving events.")
			return c.Redirect(http.StatusSeeOther, afterLogin(form.Next))
		}
	}
	// The password is never sent back into the page.
	form.Password = ""
	return s.render(c, http.StatusUnprocessableEntity,
		views.SignUpPage(views.AuthProps{Page: s.page(c, "Sign up", ""), Form: form, Errors: errs}))
}

// showLogIn renders the log-in form.
func (s *Server) showLogIn(c echo.Context) error {
	next := forms.SafeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, afterLogin(next))
	}
	return s.render(c, http.StatusOK, views.LogInPage(views.AuthProps{Page: s.page(c, "Log in", ""), Form: forms.AuthForm{Next: next}}))
}

// logIn checks the credentials and starts a new session. Attempts are
// limited per email and client address.
func (s *Server) logIn(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form := forms.ParseAuthForm(values)
	errs := form.ValidateLogIn()
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		key := form.Email + "|" + c.RealIP()
		if !s.logins.allow(key) {
			status = http.StatusTooManyRequests
			errs.Form = "Too many failed attempts. Wait a minute, then try again."
		} else {
			user, ok, err := s.authenticate(c, form.Email, form.Password)
			if err != nil {
				return err
			}
			if ok {
				s.logins.reset(key)
				if err := s.startSession(c, user.ID); err != nil {
					return err
				}
				return c.Redirect(http.StatusSeeOther, afterLogin(form.Next))
			}
			errs.Form = wrongCredentials
		}
	}
	form.Password = ""
	return s.render(c, status, views.LogInPage(views.AuthProps{Page: s.page(c, "Log in", ""), Form: form, Errors: errs}))
}

// authenticate returns the user whose email and password these are. An
// unknown email still costs one hash check, so timing reveals nothing.
func (s *Server) authenticate(c echo.Context, email, password string) (*models.User, bool, error) {
	user, err := s.store.UserByEmail(c.Request().Context(), email)
	if errors.Is(err, models.ErrNotFound) {
		_, _ = checkPassword(dummyHash(), password)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("log in: %w", err)
	}
	ok, err := checkPassword(user.PasswordHash, password)
	if err != nil {
		return nil, false, fmt.Errorf("check password of user %d: %w", user.ID, err)
	}
	return user, ok, nil
}

// logOut deletes the session, so the cookie stops working everywhere.
func (s *Server) logOut(c echo.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	s.flash(c, views.FlashInfo, "You're logged out.")
	return c.Redirect(http.StatusSeeOther, views.PathLogIn)
}
