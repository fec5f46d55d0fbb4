package forms

import "github.com/loadhook/loadhook/catalog"

// Messages beside a field whose bytes can't be stored or shown as text.
const (
	msgInvalidUTF8 = "This contains bytes that aren't valid UTF-8 text; type it again."
	msgControl     = "Remove the control characters (such as NUL or line breaks): they can't be stored."
)

// textError is the message beside a field whose text is not valid UTF-8 or
// holds control characters other than allowed, or "".
func textError(s, allowed string) string {
	switch catalog.CheckText(s, allowed) {
	case catalog.TextInvalidUTF8:
		return msgInvalidUTF8
	case catalog.TextControl:
		return msgControl
	}
	return ""
}
