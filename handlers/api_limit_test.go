package handlers

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// The 413 answer names the limit the reader applies, just past it, and a
// body at the limit is read whole.
func TestCreateEventBodyLimitMessage(t *testing.T) {
	f := newAPIFixture(t)
	f.addEndpoint(t, "PROJECT_CREATED", true)
	body := func(size int) string {
		head, tail := `{"eventType":"PROJECT_CREATED","projectName":"`, `"}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	rec := f.post(t, "Bearer "+f.token, body(maxEventBody+1))
	var answer apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || rec.Code != 413 {
		t.Fatalf("status %d, body %q; want 413 with a JSON error", rec.Code, rec.Body)
	}
	if want := strconv.Itoa(maxEventBody>>10) + " KiB"; !strings.Contains(answer.Error, want) {
		t.Errorf("error %q does not quote the limit %s", answer.Error, want)
	}
	if rec := f.post(t, "Bearer "+f.token, body(maxEventBody)); rec.Code == 413 {
		t.Errorf("a body of exactly %d bytes is refused as too large", maxEventBody)
	}
}
