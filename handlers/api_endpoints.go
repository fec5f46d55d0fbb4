package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/webhook"
)

// apiEndpoint is an endpoint as the management API shows it: header values
// that look like credentials masked, as on the page; the signing secret
// only through its own route.
type apiEndpoint struct {
	ID             int64       `json:"id"`
	URL            string      `json:"url"`
	Description    string      `json:"description"`
	Headers        []apiHeader `json:"headers"`
	Events         []string    `json:"events"`
	Enabled        bool        `json:"enabled"`
	DisabledReason string      `json:"disabledReason"`
	CreatedAt      time.Time   `json:"createdAt"`
	UpdatedAt      time.Time   `json:"updatedAt"`
}

// apiHeader is one custom header, or one header of a recorded request.
type apiHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// apiEndpointList answers the list of endpoints.
type apiEndpointList struct {
	Data []apiEndpoint `json:"data"`
}

// apiSecret is an endpoint's signing secret, and the rotated-out one's end.
type apiSecret struct {
	Secret string `json:"secret"`
	// PreviousSecretExpiresAt is when the secret rotated out stops signing;
	// null when there is none.
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt"`
}

func toAPIEndpoint(ep *models.Endpoint) apiEndpoint {
	out := apiEndpoint{
		ID: ep.ID, URL: ep.URL, Description: ep.Description, Headers: []apiHeader{}, Events: ep.EventTypes(),
		Enabled: ep.Enabled, DisabledReason: ep.DisabledReason, CreatedAt: ep.CreatedAt.UTC(), UpdatedAt: ep.UpdatedAt.UTC(),
	}
	if out.Events == nil {
		out.Events = []string{}
	}
	for _, row := range savedEndpointForm(ep).Headers {
		out.Headers = append(out.Headers, apiHeader{Name: row.Name, Value: row.Value})
	}
	return out
}

// apiUserEndpoint loads the token owner's endpoint named by :id; another
// user's is as absent as a deleted one: 404.
func (s *Server) apiUserEndpoint(c echo.Context) (*models.Endpoint, error) {
	return s.loadEndpointOf(c, apiToken(c).UserID)
}

// apiListEndpoints lists the token owner's endpoints in creation order.
func (s *Server) apiListEndpoints(c echo.Context) error {
	userID := apiToken(c).UserID
	endpoints, err := s.store.Endpoints(c.Request().Context(), userID)
	if err != nil {
		return fmt.Errorf("list endpoints of user %d: %w", userID, err)
	}
	out := apiEndpointList{Data: make([]apiEndpoint, len(endpoints))}
	for i := range endpoints {
		out.Data[i] = toAPIEndpoint(&endpoints[i])
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetEndpoint shows one endpoint.
func (s *Server) apiGetEndpoint(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIEndpoint(ep))
}

// readEndpointJSON applies the body to base and validates it with the
// endpoint form's rules, host policy included; saved are the endpoint's
// stored headers (nil for a new one), which masked values keep.
func (s *Server) readEndpointJSON(c echo.Context, base forms.EndpointForm, saved []catalog.Header) (forms.EndpointForm, error) {
	body, err := readAPIBody(c)
	if err != nil {
		return base, err
	}
	form, problem, fields := forms.ParseEndpointJSON(body, base)
	if problem != "" {
		return form, malformed(problem, fields)
	}
	form.KeepMasked(saved)
	if errs := s.validateEndpoint(c.Request().Context(), &form); errs.Any() {
		return form, invalid(msgFixFields, errs.Fields())
	}
	return form, nil
}

// apiCreateEndpoint saves a new endpoint with a fresh signing secret.
func (s *Server) apiCreateEndpoint(c echo.Context) error {
	userID := apiToken(c).UserID
	form, err := s.readEndpointJSON(c, forms.NewEndpointForm(), nil)
	if err != nil {
		return err
	}
	ep := newEndpointFrom(userID, form)
	err = s.store.CreateEndpoint(c.Request().Context(), ep)
	switch {
	case errors.Is(err, models.ErrTooManyEndpoints):
		return conflict(msgTooManyEndpoints)
	case err != nil:
		return fmt.Errorf("create endpoint for user %d: %w", userID, err)
	}
	s.log.Info("endpoint created", "user", userID, "endpoint", ep.ID, "via", "api")
	c.Response().Header().Set(echo.HeaderLocation, paths.WithID(paths.APIEndpoint, ep.ID))
	return c.JSON(http.StatusCreated, toAPIEndpoint(ep))
}

// apiUpdateEndpoint changes the fields the body names; the others keep
// their values, and masked header values sent back keep the saved ones.
func (s *Server) apiUpdateEndpoint(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	form, err := s.readEndpointJSON(c, savedEndpointForm(ep), ep.Headers)
	if err != nil {
		return err
	}
	applyEndpointForm(ep, form)
	if err := s.store.UpdateEndpoint(c.Request().Context(), ep); err != nil {
		return err // the store says which endpoint
	}
	s.log.Info("endpoint updated", "user", ep.UserID, "endpoint", ep.ID, "via", "api")
	return c.JSON(http.StatusOK, toAPIEndpoint(ep))
}

// apiDeleteEndpoint deletes an endpoint with its delivery history.
func (s *Server) apiDeleteEndpoint(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteEndpoint(c.Request().Context(), ep.UserID, ep.ID); err != nil {
		return err // the store says which endpoint
	}
	s.log.Info("endpoint deleted", "user", ep.UserID, "endpoint", ep.ID, "via", "api")
	return c.NoContent(http.StatusNoContent)
}

// apiEnableEndpoint and apiDisableEndpoint turn deliveries on or off.
func (s *Server) apiEnableEndpoint(c echo.Context) error  { return s.apiSetEnabled(c, true) }
func (s *Server) apiDisableEndpoint(c echo.Context) error { return s.apiSetEnabled(c, false) }

func (s *Server) apiSetEnabled(c echo.Context, enabled bool) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.store.SetEndpointEnabled(ctx, ep.UserID, ep.ID, enabled); err != nil {
		return err // the store says which endpoint
	}
	if ep, err = s.store.Endpoint(ctx, ep.UserID, ep.ID); err != nil {
		return fmt.Errorf("reload endpoint: %w", err)
	}
	return c.JSON(http.StatusOK, toAPIEndpoint(ep))
}

// apiRevealSecret shows the signing secret the receiver verifies with.
func (s *Server) apiRevealSecret(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, secretOf(ep))
}

// apiRotateSecret gives the endpoint a new secret; the old one keeps
// signing beside it for catalog.SecretOverlap.
func (s *Server) apiRotateSecret(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	if _, err := s.rotateEndpointSecret(c.Request().Context(), ep); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, secretOf(ep))
}

func secretOf(ep *models.Endpoint) apiSecret {
	out := apiSecret{Secret: ep.Secret}
	if ep.PreviousSecret != "" && ep.PreviousSecretUntil != nil {
		until := ep.PreviousSecretUntil.UTC()
		out.PreviousSecretExpiresAt = &until
	}
	return out
}

// apiTestRequest is the body of Send test event.
type apiTestRequest struct {
	EventType string `json:"eventType"`
}

// apiSendTest sends an event type's sample payload to the endpoint through
// the real pipeline, as the page's Send test event does.
func (s *Server) apiSendTest(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	var in apiTestRequest
	if err := decodeAPIJSON(c, &in); err != nil {
		return err
	}
	if _, ok := catalog.LookupEventType(strings.TrimSpace(in.EventType)); !ok {
		return invalid(msgChooseEventType, map[string]string{"eventType": msgChooseEventType})
	}
	if err := s.limitUser(c, testSendLimit, ep.UserID, tooManyTests); err != nil {
		return err
	}
	msg, err := s.hooks.SendTest(c.Request().Context(), ep.UserID, ep.ID, strings.TrimSpace(in.EventType))
	if err != nil {
		return fmt.Errorf("send test %s to endpoint %d: %w", in.EventType, ep.ID, err)
	}
	return c.JSON(http.StatusAccepted, webhook.PublishedMessage{ID: msg.ID, EndpointID: msg.EndpointID})
}
