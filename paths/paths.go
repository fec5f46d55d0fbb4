// Package paths names every URL of the web app once. The handlers register
// their routes with these patterns and the views build links from them with
// the functions below, so a path is written in one place. It imports nothing
// of the app (no Echo), so views can use it.
package paths

import (
	"net/url"
	"strconv"
	"strings"
)

// Route parameters, as the patterns name them and handlers read them.
const (
	// ParamID is the numeric id of an endpoint or an API token.
	ParamID = "id"
	// ParamMessageID is a message id (msg_…).
	ParamMessageID = "msgID"
)

// Route patterns, in Echo's syntax: literal segments and :name parameters.
const (
	Home    = "/"
	SignUp  = "/signup"
	LogIn   = "/login"
	LogOut  = "/logout"
	Profile = "/profile"

	// Tokens is where API tokens are created.
	Tokens      = Profile + "/tokens"
	TokenRevoke = Tokens + "/:" + ParamID + "/revoke"

	// Webhook is the list of endpoints.
	Webhook              = Profile + "/integrations/webhook"
	NewEndpoint          = Webhook + "/endpoints/new"
	Endpoint             = Webhook + "/endpoints/:" + ParamID
	EndpointToggle       = Endpoint + "/toggle"
	EndpointDelete       = Endpoint + "/delete"
	EndpointSecretReveal = Endpoint + "/secret/reveal"
	EndpointSecretRotate = Endpoint + "/secret/rotate"
	EndpointDeliveries   = Endpoint + "/deliveries"
	EndpointTest         = Endpoint + "/test"
	EndpointResendFailed = Endpoint + "/resend-failed"

	// Delivery is one message's detail page.
	Delivery  = Webhook + "/deliveries/:" + ParamMessageID
	Redeliver = Delivery + "/redeliver"

	// APIPrefix starts every path of the event API (bearer tokens, JSON,
	// no session, no CSRF).
	APIPrefix = "/api/"
	Events    = APIPrefix + "v1/events"
)

// WithID fills the :id of pattern, e.g. WithID(EndpointToggle, 7) is
// "/profile/integrations/webhook/endpoints/7/toggle". A pattern without :id
// panics: it is a typo in a link, and every link is rendered by the tests.
func WithID(pattern string, id int64) string {
	return fill(pattern, ParamID, strconv.FormatInt(id, 10))
}

// WithMessageID fills the :msgID of pattern, e.g. WithMessageID(Redeliver,
// "msg_…"). A pattern without :msgID panics, like WithID.
func WithMessageID(pattern, messageID string) string {
	return fill(pattern, ParamMessageID, url.PathEscape(messageID))
}

func fill(pattern, param, value string) string {
	segment := "/:" + param
	i := strings.Index(pattern, segment)
	// The parameter is a whole segment: /:id, not the start of /:idx.
	if end := i + len(segment); i < 0 || (end < len(pattern) && pattern[end] != '/') {
		panic("paths: " + pattern + " has no :" + param)
	}
	return pattern[:i+1] + value + pattern[i+len(segment):]
}

// The endpoint page's short list of recent deliveries is the deliveries
// route with view=recent, answered as a fragment.
const (
	ViewParam  = "view"
	ViewRecent = "recent"
)

// RecentDeliveries is the URL of an endpoint's recent-deliveries fragment.
func RecentDeliveries(endpointID int64) string {
	return WithID(EndpointDeliveries, endpointID) + "?" + ViewParam + "=" + ViewRecent
}

// WithNext adds where to go after logging in or signing up to the log-in or
// sign-up path; an empty next adds nothing.
func WithNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}
