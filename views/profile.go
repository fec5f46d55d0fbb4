package views

import (
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/paths"
)

// ProfileProps are the props of the profile page.
type ProfileProps struct {
	Page          Page
	Email         string
	MemberSince   time.Time
	EndpointCount int
	Tokens        []TokenRow
	TokenForm     forms.TokenForm
	TokenErrors   forms.TokenErrors
	// NewToken is set only on the response that created it: the value is
	// never stored, so it can never be shown again.
	NewToken *NewToken
	// BaseURL is this server's public URL, for the usage example.
	BaseURL string
	Now     time.Time
}

// TokenRow is one API token in the list; the value itself is never known.
type TokenRow struct {
	ID     int64
	Name   string
	Prefix string
	// Scope is a catalog.TokenScopes value.
	Scope      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// NewToken is a token just created; the handler carries it in the session
// from the POST to the one page view that shows it.
type NewToken struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Scope string `json:"scope"`
}

// scopeLabel names a token's scope as the form offers it.
func scopeLabel(value string) string {
	if s, ok := catalog.LookupTokenScope(value); ok {
		return s.Label
	}
	return value
}

// manages reports whether a scope reaches the management API.
func manages(scope string) bool { return catalog.ScopeAllows(scope, catalog.ScopeManage) }

// chosenScope is the scope the form shows checked.
func chosenScope(f forms.TokenForm) string { return f.ChosenScope() }

// manageExample is a ready-to-run request to the management API.
func manageExample(baseURL, token string) string {
	return "curl " + baseURL + paths.APIEndpoints + " \\\n" +
		"  -H 'Authorization: Bearer " + token + "'"
}

// curlExample is a ready-to-run request that sends a test event.
func curlExample(baseURL, token string) string {
	return "curl -X POST " + baseURL + paths.Events + " \\\n" +
		"  -H 'Authorization: Bearer " + token + "' \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		`  -d '{"eventType":"PROJECT_CREATED","projectName":"E-commerce Platform"}'`
}
