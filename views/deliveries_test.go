package views

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/loadhook/loadhook/catalog"
)

var viewNow = time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)

func sampleRows() []DeliveryRow {
	next := viewNow.Add(3 * time.Second)
	return []DeliveryRow{
		{ID: "msg_retrying", EventType: "TEST_FAILED", State: "retrying", Attempts: 2, MaxAttempts: 4, LastStatus: 503,
			LastError: "http_status", LastDuration: 120 * time.Millisecond, CreatedAt: viewNow.Add(-3 * time.Minute), NextAttemptAt: &next},
		{ID: "msg_ok", EventType: "TEST_STARTED", Test: true, State: "succeeded", Attempts: 1, MaxAttempts: 4, LastStatus: 204,
			LastDuration: 1500 * time.Millisecond, CreatedAt: viewNow.Add(-2 * time.Hour)},
		{ID: "msg_timeout", EventType: "PROJECT_CREATED", State: "failed", Attempts: 5, MaxAttempts: 5, LastError: "timeout",
			LastDuration: 10 * time.Second, CreatedAt: viewNow.Add(-3 * 24 * time.Hour)},
		{ID: "msg_pending", EventType: "TEST_FINISH", State: "pending", MaxAttempts: 4, CreatedAt: viewNow},
	}
}

func cellText(s *goquery.Selection, id string) string {
	return strings.Join(strings.Fields(s.Find(`[data-testid="`+id+`"]`).Text()), " ")
}

func TestDeliveryListRows(t *testing.T) {
	doc := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows(), Now: viewNow}))
	rows := byTestID(doc, "delivery-row")
	if rows.Length() != 4 {
		t.Fatalf("rows = %d", rows.Length())
	}
	tests := []struct {
		row                                           int
		state, badge, attempts, result, dur, when, id string
		test                                          bool
	}{
		{0, "retrying", "Retrying", "Attempt 2 failed", "503", "120 ms", "3 minutes ago", "msg_retrying", false},
		{1, "succeeded", "Succeeded", "Delivered on attempt 1", "204", "1.5 s", "2 hours ago", "msg_ok", true},
		{2, "failed", "Failed", "Failed after 5 attempts", "timeout", "10.0 s", "3 days ago", "msg_timeout", false},
		{3, "pending", "Pending", "In progress", "—", "—", "just now", "msg_pending", false},
	}
	for _, tt := range tests {
		r := rows.Eq(tt.row)
		got := []string{r.AttrOr("data-state", ""), cellText(r, "state-badge"), cellText(r, "delivery-attempts"),
			cellText(r, "delivery-result"), cellText(r, "delivery-duration"), cellText(r, "delivery-time"), cellText(r, "delivery-id")}
		want := []string{tt.state, tt.badge, tt.attempts, tt.result, tt.dur, tt.when, tt.id}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d = %q, want %q", tt.row, got, want)
		}
		if (r.Find(`[data-testid="test-badge"]`).Length() == 1) != tt.test {
			t.Errorf("row %d: Test badge shown = %v", tt.row, !tt.test)
		}
		if href := r.Find(`[data-testid="delivery-link"]`).AttrOr("href", ""); href != "/profile/integrations/webhook/deliveries/"+tt.id {
			t.Errorf("row %d links to %q", tt.row, href)
		}
	}
	if got := cellText(rows.Eq(0), "next-attempt"); got != "Next retry in 3 s" {
		t.Errorf("next attempt = %q", got)
	}
	if rows.Eq(1).Find(`[data-testid="next-attempt"]`).Length() != 0 {
		t.Error("a finished row shows a next attempt")
	}
	when := rows.Eq(0).Find(`[data-testid="delivery-time"]`)
	if when.AttrOr("datetime", "") != "2025-07-03T14:27:00Z" || when.AttrOr("title", "") != "3 Jul 2025, 14:27:00 UTC" {
		t.Errorf("time datetime %q title %q", when.AttrOr("datetime", ""), when.AttrOr("title", ""))
	}
	if !rows.Eq(0).Find(`[data-testid="delivery-result"]`).HasClass("result-bad") || !rows.Eq(1).Find(`[data-testid="delivery-result"]`).HasClass("result-ok") {
		t.Error("results are not coloured by outcome")
	}
}

func TestDeliveryListPollsOnlyWhileInFlight(t *testing.T) {
	q := DeliveryQuery{State: "retrying", EventType: "TEST_FAILED"}
	doc := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[:1], Query: q, Now: viewNow}))
	list := byTestID(doc, "delivery-list")
	if list.AttrOr("hx-get", "") != "/profile/integrations/webhook/endpoints/7/deliveries?state=retrying&type=TEST_FAILED" ||
		list.AttrOr("hx-trigger", "") != "every 1s" || list.AttrOr("hx-swap", "") != "morph:outerHTML" {
		t.Errorf("polling attributes: %q %q %q", list.AttrOr("hx-get", ""), list.AttrOr("hx-trigger", ""), list.AttrOr("hx-swap", ""))
	}
	doc = render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[:1], Compact: true, Now: viewNow}))
	if got := byTestID(doc, "delivery-list").AttrOr("hx-get", ""); got != "/profile/integrations/webhook/endpoints/7/deliveries?view=recent" {
		t.Errorf("compact list polls %q", got)
	}
	doc = render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[1:3], Now: viewNow}))
	for _, attr := range []string{"hx-get", "hx-trigger"} {
		if _, ok := byTestID(doc, "delivery-list").Attr(attr); ok {
			t.Errorf("a finished list has %s", attr)
		}
	}
}

func TestDeliveryListPaging(t *testing.T) {
	q := DeliveryQuery{State: "failed", Search: "evt_x", Before: "msg_b"}
	doc := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[1:2], Query: q, Next: "msg_c", Now: viewNow}))
	older, _ := url.Parse(byTestID(doc, "older-page").AttrOr("href", ""))
	if older.Path != "/profile/integrations/webhook/endpoints/7/deliveries" || older.Query().Encode() != "before=msg_c&q=evt_x&state=failed" {
		t.Errorf("older = %s", older)
	}
	if got := byTestID(doc, "newest-page").AttrOr("href", ""); got != "/profile/integrations/webhook/endpoints/7/deliveries?q=evt_x&state=failed" {
		t.Errorf("newest = %q", got)
	}

	first := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[1:2], Next: "msg_c", Now: viewNow}))
	if byTestID(first, "newest-page").Length() != 0 {
		t.Error("the first page links to itself as Newest")
	}
	last := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[1:2], Query: DeliveryQuery{Before: "msg_b"}, Now: viewNow}))
	if byTestID(last, "older-page").Length() != 0 || byTestID(last, "newest-page").Length() != 1 {
		t.Error("the last page's links are wrong")
	}
	compact := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: sampleRows()[1:2], Next: "msg_c", Compact: true, Now: viewNow}))
	if got := byTestID(compact, "older-page").AttrOr("href", ""); got != "/profile/integrations/webhook/endpoints/7/deliveries?before=msg_c" {
		t.Errorf("compact older link = %q", got)
	}
}

func TestDeliveryListEmpty(t *testing.T) {
	for _, tt := range []struct {
		props DeliveryListProps
		want  string
	}{
		{DeliveryListProps{}, "No deliveries yet."},
		{DeliveryListProps{Compact: true}, "Nothing sent yet. Send a test event to see its delivery here."},
		{DeliveryListProps{Query: DeliveryQuery{State: "failed"}}, "No deliveries match these filters."},
	} {
		doc := render(t, DeliveryList(tt.props))
		if got := strings.TrimSpace(byTestID(doc, "no-deliveries").Text()); got != tt.want {
			t.Errorf("empty list says %q, want %q", got, tt.want)
		}
	}
}

func TestDeliveriesPageKeepsFiltersAndEscapesNotes(t *testing.T) {
	q := DeliveryQuery{State: "failed", EventType: "TEST_FINISH", Status: "none", Range: "7d", Since: "2025-07-01T10:00", Until: "2025-07-02T10:00", Search: "evt_abc"}
	doc := render(t, DeliveriesPage(DeliveriesPageProps{
		Page: signedIn, EndpointID: 7, EndpointURL: "https://example.com/<hook>", EventTypes: groups,
		Notes: []string{`Ignored the state "<b>x</b>"`}, List: DeliveryListProps{EndpointID: 7, Query: q, Now: viewNow},
	}))
	for sel, want := range map[string]string{
		"filter-state": "failed", "filter-type": "TEST_FINISH", "filter-status": "none", "filter-range": "7d",
	} {
		if got := byTestID(doc, sel).Find("option[selected]").AttrOr("value", ""); got != want {
			t.Errorf("%s selects %q, want %q", sel, got, want)
		}
	}
	for sel, want := range map[string]string{"filter-since": q.Since, "filter-until": q.Until, "filter-q": q.Search} {
		if got := byTestID(doc, sel).AttrOr("value", ""); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if byTestID(doc, "filter-form").AttrOr("method", "") != "get" {
		t.Error("the filter form is not a GET form")
	}
	if byTestID(doc, "clear-filters").Length() != 1 {
		t.Error("no way to clear the filters")
	}
	note := byTestID(doc, "filter-note")
	if note.Text() != `Ignored the state "<b>x</b>"` || note.Find("b").Length() != 0 {
		t.Errorf("note = %q, not escaped", note.Text())
	}
	if byTestID(doc, "endpoint-heading-url").Text() != "https://example.com/<hook>" {
		t.Error("the endpoint URL is not shown as text")
	}
	// Nine types in three groups would be here with the real catalog; the
	// test's groups have three.
	if n := byTestID(doc, "filter-type").Find("option").Length(); n != 4 {
		t.Errorf("type options = %d, want 3 and Any", n)
	}
}

func TestEndpointDeliveries(t *testing.T) {
	hours := make([]HourCount, 24)
	for i := range hours {
		hours[i].Hour = viewNow.Truncate(time.Hour).Add(time.Duration(i-23) * time.Hour)
	}
	hours[20].Succeeded, hours[20].Failed = 6, 2
	doc := render(t, EndpointDeliveries(EndpointDeliveriesProps{
		EndpointID: 7, CSRF: "tok", EventTypes: groups,
		Health: EndpointHealthProps{EndpointID: 7, Chart: NewAttemptsChart(hours), Periods: []HealthPeriod{
			{Label: "Last 24 hours", Messages: HealthFigure{Delivered: 3, Finished: 4},
				Attempts: HealthWindow{Label: "Last 24 hours", Attempts: 8, Succeeded: 6, P50: 120 * time.Millisecond, P95: 2 * time.Second}},
			{Label: "Last 7 days"},
		}},
		Recent: DeliveryListProps{EndpointID: 7, Compact: true, Rows: sampleRows(), Now: viewNow},
	}))
	form := byTestID(doc, "send-test-form")
	if form.AttrOr("action", "") != "/profile/integrations/webhook/endpoints/7/test" || form.AttrOr("hx-target", "") != "#delivery-list" {
		t.Errorf("send test form: action %q target %q", form.AttrOr("action", ""), form.AttrOr("hx-target", ""))
	}
	if form.Find(`input[name="_csrf"]`).AttrOr("value", "") != "tok" {
		t.Error("the test form has no CSRF token")
	}
	if doc.Find(`label[for="test-event-type"]`).Text() != "Event type" || byTestID(doc, "test-event-type").Find("option").Length() != 3 {
		t.Error("the event type select is wrong")
	}
	// The headline is messages; attempts come second, labelled.
	health := byTestID(doc, "health")
	for i, want := range []string{
		"75.0% · 3 of 4 messages delivered · Attempts: 75.0% succeeded (6 of 8 attempts) · p50 120 ms · p95 2.0 s",
		"— · no finished messages ·  · No attempts",
	} {
		got := strings.Join([]string{cellText(health.Eq(i), "health-rate"), cellText(health.Eq(i), "health-counts"),
			cellText(health.Eq(i), "health-attempts"), cellText(health.Eq(i), "health-latency")}, " · ")
		if got != want {
			t.Errorf("health %d = %q, want %q", i, got, want)
		}
	}
	if byTestID(doc, "endpoint-health").AttrOr("hx-get", "") != "" {
		t.Error("the health block refreshes itself with nothing in flight")
	}
	resend := byTestID(doc, "resend-failed-form")
	if resend.AttrOr("action", "") != "/profile/integrations/webhook/endpoints/7/resend-failed" ||
		resend.Find(`option[selected]`).AttrOr("value", "") != "24h" || resend.Find("option").Length() != 4 {
		t.Error("the resend form is wrong")
	}
	if byTestID(doc, "delivery-row").Length() != 4 || byTestID(doc, "filter-form").Length() != 0 {
		t.Error("the endpoint page shows the wrong list")
	}
	if byTestID(doc, "chart-bar").Length() != 24 {
		t.Error("the chart has no 24 bars")
	}
	if !strings.Contains(doc.Find(".chart-table").Text(), "3 Jul, 11:00 UTC") {
		t.Error("the chart's table alternative lacks the busy hour")
	}
	if doc.Find("script").Length() != 0 {
		t.Error("the delivery part contains a script")
	}
}

func TestTestEventSentSwapsStatusOutOfBand(t *testing.T) {
	doc := render(t, TestEventSent(TestEventSentProps{EventType: "TEST_STARTED", MessageID: "msg_1",
		List: DeliveryListProps{EndpointID: 7, Compact: true, Rows: sampleRows()[3:], Now: viewNow}}))
	status := doc.Find("#test-event-status")
	if status.AttrOr("hx-swap-oob", "") != "innerHTML" || strings.Join(strings.Fields(status.Text()), " ") != "Sent a TEST_STARTED test event as msg_1." {
		t.Errorf("status = %q", status.Text())
	}
	if byTestID(doc, "delivery-list").AttrOr("hx-trigger", "") != "every 1s" {
		t.Error("the list of a just-sent event does not poll")
	}
}

func detailProps() DeliveryDetailProps {
	return DeliveryDetailProps{
		Page: signedIn, MessageID: "msg_1", EventID: "evt_1", EventType: "TEST_FAILED", EndpointID: 7,
		EndpointURL: "https://example.com/hook", CreatedAt: viewNow, Payload: "{\n  \"a\": \"<b>\"\n}", RawPayload: `{"a":"<b>"}`,
		Status: DeliveryStatusProps{MessageID: "msg_1", CSRF: "tok", State: "failed", Attempts: 1, MaxAttempts: 4, Now: viewNow,
			AttemptList: []AttemptView{{
				Number: 1, StartedAt: viewNow, URL: `https://example.com/"><img src=x onerror=alert(1)>`,
				RequestHeaders:  []HeaderLine{{Name: "Authorization", Value: "Bear••••••••"}},
				Status:          500,
				StatusText:      "Internal Server Error",
				ResponseHeaders: []HeaderLine{{Name: "X-Evil", Value: `"><img src=x onerror=alert(1)>`}, {Name: "<script>alert(1)</script>", Value: "v"}},
				Body:            `<script>alert(1)</script>`, BodyBytes: 25, Truncated: true,
				Timing:      catalog.Timing{Duration: 250 * time.Millisecond, DNS: time.Millisecond, FirstByte: 200 * time.Millisecond},
				Explanation: `the receiver answered 500 <script>alert(1)</script>`,
			}}},
	}
}

func TestDeliveryDetailPageEscapesEverything(t *testing.T) {
	var buf bytes.Buffer
	if err := DeliveryDetailPage(detailProps()).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{"<script>alert", "<img src=x", `<b>"`} {
		if strings.Contains(html, bad) {
			t.Errorf("raw %q in the page", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the body is not escaped as text")
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(html))
	if doc.Find("img[onerror], script:not([src])").Length() != 0 {
		t.Error("receiver data became elements")
	}
	if got := byTestID(doc, "response-body").Text(); got != `<script>alert(1)</script>` {
		t.Errorf("body text = %q", got)
	}
	if got := byTestID(doc, "payload-raw").Text(); got != `{"a":"<b>"}` {
		t.Errorf("raw payload = %q", got)
	}
	if byTestID(doc, "truncated").Length() != 1 {
		t.Error("the truncated flag is missing")
	}
	if got := cellText(doc.Selection, "timing"); got != "250 ms DNS 1 ms · connect — · TLS — · first byte 200 ms" {
		t.Errorf("timing = %q", got)
	}
	if byTestID(doc, "redeliver-form").Find(`input[name="_csrf"]`).AttrOr("value", "") != "tok" {
		t.Error("Redeliver has no CSRF token")
	}
	if _, ok := byTestID(doc, "delivery-status").Attr("hx-get"); ok {
		t.Error("a failed message polls")
	}
}

func TestDeliveryStatusInFlight(t *testing.T) {
	next := viewNow.Add(2 * time.Second)
	doc := render(t, DeliveryStatus(DeliveryStatusProps{MessageID: "msg_1", State: "retrying", Attempts: 1, MaxAttempts: 4, NextAttemptAt: &next, Now: viewNow}))
	st := byTestID(doc, "delivery-status")
	if st.AttrOr("hx-get", "") != "/profile/integrations/webhook/deliveries/msg_1" || st.AttrOr("hx-trigger", "") != "every 1s" {
		t.Errorf("status polling: %q %q", st.AttrOr("hx-get", ""), st.AttrOr("hx-trigger", ""))
	}
	if byTestID(doc, "redeliver-form").Length() != 0 || byTestID(doc, "in-flight-note").Length() != 1 {
		t.Error("an in-flight message offers Redeliver")
	}
	if !strings.Contains(st.Text(), "Attempt 1 failed · Next retry in 2 s") {
		t.Errorf("status = %q", strings.Join(strings.Fields(st.Text()), " "))
	}
	if byTestID(doc, "no-attempts").Length() != 1 {
		t.Error("no word for a message without attempts")
	}
}

func TestAttemptsChart(t *testing.T) {
	hours := make([]HourCount, 24)
	start := time.Date(2025, 7, 2, 15, 0, 0, 0, time.UTC)
	for i := range hours {
		hours[i].Hour = start.Add(time.Duration(i) * time.Hour)
	}
	hours[3] = HourCount{Hour: hours[3].Hour, Succeeded: 12, Failed: 3}
	hours[4] = HourCount{Hour: hours[4].Hour, Succeeded: 5}
	hours[23] = HourCount{Hour: hours[23].Hour, Failed: 1}
	c := NewAttemptsChart(hours)
	if c.Max != 20 || c.Total != 21 || len(c.Bars) != 24 {
		t.Fatalf("max %d total %d bars %d", c.Max, c.Total, len(c.Bars))
	}
	plot := c.Bottom - c.Top
	b := c.Bars[3]
	if !near(b.OkH, plot*12/20) || !near(b.FailH, plot*3/20) || !near(b.OkY, c.Bottom-b.OkH) || !near(b.FailY, b.OkY-b.FailH) {
		t.Errorf("bar 3 = %+v", b)
	}
	if b.Label != "18:00–19:00 UTC: 12 succeeded, 3 failed" || b.Empty || !c.Bars[0].Empty {
		t.Errorf("bar 3 label %q, empty flags %v %v", b.Label, b.Empty, c.Bars[0].Empty)
	}
	for i, bar := range c.Bars {
		if bar.X < c.Left || bar.X+bar.Width > c.Right || (i > 0 && bar.X <= c.Bars[i-1].X) {
			t.Errorf("bar %d outside the plot or out of order: %+v", i, bar)
		}
	}
	if c.Summary != "21 attempts in the last 24 hours: 17 succeeded, 4 failed. Busiest hour: 18:00 UTC with 15." {
		t.Errorf("summary = %q", c.Summary)
	}
	if len(c.Labels) != 4 || c.Labels[0].Label != "15:00" || c.Labels[1].Label != "21:00" {
		t.Errorf("labels = %+v", c.Labels)
	}
	if len(c.Ticks) != 3 || c.Ticks[1].Label != "10" || !near(c.Ticks[2].Y, c.Top) {
		t.Errorf("ticks = %+v", c.Ticks)
	}

	empty := NewAttemptsChart(make([]HourCount, 24))
	if empty.Summary != "No attempts in the last 24 hours." || empty.Total != 0 {
		t.Errorf("empty chart: %q", empty.Summary)
	}
	doc := render(t, attemptsChart(empty))
	if doc.Find("details").Length() != 0 || doc.Find("rect.bar-ok, rect.bar-fail").Length() != 0 {
		t.Error("an empty chart draws bars or a table")
	}
}

func near(a, b float64) bool { return a-b < 0.001 && b-a < 0.001 }

func TestNiceCeil(t *testing.T) {
	for n, want := range map[int]int{0: 2, 1: 2, 2: 2, 3: 4, 5: 6, 7: 8, 9: 10, 11: 20, 21: 40, 41: 50, 51: 60, 99: 100, 101: 200, 4001: 5000} {
		if got := niceCeil(n); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestDeliveryFormatting(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0 ms", 999 * time.Millisecond: "999 ms", time.Second: "1.0 s", 12340 * time.Millisecond: "12.3 s"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{-time.Second: "now", 0: "now", 1500 * time.Millisecond: "in 2 s", 90 * time.Second: "in 1 min", 2 * time.Hour: "at 3 Jul 2025, 16:30 UTC"} {
		if got := until(viewNow.Add(d), viewNow); got != want {
			t.Errorf("until(+%v) = %q, want %q", d, got, want)
		}
	}
	if q := (DeliveryQuery{Before: "msg_1"}); q.Filtered() {
		t.Error("a cursor alone counts as a filter")
	}
}

// TestProgressWording: the delivery log and the detail page say where a
// message stands in words, never as "1/4".
func TestProgressWording(t *testing.T) {
	soon, past := viewNow.Add(3*time.Second), viewNow.Add(-time.Second)
	tests := []struct {
		name    string
		p       progress
		summary string
		next    string
	}{
		{"first attempt queued", progress{State: "pending"}, "In progress", ""},
		{"delivered at once", progress{State: "succeeded", Attempts: 1}, "Delivered on attempt 1", ""},
		{"delivered on a retry", progress{State: "succeeded", Attempts: 3}, "Delivered on attempt 3", ""},
		{"delivered on a redelivery", progress{State: "succeeded", Attempts: 6, Redelivered: true}, "Delivered on redelivery", ""},
		{"redelivery queued", progress{State: "pending", Attempts: 4, Redelivered: true}, "Redelivery in progress", ""},
		{"retry scheduled", progress{State: "retrying", Attempts: 1, NextAttemptAt: &soon}, "Attempt 1 failed", "Next retry in 3 s"},
		{"retry running", progress{State: "retrying", Attempts: 2, NextAttemptAt: &past}, "Attempt 2 failed", "Retrying now"},
		{"blocked", progress{State: "failed", Attempts: 1, Blocked: true}, "Not retried: blocked", ""},
		{"gone", progress{State: "failed", Attempts: 1, LastStatus: 410}, "Not retried: 410 Gone", ""},
		{"disabled", progress{State: "failed", Disabled: true}, "Not sent: endpoint disabled", ""},
		{"all attempts failed", progress{State: "failed", Attempts: 4, LastStatus: 500}, "Failed after 4 attempts", ""},
		{"redelivery failed", progress{State: "failed", Attempts: 6, LastStatus: 500, Redelivered: true}, "Redelivery failed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.summary(); got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
			next, ok := tt.p.nextAttempt(viewNow)
			if next != tt.next || ok != (tt.next != "") {
				t.Errorf("next = %q, %v, want %q", next, ok, tt.next)
			}
		})
	}
}

// TestBlockedRowSaysNotSent: a blocked message was never sent, so its
// result is "not sent", not an error class.
func TestBlockedRowSaysNotSent(t *testing.T) {
	row := DeliveryRow{ID: "msg_b", EventType: "TEST_STARTED", State: "failed", Attempts: 1, MaxAttempts: 4, LastError: "blocked", Blocked: true, CreatedAt: viewNow}
	doc := render(t, DeliveryList(DeliveryListProps{EndpointID: 7, Rows: []DeliveryRow{row}, Now: viewNow}))
	r := byTestID(doc, "delivery-row")
	if got := cellText(r, "delivery-result") + "|" + cellText(r, "delivery-attempts"); got != "not sent|Not retried: blocked" {
		t.Errorf("blocked row = %q", got)
	}
}

// TestAttemptCardWording: a blocked attempt shows no request, a redelivery
// is marked, and a failure carries what to do with a link to its section.
func TestAttemptCardWording(t *testing.T) {
	blocked := AttemptView{Number: 1, StartedAt: viewNow, URL: "http://10.0.0.5/hook", NotSent: true,
		Explanation: "not sent: the URL points to a private network address; use a public URL",
		Advice:      "Use a public URL.", AdviceSection: "blocked"}
	redelivered := AttemptView{Number: 2, StartedAt: viewNow.Add(time.Minute), URL: "https://example.com/hook", Status: 200, StatusText: "OK",
		Success: true, Redelivery: true, Explanation: "delivered: the receiver answered 200 OK"}
	doc := render(t, DeliveryStatus(DeliveryStatusProps{MessageID: "msg_1", State: "succeeded", Attempts: 2, MaxAttempts: 2,
		Redelivered: true, AttemptList: []AttemptView{blocked, redelivered}, Now: viewNow}))
	cards := byTestID(doc, "attempt")
	newest, first := cards.Eq(0), cards.Eq(1)
	if newest.Find(`[data-testid="redelivery-badge"]`).Length() != 1 || first.Find(`[data-testid="redelivery-badge"]`).Length() != 0 {
		t.Error("the redelivery is not marked, or the first attempt is")
	}
	if first.Find(`[data-testid="not-sent-badge"]`).Length() != 1 || first.Find(`[data-testid="request-headers"]`).Length() != 0 || strings.Contains(first.Text(), "POST") {
		t.Error("a blocked attempt is shown as a request")
	}
	if href := first.Find(`[data-testid="advice-link"]`).AttrOr("href", ""); href != "/docs/delivery-failures#blocked" {
		t.Errorf("advice links to %q", href)
	}
	if newest.Find(`[data-testid="advice"]`).Length() != 0 {
		t.Error("a success carries advice")
	}
	if got := cellText(doc.Selection, "attempts-used"); got != "Delivered on redelivery" {
		t.Errorf("status = %q", got)
	}
	when := first.Find(`[data-testid="attempt-started"]`)
	if when.AttrOr("datetime", "") != "2025-07-03T14:30:00Z" || when.AttrOr("title", "") != "3 Jul 2025, 14:30:00 UTC" || when.AttrOr("data-local", "") != "exact" {
		t.Errorf("attempt time: %q %q %q", when.AttrOr("datetime", ""), when.AttrOr("title", ""), when.AttrOr("data-local", ""))
	}
}
