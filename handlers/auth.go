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

// wrongCredentials is the one message for an unknown email and a wrong
// password, so the form does not tell which accounts exist.
const wrongCredentials = "Email or password is incorrect."

// tooManyLogins is the one message for every login limit, per account or
// per address, for known and unknown emails alike.
const tooManyLogins = "Too many failed attempts. Wait a minute, then try again."

// passwordsBusy answers a login or sign-up that found every hash slot taken.
const passwordsBusy = "loadhook is busy checking other passwords. Try again in a few seconds."

// errWrongCredentials is an unknown email or a wrong password.
var errWrongCredentials = errors.New(wrongCredentials)

// afterLogin is where a user lands after signing in, unless next says otherwise.
func afterLogin(next string) string {
	if safe := forms.SafeNext(next); safe != "" {
		return safe
	}
	return paths.Webhook
}

// showSignUp renders the sign-up form.
func (s *Server) showSignUp(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, paths.Webhook)
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
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		user, err := s.createAccount(c, form.Email, form.Password)
		switch {
		case errors.Is(err, models.ErrEmailTaken):
			errs.Email = "An account with this email already exists. Log in instead?"
		case errors.Is(err, errHashBusy):
			setRetryAfter(c, hashBusyRetry)
			status, errs.Form = http.StatusServiceUnavailable, passwordsBusy
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
	return s.render(c, status,
		views.SignUpPage(views.AuthProps{Page: s.page(c, "Sign up", ""), Form: form, Errors: errs}))
}

// createAccount hashes the password (in a hash slot) and stores the user.
func (s *Server) createAccount(c echo.Context, email, password string) (*models.User, error) {
	hash, err := s.passwords.hash(c.Request().Context(), password)
	if err != nil {
		return nil, err
	}
	return s.store.CreateUser(c.Request().Context(), email, hash)
}

// showLogIn renders the log-in form.
func (s *Server) showLogIn(c echo.Context) error {
	next := forms.SafeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, afterLogin(next))
	}
	return s.render(c, http.StatusOK, views.LogInPage(views.AuthProps{Page: s.page(c, "Log in", ""), Form: forms.AuthForm{Next: next}}))
}

// logIn checks the credentials and starts a new session. Failed attempts
// are limited per account and per address (limiter.go).
func (s *Server) logIn(c echo.Context) error {
	values, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form := forms.ParseAuthForm(values)
	errs := form.ValidateLogIn()
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		user, err := s.checkLogIn(c, form.Email, form.Password)
		var limited *limitedError
		switch {
		case err == nil:
			if err := s.startSession(c, user.ID); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, afterLogin(form.Next))
		case errors.Is(err, errWrongCredentials):
			errs.Form = wrongCredentials
		case errors.As(err, &limited):
			setRetryAfter(c, limited.retryAfter)
			status, errs.Form = http.StatusTooManyRequests, tooManyLogins
		case errors.Is(err, errHashBusy):
			setRetryAfter(c, hashBusyRetry)
			status, errs.Form = http.StatusServiceUnavailable, passwordsBusy
		default:
			return err
		}
	}
	form.Password = ""
	return s.render(c, status, views.LogInPage(views.AuthProps{Page: s.page(c, "Log in", ""), Form: form, Errors: errs}))
}

// checkLogIn counts the attempt against the address and the account, then
// checks the password. The address is counted first, so an address that
// is over its limit no longer adds to the accounts it tries. A right
// password takes its attempt back: only failures count.
func (s *Server) checkLogIn(c echo.Context, email, password string) (*models.User, error) {
	ctx := c.Request().Context()
	addr := clientAddress(c)
	if err := s.limits.hit(ctx, loginAddressLimit, addr); err != nil {
		return nil, err
	}
	if err := s.limits.hit(ctx, loginAccountLimit, email); err != nil {
		return nil, err
	}
	user, err := s.authenticate(c, email, password)
	if errors.Is(err, errHashBusy) {
		// Nothing was checked: the attempt does not count.
		return nil, errors.Join(err, s.limits.undo(ctx, loginAccountLimit, email), s.limits.undo(ctx, loginAddressLimit, addr))
	}
	if err != nil {
		return nil, err
	}
	if err := s.limits.reset(ctx, loginAccountLimit, email); err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}
	if err := s.limits.undo(ctx, loginAddressLimit, addr); err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}
	return user, nil
}

// authenticate returns the user whose email and password these are, or
// errWrongCredentials. An unknown email still costs one hash check, so
// timing reveals nothing.
func (s *Server) authenticate(c echo.Context, email, password string) (*models.User, error) {
	ctx := c.Request().Context()
	user, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		if err := s.passwords.checkNobody(ctx, password); err != nil {
			return nil, err
		}
		return nil, errWrongCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("log in: %w", err)
	}
	ok, err := s.passwords.check(ctx, user.PasswordHash, password)
	if errors.Is(err, errHashBusy) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("check password of user %d: %w", user.ID, err)
	}
	if !ok {
		return nil, errWrongCredentials
	}
	return user, nil
}

// logOut deletes the session, so the cookie stops working everywhere.
func (s *Server) logOut(c echo.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	s.flash(c, views.FlashInfo, "You're logged out.")
	return c.Redirect(http.StatusSeeOther, paths.LogIn)
}
