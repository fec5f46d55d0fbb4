package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

// messagesPath is an endpoint's message list with a query.
func messagesPath(endpointID int64, q url.Values) string {
	p := paths.WithID(paths.APIEndpointMessages, endpointID)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// Walking every page with the next cursor lists each message once, newest
// first, with no gap, and the delivery log's filters apply.
func TestAPIMessagesPagination(t *testing.T) {
	app := newTestApp(t)
	userID, api := app.apiUser("pages@example.com")
	epID := app.seedEndpoint(userID, "https://93.184.215.14/pages")
	var want []string // newest first
	for i := range 23 {
		state := models.StateSucceeded
		if i%3 == 0 {
			state = models.StateFailed
		}
		m := app.seedMessage(userID, epID, seedMsg{state: state, status: 200, age: time.Duration(23-i) * time.Minute})
		want = append([]string{m.ID}, want...)
	}
	var got []string
	seen := map[string]bool{}
	q := url.Values{"limit": {"5"}}
	pages := 0
	for {
		var page apiMessageList
		api.get(messagesPath(epID, q)).want(http.StatusOK).decode(&page)
		pages++
		for _, m := range page.Data {
			if seen[m.ID] {
				t.Fatalf("%s listed twice", m.ID)
			}
			seen[m.ID] = true
			got = append(got, m.ID)
		}
		if page.Next == nil {
			break
		}
		if pages > 10 {
			t.Fatal("more than 10 pages")
		}
		q.Set("before", *page.Next)
	}
	if pages != 5 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%d pages, got %v\nwant %v", pages, got, want)
	}

	var failed apiMessageList
	api.get(messagesPath(epID, url.Values{"state": {models.StateFailed}, "limit": {"200"}})).want(http.StatusOK).decode(&failed)
	if len(failed.Data) != 8 || failed.Next != nil {
		t.Errorf("%d failed messages, next %v", len(failed.Data), failed.Next)
	}
	for _, m := range failed.Data {
		if m.State != models.StateFailed {
			t.Errorf("%s is %s", m.ID, m.State)
		}
	}
	var one apiMessageList
	api.get(messagesPath(epID, url.Values{"q": {want[4]}})).want(http.StatusOK).decode(&one)
	if len(one.Data) != 1 || one.Data[0].ID != want[4] {
		t.Errorf("search by id: %+v", one.Data)
	}
}

// A filter value the page would ignore with a note is a 422 naming it,
// in the page's words.
func TestAPIMessagesRejectBadFilters(t *testing.T) {
	app := newTestApp(t)
	userID, api := app.apiUser("filters@example.com")
	epID := app.seedEndpoint(userID, "https://93.184.215.14/filters")
	for _, tt := range []struct {
		param, value string
	}{
		{"state", "exploded"}, {"type", "TEST_EXPLODED"}, {"status", "7xx"}, {"range", "1y"},
		{"since", "yesterday"}, {"q", "hello"}, {"before", "nope"}, {"limit", "0"}, {"limit", "201"}, {"limit", "ten"},
	} {
		e := api.get(messagesPath(epID, url.Values{tt.param: {tt.value}})).want(http.StatusUnprocessableEntity).apiErr()
		_, _, notes := parseDeliveryQuery(url.Values{tt.param: {tt.value}}, time.Now())
		want := ""
		if len(notes) == 1 {
			want = notes[0]
		}
		if got := e.Fields[tt.param]; got == "" || tt.param != "limit" && got != want {
			t.Errorf("%s=%s: fields %v, want %q", tt.param, tt.value, e.Fields, want)
		}
	}
}

func TestAPIMessageDetailRedeliverAndResend(t *testing.T) {
	app := newTestApp(t)
	userID, api := app.apiUser("redeliver@example.com")
	epID := app.seedEndpoint(userID, "https://93.184.215.14/redeliver")
	failed := app.seedMessage(userID, epID, seedMsg{state: models.StateFailed, status: 500, class: "http_status", attempts: 4})
	app.seedAttempt(failed, models.Attempt{ResponseStatus: 500, RequestHeaders: `{"Authorization":["Bearer very-secret-token"]}`, ResponseBody: []byte("boom")})
	older := app.seedMessage(userID, epID, seedMsg{state: models.StateFailed, status: 503, attempts: 4, age: 2 * time.Hour})

	var d apiMessageDetail
	api.get(paths.WithMessageID(paths.APIMessage, failed.ID)).want(http.StatusOK).decode(&d)
	if d.ID != failed.ID || len(d.Attempts) != 1 || d.Attempts[0].ResponseBody != "boom" || d.Attempts[0].Explanation == "" || len(d.Payload) == 0 {
		t.Errorf("detail %+v", d)
	}
	if h := d.Attempts[0].RequestHeaders; len(h) != 1 || strings.Contains(h[0].Value, "very-secret") {
		t.Errorf("request headers %v: the credential is not masked", h)
	}
	api.get(paths.WithMessageID(paths.APIMessage, "msg_nope")).want(http.StatusNotFound)

	var r apiRedelivery
	api.post(paths.WithMessageID(paths.APIMessageRedeliver, failed.ID), "").want(http.StatusAccepted).decode(&r)
	if r.ID != failed.ID || r.Attempt != 5 {
		t.Errorf("redelivery %+v", r)
	}
	e := api.post(paths.WithMessageID(paths.APIMessageRedeliver, failed.ID), "").want(http.StatusConflict).apiErr()
	if e.Error != msgStillDelivering {
		t.Errorf("second redelivery: %q", e.Error)
	}

	// Resend failed takes the period's failed messages only: the one
	// redelivered above is pending now, the older one is outside 1h.
	var resent apiResent
	api.post(paths.WithID(paths.APIEndpointResendFailed, epID), `{"range":"1h"}`).want(http.StatusAccepted).decode(&resent)
	if resent.Resent != 0 || resent.More {
		t.Errorf("1h: %+v", resent)
	}
	api.post(paths.WithID(paths.APIEndpointResendFailed, epID), `{"range":"24h"}`).want(http.StatusAccepted).decode(&resent)
	if resent.Resent != 1 {
		t.Errorf("24h: %+v", resent)
	}
	if m, _ := app.store.Message(t.Context(), userID, older.ID); m.State != models.StatePending {
		t.Errorf("older message is %s", m.State)
	}
	e = api.post(paths.WithID(paths.APIEndpointResendFailed, epID), `{"range":"1y"}`).want(http.StatusUnprocessableEntity).apiErr()
	if e.Error != msgChoosePeriod || e.Fields["range"] == "" {
		t.Errorf("bad range: %+v", e)
	}
}

// Redeliveries share the page's rate limit: a 429 with Retry-After.
func TestAPIRedeliverRateLimit(t *testing.T) {
	app := newTestApp(t)
	userID, api := app.apiUser("limit@example.com")
	epID := app.seedEndpoint(userID, "https://93.184.215.14/limit")
	for range resendLimit.Max {
		api.post(paths.WithID(paths.APIEndpointResendFailed, epID), `{"range":"1h"}`).want(http.StatusAccepted)
	}
	res := api.post(paths.WithID(paths.APIEndpointResendFailed, epID), `{"range":"1h"}`).want(http.StatusTooManyRequests)
	if res.header.Get("Retry-After") == "" || res.apiErr().Error != tooManyResends {
		t.Errorf("429 %s, Retry-After %q", res.body, res.header.Get("Retry-After"))
	}
}
