package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loadhook/loadhook/paths"
)

// TryProps are the props of "Send a test to this URL" on the endpoint form:
// the sample's type, the button and the slot its result is shown in.
type TryProps struct {
	// EndpointID is the endpoint being edited, 0 on the new-endpoint page;
	// the form posts it so that the trial is signed with its secret.
	EndpointID int64
	Groups     []EventGroup
	// Result is the last trial's outcome; nil shows an empty slot.
	Result *TryResult
}

// Address is where the trial posts without JavaScript. It names the edited
// endpoint, so that opening the address the browser then shows leads back
// to that endpoint's form.
func (p TryProps) Address() string {
	if p.EndpointID == 0 {
		return paths.TryEndpoint
	}
	return paths.TryEndpoint + "?" + url.Values{TryEndpointField: {strconv.FormatInt(p.EndpointID, 10)}}.Encode()
}

// TryResult is what one trial got, as the form shows it beside the button.
// Every string in it may come from the receiver; templ escapes them all.
type TryResult struct {
	// EventType is the sample that was tried, chosen again in the select.
	EventType string
	// NotSent says why nothing was sent (the form has errors, the rate
	// limit); the other fields are then empty.
	NotSent   string
	URL       string
	MessageID string
	Success   bool
	// Status is the receiver's answer, 0 without one.
	Status     int
	StatusText string
	Duration   time.Duration
	DNS        time.Duration
	Connect    time.Duration
	TLS        time.Duration
	FirstByte  time.Duration
	// Body is the answer as recorded (valid UTF-8); the page shows its
	// first tryBodyLines lines.
	Body string
	// Explanation says in plain words what happened.
	Explanation string
	// OneTimeSecret signed the trial of an endpoint not saved yet; "" when
	// the endpoint's own secret did.
	OneTimeSecret string
}

// tryBodyLines is how many lines of the answer the result shows: enough
// for an error message or a JSON reply, short enough to keep the form in view.
const tryBodyLines = 12

// tryBodyMaxBytes cuts a body without line breaks.
const tryBodyMaxBytes = 2 << 10

// firstLines is the start of body the result shows, and whether there was
// more.
func firstLines(body string) (string, bool) {
	head, more := body, false
	if i := nthIndex(head, '\n', tryBodyLines); i >= 0 {
		head, more = head[:i], strings.TrimSpace(head[i:]) != ""
	}
	if len(head) > tryBodyMaxBytes {
		head, more = strings.ToValidUTF8(head[:tryBodyMaxBytes], ""), true
	}
	return strings.TrimRight(head, "\r\n"), more
}

// nthIndex is the index of the nth b in s, or -1.
func nthIndex(s string, b byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			if n--; n == 0 {
				return i
			}
		}
	}
	return -1
}

// tryBlockID is the block's anchor: without JavaScript the page that comes
// back opens at the result.
const tryBlockID = "endpoint-try"

// TryResultID is the slot htmx swaps the result into.
const TryResultID = "endpoint-try-result"

// TryEventField is the name of the select that picks the sample.
const TryEventField = "try_event_type"

// TryEndpointField carries the edited endpoint's id to the trial.
const TryEndpointField = "try_endpoint_id"

// chosen reports whether the select shows event type name: the one tried
// last, or the first when none was.
func (p TryProps) chosen(name string) bool {
	if p.Result != nil && p.Result.EventType != "" {
		return p.Result.EventType == name
	}
	return len(p.Groups) > 0 && len(p.Groups[0].Types) > 0 && p.Groups[0].Types[0].Name == name
}

// tryProps are the props of the form's trial block.
func (p EndpointPageProps) tryProps() TryProps {
	return TryProps{EndpointID: p.ID, Groups: p.Groups, Result: p.Try}
}
