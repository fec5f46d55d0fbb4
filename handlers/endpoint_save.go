package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/hostguard"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// urlCheckTimeout bounds the DNS lookup of the host policy check, so a slow
// resolver cannot hang the form.
const urlCheckTimeout = 3 * time.Second

// eventGroups is the event catalog as the form's fieldsets.
func eventGroups() []views.EventGroup {
	var out []views.EventGroup
	for _, g := range catalog.EventGroups() {
		vg := views.EventGroup{Name: g.Name}
		for _, t := range g.Types {
			vg.Types = append(vg.Types, views.EventOption{Name: t.Name, Title: t.Title, Severity: t.Severity})
		}
		out = append(out, vg)
	}
	return out
}

// renderEndpointPage renders the endpoint form with status; ep is nil for a
// new endpoint. The form is all the page holds: the secret, health and
// deliveries are on the overview.
func (s *Server) renderEndpointPage(c echo.Context, status int, ep *models.Endpoint, form forms.EndpointForm, errs forms.EndpointErrors) error {
	title := "Add endpoint"
	if ep != nil {
		title = "Edit " + views.EndpointName(ep.Description, ep.URL)
	}
	props := views.EndpointPageProps{Page: s.page(c, title, views.NavWebhook), Form: form, Errors: errs, Groups: eventGroups()}
	props.Try = shownTrial(c) // set by tryEndpoint, nil otherwise
	if ep != nil {
		props.ID = ep.ID
		props.DisabledReason = ep.DisabledReason
		props.SavedName = views.EndpointName(ep.Description, ep.URL)
	}
	return s.render(c, status, views.EndpointPage(props))
}

// headerAction applies the "Add header" and "Remove" buttons, which submit
// the form so that they work without JavaScript. It reports whether the
// request was one of them rather than Save.
func headerAction(form *forms.EndpointForm, errs *forms.EndpointErrors, action string) bool {
	if action == "add-header" {
		if !form.AddHeader() {
			errs.Headers = forms.TooManyHeaders
		}
		return true
	}
	if i := forms.HeaderActionIndex(action); i >= 0 {
		form.RemoveHeader(i)
		return true
	}
	return false
}

// validateEndpoint runs the form's rules, then asks the host policy about the
// URL so a blocked address is refused now rather than at the first delivery.
func (s *Server) validateEndpoint(ctx context.Context, form *forms.EndpointForm) forms.EndpointErrors {
	errs := form.Validate()
	if errs.URL == "" {
		ctx, cancel := context.WithTimeout(ctx, urlCheckTimeout)
		defer cancel()
		if err := s.hooks.Policy().CheckURL(ctx, form.URL, nil); err != nil {
			var blocked *hostguard.BlockedError
			if errors.As(err, &blocked) {
				// The setting that would allow it is the operator's to change.
				s.log.Info("endpoint URL refused by the host policy", "url", form.URL, "why", blocked.Error())
				errs.URL = "This URL " + hostguard.UserRefusal + "."
			} else {
				errs.URL = "That URL can't be used: " + err.Error()
			}
		}
	}
	return errs
}

// newEndpoint renders an empty endpoint form.
func (s *Server) newEndpoint(c echo.Context) error {
	form := forms.NewEndpointForm()
	return s.renderEndpointPage(c, http.StatusOK, nil, form, forms.EndpointErrors{})
}

// readEndpointPost is the opening create and update share: it parses the
// posted form, lets a masked row stand only for a header saved under that
// name (ep is nil for a new endpoint: nothing is saved yet), answers the
// Add header and Remove buttons by showing the form again, and validates.
// done reports that the request has been answered, or failed with err.
func (s *Server) readEndpointPost(c echo.Context, ep *models.Endpoint) (form forms.EndpointForm, errs forms.EndpointErrors, done bool, err error) {
	values, err := formParams(c)
	if err != nil {
		return form, errs, true, err
	}
	form = forms.ParseEndpointForm(values)
	var saved []catalog.Header
	if ep != nil {
		saved = ep.Headers
	}
	// Before anything is rendered: the page shows a row as masked only if it
	// masks a header stored under that name.
	form.KeepMasked(saved)
	if headerAction(&form, &errs, values.Get("action")) {
		return form, errs, true, s.renderEndpointPage(c, http.StatusOK, ep, form, errs)
	}
	return form, s.validateEndpoint(c.Request().Context(), &form), false, nil
}

// createEndpoint saves a new endpoint with a fresh signing secret.
func (s *Server) createEndpoint(c echo.Context) error {
	form, errs, done, err := s.readEndpointPost(c, nil)
	if done {
		return err
	}
	ctx := c.Request().Context()
	user := currentUser(c)
	if !errs.Any() {
		ep := newEndpointFrom(user.ID, form)
		err := s.store.CreateEndpoint(ctx, ep)
		switch {
		case errors.Is(err, models.ErrTooManyEndpoints):
			errs.Form = msgTooManyEndpoints
		case err != nil:
			return fmt.Errorf("create endpoint for user %d: %w", user.ID, err)
		default:
			s.log.Info("endpoint created", "user", user.ID, "endpoint", ep.ID)
			s.flash(c, views.FlashSuccess, "Endpoint added. Use the signing secret below to verify requests, then send a test event.")
			return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID))
		}
	}
	return s.renderEndpointPage(c, http.StatusUnprocessableEntity, nil, form, errs)
}

// editEndpoint renders the form of a saved endpoint, credentials masked:
// the page of its own that the overview's Edit opens.
func (s *Server) editEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	return s.renderEndpointPage(c, http.StatusOK, ep, savedEndpointForm(ep), forms.EndpointErrors{})
}

// updateEndpoint saves changes; masked header values sent back unchanged
// keep their saved values.
func (s *Server) updateEndpoint(c echo.Context) error {
	ep, err := s.loadEndpoint(c)
	if err != nil {
		return err
	}
	form, errs, done, err := s.readEndpointPost(c, ep)
	if done {
		return err
	}
	if errs.Any() {
		return s.renderEndpointPage(c, http.StatusUnprocessableEntity, ep, form, errs)
	}
	applyEndpointForm(ep, form)
	if err := s.store.UpdateEndpoint(c.Request().Context(), ep); err != nil {
		return err // the store says which endpoint
	}
	s.log.Info("endpoint updated", "user", ep.UserID, "endpoint", ep.ID)
	s.flash(c, views.FlashSuccess, "Changes saved.")
	return c.Redirect(http.StatusSeeOther, paths.WithID(paths.Endpoint, ep.ID))
}
