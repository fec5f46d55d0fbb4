package views

import "github.com/loadhook/loadhook/forms"

// AuthProps are the props of the sign-up and log-in pages.
type AuthProps struct {
	Page   Page
	Form   forms.AuthForm
	Errors forms.AuthErrors
}
