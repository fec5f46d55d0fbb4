package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/webhook"
)

// seedMsg describes a message to put straight into the database.
type seedMsg struct {
	typ      string
	state    string
	status   int
	class    string
	age      time.Duration
	test     bool
	attempts int
	eventID  string // a fresh event when empty
}

// seedMessage stores a message with its event, created age ago.
func (a *testApp) seedMessage(userID, endpointID int64, m seedMsg) models.Message {
	a.t.Helper()
	at := time.Now().UTC().Add(-m.age)
	if m.typ == "" {
		m.typ = "TEST_STARTED"
	}
	if m.state == "" {
		m.state = models.StateSucceeded
	}
	if m.eventID == "" {
		m.eventID = models.NewIDAt("evt_", at)
		ev := models.Event{ID: m.eventID, UserID: userID, Type: m.typ, Test: m.test,
			Payload: []byte(`{"type":"notification","eventType":"` + m.typ + `","metadata":{}}`), CreatedAt: at}
		if err := a.db.Create(&ev).Error; err != nil {
			a.t.Fatal(err)
		}
	}
	msg := models.Message{
		ID: models.NewIDAt("msg_", at), EventID: m.eventID, EndpointID: endpointID, UserID: userID, EventType: m.typ, Test: m.test,
		State: m.state, Attempts: m.attempts, MaxAttempts: webhook.MaxAttempts, LastStatus: m.status, LastErrorClass: m.class,
		LastDurationMs: 42, CreatedAt: at, UpdatedAt: at,
	}
	if m.state == models.StateRetrying {
		// Far enough ahead that a slow run still renders it as ahead.
		next := time.Now().UTC().Add(time.Minute)
		msg.NextAttemptAt = &next
	}
	if err := a.db.Create(&msg).Error; err != nil {
		a.t.Fatal(err)
	}
	return msg
}

// seedAttempt stores an attempt of msg; zero fields get plausible values.
func (a *testApp) seedAttempt(msg models.Message, at models.Attempt) models.Attempt {
	a.t.Helper()
	at.MessageID, at.EndpointID = msg.ID, msg.EndpointID
	if at.Number == 0 {
		at.Number = 1
	}
	if at.StartedAt.IsZero() {
		at.StartedAt = msg.CreatedAt
	}
	if at.URL == "" {
		at.URL = "https://93.184.215.14/hooks/loadhook"
	}
	if at.RequestHeaders == "" {
		at.RequestHeaders = `{"Content-Type":["application/json"]}`
	}
	if err := a.db.Create(&at).Error; err != nil {
		a.t.Fatal(err)
	}
	return at
}

// seedEndpoint stores an endpoint without the form, so any URL will do.
func (a *testApp) seedEndpoint(userID int64, rawURL string, headers ...catalog.Header) int64 {
	a.t.Helper()
	ep := &models.Endpoint{UserID: userID, URL: rawURL, Events: "TEST_STARTED", Enabled: true,
		Headers: headers, Secret: catalog.GenerateSecret()}
	if err := a.store.CreateEndpoint(context.Background(), ep); err != nil {
		a.t.Fatal(err)
	}
	return ep.ID
}

// adaWithEndpoint is an app with ada signed in on c and one endpoint of hers,
// ep, which the delivery log tests fill.
func adaWithEndpoint(t *testing.T) (app *testApp, c *client, uid, ep int64) {
	app = newTestApp(t)
	c = app.signUp("ada@example.com")
	uid = app.user("ada@example.com").ID
	return app, c, uid, app.seedEndpoint(uid, "https://93.184.215.14/a")
}

// adaDeliveringTo is an app whose engine runs, with ada signed in on c;
// hookURL is served by a local receiver answering with handler, which stays
// up until the engine has stopped.
func adaDeliveringTo(t *testing.T, handler http.HandlerFunc) (app *testApp, c *client, uid int64, hookURL string) {
	receiver := httptest.NewServer(handler)
	t.Cleanup(receiver.Close)
	app = newTestAppWith(t, appOptions{allowedHosts: "loopback", startEngine: true})
	c = app.signUp("ada@example.com")
	return app, c, app.user("ada@example.com").ID, receiver.URL + "/hook"
}

// answer is a receiver that answers every request with status.
func answer(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }
}

// rowIDs lists the message ids of the delivery rows on a page, in order.
func rowIDs(res *response) []string {
	var ids []string
	res.testid("delivery-row").Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-message-id", ""))
	})
	return ids
}

// headerText reads a header table as "Name: value; Name: value".
func headerText(table *goquery.Selection) string {
	var rows []string
	table.Find("tr").Each(func(_ int, tr *goquery.Selection) {
		rows = append(rows, tr.Find("th").Text()+": "+tr.Find("td").Text())
	})
	return strings.Join(rows, "; ")
}

func deliveriesPath(id int64, query string) string {
	p := endpointPath(id, "deliveries")
	if query != "" {
		p += "?" + query
	}
	return p
}

// waitState polls the database until a message reaches state.
func (a *testApp) waitState(msgID, state string, timeout time.Duration) models.Message {
	a.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var m models.Message
		if err := a.db.Where("id = ?", msgID).Take(&m).Error; err != nil {
			a.t.Fatal(err)
		}
		if m.State == state {
			return m
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("message %s is %s after %v, want %s", msgID, m.State, timeout, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeliveryFilters(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	other := app.seedEndpoint(uid, "https://93.184.215.14/b")

	ok := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, attempts: 1, age: 10 * time.Minute})
	redirect := app.seedMessage(uid, ep, seedMsg{typ: "TEST_FAILED", state: models.StateFailed, status: 301, class: webhook.ClassRedirect, attempts: 4, age: 3 * time.Hour})
	notFound := app.seedMessage(uid, ep, seedMsg{typ: "PROJECT_CREATED", state: models.StateFailed, status: 404, class: webhook.ClassHTTPStatus, attempts: 4, age: 2 * 24 * time.Hour})
	retrying := app.seedMessage(uid, ep, seedMsg{typ: "TEST_FAILED", state: models.StateRetrying, status: 503, class: webhook.ClassHTTPStatus, attempts: 2, age: 30 * time.Second})
	timeout := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, class: webhook.ClassTimeout, attempts: 4, age: 10 * 24 * time.Hour})
	pending := app.seedMessage(uid, ep, seedMsg{typ: "PROJECT_CREATED", state: models.StatePending, test: true, age: time.Second})
	old := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 204, attempts: 1, age: 40 * 24 * time.Hour})
	elsewhere := app.seedMessage(uid, other, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4, age: time.Minute})

	day := func(d time.Duration) string { return time.Now().UTC().Add(-d).Format("2006-01-02T15:04") }
	tests := []struct {
		name  string
		query string
		want  []models.Message
	}{
		{"no filter, newest first, this endpoint only", "", []models.Message{pending, retrying, ok, redirect, notFound, timeout, old}},
		{"state failed", "state=failed", []models.Message{redirect, notFound, timeout}},
		{"state retrying", "state=retrying", []models.Message{retrying}},
		{"state pending", "state=pending", []models.Message{pending}},
		{"state succeeded", "state=succeeded", []models.Message{ok, old}},
		{"event type", "type=TEST_FAILED", []models.Message{retrying, redirect}},
		{"status 2xx", "status=2xx", []models.Message{ok, old}},
		{"status 3xx", "status=3xx", []models.Message{redirect}},
		{"status 4xx", "status=4xx", []models.Message{notFound}},
		{"status 5xx", "status=5xx", []models.Message{retrying}},
		{"no HTTP answer", "status=none", []models.Message{pending, timeout}},
		{"last hour", "range=1h", []models.Message{pending, retrying, ok}},
		{"last 24 hours", "range=24h", []models.Message{pending, retrying, ok, redirect}},
		{"last 7 days", "range=7d", []models.Message{pending, retrying, ok, redirect, notFound}},
		{"last 30 days", "range=30d", []models.Message{pending, retrying, ok, redirect, notFound, timeout}},
		{"since and until", "since=" + day(11*24*time.Hour) + "&until=" + day(24*time.Hour), []models.Message{notFound, timeout}},
		{"until only", "until=" + day(5*24*time.Hour), []models.Message{timeout, old}},
		{"preset and a later since: both apply", "range=30d&since=" + day(5*time.Hour), []models.Message{pending, retrying, ok, redirect}},
		{"search by message id", "q=" + notFound.ID, []models.Message{notFound}},
		{"search by event id", "q=" + redirect.EventID, []models.Message{redirect}},
		{"search for another endpoint's message", "q=" + elsewhere.ID, nil},
		{"search for an unknown event", "q=" + models.NewIDAt("evt_", time.Now()), nil},
		{"combined", "state=failed&type=TEST_FAILED&range=24h&status=3xx", []models.Message{redirect}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.get(deliveriesPath(ep, tt.query)).wantStatus(http.StatusOK)
			var want []string
			for _, m := range tt.want {
				want = append(want, m.ID)
			}
			if got := rowIDs(res); !slices.Equal(got, want) {
				t.Errorf("rows = %v\nwant   %v", got, want)
			}
			if n := res.testid("filter-note").Length(); n != 0 {
				t.Errorf("notes = %q, want none", res.testid("filter-note").Text())
			}
			if len(want) == 0 && res.testid("no-deliveries").Length() != 1 {
				t.Error("an empty result does not say so")
			}
			// The form shows the filters that apply, so the URL and the page agree.
			values, _ := url.ParseQuery(tt.query)
			for field, sel := range map[string]string{"state": "filter-state", "type": "filter-type", "status": "filter-status", "range": "filter-range"} {
				if got := res.testid(sel).Find("option[selected]").AttrOr("value", ""); got != values.Get(field) {
					t.Errorf("%s select shows %q, want %q", field, got, values.Get(field))
				}
			}
			if got := res.testid("filter-q").AttrOr("value", ""); got != values.Get("q") {
				t.Errorf("search box = %q, want %q", got, values.Get("q"))
			}
		})
	}

	// A row says what it is.
	res := c.get(deliveriesPath(ep, "")).wantStatus(http.StatusOK)
	row := res.find(`[data-message-id="` + retrying.ID + `"]`)
	checks := []struct{ got, want string }{
		{row.Find(`[data-testid="delivery-type"]`).Text(), "TEST_FAILED"},
		{row.Find(`[data-testid="state-badge"]`).Text(), "Retrying"},
		{row.Find(`[data-testid="delivery-attempts"]`).Text(), "Attempt 2 failed"},
		{row.Find(`[data-testid="delivery-result"]`).Text(), "503"},
		{strings.TrimSpace(row.Find(`[data-testid="delivery-duration"]`).Text()), "42 ms"},
		{row.Find(`[data-testid="delivery-time"]`).Text(), "just now"},
		{row.Find(`[data-testid="delivery-link"]`).AttrOr("href", ""), "/profile/integrations/webhook/deliveries/" + retrying.ID},
		{res.find(`[data-message-id="` + timeout.ID + `"] [data-testid="delivery-result"]`).Text(), "timeout"},
		{res.find(`[data-message-id="` + ok.ID + `"] [data-testid="delivery-time"]`).Text(), "10 minutes ago"},
		{res.find(`[data-message-id="` + pending.ID + `"] [data-testid="test-badge"]`).Text(), "Test"},
	}
	for i, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("row check %d: got %q, want %q", i, ck.got, ck.want)
		}
	}
	if res.find(`[data-message-id="`+ok.ID+`"] [data-testid="test-badge"]`).Length() != 0 {
		t.Error("a real event has the Test badge")
	}
	if !strings.Contains(row.Find(`[data-testid="next-attempt"]`).Text(), "Next retry in") {
		t.Errorf("retrying row's next attempt = %q", row.Find(`[data-testid="next-attempt"]`).Text())
	}
	title := row.Find(`[data-testid="delivery-time"]`).AttrOr("title", "")
	if !strings.HasSuffix(title, " UTC") || row.Find(`time[datetime]`).Length() == 0 {
		t.Errorf("the exact time is missing: title %q", title)
	}
}

func TestDeliveryFiltersIgnoreBadValuesWithANote(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	a := app.seedMessage(uid, ep, seedMsg{age: time.Minute})
	b := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, age: 2 * time.Minute})

	q := url.Values{
		"state": {"lost"}, "type": {"TEST_EXPLODED"}, "status": {"7xx"}, "range": {"2y"},
		"since": {"yesterday"}, "q": {`<script>alert(1)</script>`}, "before": {"msg_' OR 1=1 --"},
	}
	res := c.get(deliveriesPath(ep, q.Encode())).wantStatus(http.StatusOK)
	if got := rowIDs(res); !slices.Equal(got, []string{a.ID, b.ID}) {
		t.Errorf("rows = %v, want every row when every filter is ignored", got)
	}
	notes := res.testid("filter-note")
	if notes.Length() != 7 {
		t.Fatalf("notes = %d:\n%s", notes.Length(), notes.Text())
	}
	for _, want := range []string{`"lost"`, `"TEST_EXPLODED"`, `"7xx"`, `"2y"`, `"yesterday"`, `"<script>alert(1)</script>"`, "cursor"} {
		if !strings.Contains(notes.Text(), want) {
			t.Errorf("no note mentions %s", want)
		}
	}
	if strings.Contains(res.body, "<script>alert") {
		t.Error("the search value is echoed unescaped")
	}
	// An end before the start is ignored too.
	res = c.get(deliveriesPath(ep, "since=2025-07-03T14:30&until=2025-07-01T00:00")).wantStatus(http.StatusOK)
	if !strings.Contains(res.testid("filter-note").Text(), "not after the start") {
		t.Errorf("notes = %q", res.testid("filter-note").Text())
	}
}

func TestDeliveryPagination(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	var want []string
	for i := range 120 {
		m := app.seedMessage(uid, ep, seedMsg{typ: "TEST_FINISH", status: 200, attempts: 1, age: time.Duration(i+1) * time.Minute})
		want = append(want, m.ID)
		// Other types in between, which the filter must skip without
		// leaving gaps.
		if i%10 == 0 {
			app.seedMessage(uid, ep, seedMsg{typ: "PROJECT_DELETED", status: 200, attempts: 1, age: time.Duration(i+1)*time.Minute + time.Second})
		}
	}

	var got []string
	var sizes []int
	next := deliveriesPath(ep, "type=TEST_FINISH&status=2xx")
	for page := 1; next != ""; page++ {
		if page > 5 {
			t.Fatal("pagination does not end")
		}
		res := c.get(next).wantStatus(http.StatusOK)
		ids := rowIDs(res)
		got = append(got, ids...)
		sizes = append(sizes, len(ids))
		hasNewest := res.testid("newest-page").Length() == 1
		if hasNewest != (page > 1) {
			t.Errorf("page %d: Newest link shown = %v", page, hasNewest)
		}
		next = res.testid("older-page").AttrOr("href", "")
		if next != "" {
			u, _ := url.Parse(next)
			if u.Query().Get("type") != "TEST_FINISH" || u.Query().Get("status") != "2xx" || u.Query().Get("before") != ids[len(ids)-1] {
				t.Errorf("page %d: Older link %q does not keep the filters or the cursor", page, next)
			}
		}
		if page > 1 {
			newest := res.testid("newest-page").AttrOr("href", "")
			if strings.Contains(newest, "before=") || !strings.Contains(newest, "type=TEST_FINISH") {
				t.Errorf("Newest link = %q", newest)
			}
		}
	}
	if !slices.Equal(sizes, []int{50, 50, 20}) {
		t.Errorf("page sizes = %v, want [50 50 20]", sizes)
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %d ids with duplicates or gaps", len(got))
	}
}

func TestDeliveryListFragmentRefreshesWhileInFlight(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	for i := range 12 {
		app.seedMessage(uid, ep, seedMsg{age: time.Duration(i+1) * time.Minute, status: 200, attempts: 1})
	}

	page := c.get(deliveriesPath(ep, "state=succeeded")).wantStatus(http.StatusOK)
	if !strings.Contains(page.body, "<html") || page.testid("filter-form").Length() != 1 {
		t.Fatal("the full page lacks its layout or filters")
	}
	if _, polling := page.testid("delivery-list").Attr("hx-trigger"); polling {
		t.Error("the list polls although nothing is in flight")
	}

	c.headers.Set("HX-Request", "true")
	frag := c.get(deliveriesPath(ep, "state=succeeded")).wantStatus(http.StatusOK)
	if strings.Contains(frag.body, "<html") || strings.Contains(frag.body, "filter-form") {
		t.Error("htmx got more than the list")
	}
	if n := frag.testid("delivery-row").Length(); n != 12 {
		t.Errorf("fragment rows = %d", n)
	}
	if !slices.Contains(frag.header.Values("Vary"), "HX-Request") {
		t.Error("no Vary: HX-Request")
	}

	inflight := app.seedMessage(uid, ep, seedMsg{state: models.StateRetrying, status: 500, attempts: 1})
	frag = c.get(deliveriesPath(ep, "type=TEST_STARTED")).wantStatus(http.StatusOK)
	list := frag.testid("delivery-list")
	if list.AttrOr("hx-trigger", "") != "every 1s" || list.AttrOr("hx-swap", "") != "morph:outerHTML" {
		t.Errorf("in-flight list: hx-trigger %q hx-swap %q", list.AttrOr("hx-trigger", ""), list.AttrOr("hx-swap", ""))
	}
	if got := list.AttrOr("hx-get", ""); got != deliveriesPath(ep, "type=TEST_STARTED") {
		t.Errorf("the list refreshes from %q, want its own filtered URL", got)
	}

	recent := c.get(deliveriesPath(ep, "view=recent")).wantStatus(http.StatusOK)
	if ids := rowIDs(recent); len(ids) != recentLimit || ids[0] != inflight.ID {
		t.Errorf("recent list = %v", ids)
	}
	if got := recent.testid("delivery-list").AttrOr("hx-get", ""); got != deliveriesPath(ep, "view=recent") {
		t.Errorf("the recent list refreshes from %q", got)
	}

	app.db.Model(&models.Message{}).Where("id = ?", inflight.ID).Update("state", models.StateSucceeded)
	recent = c.get(deliveriesPath(ep, "view=recent")).wantStatus(http.StatusOK)
	if _, polling := recent.testid("delivery-list").Attr("hx-get"); polling {
		t.Error("the list still polls once everything finished")
	}
}

func TestEndpointPageShowsDeliveriesAndHealth(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	now := time.Now().UTC()
	// Attempts a minute or two into an hour, so each pair shares a bar of
	// the chart whatever the time the test runs.
	hour := now.Truncate(time.Hour)

	// 24 h: 3 of 4 attempts succeeded; 7 days adds 4 failures.
	recent := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, attempts: 2, age: 2 * time.Hour})
	app.seedAttempt(recent, models.Attempt{Number: 1, StartedAt: hour.Add(-2*time.Hour + time.Minute), ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus, DurationMs: 400})
	app.seedAttempt(recent, models.Attempt{Number: 2, StartedAt: hour.Add(-2*time.Hour + 2*time.Minute), ResponseStatus: 200, Success: true, DurationMs: 100})
	last := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, attempts: 2, age: 10 * time.Minute})
	app.seedAttempt(last, models.Attempt{Number: 1, StartedAt: hour.Add(-time.Hour + time.Minute), ResponseStatus: 204, Success: true, DurationMs: 200})
	app.seedAttempt(last, models.Attempt{Number: 2, StartedAt: hour.Add(-time.Hour + 2*time.Minute), ResponseStatus: 204, Success: true, DurationMs: 300})
	week := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, attempts: 4, age: 3 * 24 * time.Hour})
	for n := 1; n <= 4; n++ {
		app.seedAttempt(week, models.Attempt{Number: n, StartedAt: now.Add(-3 * 24 * time.Hour), ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus, DurationMs: 1000})
	}
	for i := range 11 {
		app.seedMessage(uid, ep, seedMsg{age: time.Duration(i+3) * time.Hour})
	}

	page := c.get(endpointPath(ep, "")).wantStatus(http.StatusOK)
	section := page.find("#endpoint-deliveries")
	if section.Length() != 1 {
		t.Fatal("no delivery section")
	}
	form := section.Find(`[data-testid="send-test-form"]`)
	if form.AttrOr("action", "") != endpointPath(ep, "test") || form.AttrOr("hx-post", "") != endpointPath(ep, "test") {
		t.Errorf("send test form posts to %q / %q", form.AttrOr("action", ""), form.AttrOr("hx-post", ""))
	}
	if label := section.Find(`label[for="test-event-type"]`).Text(); label != "Event type" {
		t.Errorf("select label = %q", label)
	}
	var options []string
	section.Find(`[data-testid="test-event-type"] option`).Each(func(_ int, s *goquery.Selection) {
		options = append(options, s.AttrOr("value", ""))
	})
	var want []string
	for _, et := range catalog.EventTypes() {
		want = append(want, et.Name)
	}
	if !slices.Equal(options, want) {
		t.Errorf("event types = %v", options)
	}

	health := section.Find(`[data-testid="health"]`)
	if health.Length() != 2 {
		t.Fatalf("health windows = %d", health.Length())
	}
	type hw struct{ rate, counts, attempts, latency string }
	text := func(s *goquery.Selection, id string) string {
		return strings.Join(strings.Fields(s.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}
	got := []hw{}
	health.Each(func(_ int, s *goquery.Selection) {
		got = append(got, hw{text(s, "health-rate"), text(s, "health-counts"), text(s, "health-attempts"), text(s, "health-latency")})
	})
	// The headline counts messages (13 delivered in 24 h; the week adds a
	// failed one); attempts, retries included, come second, labelled.
	// p50 of 100,200,300,400 is the 2nd (offset 1); p95 the 3rd (offset 2).
	wantHealth := []hw{
		{"100%", "13 of 13 messages delivered", "Attempts: 75.0% succeeded (3 of 4 attempts)", "p50 200 ms · p95 300 ms"},
		{"92.9%", "13 of 14 messages delivered", "Attempts: 37.5% succeeded (3 of 8 attempts)", "p50 400 ms · p95 1.0 s"},
	}
	if !slices.Equal(got, wantHealth) {
		t.Errorf("health = %+v, want %+v", got, wantHealth)
	}
	// One truth: the list shows the overview's 24-hour figure.
	card := c.get("/profile/integrations/webhook").wantStatus(http.StatusOK).testid("endpoint-card")
	if rate := text(card, "endpoint-rate"); rate != "Last 24 hours: "+got[0].rate+" "+got[0].counts {
		t.Errorf("the list says %q, the overview %q %q", rate, got[0].rate, got[0].counts)
	}

	chart := section.Find(`[data-testid="attempts-chart"]`)
	if n := chart.Find(`[data-testid="chart-bar"]`).Length(); n != 24 {
		t.Errorf("chart bars = %d, want 24", n)
	}
	if ok, fail := chart.Find(`[data-testid="bar-ok"]`).Length(), chart.Find(`[data-testid="bar-fail"]`).Length(); ok != 2 || fail != 1 {
		t.Errorf("chart has %d success and %d failure segments, want 2 and 1", ok, fail)
	}
	if title := chart.Find("svg > title").Text(); !strings.Contains(title, "Attempts per hour") {
		t.Errorf("chart title = %q", title)
	}
	if desc := chart.Find("svg > desc").Text(); !strings.Contains(desc, "4 attempts in the last 24 hours: 3 succeeded, 1 failed") {
		t.Errorf("chart description = %q", desc)
	}

	if ids := rowIDs(page); len(ids) != recentLimit || ids[0] != last.ID {
		t.Errorf("recent deliveries = %v", ids)
	}
	if href := section.Find(`[data-testid="all-deliveries"]`).AttrOr("href", ""); href != deliveriesPath(ep, "") {
		t.Errorf("all deliveries link = %q", href)
	}
	if section.Find(`[data-testid="resend-range"] option`).Length() != 4 {
		t.Error("resend failed has no period choice")
	}
}

func TestSendTestEvent(t *testing.T) {
	app, c, _, ep := adaWithEndpoint(t)

	// Without JavaScript: back to the endpoint page with a flash.
	res := c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_FINISH"}})
	res.wantRedirect(endpointPath(ep, ""))
	var msgs []models.Message
	app.db.Where("endpoint_id = ?", ep).Find(&msgs)
	if len(msgs) != 1 || !msgs[0].Test || msgs[0].EventType != "TEST_FINISH" || msgs[0].State != models.StatePending {
		t.Fatalf("messages = %+v", msgs)
	}
	page := c.get(endpointPath(ep, "")).wantStatus(http.StatusOK)
	if flash := page.testid("flash").Text(); !strings.Contains(flash, msgs[0].ID) || !strings.Contains(flash, "TEST_FINISH") {
		t.Errorf("flash = %q", flash)
	}
	if ids := rowIDs(page); len(ids) != 1 || ids[0] != msgs[0].ID {
		t.Errorf("recent deliveries = %v", ids)
	}

	// With htmx: the list, polling, and the status line out of band.
	c.headers.Set("HX-Request", "true")
	res = c.post(endpointPath(ep, "test"), url.Values{"event_type": {"PROJECT_CREATED"}}).wantStatus(http.StatusOK)
	if strings.Contains(res.body, "<html") {
		t.Error("htmx got a whole page")
	}
	ids := rowIDs(res)
	if len(ids) != 2 {
		t.Fatalf("rows = %v", ids)
	}
	if res.testid("delivery-list").AttrOr("hx-trigger", "") != "every 1s" {
		t.Error("the list does not refresh while the test event is in flight")
	}
	status := res.find(`#test-event-status`)
	if status.AttrOr("hx-swap-oob", "") != "innerHTML" || !strings.Contains(status.Text(), ids[0]) {
		t.Errorf("status line = %q oob %q", status.Text(), status.AttrOr("hx-swap-oob", ""))
	}

	c.headers.Del("HX-Request")
	c.post(endpointPath(ep, "test"), url.Values{"event_type": {"NOPE"}}).wantStatus(http.StatusUnprocessableEntity)
	c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}, "_csrf": {"forged"}}).wantStatus(http.StatusForbidden)
	if n := app.count("messages"); n != 2 {
		t.Errorf("messages = %d, want 2", n)
	}
}

func TestDeliveryDetail(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	msg := app.seedMessage(uid, ep, seedMsg{typ: "TEST_FAILED", state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 2, age: time.Hour})
	payload := `{"type":"notification","eventType":"TEST_FAILED","metadata":{"testRunId":"42"}}`
	app.db.Model(&models.Event{}).Where("id = ?", msg.EventID).Update("payload", []byte(payload))
	app.seedAttempt(msg, models.Attempt{Number: 1, ErrorClass: webhook.ClassTimeout, ErrorDetail: "no answer within 10 s", DurationMs: 10000, DNSMs: 3, ConnectMs: 4})
	app.seedAttempt(msg, models.Attempt{
		Number: 2, StartedAt: msg.CreatedAt.Add(time.Second), ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus,
		ErrorDetail:     "the receiver answered 500 Internal Server Error",
		RequestHeaders:  `{"Content-Type":["application/json"],"Webhook-Id":["` + msg.ID + `"]}`,
		ResponseHeaders: `{"X-Request-Id":["abc-123"]}`, ResponseBody: []byte("upstream broke\nline two"), Truncated: true,
		DurationMs: 250, DNSMs: 1, ConnectMs: 2, TLSMs: 30, FirstByteMs: 200,
	})

	res := c.get("/profile/integrations/webhook/deliveries/" + msg.ID).wantStatus(http.StatusOK)
	checks := []struct{ got, want string }{
		{res.testid("message-id").Text(), msg.ID},
		{res.testid("event-id").Text(), msg.EventID},
		{res.testid("event-type").Text(), "TEST_FAILED"},
		{strings.TrimSpace(res.testid("delivery-kind").Text()), "Real event"},
		{res.find(`[data-testid="delivery-status"] [data-testid="state-badge"]`).Text(), "Failed"},
		{res.testid("attempts-used").Text(), "Failed after 2 attempts"},
		{res.testid("payload").Text(), "{\n  \"type\": \"notification\",\n  \"eventType\": \"TEST_FAILED\",\n  \"metadata\": {\n    \"testRunId\": \"42\"\n  }\n}"},
		{res.testid("payload-raw").Text(), payload},
		{res.testid("copy-payload").AttrOr("data-copy", ""), "#payload-raw"},
	}
	for i, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("check %d: got %q, want %q", i, ck.got, ck.want)
		}
	}
	attempts := res.testid("attempt")
	if attempts.Length() != 2 {
		t.Fatalf("attempts = %d", attempts.Length())
	}
	// Newest first.
	second, first := attempts.Eq(0), attempts.Eq(1)
	text := func(s *goquery.Selection, id string) string {
		return strings.Join(strings.Fields(s.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}
	checks = []struct{ got, want string }{
		{text(second, "attempt-number"), "2"},
		{text(second, "attempt-url"), "POST https://93.184.215.14/hooks/loadhook"},
		{text(second, "response-status"), "500 Internal Server Error"},
		{text(second, "explanation"), "the receiver answered 500 Internal Server Error"},
		{text(second, "timing"), "250 ms DNS 1 ms · connect 2 ms · TLS 30 ms · first byte 200 ms"},
		{second.Find(`[data-testid="response-body"]`).Text(), "upstream broke\nline two"},
		// A truncated body is as long as the cap was when it was recorded.
		{text(second, "truncated"), "Only the first 23 bytes were kept and are shown here; the rest was discarded."},
		{headerText(second.Find(`[data-testid="request-headers"]`)), "Content-Type: application/json; Webhook-Id: " + msg.ID},
		{headerText(second.Find(`[data-testid="response-headers"]`)), "X-Request-Id: abc-123"},
		{text(first, "explanation"), "no answer within 10 s"},
		{text(first, "response-status"), "No HTTP answer"},
		{text(first, "timing"), "10.0 s DNS 3 ms · connect 4 ms · TLS — · first byte —"},
	}
	for i, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("attempt check %d: got %q, want %q", i, ck.got, ck.want)
		}
	}
	if first.Find(`[data-testid="truncated"]`).Length() != 0 {
		t.Error("an untruncated body is flagged")
	}
	if res.testid("redeliver-form").AttrOr("action", "") != "/profile/integrations/webhook/deliveries/"+msg.ID+"/redeliver" {
		t.Error("a failed message has no Redeliver button")
	}
	if _, polling := res.testid("delivery-status").Attr("hx-trigger"); polling {
		t.Error("a finished message polls")
	}

	// In flight: no Redeliver, and the status part refreshes itself.
	app.db.Model(&models.Message{}).Where("id = ?", msg.ID).Update("state", models.StateRetrying)
	res = c.get("/profile/integrations/webhook/deliveries/" + msg.ID).wantStatus(http.StatusOK)
	if res.testid("redeliver-form").Length() != 0 || res.testid("in-flight-note").Length() != 1 {
		t.Error("an in-flight message offers Redeliver")
	}
	if res.testid("delivery-status").AttrOr("hx-trigger", "") != "every 1s" {
		t.Error("an in-flight message does not refresh")
	}
	c.headers.Set("HX-Request", "true")
	frag := c.get("/profile/integrations/webhook/deliveries/" + msg.ID).wantStatus(http.StatusOK)
	if strings.Contains(frag.body, "<html") || frag.testid("payload").Length() != 0 || frag.testid("attempt").Length() != 2 {
		t.Error("htmx did not get just the status part")
	}
	c.headers.Del("HX-Request")

	c.get("/profile/integrations/webhook/deliveries/msg_doesnotexist").wantStatus(http.StatusNotFound)
}

func TestDeliveryDetailMasksCredentials(t *testing.T) {
	app, c, uid, hookURL := adaDeliveringTo(t, answer(http.StatusNoContent))
	const secret = "Bearer top-secret-value-987"
	ep := app.seedEndpoint(uid, hookURL,
		catalog.Header{Name: "Authorization", Value: secret}, catalog.Header{Name: "X-Api-Key", Value: "key-value-abcdef"})

	res := c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}})
	res.wantRedirect(endpointPath(ep, ""))
	var msg models.Message
	app.db.Where("endpoint_id = ?", ep).Take(&msg)
	app.waitState(msg.ID, models.StateSucceeded, 10*time.Second)

	page := c.get("/profile/integrations/webhook/deliveries/" + msg.ID).wantStatus(http.StatusOK)
	for _, leak := range []string{"top-secret-value-987", "key-value-abcdef"} {
		if strings.Contains(page.body, leak) {
			t.Errorf("the detail page shows %q", leak)
		}
	}
	headers := headerText(page.testid("request-headers"))
	for _, want := range []string{"Authorization: Bear••••••••", "X-Api-Key: key-••••••••", "Webhook-Signature: v1,••••••••", "Webhook-Id: " + msg.ID} {
		if !strings.Contains(headers, want) {
			t.Errorf("request headers %q lack %q", headers, want)
		}
	}
	if got := page.testid("explanation").Text(); got != "delivered: the receiver answered 204 No Content" {
		t.Errorf("explanation = %q", got)
	}

	// A row recorded unmasked (by hand, or by an older version) is masked
	// on display all the same.
	raw := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, attempts: 1})
	app.seedAttempt(raw, models.Attempt{ResponseStatus: 200, Success: true,
		RequestHeaders: `{"Authorization":["` + secret + `"],"Cookie":["session=abcdefghijkl"]}`})
	page = c.get("/profile/integrations/webhook/deliveries/" + raw.ID).wantStatus(http.StatusOK)
	if strings.Contains(page.body, "top-secret-value-987") || strings.Contains(page.body, "abcdefghijkl") {
		t.Error("an unmasked stored header is shown")
	}
}

// xssBody and xssHeader are what a hostile receiver answers.
const (
	xssBody   = `<script>alert(1)</script>"><img src=x onerror=alert(1)>`
	xssHeader = `"><img src=x onerror=alert(1)>`
)

func TestDeliveryDetailEscapesReceiverData(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	msg := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 1})
	app.seedAttempt(msg, models.Attempt{
		ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus, ErrorDetail: "<script>alert(1)</script>",
		URL:             `https://93.184.215.14/"><img src=x onerror=alert(1)>`,
		RequestHeaders:  `{"X-Evil":["<script>alert(1)</script>"]}`,
		ResponseHeaders: `{"X-Evil":["` + strings.ReplaceAll(xssHeader, `"`, `\"`) + `"],"<script>alert(1)</script>":["name"]}`,
		ResponseBody:    []byte(xssBody),
	})

	res := c.get("/profile/integrations/webhook/deliveries/" + msg.ID).wantStatus(http.StatusOK)
	for _, bad := range []string{"<script>alert", "<img src=x", "<img src=\"x\""} {
		if strings.Contains(res.body, bad) {
			t.Errorf("the page contains raw %q", bad)
		}
	}
	if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the body is not shown escaped")
	}
	if got := res.testid("response-body").Text(); got != xssBody {
		t.Errorf("the body reads %q, want it as text", got)
	}
	if !strings.Contains(res.testid("response-headers").Text(), xssHeader) {
		t.Error("the hostile header value is not shown as text")
	}
	if res.find("script:not([src])").Length() != 0 || res.find("img[onerror]").Length() != 0 {
		t.Error("receiver data became elements")
	}
}

func TestDeliveriesAreTheOwnersOnly(t *testing.T) {
	app := newTestApp(t)
	owner := app.signUp("ada@example.com")
	intruder := app.signUp("bob@example.com")
	uid := app.user("ada@example.com").ID
	ep := app.seedEndpoint(uid, "https://93.184.215.14/a")
	failed := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4, age: time.Hour})
	app.seedAttempt(failed, models.Attempt{ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus})

	tables := []string{"messages", "attempts", "events", "river_job"}
	before := map[string]int64{}
	for _, tbl := range tables {
		before[tbl] = app.count(tbl)
	}

	detail := "/profile/integrations/webhook/deliveries/" + failed.ID
	intruder.get(detail).wantStatus(http.StatusNotFound)
	intruder.get(deliveriesPath(ep, "")).wantStatus(http.StatusNotFound)
	intruder.get(deliveriesPath(ep, "view=recent")).wantStatus(http.StatusNotFound)
	intruder.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusNotFound)
	intruder.post(detail+"/redeliver", nil).wantStatus(http.StatusNotFound)
	intruder.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"24h"}}).wantStatus(http.StatusNotFound)
	intruder.headers.Set("HX-Request", "true")
	intruder.get(detail).wantStatus(http.StatusNotFound)
	intruder.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusNotFound)

	for _, tbl := range tables {
		if n := app.count(tbl); n != before[tbl] {
			t.Errorf("%s: %d rows, was %d", tbl, n, before[tbl])
		}
	}
	var m models.Message
	app.db.Where("id = ?", failed.ID).Take(&m)
	if m.State != models.StateFailed || m.MaxAttempts != 4 {
		t.Errorf("the owner's message changed: %s, max %d", m.State, m.MaxAttempts)
	}
	// The owner still can.
	owner.get(detail).wantStatus(http.StatusOK)
	// Signed out: to the log-in page.
	app.client().get(detail).wantRedirect("/login?next=" + url.QueryEscape(detail))
}

func TestRedeliverRateLimit(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t) // engine stopped: a redelivered message stays pending
	msg := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4})
	path := "/profile/integrations/webhook/deliveries/" + msg.ID

	c.post(path+"/redeliver", nil).wantRedirect(path)
	page := c.get(path).wantStatus(http.StatusOK)
	if flash := page.testid("flash").Text(); !strings.Contains(flash, "Redelivery queued: attempt 5") {
		t.Errorf("flash = %q", flash)
	}
	var m models.Message
	app.db.Where("id = ?", msg.ID).Take(&m)
	if m.State != models.StatePending || m.MaxAttempts != 5 {
		t.Errorf("after redeliver: %s, max %d", m.State, m.MaxAttempts)
	}

	// While pending, a second press says so and changes nothing.
	c.post(path+"/redeliver", nil).wantRedirect(path)
	if flash := c.get(path).testid("flash").Text(); !strings.Contains(flash, "still being delivered") {
		t.Errorf("flash = %q", flash)
	}
	for range 8 {
		c.post(path+"/redeliver", nil).wantRedirect(path)
	}
	res := c.post(path+"/redeliver", nil).wantStatus(http.StatusTooManyRequests)
	if !strings.Contains(res.testid("error-message").Text(), "Too many redeliveries") {
		t.Errorf("429 says %q", res.testid("error-message").Text())
	}
	// Resend failed shares the limit.
	c.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"24h"}}).wantStatus(http.StatusTooManyRequests)
	if n := app.count("river_job"); n != 1 {
		t.Errorf("queued jobs = %d, want 1", n)
	}
	c.post(path+"/redeliver", url.Values{"_csrf": {"forged"}}).wantStatus(http.StatusForbidden)
}

func TestRedeliverThroughTheEngine(t *testing.T) {
	var hits atomic.Int32
	var ids atomic.Value
	app, c, uid, hookURL := adaDeliveringTo(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		ids.Store(r.Header.Get("webhook-id"))
		w.WriteHeader(http.StatusOK)
	})
	ep := app.seedEndpoint(uid, hookURL)
	msg := app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4})
	for n := 1; n <= 4; n++ {
		app.seedAttempt(msg, models.Attempt{Number: n, ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus})
	}
	path := "/profile/integrations/webhook/deliveries/" + msg.ID
	c.post(path+"/redeliver", nil).wantRedirect(path)
	app.waitState(msg.ID, models.StateSucceeded, 10*time.Second)

	if hits.Load() != 1 || ids.Load() != msg.ID {
		t.Errorf("receiver got %d requests, webhook-id %v", hits.Load(), ids.Load())
	}
	page := c.get(path).wantStatus(http.StatusOK)
	if n := page.testid("attempt").Length(); n != 5 {
		t.Errorf("attempts shown = %d, want 5", n)
	}
	if got := page.testid("attempt").First().AttrOr("data-number", ""); got != "5" {
		t.Errorf("newest attempt = %s", got)
	}
	if got := page.testid("attempts-used").Text(); got != "Delivered on redelivery" {
		t.Errorf("attempts used = %q", got)
	}
}

func TestResendFailed(t *testing.T) {
	app, c, uid, ep := adaWithEndpoint(t)
	other := app.seedEndpoint(uid, "https://93.184.215.14/b")
	failed := func(ep int64, age time.Duration) models.Message {
		return app.seedMessage(uid, ep, seedMsg{state: models.StateFailed, status: 500, class: webhook.ClassHTTPStatus, attempts: 4, age: age})
	}
	recent1, recent2 := failed(ep, 30*time.Minute), failed(ep, 5*time.Hour)
	week := failed(ep, 3*24*time.Hour)
	ancient := failed(ep, 40*24*time.Hour)
	elsewhere := failed(other, time.Minute)
	okMsg := app.seedMessage(uid, ep, seedMsg{state: models.StateSucceeded, status: 200, attempts: 1, age: time.Minute})
	c.get("/profile/integrations/webhook") // shows, and so clears, the welcome flash

	c.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"24h"}}).wantRedirect(endpointPath(ep, ""))
	if flash := c.get(endpointPath(ep, "")).testid("flash").Text(); flash != "Redelivering 2 failed messages from the last 24 hours." {
		t.Errorf("flash = %q", flash)
	}
	state := func(m models.Message) string {
		var got models.Message
		app.db.Where("id = ?", m.ID).Take(&got)
		return got.State
	}
	for m, want := range map[*models.Message]string{
		&recent1: models.StatePending, &recent2: models.StatePending, &week: models.StateFailed,
		&ancient: models.StateFailed, &elsewhere: models.StateFailed, &okMsg: models.StateSucceeded,
	} {
		if got := state(*m); got != want {
			t.Errorf("message %s is %s, want %s", m.ID, got, want)
		}
	}
	if n := app.count("river_job"); n != 2 {
		t.Errorf("queued jobs = %d, want 2", n)
	}

	c.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"7d"}}).wantRedirect(endpointPath(ep, ""))
	if flash := c.get(endpointPath(ep, "")).testid("flash").Text(); flash != "Redelivering 1 failed message from the last 7 days." {
		t.Errorf("flash = %q", flash)
	}
	c.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"1h"}}).wantRedirect(endpointPath(ep, ""))
	if flash := c.get(endpointPath(ep, "")).testid("flash").Text(); flash != "No failed deliveries in the last hour: nothing to resend." {
		t.Errorf("flash = %q", flash)
	}
	c.post(endpointPath(ep, "resend-failed"), url.Values{"range": {"forever"}}).wantStatus(http.StatusUnprocessableEntity)
	if state(ancient) != models.StateFailed {
		t.Error("a bad period resent something")
	}
}

// TestWebhookListAfterRealDeliveries checks the endpoint list against
// deliveries made by the engine rather than seeded rows.
func TestWebhookListAfterRealDeliveries(t *testing.T) {
	app, c, uid, hookURL := adaDeliveringTo(t, answer(http.StatusAccepted))
	ep := app.seedEndpoint(uid, hookURL)
	for _, typ := range []string{"TEST_STARTED", "PROJECT_UPDATED"} {
		c.post(endpointPath(ep, "test"), url.Values{"event_type": {typ}}).wantStatus(http.StatusSeeOther)
	}
	var msgs []models.Message
	app.db.Where("endpoint_id = ?", ep).Find(&msgs)
	for _, m := range msgs {
		app.waitState(m.ID, models.StateSucceeded, 10*time.Second)
	}
	card := c.get("/profile/integrations/webhook").wantStatus(http.StatusOK).testid("endpoint-card")
	if got := card.Find(`[data-testid="state-badge"]`).Text(); got != "Succeeded" {
		t.Errorf("last delivery = %q", got)
	}
	if got := strings.Join(strings.Fields(card.Find(`[data-testid="endpoint-rate"]`).Text()), " "); got != "Last 24 hours: 100% 2 of 2 messages delivered" {
		t.Errorf("rate = %q", got)
	}
}

func TestExplainAttempt(t *testing.T) {
	tests := []struct {
		name string
		a    models.Attempt
		want string
	}{
		{"success", models.Attempt{Success: true, ResponseStatus: 204}, "delivered: the receiver answered 204 No Content"},
		{"server error", models.Attempt{ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus, ErrorDetail: "the receiver answered 500 Internal Server Error"},
			"the receiver answered 500 Internal Server Error"},
		{"server error without detail", models.Attempt{ResponseStatus: 503, ErrorClass: webhook.ClassHTTPStatus}, "the receiver answered 503 Service Unavailable"},
		{"odd status", models.Attempt{ResponseStatus: 599, ErrorClass: webhook.ClassHTTPStatus}, "the receiver answered 599"},
		{"redirect", models.Attempt{ResponseStatus: 301, ErrorClass: webhook.ClassRedirect, ErrorDetail: "the receiver answered 301: redirects are not followed (Location: https://x)"},
			"the receiver answered 301: redirects are not followed (Location: https://x)"},
		{"redirect without detail", models.Attempt{ResponseStatus: 302, ErrorClass: webhook.ClassRedirect}, "the receiver answered 302: redirects are not followed"},
		// The recorded detail names LOADHOOK_ALLOWED_HOSTS: the operator's words.
		{"blocked", models.Attempt{ErrorClass: webhook.ClassBlocked, ErrorDetail: "blocked: 10.0.0.5 is a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
			"not sent: the URL points to a private network address; use a public URL"},
		{"blocked without detail", models.Attempt{ErrorClass: webhook.ClassBlocked}, "not sent: the URL points to a private network address; use a public URL"},
		{"timeout", models.Attempt{ErrorClass: webhook.ClassTimeout, ErrorDetail: "no answer within 10 s"}, "no answer within 10 s"},
		{"timeout without detail", models.Attempt{ErrorClass: webhook.ClassTimeout}, "no answer within 10 s"},
		{"slow body", models.Attempt{ResponseStatus: 200, ErrorClass: webhook.ClassTimeout}, "the receiver answered 200 OK but did not send the whole body within 10 s"},
		{"dns", models.Attempt{ErrorClass: webhook.ClassDNS}, "the host name could not be resolved"},
		{"refused", models.Attempt{ErrorClass: webhook.ClassRefused}, "the connection was refused: nothing is listening on that port"},
		{"reset", models.Attempt{ErrorClass: webhook.ClassReset}, "the receiver closed the connection before answering"},
		{"tls", models.Attempt{ErrorClass: webhook.ClassTLS, ErrorDetail: "TLS failed: x509: certificate signed by unknown authority"}, "TLS failed: x509: certificate signed by unknown authority"},
		{"tls without detail", models.Attempt{ErrorClass: webhook.ClassTLS}, "the TLS handshake failed"},
		{"connection", models.Attempt{ErrorClass: webhook.ClassConnection}, "the connection failed"},
		{"invalid", models.Attempt{ErrorClass: webhook.ClassInvalid}, "the request could not be built"},
		{"unknown class", models.Attempt{ErrorClass: "gremlins"}, "the attempt failed: gremlins"},
		{"nothing recorded", models.Attempt{}, "the attempt failed without an answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := explainAttempt(tt.a); got != tt.want {
				t.Errorf("explainAttempt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDeliveryQuery(t *testing.T) {
	now := time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)
	id := models.NewIDAt("msg_", now)
	q, f, notes := parseDeliveryQuery(url.Values{
		"state": {"failed"}, "type": {"TEST_FAILED"}, "status": {"5xx"}, "range": {"24h"},
		"since": {"2025-07-03T01:00:00"}, "until": {"2025-07-03T12:00"}, "q": {" " + id + " "}, "before": {id},
	}, now)
	if len(notes) != 0 {
		t.Errorf("notes = %q", notes)
	}
	want := models.DeliveryFilter{State: "failed", EventType: "TEST_FAILED", StatusClass: "5xx",
		Since: time.Date(2025, 7, 3, 1, 0, 0, 0, time.UTC), Until: time.Date(2025, 7, 3, 12, 0, 0, 0, time.UTC), Search: id, Before: id}
	if f != want {
		t.Errorf("filter = %+v\nwant     %+v", f, want)
	}
	if q.Search != id || q.Range != "24h" || q.Since != "2025-07-03T01:00:00" {
		t.Errorf("query = %+v", q)
	}
	_, f, _ = parseDeliveryQuery(url.Values{"range": {"1h"}}, now)
	if !f.Since.Equal(now.Add(-time.Hour)) {
		t.Errorf("range 1h starts at %v", f.Since)
	}
	for _, bad := range []string{"msg_short", "evt_" + strings.Repeat("u", 26), "msg_" + strings.Repeat("A", 26), "abc"} {
		if _, f, notes := parseDeliveryQuery(url.Values{"q": {bad}}, now); f.Search != "" || len(notes) != 1 {
			t.Errorf("search %q: filter %q, notes %q", bad, f.Search, notes)
		}
	}
}

func TestSendTestEventRateLimit(t *testing.T) {
	app, c, _, ep := adaWithEndpoint(t) // engine stopped: the test messages stay queued
	for range 30 {
		c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantRedirect(endpointPath(ep, ""))
	}
	res := c.post(endpointPath(ep, "test"), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusTooManyRequests)
	if !strings.Contains(res.testid("error-message").Text(), "Too many test events") {
		t.Errorf("429 says %q", res.testid("error-message").Text())
	}
	if n := app.count("messages"); n != 30 {
		t.Fatalf("%d messages, want 30: the refused test must store nothing", n)
	}
}

// TestRedeliveryIsTold: the delivery log tells a user's redeliveries from
// the engine's retries by what came before each attempt.
func TestRedeliveryIsTold(t *testing.T) {
	ok := models.Attempt{Success: true, ResponseStatus: 200}
	fail := models.Attempt{ResponseStatus: 500, ErrorClass: webhook.ClassHTTPStatus}
	blocked := models.Attempt{ErrorClass: webhook.ClassBlocked}
	gone := models.Attempt{ResponseStatus: 410, ErrorClass: webhook.ClassHTTPStatus}
	numbered := func(as ...models.Attempt) []models.Attempt {
		out := make([]models.Attempt, len(as))
		for i, a := range as {
			a.Number = i + 1
			out[i] = a
		}
		return out
	}
	tests := []struct {
		name     string
		attempts []models.Attempt
		msg      models.Message
		want     []bool
		row      bool
	}{
		{"delivered at once", numbered(ok), models.Message{State: models.StateSucceeded, Attempts: 1, MaxAttempts: 4}, []bool{false}, false},
		{"retried, then delivered", numbered(fail, fail, ok), models.Message{State: models.StateSucceeded, Attempts: 3, MaxAttempts: 4}, []bool{false, false, false}, false},
		{"failed 4 times, redelivered twice", numbered(fail, fail, fail, fail, fail, ok), models.Message{State: models.StateSucceeded, Attempts: 6, MaxAttempts: 6},
			[]bool{false, false, false, false, true, true}, true},
		{"delivered, then redelivered", numbered(ok, ok), models.Message{State: models.StateSucceeded, Attempts: 2, MaxAttempts: 2}, []bool{false, true}, true},
		{"blocked, then redelivered", numbered(blocked, ok), models.Message{State: models.StateSucceeded, Attempts: 2, MaxAttempts: 2}, []bool{false, true}, true},
		{"gone, then redelivered", numbered(gone, ok), models.Message{State: models.StateSucceeded, Attempts: 2, MaxAttempts: 2}, []bool{false, true}, true},
		{"stopped while disabled, then redelivered", numbered(fail, ok), models.Message{State: models.StateSucceeded, Attempts: 2, MaxAttempts: 2}, []bool{false, true}, true},
		{"redelivery queued", numbered(fail, fail, fail, fail), models.Message{State: models.StatePending, Attempts: 4, MaxAttempts: 5}, []bool{false, false, false, false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := deliveryStatus(&models.DeliveryDetail{Message: tt.msg, Attempts: tt.attempts}, "", time.Now())
			var got []bool
			for _, a := range p.AttemptList {
				got = append(got, a.Redelivery)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("redeliveries = %v, want %v", got, tt.want)
			}
			if p.Redelivered != tt.row {
				t.Errorf("message redelivered = %v, want %v", p.Redelivered, tt.row)
			}
		})
	}
}
