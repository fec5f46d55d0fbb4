package forms

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loadhook/loadhook/catalog"
)

// MaxTokenNameLen is the longest API token name; the column (models.APIToken)
// is this size.
const MaxTokenNameLen = 100

// TokenForm creates an API token.
type TokenForm struct {
	Name string
	// Scope is a catalog.TokenScopes value; "" is catalog.ScopeEvents.
	Scope string
}

// TokenErrors holds the messages shown beside the token's fields.
type TokenErrors struct {
	Name  string
	Scope string
}

// Any reports whether there is an error.
func (e TokenErrors) Any() bool { return e.Name != "" || e.Scope != "" }

// ParseTokenForm reads the form.
func ParseTokenForm(v url.Values) TokenForm {
	return TokenForm{Name: strings.TrimSpace(v.Get("name")), Scope: strings.TrimSpace(v.Get("scope"))}
}

// ChosenScope is the scope to create the token with: the narrowest unless
// another was chosen.
func (f TokenForm) ChosenScope() string {
	if f.Scope == "" {
		return catalog.ScopeEvents
	}
	return f.Scope
}

// Validate checks the name, which is how the user tells tokens apart, and
// the scope.
func (f *TokenForm) Validate() TokenErrors {
	var errs TokenErrors
	if _, ok := catalog.LookupTokenScope(f.ChosenScope()); !ok {
		errs.Scope = "Choose a scope: " + catalog.TokenScopeValues() + "."
	}
	if msg := textError(f.Name, ""); msg != "" {
		errs.Name = msg
		return errs
	}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs.Name = "Give the token a name, e.g. the system that will use it."
	case n > MaxTokenNameLen:
		errs.Name = "Use at most " + strconv.Itoa(MaxTokenNameLen) + " characters."
	}
	return errs
}
