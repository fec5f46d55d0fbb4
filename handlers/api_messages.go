package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

// apiMessage is one delivery (an event to one endpoint), as the delivery
// log lists it.
type apiMessage struct {
	ID          string `json:"id"`
	EventID     string `json:"eventId"`
	EndpointID  int64  `json:"endpointId"`
	EventType   string `json:"eventType"`
	Test        bool   `json:"test"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	MaxAttempts int    `json:"maxAttempts"`
	// LastStatus is the last attempt's HTTP status, 0 without an answer.
	LastStatus     int        `json:"lastStatus"`
	LastErrorClass string     `json:"lastErrorClass"`
	LastDurationMs int64      `json:"lastDurationMs"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt"`
	CreatedAt      time.Time  `json:"createdAt"`
}

// apiMessageList is one page of an endpoint's messages, newest first.
type apiMessageList struct {
	Data []apiMessage `json:"data"`
	// Next is the before= cursor of the following (older) page; null on
	// the last page.
	Next *string `json:"next"`
}

// apiMessageDetail is one message with its payload and every attempt.
type apiMessageDetail struct {
	apiMessage
	Payload  json.RawMessage `json:"payload"`
	Attempts []apiAttempt    `json:"attemptList"`
}

// apiAttempt is the record of one HTTP attempt; request header values that
// look like credentials are masked, as on the delivery page.
type apiAttempt struct {
	Number          int         `json:"number"`
	StartedAt       time.Time   `json:"startedAt"`
	URL             string      `json:"url"`
	RequestHeaders  []apiHeader `json:"requestHeaders"`
	ResponseStatus  int         `json:"responseStatus"`
	ResponseHeaders []apiHeader `json:"responseHeaders"`
	ResponseBody    string      `json:"responseBody"`
	Truncated       bool        `json:"truncated"`
	DurationMs      int64       `json:"durationMs"`
	ErrorClass      string      `json:"errorClass"`
	Success         bool        `json:"success"`
	// Explanation says in plain words what the attempt got.
	Explanation string `json:"explanation"`
}

func toAPIMessage(m models.Message) apiMessage {
	out := apiMessage{
		ID: m.ID, EventID: m.EventID, EndpointID: m.EndpointID, EventType: m.EventType, Test: m.Test, State: m.State,
		Attempts: m.Attempts, MaxAttempts: m.MaxAttempts, LastStatus: m.LastStatus, LastErrorClass: m.LastErrorClass,
		LastDurationMs: m.LastDurationMs, CreatedAt: m.CreatedAt.UTC(),
	}
	if m.NextAttemptAt != nil {
		next := m.NextAttemptAt.UTC()
		out.NextAttemptAt = &next
	}
	return out
}

func toAPIHeaders(raw string, mask bool) []apiHeader {
	out := []apiHeader{}
	for _, h := range headerLines(raw, mask) {
		out = append(out, apiHeader{Name: h.Name, Value: h.Value})
	}
	return out
}

// pageSizeParam is the management API's page size; the delivery log's
// other parameters are the page's (parseDeliveryParams).
const pageSizeParam = "limit"

// apiListMessages lists an endpoint's messages with the delivery log's
// filters, newest first, keyset-paginated: pass the answer's next as
// before= for the following page. A filter value that can't be used is a
// 422 naming it, where the page ignores it with a note.
func (s *Server) apiListMessages(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	v := c.QueryParams()
	_, filter, notes := parseDeliveryParams(v, time.Now().UTC())
	fields := make(map[string]string)
	for _, n := range notes {
		fields[n.param] = n.text
	}
	if raw := strings.TrimSpace(v.Get(pageSizeParam)); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > models.MaxDeliveryPageSize {
			fields[pageSizeParam] = fmt.Sprintf("Use a whole number from 1 to %d (default %d).", models.MaxDeliveryPageSize, models.DefaultDeliveryPageSize)
		}
		filter.Limit = n
	}
	if len(fields) > 0 {
		return invalid(msgFixFields, fields)
	}
	page, err := s.store.Deliveries(c.Request().Context(), ep.UserID, ep.ID, filter)
	if err != nil {
		return err // the store says which endpoint
	}
	out := apiMessageList{Data: make([]apiMessage, len(page.Messages))}
	for i, m := range page.Messages {
		out.Data[i] = toAPIMessage(m)
	}
	if page.Next != "" {
		out.Next = &page.Next
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetMessage shows one message with its payload and attempts, oldest first.
func (s *Server) apiGetMessage(c echo.Context) error {
	d, err := s.store.DeliveryDetail(c.Request().Context(), apiToken(c).UserID, c.Param(paths.ParamMessageID))
	if err != nil {
		return fmt.Errorf("load delivery %s: %w", c.Param(paths.ParamMessageID), err)
	}
	out := apiMessageDetail{apiMessage: toAPIMessage(d.Message), Payload: d.Event.Payload, Attempts: make([]apiAttempt, len(d.Attempts))}
	for i, a := range d.Attempts {
		out.Attempts[i] = apiAttempt{
			Number: a.Number, StartedAt: a.StartedAt.UTC(), URL: a.URL,
			RequestHeaders: toAPIHeaders(a.RequestHeaders, true), ResponseStatus: a.ResponseStatus,
			ResponseHeaders: toAPIHeaders(a.ResponseHeaders, false),
			ResponseBody:    strings.ToValidUTF8(string(a.ResponseBody), "\uFFFD"), Truncated: a.Truncated,
			DurationMs: a.DurationMs, ErrorClass: a.ErrorClass, Success: a.Success, Explanation: explainAttempt(a),
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiRedelivery answers a queued redelivery.
type apiRedelivery struct {
	ID string `json:"id"`
	// Attempt is the number of the attempt that starts now.
	Attempt int `json:"attempt"`
}

// apiRedeliver makes one more attempt of a finished message, with the
// same webhook-id; a message still being attempted is a 409.
func (s *Server) apiRedeliver(c echo.Context) error {
	ctx := c.Request().Context()
	userID := apiToken(c).UserID
	// Ownership first: another user's message is a 404, and costs nothing
	// from the rate limit.
	msg, err := s.store.Message(ctx, userID, c.Param(paths.ParamMessageID))
	if err != nil {
		return fmt.Errorf("load message %s: %w", c.Param(paths.ParamMessageID), err)
	}
	if err := s.limitUser(c, resendLimit, userID, tooManyResends); err != nil {
		return err
	}
	if err := s.hooks.Redeliver(ctx, userID, msg.ID); err != nil {
		return fmt.Errorf("redeliver %s: %w", msg.ID, err)
	}
	s.log.Info("redelivery queued", "user", userID, "message", msg.ID, "via", "api")
	return c.JSON(http.StatusAccepted, apiRedelivery{ID: msg.ID, Attempt: msg.Attempts + 1})
}

// apiResendRequest is the body of Resend failed.
type apiResendRequest struct {
	Range string `json:"range"`
}

// apiResent answers Resend failed.
type apiResent struct {
	Resent int `json:"resent"`
	// More says the most one request resends was reached: send again for
	// the rest.
	More bool `json:"more"`
}

// apiResendFailed redelivers every failed message of the endpoint created
// in a preset period, as the page's Resend failed does.
func (s *Server) apiResendFailed(c echo.Context) error {
	ep, err := s.apiUserEndpoint(c)
	if err != nil {
		return err
	}
	var in apiResendRequest
	if err := decodeAPIJSON(c, &in); err != nil {
		return err
	}
	rng, ok := catalog.LookupPeriod(strings.TrimSpace(in.Range))
	if !ok {
		return invalid(msgChoosePeriod, map[string]string{"range": "Choose " + catalog.PeriodValues() + "."})
	}
	if err := s.limitUser(c, resendLimit, ep.UserID, tooManyResends); err != nil {
		return err
	}
	sent, capped, err := s.resendFailedIn(c.Request().Context(), ep, rng)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiResent{Resent: sent, More: capped})
}
