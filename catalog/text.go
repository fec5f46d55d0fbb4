package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextFault is what makes a string unfit to be stored and shown as text.
type TextFault int

const (
	// TextOK: valid UTF-8 with no control character outside the allowed ones.
	TextOK TextFault = iota
	// TextInvalidUTF8: Postgres refuses such bytes and SQLite stores them raw.
	TextInvalidUTF8
	// TextControl: a control character (C0, DEL or C1); Postgres refuses NUL,
	// and the others make no sense in a one-line field or a page.
	TextControl
)

// CheckText reports the first fault of s. allowed lists the control
// characters that make sense in the field, such as "\t" in a header value.
func CheckText(s, allowed string) TextFault {
	if !utf8.ValidString(s) {
		return TextInvalidUTF8
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !strings.ContainsRune(allowed, r) }) {
		return TextControl
	}
	return TextOK
}
