package views

import (
	"time"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/paths"
)

// AccountProps are the props of the account page: the email and the
// password of the signed-in user.
type AccountProps struct {
	Page        Page
	Email       string
	MemberSince time.Time
	EmailForm   forms.EmailChangeForm
	EmailErrors forms.EmailChangeErrors
	// PasswordErrors are shown beside the change-password fields; the
	// passwords themselves are never sent back.
	PasswordErrors forms.PasswordChangeErrors
}

func accountCrumbs() []Breadcrumb {
	return []Breadcrumb{{Label: "Profile", Href: paths.Profile}, {Label: "Account"}}
}
