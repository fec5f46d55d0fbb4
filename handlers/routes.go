package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/static"
)

// Routes builds the whole web app: pages, static files and the event API.
func (s *Server) Routes() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The login limiter keys on the client address; trusting X-Forwarded-For
	// would let anyone pick a fresh address per guess.
	e.IPExtractor = s.clientAddress()
	e.HTTPErrorHandler = s.answerError

	s.useMiddleware(e)

	for _, r := range s.routes() {
		if r.signedIn {
			e.Add(r.method, r.path, r.handler, s.requireUser)
		} else {
			e.Add(r.method, r.path, r.handler)
		}
	}
	return e
}

// route is one row of the route table.
type route struct {
	method  string
	path    string
	handler echo.HandlerFunc
	// signedIn routes answer only signed-in users (requireUser).
	signedIn bool
}

// routes is the route table: every path of the app, each a pattern of the
// paths package, which views build their links from.
func (s *Server) routes() []route {
	const get, post = http.MethodGet, http.MethodPost
	const public, signedIn = false, true
	const patch, del = http.MethodPatch, http.MethodDelete
	// The management API: bearer token with the manage scope, no session.
	manage := func(h echo.HandlerFunc) echo.HandlerFunc { return s.requireScope(catalog.ScopeManage, h) }
	return []route{
		{get, static.Prefix + "*", echo.WrapHandler(static.Handler()), public},
		{post, paths.Events, s.createEvent, public}, // bearer token of any scope, no session

		{get, paths.APIEndpoints, manage(s.apiListEndpoints), public},
		{post, paths.APIEndpoints, manage(s.apiCreateEndpoint), public},
		{get, paths.APIEndpoint, manage(s.apiGetEndpoint), public},
		{patch, paths.APIEndpoint, manage(s.apiUpdateEndpoint), public},
		{del, paths.APIEndpoint, manage(s.apiDeleteEndpoint), public},
		{post, paths.APIEndpointEnable, manage(s.apiEnableEndpoint), public},
		{post, paths.APIEndpointDisable, manage(s.apiDisableEndpoint), public},
		{get, paths.APIEndpointSecret, manage(s.apiRevealSecret), public},
		{post, paths.APIEndpointRotate, manage(s.apiRotateSecret), public},
		{post, paths.APIEndpointTest, manage(s.apiSendTest), public},
		{get, paths.APIEndpointMessages, manage(s.apiListMessages), public},
		{post, paths.APIEndpointResendFailed, manage(s.apiResendFailed), public},
		{get, paths.APIMessage, manage(s.apiGetMessage), public},
		{post, paths.APIMessageRedeliver, manage(s.apiRedeliver), public},
		{get, paths.OpenAPI, s.showOpenAPI, public},
		{get, paths.APIDocs, s.showAPIDocs, public},

		{get, paths.Home, s.showHome, public},
		{get, paths.SignUp, s.showSignUp, public},
		{post, paths.SignUp, s.signUp, public},
		{get, paths.LogIn, s.showLogIn, public},
		{post, paths.LogIn, s.logIn, public},
		{post, paths.LogOut, s.logOut, public},

		{get, paths.EventCatalog, s.showEventCatalog, public},
		{get, paths.DeliveryHelp, s.showDeliveryHelp, public},

		{get, paths.Profile, s.showProfile, signedIn},
		{get, paths.Account, s.showAccount, signedIn},
		{post, paths.AccountEmail, s.changeEmail, signedIn},
		{post, paths.AccountPassword, s.changePassword, signedIn},
		{get, paths.Tokens, s.showTokens, signedIn},
		{post, paths.Tokens, s.createToken, signedIn},
		{post, paths.TokenRevoke, s.revokeToken, signedIn},

		{get, paths.Webhook, s.listEndpoints, signedIn},
		{get, paths.NewEndpoint, s.newEndpoint, signedIn},
		{post, paths.NewEndpoint, s.createEndpoint, signedIn},
		{post, paths.TryEndpoint, s.tryEndpoint, signedIn},
		{get, paths.TryEndpoint, s.leaveTrial, signedIn},
		{get, paths.Endpoint, s.showEndpoint, signedIn},
		{get, paths.EndpointEdit, s.editEndpoint, signedIn},
		{post, paths.EndpointEdit, s.updateEndpoint, signedIn},
		{get, paths.EndpointHealth, s.showEndpointHealth, signedIn},
		{post, paths.EndpointToggle, s.toggleEndpoint, signedIn},
		{post, paths.EndpointReenable, s.reenableEndpoint, signedIn},
		{get, paths.EndpointDelete, s.confirmDeleteEndpoint, signedIn},
		{post, paths.EndpointDelete, s.deleteEndpoint, signedIn},
		{post, paths.EndpointSecretReveal, s.revealSecret, signedIn},
		{post, paths.EndpointSecretRotate, s.rotateSecret, signedIn},

		{get, paths.EndpointDeliveries, s.listDeliveries, signedIn},
		{post, paths.EndpointTest, s.sendTestEvent, signedIn},
		{post, paths.EndpointResendFailed, s.resendFailed, signedIn},
		{get, paths.Delivery, s.showDelivery, signedIn},
		{post, paths.Redeliver, s.redeliver, signedIn},
	}
}
