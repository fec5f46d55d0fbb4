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

	// Account is where the signed-in user changes email and password.
	Account         = Profile + "/account"
	AccountEmail    = Account + "/email"
	AccountPassword = Account + "/password"

	// Tokens is where API tokens are created.
	Tokens      = Profile + "/tokens"
	TokenRevoke = Tokens + "/:" + ParamID + "/revoke"

	// Webhook is the list of endpoints.
	Webhook     = Profile + "/integrations/webhook"
	NewEndpoint = Webhook + "/endpoints/new"
	// Endpoint is an endpoint's overview: state, secret, health, deliveries.
	Endpoint = Webhook + "/endpoints/:" + ParamID
	// EndpointEdit is its settings form.
	EndpointEdit   = Endpoint + "/edit"
	EndpointToggle = Endpoint + "/toggle"
	// EndpointReenable turns a disabled endpoint back on and replays what
	// failed or was skipped while it was failing or off.
	EndpointReenable = Endpoint + "/reenable"
	// EndpointHealth is the overview's health block as a fragment, fetched
	// again while deliveries are in flight.
	EndpointHealth       = Endpoint + "/health"
	EndpointDelete       = Endpoint + "/delete"
	EndpointSecretReveal = Endpoint + "/secret/reveal"
	EndpointSecretRotate = Endpoint + "/secret/rotate"
	EndpointDeliveries   = Endpoint + "/deliveries"
	EndpointTest         = Endpoint + "/test"
	EndpointResendFailed = Endpoint + "/resend-failed"

	// TryEndpoint sends a sample event to the URL and headers typed on the
	// endpoint form, new or edit, before anything is saved.
	TryEndpoint = Webhook + "/endpoints/try"

	// Delivery is one message's detail page.
	Delivery  = Webhook + "/deliveries/:" + ParamMessageID
	Redeliver = Delivery + "/redeliver"

	// Docs pages need no account: what the events look like and what a
	// failed delivery means.
	EventCatalog = "/docs/events"
	DeliveryHelp = "/docs/delivery-failures"

	// APIPrefix starts every path of the event API (bearer tokens, JSON,
	// no session, no CSRF).
	APIPrefix = "/api/"
	Events    = APIPrefix + "v1/events"

	// The management API (a token with the manage scope, JSON).
	APIEndpoints            = APIPrefix + "v1/endpoints"
	APIEndpoint             = APIEndpoints + "/:" + ParamID
	APIEndpointEnable       = APIEndpoint + "/enable"
	APIEndpointDisable      = APIEndpoint + "/disable"
	APIEndpointSecret       = APIEndpoint + "/secret"
	APIEndpointRotate       = APIEndpointSecret + "/rotate"
	APIEndpointTest         = APIEndpoint + "/test"
	APIEndpointMessages     = APIEndpoint + "/messages"
	APIEndpointResendFailed = APIEndpointMessages + "/resend-failed"
	APIMessage              = APIPrefix + "v1/messages/:" + ParamMessageID
	APIMessageRedeliver     = APIMessage + "/redeliver"

	// OpenAPI is the document describing every route under APIPrefix;
	// APIDocs is the page that renders it.
	OpenAPI = APIPrefix + "openapi.json"
	APIDocs = "/docs/api"
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
