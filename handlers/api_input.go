package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/paths"
)

// maxAPIBody is the largest management API body read: the event API's
// limit, far above any endpoint's fields.
const maxAPIBody = maxEventBody

// The kinds of input the management API refuses, each a row of the error
// table (errors.go): a body that can't be read as the route's JSON (400), one
// that breaks a rule (422), and a request the current state refuses (409).
var (
	errMalformedInput = errors.New("malformed input")
	errInvalidInput   = errors.New("invalid input")
	errConflict       = errors.New("conflict")
)

// inputError is a refused management API request: what to fix, and per
// field, what is wrong with it.
type inputError struct {
	kind    error
	message string
	fields  map[string]string
}

func (e *inputError) Error() string             { return e.message }
func (e *inputError) Unwrap() error             { return e.kind }
func (e *inputError) Fields() map[string]string { return e.fields }

// Message is what the answer's error says.
func (e *inputError) Message() string { return e.message }

// malformed is a 400: the body or a parameter can't be read.
func malformed(message string, fields map[string]string) error {
	return &inputError{kind: errMalformedInput, message: message, fields: fields}
}

// invalid is a 422: the input was read and breaks the rules in fields.
func invalid(message string, fields map[string]string) error {
	return &inputError{kind: errInvalidInput, message: message, fields: fields}
}

// conflict is a 409: the request is fine, the state refuses it.
func conflict(message string) error {
	return &inputError{kind: errConflict, message: message}
}

// msgFixFields heads a 422 whose fields say what to fix.
const msgFixFields = "Some fields can't be used; fix them and send again."

// readAPIBody reads an API request body (events and management), at most
// maxAPIBody.
func readAPIBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxAPIBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is larger than "+strconv.Itoa(maxAPIBody>>10)+" KiB")
	case err != nil:
		return nil, malformed("The body could not be read.", nil)
	}
	return body, nil
}

// decodeAPIJSON reads a small JSON object body into into; unknown keys are
// refused, so a typo is not silently ignored.
func decodeAPIJSON(c echo.Context, into any) error {
	body, err := readAPIBody(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return malformed("The body must be a JSON object as the API document describes ("+paths.OpenAPI+"): "+
			strings.TrimPrefix(err.Error(), "json: ")+".", nil)
	}
	return nil
}
