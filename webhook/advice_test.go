package webhook

import (
	"strings"
	"testing"
)

// TestAdviceFor: every failure says what to do, in a section of the
// delivery-failures page; a timeout's advice quotes the attempt timeout.
func TestAdviceFor(t *testing.T) {
	tests := []struct {
		class   string
		status  int
		section string
		says    string
	}{
		{ClassTimeout, 0, ClassTimeout, "Answer 2xx within 10 s; queue the work and reply first."},
		{ClassRedirect, 301, ClassRedirect, "Redirects are not followed: use the final URL."},
		{ClassBlocked, 0, ClassBlocked, "Use a public URL"},
		{ClassDNS, 0, ClassDNS, "host name"},
		{ClassRefused, 0, ClassRefused, "listening"},
		{ClassReset, 0, ClassReset, "closed the connection"},
		{ClassTLS, 0, ClassTLS, "certificate"},
		{ClassConnection, 0, ClassConnection, "reachable"},
		{ClassDisabled, 0, ClassDisabled, "Enable the endpoint"},
		{ClassInvalid, 0, ClassInvalid, "URL and custom headers"},
		{ClassHTTPStatus, 500, sectionServerError, "receiver's logs"},
		{ClassHTTPStatus, 503, sectionBusy, "Retry-After"},
		{ClassHTTPStatus, 429, sectionBusy, "Retry-After"},
		{ClassHTTPStatus, 401, sectionAuth, "signature"},
		{ClassHTTPStatus, 404, sectionNotFound, "path"},
		{ClassHTTPStatus, 410, sectionGone, "disables the endpoint"},
		{ClassHTTPStatus, 422, sectionClientError, "refused the request"},
		{"", 400, sectionClientError, "refused the request"},
	}
	listed := map[string]bool{}
	for _, f := range Failures() {
		if listed[f.Section] {
			t.Errorf("section %q listed twice", f.Section)
		}
		listed[f.Section] = true
		if f.Title == "" || f.Explain == "" || f.Text == "" {
			t.Errorf("failure %+v is missing words", f)
		}
	}
	for _, tt := range tests {
		a := AdviceFor(tt.class, tt.status)
		if a.Section != tt.section || !strings.Contains(a.Text, tt.says) {
			t.Errorf("AdviceFor(%q, %d) = %+v, want section %q saying %q", tt.class, tt.status, a, tt.section, tt.says)
		}
		if !listed[a.Section] {
			t.Errorf("AdviceFor(%q, %d) links to section %q, which the page lacks", tt.class, tt.status, a.Section)
		}
	}
	if a := AdviceFor("", 0); a != (Advice{}) {
		t.Errorf("advice without a failure = %+v", a)
	}
}

// TestBlockedIsExplainedInUserWords: the delivery log never shows the
// operator's hint about LOADHOOK_ALLOWED_HOSTS, even when it was recorded.
func TestBlockedIsExplainedInUserWords(t *testing.T) {
	got := ExplainAttempt(ClassBlocked, 0, "blocked: 10.0.0.5 is a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)", false)
	if got != "not sent: the URL points to a private network address; use a public URL" {
		t.Errorf("ExplainAttempt(blocked) = %q", got)
	}
}
