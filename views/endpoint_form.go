package views

import (
	"strings"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/paths"
)

// EndpointPageProps are the props of the new and the edit endpoint pages.
type EndpointPageProps struct {
	Page Page
	// ID is 0 for a new endpoint.
	ID     int64
	Form   forms.EndpointForm
	Errors forms.EndpointErrors
	Groups []EventGroup
	// DisabledReason says why the engine turned the endpoint off, if it did.
	DisabledReason string
	// SavedName is the saved endpoint's EndpointName, for the breadcrumbs;
	// what the form holds may be an edit not saved yet.
	SavedName string
	// Try is the outcome of "Send a test to this URL", shown beside its
	// button; nil before any.
	Try *TryResult
}

// IsNew reports whether the page creates an endpoint.
func (p EndpointPageProps) IsNew() bool { return p.ID == 0 }

// EventGroup is a fieldset of event checkboxes.
type EventGroup struct {
	Name  string
	Types []EventOption
}

// EventOption is one event type checkbox.
type EventOption struct {
	Name     string
	Title    string
	Severity string
}

// maskedSecret is what the page shows until the user asks to reveal.
var maskedSecret = catalog.SecretPrefix + strings.Repeat(catalog.MaskDots, 3)

func (p EndpointPageProps) action() string {
	if p.IsNew() {
		return paths.NewEndpoint
	}
	return paths.WithID(paths.EndpointEdit, p.ID)
}

// cancelHref leaves the form for where it was opened from: the overview of
// a saved endpoint, the list for a new one.
func (p EndpointPageProps) cancelHref() string {
	if p.IsNew() {
		return paths.Webhook
	}
	return paths.WithID(paths.Endpoint, p.ID)
}

func (p EndpointPageProps) crumbs() []Breadcrumb {
	crumbs := append(webhookCrumbs[:2:2], Breadcrumb{Label: "Webhook", Href: paths.Webhook})
	if p.IsNew() {
		return append(crumbs, Breadcrumb{Label: "Add endpoint"})
	}
	return append(crumbs, Breadcrumb{Label: p.SavedName, Href: paths.WithID(paths.Endpoint, p.ID)}, Breadcrumb{Label: "Edit"})
}

func groupID(name string) string {
	out := []byte("events-")
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			out = append(out, c)
		case 'A' <= c && c <= 'Z':
			out = append(out, c+'a'-'A')
		default:
			out = append(out, '-')
		}
	}
	return string(out)
}

func allChecked(f forms.EndpointForm, g EventGroup) bool {
	for _, t := range g.Types {
		if !f.Subscribes(t.Name) {
			return false
		}
	}
	return len(g.Types) > 0
}

// maskedHelp explains a masked value under its input.
func maskedHelp(h forms.HeaderRow) string {
	if h.Masked == "" {
		return ""
	}
	return "Hidden. Leave it as is to keep the saved value, or type a new one."
}

func rowKey(i int) string {
	if i < 0 {
		return "new"
	}
	return itoa(i)
}

// SecretProps are the props of the page that reveals a secret without JavaScript.
type SecretProps struct {
	Page                Page
	EndpointID          int64
	EndpointURL         string
	EndpointDescription string
	Secret              string
}
