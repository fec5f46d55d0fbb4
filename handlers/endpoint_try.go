package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// leaveTrial answers a GET of the trial's address, which the browser shows
// after a trial without JavaScript: opening it again (not resubmitting)
// leads to the form it came from, the edited endpoint's or the new one,
// rather than to "method not allowed".
func (s *Server) leaveTrial(c echo.Context) error {
	raw := c.QueryParam(views.TryEndpointField)
	if raw == "" {
		return c.Redirect(http.StatusSeeOther, paths.NewEndpoint)
	}
	ep, err := s.triedEndpoint(c, raw)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.EndpointEdit, ep.ID))
}

// tryEndpoint answers "Send a test to this URL" on the endpoint form, new or
// edit: it sends the chosen sample event once to the URL and headers as
// typed (webhook.Try: the host policy at dial time, the 10 s deadline,
// signing) and shows the outcome beside the button. Nothing is saved.
// Without JavaScript the form page comes back with everything as typed;
// htmx gets only the result slot, or the whole form when the typed URL or
// headers have errors, so that they show on their fields.
func (s *Server) tryEndpoint(c echo.Context) error {
	values, err := formParams(c)
	if err != nil {
		return err
	}
	// The edit form names its endpoint, whose secret signs the trial; the
	// new-endpoint form names none.
	var ep *models.Endpoint
	if raw := values.Get(views.TryEndpointField); raw != "" {
		if ep, err = s.triedEndpoint(c, raw); err != nil {
			return err
		}
	}
	form := forms.ParseEndpointForm(values)
	var saved []catalog.Header
	if ep != nil {
		saved = ep.Headers
	}
	// As on save: a masked row stands for the saved value only under the
	// saved header's name, and is sent with that value.
	form.KeepMasked(saved)
	result := &views.TryResult{EventType: values.Get(views.TryEventField)}
	errs := trialErrors(form.Validate())
	c.Response().Header().Add("Vary", "HX-Request")
	switch {
	case errs.Any():
		result.NotSent = "correct the URL and headers marked above, then try again."
		return s.showTrialForm(c, http.StatusUnprocessableEntity, ep, form, errs, result)
	case !isEventType(result.EventType):
		result.EventType = ""
		result.NotSent = fmt.Sprintf("choose one of the %d sample events.", len(catalog.EventTypes()))
		return s.showTrial(c, http.StatusUnprocessableEntity, ep, form, result)
	}

	user := currentUser(c)
	// The same limit, and counter, as Send test event: a trial is a test send.
	err = s.limitUser(c, testSendLimit, user.ID, tooManyTests)
	var limited *echo.HTTPError
	if errors.As(err, &limited) && limited.Code == http.StatusTooManyRequests {
		result.NotSent = tooManyTests
		return s.showTrial(c, http.StatusTooManyRequests, ep, form, result)
	}
	if err != nil {
		return err
	}

	trial := webhook.Trial{URL: form.URL, Headers: form.SavedHeaders(), EventType: result.EventType, Endpoint: ep}
	tried, err := s.hooks.Try(c.Request().Context(), trial)
	if err != nil {
		return fmt.Errorf("try %s for user %d: %w", result.EventType, user.ID, err)
	}
	s.log.Info("endpoint URL tried", "user", user.ID, "endpoint", endpointIDOf(ep), "event", result.EventType,
		"status", tried.Outcome.Status, "class", tried.Outcome.ErrorClass)
	fillTrialResult(result, form.URL, tried)
	return s.showTrial(c, http.StatusOK, ep, form, result)
}

// triedEndpoint loads the saved endpoint whose edit form posted the trial,
// named by its hidden field. Another user's endpoint is a 404, as
// everywhere.
func (s *Server) triedEndpoint(c echo.Context, raw string) (*models.Endpoint, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("endpoint id %q: %w", raw, models.ErrNotFound)
	}
	ep, err := s.store.Endpoint(c.Request().Context(), currentUser(c).ID, id)
	if err != nil {
		return nil, fmt.Errorf("load endpoint %d to try: %w", id, err)
	}
	return ep, nil
}

// trialErrors keeps the errors that stop a trial: the URL and the headers.
// The description and the events do not change what is sent.
func trialErrors(all forms.EndpointErrors) forms.EndpointErrors {
	return forms.EndpointErrors{URL: all.URL, Headers: all.Headers, Rows: all.Rows}
}

func isEventType(name string) bool {
	_, ok := catalog.LookupEventType(name)
	return ok
}

func endpointIDOf(ep *models.Endpoint) int64 {
	if ep == nil {
		return 0
	}
	return ep.ID
}

// fillTrialResult puts what the trial sent and got into the result, in the
// words and units of the delivery log.
func fillTrialResult(r *views.TryResult, url string, tried *webhook.TrialResult) {
	out := tried.Outcome
	r.URL, r.MessageID, r.OneTimeSecret = url, tried.MessageID, tried.OneTimeSecret
	r.Success, r.Status, r.StatusText = out.Success(), out.Status, http.StatusText(out.Status)
	r.Duration, r.DNS, r.Connect, r.TLS, r.FirstByte = out.Duration, out.DNS, out.Connect, out.TLS, out.FirstByte
	r.Body = strings.ToValidUTF8(string(out.ResponseBody), "\uFFFD")
	r.Explanation = webhook.ExplainAttempt(out.ErrorClass, out.Status, out.ErrorDetail, out.Success())
}

// showTrial answers with the result: htmx gets the result slot alone, in
// place even for an error status: app.js swaps an error answer that names
// its target (HX-Retarget) instead of showing it as a notice. A plain post
// gets the form page again.
func (s *Server) showTrial(c echo.Context, status int, ep *models.Endpoint, form forms.EndpointForm, result *views.TryResult) error {
	if !isHTMX(c) {
		return s.showTrialForm(c, status, ep, form, forms.EndpointErrors{}, result)
	}
	c.Response().Header().Set("HX-Retarget", "#"+views.TryResultID)
	c.Response().Header().Set("HX-Reswap", "outerHTML")
	return s.render(c, status, views.TryResultSlot(result))
}

// trialFormSelector picks the endpoint form out of a rendered page: the form
// that holds the result slot.
var trialFormSelector = "form:has(#" + views.TryResultID + ")"

// showTrialForm renders the endpoint form page as typed, with errs on their
// fields and the result beside the button. htmx swaps the whole form.
func (s *Server) showTrialForm(c echo.Context, status int, ep *models.Endpoint, form forms.EndpointForm, errs forms.EndpointErrors, result *views.TryResult) error {
	if isHTMX(c) {
		h := c.Response().Header()
		h.Set("HX-Retarget", "closest form")
		h.Set("HX-Reselect", trialFormSelector)
		h.Set("HX-Reswap", "outerHTML")
	}
	c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), trialKey{}, result)))
	return s.renderEndpointPage(c, status, ep, form, errs)
}

// trialKey holds, in the request's context, the trial result the endpoint
// page shows beside the button (see shownTrial).
type trialKey struct{}

// shownTrial is the trial result this request shows on the endpoint form,
// nil on every request but a trial's.
func shownTrial(c echo.Context) *views.TryResult {
	r, _ := c.Request().Context().Value(trialKey{}).(*views.TryResult)
	return r
}
