package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// recordedLogs keeps the messages logged at error level.
type recordedLogs struct {
	mu     sync.Mutex
	errors []string
}

func (r *recordedLogs) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (r *recordedLogs) WithAttrs([]slog.Attr) slog.Handler           { return r }
func (r *recordedLogs) WithGroup(string) slog.Handler                { return r }
func (r *recordedLogs) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	r.errors = append(r.errors, line)
	return nil
}

// TestAnswerError: one function answers every error, by kind of request,
// with the status of the error's row, and logs only internal errors.
func TestAnswerError(t *testing.T) {
	const (
		page = "page"
		htmx = "htmx"
		api  = "api"
		head = "head"
	)
	wrappedNotFound := fmt.Errorf("load endpoint 7: %w", models.ErrNotFound)
	internal := errors.New("disk on fire at /var/lib/secret")
	tests := []struct {
		name    string
		err     error
		request string
		status  int
		// message is what the user reads (page, notice or JSON error).
		message string
		logged  bool
		// retryAfter is the Retry-After header wanted, "" for none.
		retryAfter string
	}{
		{"not found page", wrappedNotFound, page, http.StatusNotFound, msgNotFound, false, ""},
		{"not found htmx", wrappedNotFound, htmx, http.StatusNotFound, msgNotFound, false, ""},
		{"not found api", wrappedNotFound, api, http.StatusNotFound, msgNotFound, false, ""},
		{"not found head", wrappedNotFound, head, http.StatusNotFound, "", false, ""},
		{"echo route miss", echo.ErrNotFound, page, http.StatusNotFound, msgNotFound, false, ""},
		{"method not allowed", echo.ErrMethodNotAllowed, page, http.StatusMethodNotAllowed, msgMethodNotAllowed, false, ""},
		{"engine stopping", fmt.Errorf("publish: %w", webhook.ErrStopped), api, http.StatusServiceUnavailable, "loadhook is restarting. Try again in a few seconds.", false, "2"},
		{"database unavailable", fmt.Errorf("list endpoints: %w", models.ErrUnavailable), page, http.StatusServiceUnavailable, "The database is unavailable just now. Try again in a few seconds.", false, "2"},
		{"rate limited says its own wait", fmt.Errorf("redeliver: %w", &limitedError{limit: resendLimit, retryAfter: 16500 * time.Millisecond}), htmx, http.StatusTooManyRequests, "Too many requests. Wait a moment, then try again.", false, "17"},
		{"http error keeps its message", echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose one of the nine event types."), htmx, http.StatusUnprocessableEntity, "Choose one of the nine event types.", false, ""},
		{"internal page", internal, page, http.StatusInternalServerError, msgInternal, true, ""},
		{"internal htmx", internal, htmx, http.StatusInternalServerError, msgInternal, true, ""},
		{"internal api", fmt.Errorf("publish event: %w", internal), api, http.StatusInternalServerError, msgInternalAPI, true, ""},
		{"internal http error", echo.NewHTTPError(http.StatusBadGateway, "upstream said no"), page, http.StatusBadGateway, msgInternal, true, ""},
		{"cancelled elsewhere is internal", fmt.Errorf("lookup: %w", context.Canceled), page, http.StatusInternalServerError, msgInternal, true, ""},
	}
	app := newTestApp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &recordedLogs{}
			app.server.log = slog.New(logs)
			path := "/profile/integrations/webhook/endpoints/7"
			method := http.MethodGet
			switch tt.request {
			case api:
				path, method = "/api/v1/events", http.MethodPost
			case head:
				method = http.MethodHead
			}
			req := httptest.NewRequest(method, path, nil)
			if tt.request == htmx {
				req.Header.Set("HX-Request", "true")
			}
			rec := httptest.NewRecorder()
			app.server.answerError(tt.err, echo.New().NewContext(req, rec))

			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			body := rec.Body.String()
			var got string
			switch tt.request {
			case api:
				var e map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
					t.Fatalf("API answer is not JSON: %q", body)
				}
				got = e["error"]
			case head:
				got = body
			default:
				doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if tt.request == htmx {
					if strings.Contains(body, "<html") {
						t.Errorf("htmx got a whole page: %q", truncate(body, 300))
					}
					got = doc.Find(`[data-testid="error-notice"]`).Text()
				} else {
					if doc.Find(`[data-testid="error-page"]`).Length() != 1 {
						t.Errorf("no error page: %q", truncate(body, 300))
					}
					got = doc.Find(`[data-testid="error-message"]`).Text()
				}
			}
			if got != tt.message {
				t.Errorf("message = %q, want %q", got, tt.message)
			}
			if strings.Contains(body, "disk on fire") || strings.Contains(body, "upstream said no") {
				t.Errorf("the answer shows an internal error: %q", truncate(body, 300))
			}
			if logged := len(logs.errors) > 0; logged != tt.logged {
				t.Errorf("logged = %v (%q), want %v", logged, logs.errors, tt.logged)
			}
		})
	}
}

// TestAnswerErrorClientGone: a request whose client went away gets no
// answer and no error log line.
func TestAnswerErrorClientGone(t *testing.T) {
	app := newTestApp(t)
	logs := &recordedLogs{}
	app.server.log = slog.New(logs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/profile", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	app.server.answerError(fmt.Errorf("list endpoints: %w", context.Canceled), echo.New().NewContext(req, rec))
	if rec.Body.Len() != 0 || len(logs.errors) != 0 {
		t.Errorf("answered %q and logged %q for a client that left", rec.Body.String(), logs.errors)
	}
}

// TestNotFoundFromHandlers: handlers return the store's ErrNotFound and it
// reaches the user as a 404 in each kind of answer, for another user's
// endpoint and for an id that is not a number.
func TestNotFoundFromHandlers(t *testing.T) {
	app := newTestApp(t)
	owner := app.signUp("owner@example.com")
	id := owner.createEndpoint(validEndpoint())
	intruder := app.signUp("intruder@example.com")

	for _, path := range []string{endpointPath(id, ""), "/profile/integrations/webhook/endpoints/abc"} {
		res := intruder.get(path).wantStatus(http.StatusNotFound)
		if got := res.testid("error-message").Text(); got != msgNotFound {
			t.Errorf("%s: message %q", path, got)
		}
	}
	intruder.headers.Set("HX-Request", "true")
	res := intruder.post(endpointPath(id, "secret/reveal"), nil).wantStatus(http.StatusNotFound)
	if got := res.testid("error-notice").Text(); got != msgNotFound {
		t.Errorf("htmx notice = %q", got)
	}
}

// TestPanicLoggedOnce: a panicking handler is answered 500 and logged once,
// with its stack.
func TestPanicLoggedOnce(t *testing.T) {
	app := newTestApp(t)
	logs := &recordedLogs{}
	app.server.log = slog.New(logs)
	e := echo.New()
	e.HTTPErrorHandler = app.server.answerError
	app.server.useMiddleware(e)
	e.GET("/boom", func(echo.Context) error { panic("boom") })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if len(logs.errors) != 1 || !strings.Contains(logs.errors[0], "boom") || !strings.Contains(logs.errors[0], "stack=") {
		t.Errorf("logged %q, want one line with the panic and its stack", logs.errors)
	}
}
