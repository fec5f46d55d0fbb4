package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// maxEventBody is the largest event API body accepted (SPEC.md).
const maxEventBody = 64 << 10

// apiError is the JSON error shape of the event API.
type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// createEventResponse answers an accepted event.
type createEventResponse struct {
	ID       string                     `json:"id"`
	Messages []webhook.PublishedMessage `json:"messages"`
}

// createEvent accepts one platform event and answers 202 once the event and
// its messages are durably stored.
func (s *Server) createEvent(c echo.Context) error {
	token, err := s.bearerToken(c)
	if err != nil {
		return s.answerAuthFailure(c, err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxEventBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c.JSON(http.StatusRequestEntityTooLarge, apiError{Error: "the body is larger than " + strconv.Itoa(maxEventBody>>10) + " KiB"})
		}
		return c.JSON(http.StatusBadRequest, apiError{Error: "the body could not be read"})
	}
	in, reqErr := catalog.ParseEventRequest(body)
	if reqErr != nil {
		return c.JSON(requestErrorStatus(reqErr.Kind), apiError{Error: reqErr.Message, Fields: reqErr.Fields})
	}
	var pub *webhook.Published
	if key := c.Request().Header.Get(idempotencyKeyHeader); key != "" {
		if problem := checkIdempotencyKey(key); problem != "" {
			return c.JSON(http.StatusBadRequest, apiError{Error: problem, Fields: map[string]string{idempotencyKeyHeader: problem}})
		}
		sum := sha256.Sum256(body)
		pub, err = s.hooks.PublishOnce(c.Request().Context(), token.UserID, key, hex.EncodeToString(sum[:]), in)
	} else {
		pub, err = s.hooks.Publish(c.Request().Context(), token.UserID, in)
	}
	if errors.Is(err, models.ErrIdempotencyMismatch) {
		return c.JSON(http.StatusUnprocessableEntity, apiError{Error: err.Error(), Fields: map[string]string{idempotencyKeyHeader: err.Error()}})
	}
	if err != nil {
		return s.answerPublishFailure(c, token.UserID, in.Type, err)
	}
	if pub.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusAccepted, createEventResponse{ID: pub.EventID, Messages: pub.Messages})
}

// idempotencyKeyHeader lets the platform retry a POST safely: the same key
// within 24 h answers the first event again and stores nothing new.
const idempotencyKeyHeader = "Idempotency-Key"

// checkIdempotencyKey says what is wrong with a key, or "".
func checkIdempotencyKey(key string) string {
	if len(key) > models.MaxIdempotencyKeyLen {
		return fmt.Sprintf("the Idempotency-Key is longer than %d characters", models.MaxIdempotencyKeyLen)
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return "the Idempotency-Key may hold only printable ASCII characters without spaces (a UUID is a good key)"
		}
	}
	return ""
}

// requestErrorStatus is the status of a rejected event request (SPEC.md):
// 400 for a body that is not well-formed JSON, 422 for one that breaks a rule.
func requestErrorStatus(kind catalog.RequestErrorKind) int {
	if kind == catalog.RequestMalformed {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// answerPublishFailure answers an event that was not stored. A database that
// is briefly unavailable (the engine has logged why) or an engine shutting
// down is a 503 (the error table's row, with its Retry-After) the platform
// retries; anything else goes to answerError, a logged 500. Either way
// nothing was accepted.
func (s *Server) answerPublishFailure(c echo.Context, userID int64, eventType string, err error) error {
	a := answerFor(err)
	if a.status != http.StatusServiceUnavailable {
		return fmt.Errorf("publish %s event for user %d: %w", eventType, userID, err)
	}
	setRetryAfter(c, a.retryAfter)
	return c.JSON(a.status, apiError{Error: fmt.Sprintf(
		"the event could not be stored just now; nothing was accepted, send it again in %d s", int(a.retryAfter.Seconds()))})
}
