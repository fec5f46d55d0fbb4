package forms

import "net/url"

// PasswordChangeForm is the signed-in user's change of password. Both
// values are kept exactly as typed and never shown back.
type PasswordChangeForm struct {
	Current string
	New     string
}

// PasswordChangeErrors holds the messages beside the fields of
// PasswordChangeForm; Form is shown above the form.
type PasswordChangeErrors struct {
	Current string
	New     string
	Form    string
}

// Any reports whether there is at least one error.
func (e PasswordChangeErrors) Any() bool { return e.Current != "" || e.New != "" || e.Form != "" }

// ParsePasswordChange reads the change-password form.
func ParsePasswordChange(v url.Values) PasswordChangeForm {
	return PasswordChangeForm{Current: v.Get("current_password"), New: v.Get("new_password")}
}

// Validate checks that the current password is given and that the new one
// follows the sign-up rules; whether the current one is right is the
// handler's to check.
func (f *PasswordChangeForm) Validate() PasswordChangeErrors {
	var errs PasswordChangeErrors
	errs.Current = checkGivenPassword(f.Current, "Enter your current password.")
	errs.New = checkNewPassword(f.New)
	if errs.New == "" && f.New == f.Current {
		errs.New = "Choose a password other than the current one."
	}
	return errs
}

// EmailChangeForm is the signed-in user's change of email, confirmed with
// the password.
type EmailChangeForm struct {
	Email    string
	Password string
}

// EmailChangeErrors holds the messages beside the fields of EmailChangeForm,
// which are the log-in form's: an email and a password.
type EmailChangeErrors = AuthErrors

// ParseEmailChange reads the change-email form, normalising the email as
// sign-up does.
func ParseEmailChange(v url.Values) EmailChangeForm {
	return EmailChangeForm{Email: NormalizeEmail(v.Get("email")), Password: v.Get("password")}
}

// Validate checks the new email as sign-up does and that the password is
// given; current is the account's email now.
func (f *EmailChangeForm) Validate(current string) EmailChangeErrors {
	var errs EmailChangeErrors
	errs.Email = checkEmail(f.Email)
	if errs.Email == "" && f.Email == current {
		errs.Email = "That is already your email address."
	}
	errs.Password = checkGivenPassword(f.Password, "Enter your password to confirm.")
	return errs
}
