package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
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
	return s.renderAuth(c, http.StatusOK, signUpPage, forms.AuthForm{Next: forms.SafeNext(c.QueryParam("next"))}, forms.AuthErrors{})
}

// authPage is the sign-up or the log-in page.
type authPage struct {
	title string
	view  func(views.AuthProps) templ.Component
}

var (
	signUpPage = authPage{title: "Sign up", view: views.SignUpPage}
	logInPage  = authPage{title: "Log in", view: views.LogInPage}
)

// renderAuth renders the sign-up or log-in page with the form and its errors.
func (s *Server) renderAuth(c echo.Context, status int, page authPage, form forms.AuthForm, errs forms.AuthErrors) error {
	return s.render(c, status, page.view(views.AuthProps{Page: s.page(c, page.title, ""), Form: form, Errors: errs}))
}

// postAuthForm is the path of the sign-up and log-in forms: read the form,
// check it with validate and, if it passes, act on it. act answers the
// request (status 0) or gives the status to show the form again with, its
// errors set; the form comes back as typed but for the password, which is
// never sent back into the page.
func (s *Server) postAuthForm(c echo.Context, page authPage, validate func(*forms.AuthForm) forms.AuthErrors,
	act func(forms.AuthForm, *forms.AuthErrors) (int, error)) error {
	form, err := parsedForm(c, forms.ParseAuthForm)
	if err != nil {
		return err
	}
	errs := validate(&form)
	status := http.StatusUnprocessableEntity
	if !errs.Any() {
		if status, err = act(form, &errs); status == 0 || err != nil {
			return err
		}
	}
	form.Password = ""
	return s.renderAuth(c, status, page, form, errs)
}

// passwordRefusal says how a password check or hash that did not pass is
// answered, with the message for the form: 422 for a wrong password
// (wrongCredentials), 429 over a login limit, 503 when every hash slot is
// taken (both with Retry-After). ok is false for any other error, nil too.
func passwordRefusal(c echo.Context, err error) (status int, msg string, ok bool) {
	var limited *limitedError
	switch {
	case errors.Is(err, errWrongCredentials):
		return http.StatusUnprocessableEntity, wrongCredentials, true
	case errors.As(err, &limited):
		setRetryAfter(c, limited.retryAfter)
		return http.StatusTooManyRequests, tooManyLogins, true
	case errors.Is(err, errHashBusy):
		setRetryAfter(c, hashBusyRetry)
		return http.StatusServiceUnavailable, passwordsBusy, true
	}
	return 0, "", false
}

// signUp creates an account and signs it in.
func (s *Server) signUp(c echo.Context) error {
	return s.postAuthForm(c, signUpPage, (*forms.AuthForm).ValidateSignUp, func(form forms.AuthForm, errs *forms.AuthErrors) (int, error) {
		user, err := s.createAccount(c, form.Email, form.Password)
		if errors.Is(err, models.ErrEmailTaken) {
			errs.Email = "An account with this email already exists. Log in instead?"
			return http.StatusUnprocessableEntity, nil
		}
		if status, msg, ok := passwordRefusal(c, err); ok {
			errs.Form = msg
			return status, nil
		}
		if err != nil {
			return 0, fmt.Errorf("sign up: %w", err)
		}
		if err := s.startSession(c, user.ID); err != nil {
			return 0, err
		}
		s.log.Info("user signed up", "user", user.ID)
		s.flash(c, views.FlashSuccess, "Welcome to loadhook! Add an endpoint to start receiving events.")
		return 0, c.Redirect(http.StatusSeeOther, afterLogin(form.Next))
	})
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
	return s.renderAuth(c, http.StatusOK, logInPage, forms.AuthForm{Next: next}, forms.AuthErrors{})
}

// logIn checks the credentials and starts a new session. Failed attempts
// are limited per account and per address (limiter.go).
func (s *Server) logIn(c echo.Context) error {
	return s.postAuthForm(c, logInPage, (*forms.AuthForm).ValidateLogIn, func(form forms.AuthForm, errs *forms.AuthErrors) (int, error) {
		user, err := s.checkLogIn(c, form.Email, form.Password)
		if status, msg, ok := passwordRefusal(c, err); ok {
			errs.Form = msg
			return status, nil
		}
		if err != nil {
			return 0, err
		}
		if err := s.startSession(c, user.ID); err != nil {
			return 0, err
		}
		return 0, c.Redirect(http.StatusSeeOther, afterLogin(form.Next))
	})
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
