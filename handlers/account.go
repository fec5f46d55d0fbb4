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

// confirmedChange applies an account change once the password typed to
// confirm it is right; valid says the form passed its own rules first. The
// password is checked as a log-in is, under the same limits, so a stolen
// session cannot guess it faster than the log-in form could. A refused
// password's message goes beside its field (wrong) or, for a limit or busy
// hashing, above the form (form), and the status to show the form again
// with is returned. apply answers the request (status 0) or says that
// status itself.
func (s *Server) confirmedChange(c echo.Context, valid bool, password string, wrong, form *string, apply func() (int, error)) (int, error) {
	if !valid {
		return http.StatusUnprocessableEntity, nil
	}
	user := currentUser(c)
	_, err := s.checkLogIn(c, user.Email, password)
	if err == nil {
		return apply()
	}
	status, msg, ok := passwordRefusal(c, err)
	switch {
	case !ok:
		return 0, fmt.Errorf("confirm the password of user %d: %w", user.ID, err)
	case errors.Is(err, errWrongCredentials):
		*wrong = wrongPassword
	default:
		*form = msg
	}
	return status, nil
}

// changeEmail gives the signed-in user a new email, confirmed with the
// password.
func (s *Server) changeEmail(c echo.Context) error {
	user := currentUser(c)
	form, err := parsedForm(c, forms.ParseEmailChange)
	if err != nil {
		return err
	}
	errs := form.Validate(user.Email)
	status, err := s.confirmedChange(c, !errs.Any(), form.Password, &errs.Password, &errs.Form, func() (int, error) {
		err := s.store.ChangeEmail(c.Request().Context(), user.ID, form.Email)
		if errors.Is(err, models.ErrEmailTaken) {
			errs.Email = "Another account has this email address."
			return http.StatusUnprocessableEntity, nil
		}
		if err != nil {
			return 0, err // the store says which user
		}
		s.log.Info("email changed", "user", user.ID)
		s.flash(c, views.FlashSuccess, "Email changed: you now log in as "+form.Email+".")
		return 0, c.Redirect(http.StatusSeeOther, paths.Account)
	})
	if status == 0 || err != nil {
		return err
	}
	form.Password = ""
	return s.renderAccount(c, status, views.AccountProps{EmailForm: form, EmailErrors: errs})
}

// changePassword sets a new password once the current one is confirmed, and
// ends every other session of the user.
func (s *Server) changePassword(c echo.Context) error {
	form, err := parsedForm(c, forms.ParsePasswordChange)
	if err != nil {
		return err
	}
	errs := form.Validate()
	status, err := s.confirmedChange(c, !errs.Any(), form.Current, &errs.Current, &errs.Form, func() (int, error) {
		err := s.storePassword(c, currentUser(c).ID, form.New)
		if status, msg, ok := passwordRefusal(c, err); ok {
			errs.Form = msg // every hash slot busy: try again in a moment
			return status, nil
		}
		return 0, err
	})
	if status == 0 || err != nil {
		return err
	}
	return s.renderAccount(c, status, views.AccountProps{PasswordErrors: errs})
}

// storePassword hashes and stores a new password, keeping only this
// session, and answers with a redirect to the account page. When every
// hash slot is busy it answers nothing and returns errHashBusy (wrapped).
func (s *Server) storePassword(c echo.Context, userID int64, password string) error {
	ctx := c.Request().Context()
	hash, err := s.passwords.hash(ctx, password)
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
