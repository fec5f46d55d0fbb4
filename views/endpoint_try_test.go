package views

import (
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/paths"
)

// TestEndpointTryBlock: the form's test button posts the form itself to the
// trial route (so it works without JavaScript) and names the edited endpoint
// only on an edit form; the sample tried last is chosen again.
func TestEndpointTryBlock(t *testing.T) {
	cases := []struct {
		name       string
		id         int64
		result     *TryResult
		wantID     string
		wantSample string
		// wantAction is where the trial posts without JavaScript.
		wantAction string
	}{
		{name: "new endpoint", wantSample: "TEST_STARTED", wantAction: paths.TryEndpoint},
		{name: "edit endpoint", id: 7, wantID: "7", wantSample: "TEST_STARTED", wantAction: paths.TryEndpoint + "?try_endpoint_id=7"},
		{name: "after a trial", id: 7, wantID: "7", result: &TryResult{EventType: "PROJECT_CREATED", NotSent: "x"}, wantSample: "PROJECT_CREATED",
			wantAction: paths.TryEndpoint + "?try_endpoint_id=7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := render(t, EndpointPage(EndpointPageProps{Page: signedIn, ID: tc.id, Form: forms.NewEndpointForm(), Groups: groups, Try: tc.result}))
			form := byTestID(doc, "endpoint-form")
			button := form.Find(`[data-testid="try-endpoint"]`)
			if button.Length() != 1 {
				t.Fatal("the test button is not inside the endpoint form")
			}
			for attr, want := range map[string]string{"type": "submit", "formaction": tc.wantAction + "#endpoint-try", "hx-post": paths.TryEndpoint, "hx-target": "#" + TryResultID} {
				if got := button.AttrOr(attr, ""); got != want {
					t.Errorf("button %s = %q, want %q", attr, got, want)
				}
			}
			if got := form.Find(`input[name="`+TryEndpointField+`"]`).AttrOr("value", ""); got != tc.wantID {
				t.Errorf("endpoint field %q, want %q", got, tc.wantID)
			}
			if got := form.Find(`select[name="`+TryEventField+`"] option[selected]`).AttrOr("value", ""); got != tc.wantSample {
				t.Errorf("sample chosen %q, want %q", got, tc.wantSample)
			}
			if form.Find("#"+TryResultID).Length() != 1 {
				t.Error("no result slot in the form")
			}
		})
	}
}

// TestTryResultSlot renders outcomes: the words, the status, the time split
// in the delivery log's form, the answer's start (escaped), and which secret
// signed the test.
func TestTryResultSlot(t *testing.T) {
	ok := &TryResult{
		EventType: "TEST_STARTED", URL: "https://hooks.example/x", MessageID: "msg_1", Success: true, Status: 200, StatusText: "OK",
		Duration: 42 * time.Millisecond, Connect: 3 * time.Millisecond, FirstByte: 40 * time.Millisecond,
		Body: "<b>hi</b>", Explanation: "delivered: the receiver answered 200 OK", OneTimeSecret: "whsec_once",
	}
	doc := render(t, TryResultSlot(ok))
	if got := byTestID(doc, "try-explanation").Text(); !strings.Contains(got, "Succeeded") || !strings.Contains(got, ok.Explanation) {
		t.Errorf("explanation %q", got)
	}
	if got := strings.Join(strings.Fields(byTestID(doc, "try-timing").Text()), " "); got != "42 ms DNS — · connect 3 ms · TLS — · first byte 40 ms" {
		t.Errorf("timing %q", got)
	}
	if byTestID(doc, "try-body").Text() != "<b>hi</b>" || doc.Find("pre b").Length() != 0 {
		t.Error("the answer is not shown escaped")
	}
	if byTestID(doc, "try-secret-value").Text() != "whsec_once" {
		t.Error("the one-time secret is not shown")
	}

	signed := *ok
	signed.OneTimeSecret = ""
	if doc := render(t, TryResultSlot(&signed)); byTestID(doc, "try-secret-value").Length() != 0 ||
		!strings.Contains(byTestID(doc, "try-secret").Text(), "this endpoint's signing secret") {
		t.Error("an edit trial does not say it was signed with the endpoint's secret")
	}
	if doc := render(t, TryResultSlot(&TryResult{NotSent: "too many."})); byTestID(doc, "try-not-sent").Text() != "Not sent: too many." || byTestID(doc, "try-status").Length() != 0 {
		t.Error("a refusal shows an outcome")
	}
	if doc := render(t, TryResultSlot(nil)); strings.TrimSpace(byTestID(doc, "try-result").Text()) != "" {
		t.Error("the empty slot is not empty")
	}
}

func TestFirstLines(t *testing.T) {
	many := strings.Repeat("line\n", tryBodyLines+3)
	cases := []struct {
		name, body, want string
		more             bool
	}{
		{name: "empty", body: "", want: ""},
		{name: "one line", body: `{"ok":true}`, want: `{"ok":true}`},
		{name: "trailing newline", body: "ok\r\n", want: "ok"},
		{name: "exactly the lines", body: strings.Repeat("line\n", tryBodyLines), want: strings.TrimSuffix(strings.Repeat("line\n", tryBodyLines), "\n")},
		{name: "more lines", body: many, want: strings.TrimSuffix(strings.Repeat("line\n", tryBodyLines), "\n"), more: true},
		{name: "one long line", body: strings.Repeat("é", tryBodyMaxBytes), want: strings.Repeat("é", tryBodyMaxBytes/2), more: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, more := firstLines(tc.body)
			if got != tc.want || more != tc.more {
				t.Errorf("firstLines = %q, %v; want %q, %v", got, more, tc.want, tc.more)
			}
		})
	}
}
