package views

import (
	"time"

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
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// NewToken is a token just created.
type NewToken struct {
	Name  string
	Value string
}

// curlExample is a ready-to-run request that sends a test event.
func curlExample(baseURL, token string) string {
	return "curl -X POST " + baseURL + paths.Events + " \\\n" +
		"  -H 'Authorization: Bearer " + token + "' \\\n" +
		"  -H 'Content-Type: application/json' \\\n" +
		`  -d '{"eventType":"PROJECT_CREATED","projectName":"E-commerce Platform"}'`
}
