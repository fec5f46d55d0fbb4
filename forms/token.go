package forms

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTokenNameLen is the longest API token name; the column (models.APIToken)
// is this size.
const MaxTokenNameLen = 100

// TokenForm creates an API token.
type TokenForm struct {
	Name string
}

// TokenErrors holds the message shown beside the token name.
type TokenErrors struct {
	Name string
}

// Any reports whether there is an error.
func (e TokenErrors) Any() bool { return e.Name != "" }

// ParseTokenForm reads the form.
func ParseTokenForm(v url.Values) TokenForm {
	return TokenForm{Name: strings.TrimSpace(v.Get("name"))}
}

// Validate checks the name: it is how the user tells tokens apart.
func (f *TokenForm) Validate() TokenErrors {
	if msg := textError(f.Name, ""); msg != "" {
		return TokenErrors{Name: msg}
	}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		return TokenErrors{Name: "Give the token a name, e.g. the system that will use it."}
	case n > MaxTokenNameLen:
		return TokenErrors{Name: "Use at most " + strconv.Itoa(MaxTokenNameLen) + " characters."}
	}
	return TokenErrors{}
}
