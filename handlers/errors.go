package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/views"
	"github.com/loadhook/loadhook/webhook"
)

// Messages of the answers several errors share.
const (
	msgInternal         = "Something went wrong on our side. Please try again."
	msgNotFound         = "There is nothing here. It may have been deleted, or the link is wrong."
	msgMethodNotAllowed = "That action isn't available here."
	// msgInternalAPI is the event API's 500: a 202 comes only once the event
	// is stored, so any other answer means nothing was accepted.
	msgInternalAPI = "something went wrong on our side; nothing was accepted, please retry"
)

// retryAfterUnavailable is how long a 503 asks the client to wait.
const retryAfterUnavailable = 2 * time.Second

// domainError is how the web app answers one kind of error.
type domainError struct {
	// err is matched with errors.Is, so wrapping with context keeps the match.
	err    error
	status int
	// message is what the user reads, unless the error has a Message
	// method (the API's refusals, withMessage) that says its own; ""
	// shows err's own text.
	message string
	// retryAfter, when set, is sent as Retry-After. An error with a
	// RetryAfter method (a rate limit's refusal) says its own wait.
	retryAfter time.Duration
}

// domainErrors is the one table from the errors handlers return to HTTP
// statuses (wtf's http.Error). An error that matches no row and is no
// *echo.HTTPError is internal: logged, and answered 500 without its details.
// Errors a handler turns into a field message (ErrEmailTaken,
// ErrTooManyEndpoints) never get here and need no row.
var domainErrors = []domainError{
	{err: models.ErrNotFound, status: http.StatusNotFound, message: msgNotFound},
	{err: webhook.ErrStopped, status: http.StatusServiceUnavailable, message: "loadhook is restarting. Try again in a few seconds.", retryAfter: retryAfterUnavailable},
	{err: models.ErrUnavailable, status: http.StatusServiceUnavailable, message: "The database is unavailable just now. Try again in a few seconds.", retryAfter: retryAfterUnavailable},
	{err: errRateLimited, status: http.StatusTooManyRequests, message: "Too many requests. Wait a moment, then try again."},
	{err: errUnreadableForm, status: http.StatusBadRequest, message: "The form could not be read."},
	{err: webhook.ErrEndpointDisabled, status: http.StatusConflict, message: views.SendTestDisabledNote},
	{err: models.ErrNotRedeliverable, status: http.StatusConflict, message: msgStillDelivering},
	// The management API's refusals (api_*.go); each carries its own
	// message and fields.
	{err: errMalformedInput, status: http.StatusBadRequest},
	{err: errInvalidInput, status: http.StatusUnprocessableEntity},
	{err: errConflict, status: http.StatusConflict},
	{err: errScope, status: http.StatusForbidden},
	{err: errBadToken, status: http.StatusUnauthorized},
}

// errUnreadableForm is a posted form whose body can't be parsed.
var errUnreadableForm = errors.New("unreadable form")

// formParams reads the posted form; a body that can't be parsed is
// errUnreadableForm, a 400.
func formParams(c echo.Context) (url.Values, error) {
	values, err := c.FormParams()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnreadableForm, err)
	}
	return values, nil
}

// parsedForm reads the posted form with parse.
func parsedForm[F any](c echo.Context, parse func(url.Values) F) (F, error) {
	values, err := formParams(c)
	if err != nil {
		var none F
		return none, err
	}
	return parse(values), nil
}

// eventRequestError is a refused event request as the table answers it
// (SPEC.md): 400 for a body that is not well-formed JSON, 422 for one that
// breaks a rule of the contract.
func eventRequestError(e *catalog.RequestError) error {
	if e.Kind == catalog.RequestMalformed {
		return malformed(e.Message, e.Fields)
	}
	return invalid(e.Message, e.Fields)
}

// withMessage gives err the message its answer shows, instead of its row's;
// the status and the Retry-After stay the row's.
func withMessage(err error, message string) error {
	return &messageError{err: err, message: message}
}

type messageError struct {
	err     error
	message string
}

func (e *messageError) Error() string   { return e.err.Error() }
func (e *messageError) Unwrap() error   { return e.err }
func (e *messageError) Message() string { return e.message }

// panicError is a panic the Recover middleware caught, with the stack it was
// caught at; answerError logs both, once.
type panicError struct {
	err   error
	stack []byte
}

// No Unwrap: whatever it panicked with, a panic is internal.
func (e *panicError) Error() string { return "panic: " + e.err.Error() }

// msgStillDelivering refuses a redelivery of a message still being attempted.
const msgStillDelivering = "This message is still being delivered. Redeliver it once it has finished."

// errorAnswer is what one error is answered with.
type errorAnswer struct {
	status     int
	message    string
	retryAfter time.Duration
	// fields are per-field messages, from an error with a Fields method.
	fields map[string]string
	// internal errors are logged; their text is never shown.
	internal bool
}

// answerFor finds how err is answered: an *echo.HTTPError says so itself,
// a domain error has its row, anything else is internal.
func answerFor(err error) errorAnswer {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Code >= http.StatusInternalServerError {
			return errorAnswer{status: he.Code, message: msgInternal, internal: true}
		}
		msg, _ := he.Message.(string)
		switch {
		case he.Code == http.StatusNotFound && (msg == "" || msg == http.StatusText(http.StatusNotFound)):
			msg = msgNotFound
		case he.Code == http.StatusMethodNotAllowed:
			msg = msgMethodNotAllowed
		case msg == "":
			msg = http.StatusText(he.Code)
		}
		return errorAnswer{status: he.Code, message: msg}
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			msg := d.message
			var says interface{ Message() string }
			switch {
			case errors.As(err, &says):
				msg = says.Message()
			case msg == "":
				msg = d.err.Error()
			}
			a := errorAnswer{status: d.status, message: msg, retryAfter: d.retryAfter}
			var waits interface{ RetryAfter() time.Duration }
			if errors.As(err, &waits) {
				a.retryAfter = waits.RetryAfter()
			}
			var withFields interface{ Fields() map[string]string }
			if errors.As(err, &withFields) {
				a.fields = withFields.Fields()
			}
			return a
		}
	}
	return errorAnswer{status: http.StatusInternalServerError, message: msgInternal, internal: true}
}

// errorHeading is the title of the error page for a status.
func errorHeading(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusInternalServerError:
		return "Something went wrong"
	}
	return http.StatusText(status)
}

// answerError is the web app's one answer to an error, Echo's
// HTTPErrorHandler: handlers return errors and this decides the status,
// logs internal errors (only those), and answers in the caller's terms:
// JSON {"error": …} for the API, an inline notice for htmx, a page for a
// browser.
func (s *Server) answerError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads an answer.
		return
	}
	a := answerFor(err)
	if a.internal {
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", a.status, "err", err}
		var panicked *panicError
		if errors.As(err, &panicked) {
			attrs = append(attrs, "stack", string(panicked.stack))
		}
		s.log.Error("request failed", attrs...)
		if isAPI(c) {
			a.message = msgInternalAPI
		}
	}
	if a.retryAfter > 0 {
		setRetryAfter(c, a.retryAfter)
	}
	var werr error
	switch {
	case r.Method == http.MethodHead:
		werr = c.NoContent(a.status)
	case wantsJSON(c):
		werr = c.JSON(a.status, apiError{Error: a.message, Fields: a.fields})
	case isHTMX(c):
		werr = s.render(c, a.status, views.ErrorNotice(a.message))
	default:
		heading := errorHeading(a.status)
		werr = s.render(c, a.status, views.ErrorPage(views.ErrorProps{
			Page: s.page(c, heading, ""), Status: a.status, Heading: heading, Message: a.message,
		}))
	}
	if werr != nil {
		s.log.Error("write error answer", "path", r.URL.Path, "err", werr)
	}
}
