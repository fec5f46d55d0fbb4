package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

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
		return authRefusal(c, err)
	}
	body, err := readAPIBody(c)
	if err != nil {
		return err
	}
	in, reqErr := catalog.ParseEventRequest(body)
	if reqErr != nil {
		return eventRequestError(reqErr)
	}
	var pub *webhook.Published
	if key := c.Request().Header.Get(idempotencyKeyHeader); key != "" {
		if problem := checkIdempotencyKey(key); problem != "" {
			return malformed(problem, map[string]string{idempotencyKeyHeader: problem})
		}
		sum := sha256.Sum256(body)
		pub, err = s.hooks.PublishOnce(c.Request().Context(), token.UserID, key, hex.EncodeToString(sum[:]), in)
	} else {
		pub, err = s.hooks.Publish(c.Request().Context(), token.UserID, in)
	}
	if errors.Is(err, models.ErrIdempotencyMismatch) {
		return invalid(err.Error(), map[string]string{idempotencyKeyHeader: err.Error()})
	}
	if err != nil {
		return publishFailure(token.UserID, in.Type, err)
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

// publishFailure is an event that was not stored. A database that is
// briefly unavailable (the engine has logged why) or an engine shutting down
// is a 503 (the error table's row, with its Retry-After) the platform
// retries; anything else is a logged 500. Either way nothing was accepted.
func publishFailure(userID int64, eventType string, err error) error {
	err = fmt.Errorf("publish %s event for user %d: %w", eventType, userID, err)
	if a := answerFor(err); a.status == http.StatusServiceUnavailable {
		return withMessage(err, fmt.Sprintf(
			"the event could not be stored just now; nothing was accepted, send it again in %d s", int(a.retryAfter.Seconds())))
	}
	return err
}
