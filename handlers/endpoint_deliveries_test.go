package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestEditPageLoadError: when the deliveries section cannot be loaded, the
// edit page answers a logged 500 naming the endpoint, not half a page.
func TestEditPageLoadError(t *testing.T) {
	app := newTestApp(t)
	c := app.signUp("broken@example.com")
	id := c.createEndpoint(validEndpoint())
	logs := &recordedLogs{}
	app.server.log = slog.New(logs)
	if err := app.db.Exec("DROP TABLE attempts").Error; err != nil {
		t.Fatal(err)
	}
	res := c.get(endpointPath(id, "")).wantStatus(http.StatusInternalServerError)
	if res.testid("error-page").Length() != 1 || res.testid("endpoint-form").Length() != 0 {
		t.Errorf("want only the error page, got %q", truncate(res.body, 500))
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if len(logs.errors) != 1 || !strings.Contains(logs.errors[0], "of endpoint") {
		t.Errorf("logged %q, want one error naming the endpoint", logs.errors)
	}
}
