package views

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
)

// A waiting message says, in the log and on its page, which message of its
// test run it waits for, with a link to that message; others say nothing.
func TestWaitingMessageNamesWhatItWaitsFor(t *testing.T) {
	const pred = "msg_01jz0000000000000000000000"
	for _, tc := range []struct {
		name  string
		props func(waitingFor string) DeliveryStatusProps
	}{
		{"detail", func(w string) DeliveryStatusProps {
			return DeliveryStatusProps{MessageID: "msg_held", State: catalog.StateWaiting, MaxAttempts: 4, WaitingFor: w, Now: viewNow}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkWaitingFor(t, byTestID(render(t, DeliveryStatus(tc.props(pred))), "waiting-for"), pred)
			if n := byTestID(render(t, DeliveryStatus(tc.props(""))), "waiting-for").Length(); n != 0 {
				t.Errorf("a message that waits for nothing shows %d waiting notes", n)
			}
		})
	}
	rows := []DeliveryRow{
		{ID: "msg_held", EventType: "TEST_FINISH", State: catalog.StateWaiting, MaxAttempts: 4, CreatedAt: viewNow, WaitingFor: pred},
		{ID: "msg_other", EventType: "TEST_STARTED", State: catalog.StatePending, MaxAttempts: 4, CreatedAt: viewNow},
	}
	doc := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: rows, Now: viewNow}))
	list := byTestID(doc, "delivery-row")
	checkWaitingFor(t, list.Eq(0).Find(`[data-testid="waiting-for"]`), pred)
	if n := list.Eq(1).Find(`[data-testid="waiting-for"]`).Length(); n != 0 {
		t.Errorf("a pending message shows %d waiting notes", n)
	}
	if got := cellText(list.Eq(0), "state-badge"); got != "Waiting" {
		t.Errorf("state badge %q, want Waiting", got)
	}
	if got := cellText(list.Eq(0), "delivery-attempts"); got != "Not started: its test run goes in order" {
		t.Errorf("attempts column %q", got)
	}
}

func checkWaitingFor(t *testing.T, note *goquery.Selection, pred string) {
	t.Helper()
	if text := strings.Join(strings.Fields(note.Text()), " "); text != "Waiting for "+pred+" (same test run)" {
		t.Errorf("waiting note %q", text)
	}
	if href := note.Find(`[data-testid="waiting-for-link"]`).AttrOr("href", ""); href != paths.WithMessageID(paths.Delivery, pred) {
		t.Errorf("waiting note links to %q, want the message it waits for", href)
	}
}
