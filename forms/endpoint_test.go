package forms

import (
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/catalog"
)

func validForm() EndpointForm {
	return EndpointForm{
		URL:     "https://hooks.example.com/loadhook",
		Headers: []HeaderRow{{Name: "X-Team", Value: "checkout"}},
		Events:  []string{"TEST_STARTED"},
		Enabled: true,
	}
}

func rows(pairs ...string) []HeaderRow {
	var out []HeaderRow
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, HeaderRow{Name: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestEndpointFormValidate(t *testing.T) {
	many := func(n int) []HeaderRow {
		var out []HeaderRow
		for i := range n {
			out = append(out, HeaderRow{Name: "X-" + strings.Repeat("a", i+1), Value: "v"})
		}
		return out
	}
	tests := []struct {
		name   string
		change func(*EndpointForm)
		field  func(EndpointErrors) string
		want   string // substring of the message; "" means valid
	}{
		{"valid", func(*EndpointForm) {}, nil, ""},
		{"http ok", func(f *EndpointForm) { f.URL = "http://hooks.example.com:8080/x?y=1" }, nil, ""},
		{"ipv6 ok", func(f *EndpointForm) { f.URL = "https://[2001:db8::1]/x" }, nil, ""},
		{"url empty", func(f *EndpointForm) { f.URL = "" }, urlErr, "Enter the URL"},
		{"url ftp", func(f *EndpointForm) { f.URL = "ftp://example.com/" }, urlErr, "http:// or https://"},
		{"url relative", func(f *EndpointForm) { f.URL = "/hooks" }, urlErr, "http:// or https://"},
		{"url no host", func(f *EndpointForm) { f.URL = "http://" }, urlErr, "needs a host"},
		{"url port only", func(f *EndpointForm) { f.URL = "http://:80/x" }, urlErr, "needs a host"},
		{"url user", func(f *EndpointForm) { f.URL = "https://user@example.com/" }, urlErr, "user name or password"},
		{"url user password", func(f *EndpointForm) { f.URL = "https://u:p@example.com/" }, urlErr, "user name or password"},
		{"url 2048 ok", func(f *EndpointForm) { f.URL = "https://example.com/" + strings.Repeat("a", 2048-20) }, nil, ""},
		{"url 2049", func(f *EndpointForm) { f.URL = "https://example.com/" + strings.Repeat("a", 2049-20) }, urlErr, "too long"},
		{"url newline", func(f *EndpointForm) { f.URL = "https://example.com/\nx" }, urlErr, "spaces or control"},
		{"url bad port", func(f *EndpointForm) { f.URL = "https://example.com:99999999999/" }, urlErr, "not a valid URL"},
		{"description NUL", func(f *EndpointForm) { f.Description = "a\x00b" }, descErr, "control characters"},
		{"description tab", func(f *EndpointForm) { f.Description = "a\tb" }, descErr, "control characters"},
		{"description C1", func(f *EndpointForm) { f.Description = "a\u0085b" }, descErr, "control characters"},
		{"description invalid UTF-8", func(f *EndpointForm) { f.Description = "caf\xe9" }, descErr, "valid UTF-8"},
		{"description unicode ok", func(f *EndpointForm) { f.Description = "Équipe 🚀 <b>&amp;</b>" }, nil, ""},
		{"url invalid UTF-8", func(f *EndpointForm) { f.URL = "https://example.com/caf\xe9" }, urlErr, "valid UTF-8"},
		{"url NUL", func(f *EndpointForm) { f.URL = "https://example.com/a\x00" }, urlErr, "control characters"},
		{"url C1", func(f *EndpointForm) { f.URL = "https://example.com/a\u009b" }, urlErr, "control characters"},
		{"url unicode path ok", func(f *EndpointForm) { f.URL = "https://example.com/café" }, nil, ""},
		{"description 500 ok", func(f *EndpointForm) { f.Description = strings.Repeat("ü", 500) }, nil, ""},
		{"description 501", func(f *EndpointForm) { f.Description = strings.Repeat("ü", 501) }, func(e EndpointErrors) string { return e.Description }, "at most 500"},
		{"empty rows ignored", func(f *EndpointForm) { f.Headers = rows("", "", "X-A", "1", "", "") }, nil, ""},
		{"20 headers ok", func(f *EndpointForm) { f.Headers = many(20) }, nil, ""},
		{"21 headers", func(f *EndpointForm) { f.Headers = many(21) }, func(e EndpointErrors) string { return e.Headers }, "at most 20"},
		{"value without name", func(f *EndpointForm) { f.Headers = rows("", "v") }, row0Name, "Enter a header name"},
		{"name without value", func(f *EndpointForm) { f.Headers = rows("X-A", "") }, row0Value, "Enter a value"},
		{"name with space", func(f *EndpointForm) { f.Headers = rows("X A", "v") }, row0Name, "Use only"},
		{"name with colon", func(f *EndpointForm) { f.Headers = rows("X-A:", "v") }, row0Name, "Use only"},
		{"name non-ASCII", func(f *EndpointForm) { f.Headers = rows("X-Ä", "v") }, row0Name, "Use only"},
		{"name all token chars", func(f *EndpointForm) { f.Headers = rows("!#$%&'*+-.^_`|~09azAZ", "v") }, nil, ""},
		{"Host", func(f *EndpointForm) { f.Headers = rows("Host", "v") }, row0Name, "can't be changed"},
		{"content-length", func(f *EndpointForm) { f.Headers = rows("content-length", "1") }, row0Name, "can't be changed"},
		{"Content-Type", func(f *EndpointForm) { f.Headers = rows("Content-Type", "x") }, row0Name, "can't be changed"},
		{"Transfer-Encoding", func(f *EndpointForm) { f.Headers = rows("Transfer-Encoding", "x") }, row0Name, "can't be changed"},
		{"Connection", func(f *EndpointForm) { f.Headers = rows("CONNECTION", "x") }, row0Name, "can't be changed"},
		{"Upgrade", func(f *EndpointForm) { f.Headers = rows("Upgrade", "x") }, row0Name, "can't be changed"},
		{"TE", func(f *EndpointForm) { f.Headers = rows("te", "x") }, row0Name, "can't be changed"},
		{"Trailer", func(f *EndpointForm) { f.Headers = rows("Trailer", "x") }, row0Name, "can't be changed"},
		{"Proxy-Authorization", func(f *EndpointForm) { f.Headers = rows("Proxy-Authorization", "x") }, row0Name, "Proxy-*"},
		{"proxy-anything", func(f *EndpointForm) { f.Headers = rows("proxy-x", "x") }, row0Name, "Proxy-*"},
		{"webhook-id", func(f *EndpointForm) { f.Headers = rows("webhook-id", "x") }, row0Name, "webhook-*"},
		{"Webhook-Timestamp", func(f *EndpointForm) { f.Headers = rows("Webhook-Timestamp", "x") }, row0Name, "webhook-*"},
		{"User-Agent", func(f *EndpointForm) { f.Headers = rows("User-Agent", "curl/8") }, row0Name, "set by loadhook"},
		{"X-Forwarded-For", func(f *EndpointForm) { f.Headers = rows("X-Forwarded-For", "10.0.0.1") }, row0Name, "who the client is"},
		{"x-forwarded-host", func(f *EndpointForm) { f.Headers = rows("x-forwarded-host", "admin.internal") }, row0Name, "who the client is"},
		{"X-Real-IP", func(f *EndpointForm) { f.Headers = rows("X-Real-IP", "127.0.0.1") }, row0Name, "who the client is"},
		{"Forwarded", func(f *EndpointForm) { f.Headers = rows("Forwarded", "for=127.0.0.1") }, row0Name, "who the client is"},
		{"Via", func(f *EndpointForm) { f.Headers = rows("Via", "1.1 proxy") }, row0Name, "who the client is"},
		{"True-Client-IP", func(f *EndpointForm) { f.Headers = rows("True-Client-IP", "1.2.3.4") }, row0Name, "who the client is"},
		{"Keep-Alive", func(f *EndpointForm) { f.Headers = rows("Keep-Alive", "timeout=5") }, row0Name, "hop by hop"},
		{"Expect", func(f *EndpointForm) { f.Headers = rows("Expect", "100-continue") }, row0Name, "can't be changed"},
		{"Accept-Encoding", func(f *EndpointForm) { f.Headers = rows("Accept-Encoding", "br") }, row0Name, "can't be changed"},
		{"X-Forwarded alone allowed", func(f *EndpointForm) { f.Headers = rows("X-Forwarded", "x") }, nil, ""},
		{"X-Webhook-Id allowed", func(f *EndpointForm) { f.Headers = rows("X-Webhook-Id", "x") }, nil, ""},
		{"duplicate", func(f *EndpointForm) { f.Headers = rows("X-A", "1", "x-a", "2") }, func(e EndpointErrors) string { return e.Row(1).Name }, "already set"},
		{"value CR", func(f *EndpointForm) { f.Headers = rows("X-A", "a\rb") }, row0Value, "line breaks"},
		{"value LF", func(f *EndpointForm) { f.Headers = rows("X-A", "a\nb") }, row0Value, "line breaks"},
		{"value NUL", func(f *EndpointForm) { f.Headers = rows("X-A", "a\x00b") }, row0Value, "NUL"},
		{"value DEL", func(f *EndpointForm) { f.Headers = rows("X-A", "a\x7fb") }, row0Value, "control"},
		{"value invalid UTF-8", func(f *EndpointForm) { f.Headers = rows("X-A", "caf\xe9") }, row0Value, "valid UTF-8"},
		{"value C1", func(f *EndpointForm) { f.Headers = rows("X-A", "a\u009bb") }, row0Value, "control"},
		{"name invalid UTF-8", func(f *EndpointForm) { f.Headers = rows("X-\xff", "v") }, row0Name, "Use only"},
		{"name NUL", func(f *EndpointForm) { f.Headers = rows("X-\x00", "v") }, row0Name, "Use only"},
		{"value tab ok", func(f *EndpointForm) { f.Headers = rows("X-A", "a\tb") }, nil, ""},
		{"value 1024 ok", func(f *EndpointForm) { f.Headers = rows("X-A", strings.Repeat("v", 1024)) }, nil, ""},
		{"value 1025", func(f *EndpointForm) { f.Headers = rows("X-A", strings.Repeat("v", 1025)) }, row0Value, "at most 1024"},
		{"value partly masked", func(f *EndpointForm) { f.Headers = rows("X-Key", "abcd••••••••x") }, row0Value, "whole new value"},
		{"no events", func(f *EndpointForm) { f.Events = nil }, eventsErr, "at least one"},
		{"unknown event", func(f *EndpointForm) { f.Events = []string{"TEST_STARTED", "test_started"} }, eventsErr, `"test_started"`},
		{"all events", func(f *EndpointForm) {
			f.Events = []string{"TEST_STARTED", "TEST_FINISH", "TEST_FAILED", "TEST_BUILDER_CREATED", "TEST_BUILDER_UPDATED",
				"TEST_BUILDER_DELETED", "PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED"}
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := validForm()
			tc.change(&f)
			errs := f.Validate()
			if tc.want == "" {
				if errs.Any() {
					t.Fatalf("Validate() = %+v, want no errors", errs)
				}
				return
			}
			if got := tc.field(errs); !strings.Contains(got, tc.want) {
				t.Fatalf("message = %q, want it to contain %q (all: %+v)", got, tc.want, errs)
			}
			if !errs.Any() {
				t.Fatal("Any() = false with an error set")
			}
		})
	}
}

// TestEndpointFormNormalisesHost: the host is judged and stored as DNS sees
// it; the rest of the URL stays as typed.
func TestEndpointFormNormalisesHost(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"https://hooks.example.com/x", "https://hooks.example.com/x"},
		{"https://HOOKS.Example.com:8443/A?B=C#D", "https://hooks.example.com:8443/A?B=C#D"},
		{"https://Bücher.Example/hook", "https://xn--bcher-kva.example/hook"},
		{"http://127。0。0。1/hook", "http://127.0.0.1/hook"},
		{"http://１２７.０.０.１:8080/", "http://127.0.0.1:8080/"},
		{"http://ｌｏｃａｌｈｏｓｔ/hook", "http://localhost/hook"},
		{"http://127%E3%80%820%E3%80%820%E3%80%821/", "http://127.0.0.1/"},
		{"http://0x7f.1/", "http://127.0.0.1/"},
		{"http://[::FFFF:7f00:1]:81/x", "http://[::ffff:127.0.0.1]:81/x"},
		{"http://[fe80::1%25eth0]/x", "http://[fe80::1%25eth0]/x"},
		{"https://example.com?x=/y", "https://example.com?x=/y"},
		{"https://my_service.internal/", "https://my_service.internal/"},
		{"https://a..b/", ""},
		{"https://a：b/", ""},
		{"https://xn--abc.example/", ""},
		{"https://exa<mple.com/", ""},
		{"https://bücher.example/" + strings.Repeat("a", MaxURLLen-len("https://bücher.example/")), ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			f := validForm()
			f.URL = tc.in
			errs := f.Validate()
			if tc.want == "" {
				if errs.URL == "" {
					t.Fatalf("Validate() accepted %q as %q", tc.in, f.URL)
				}
				if f.URL != tc.in {
					t.Errorf("a refused URL became %q; the form must keep what was typed", f.URL)
				}
				return
			}
			if errs.Any() {
				t.Fatalf("Validate() = %+v", errs)
			}
			if f.URL != tc.want {
				t.Errorf("URL = %q, want %q", f.URL, tc.want)
			}
		})
	}
}

func urlErr(e EndpointErrors) string    { return e.URL }
func descErr(e EndpointErrors) string   { return e.Description }
func eventsErr(e EndpointErrors) string { return e.Events }
func row0Name(e EndpointErrors) string  { return e.Row(0).Name }
func row0Value(e EndpointErrors) string { return e.Row(0).Value }

func TestParseEndpointForm(t *testing.T) {
	v := url.Values{
		"url":           {"  https://example.com/x  "},
		"description":   {" hi "},
		"header_name":   {" X-A ", "Authorization", ""},
		"header_value":  {" 1 ", "Bear••••••••"},
		"header_masked": {"", "authorization"},
		"events":        {"PROJECT_DELETED", "NOPE", "TEST_STARTED", "TEST_STARTED"},
		"enabled":       {"on"},
	}
	f := ParseEndpointForm(v)
	if f.URL != "https://example.com/x" || f.Description != "hi" || !f.Enabled {
		t.Errorf("fields = %+v", f)
	}
	want := []HeaderRow{{Name: "X-A", Value: "1"}, {Name: "Authorization", Value: "Bear••••••••", Masked: "authorization"}, {}}
	if !slices.Equal(f.Headers, want) {
		t.Errorf("headers = %+v, want %+v", f.Headers, want)
	}
	// Known events in catalog order, deduplicated; unknown ones kept for Validate to reject.
	if !slices.Equal(f.Events, []string{"TEST_STARTED", "PROJECT_DELETED", "NOPE"}) {
		t.Errorf("events = %v", f.Events)
	}
	if ParseEndpointForm(url.Values{}).Enabled {
		t.Error("an unticked Enabled box parsed as enabled")
	}
}

func TestKeepMasked(t *testing.T) {
	saved := []catalog.Header{{Name: "X-Team", Value: "checkout"}, {Name: "Authorization", Value: "Bearer s3cr3t-value"}}
	f := EndpointFormFrom(SavedEndpoint{URL: "https://example.com", Events: []string{"TEST_STARTED"}, Headers: saved})
	if f.Headers[0] != (HeaderRow{Name: "X-Team", Value: "checkout"}) {
		t.Errorf("plain header shown as %+v", f.Headers[0])
	}
	if f.Headers[1].Value != "Bear••••••••" || f.Headers[1].Masked != "Authorization" {
		t.Fatalf("sensitive header shown as %+v", f.Headers[1])
	}

	const renamed = "Type the value again"
	tests := []struct {
		name   string
		row    HeaderRow
		kept   bool
		save   string
		masked string // the marker after KeepMasked, as the page would show it
		err    string // substring of the row's value error; "" means valid
	}{
		{"unchanged", HeaderRow{Name: "Authorization", Value: "Bear••••••••", Masked: "Authorization"}, true, "Bearer s3cr3t-value", "Authorization", ""},
		{"case of name changed", HeaderRow{Name: "authorization", Value: "Bear••••••••", Masked: "AUTHORIZATION"}, true, "Bearer s3cr3t-value", "Authorization", ""},
		{"renamed to a plain name", HeaderRow{Name: "X-Foo", Value: "Bear••••••••", Masked: "Authorization"}, false, "Bear••••••••", "", renamed},
		{"renamed to another secret name", HeaderRow{Name: "X-Api-Key", Value: "Bear••••••••", Masked: "Authorization"}, false, "Bear••••••••", "", renamed},
		{"renamed with a new value", HeaderRow{Name: "X-Foo", Value: "typed again", Masked: "Authorization"}, false, "typed again", "", ""},
		{"new value", HeaderRow{Name: "Authorization", Value: "Bearer new", Masked: "Authorization"}, false, "Bearer new", "", ""},
		{"mask without marker", HeaderRow{Name: "Authorization", Value: "Bear••••••••"}, false, "Bear••••••••", "", "whole new value"},
		{"marker of unknown header", HeaderRow{Name: "Authorization", Value: "Bear••••••••", Masked: "X-Other"}, false, "Bear••••••••", "", "whole new value"},
		{"marker of a header shown in clear", HeaderRow{Name: "X-Team", Value: "••••••••", Masked: "X-Team"}, false, "••••••••", "", "whole new value"},
		{"mask of another value", HeaderRow{Name: "Authorization", Value: "Xxxx••••••••", Masked: "Authorization"}, false, "Xxxx••••••••", "", "whole new value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := EndpointForm{URL: "https://example.com", Events: []string{"TEST_STARTED"}, Headers: []HeaderRow{tc.row}}
			f.KeepMasked(saved)
			if f.Headers[0].Kept() != tc.kept {
				t.Fatalf("Kept() = %v, want %v", f.Headers[0].Kept(), tc.kept)
			}
			if f.Headers[0].Masked != tc.masked {
				t.Errorf("Masked = %q, want %q", f.Headers[0].Masked, tc.masked)
			}
			if got := f.SavedHeaders()[0].Value; got != tc.save {
				t.Errorf("saved value = %q, want %q", got, tc.save)
			}
			errs := f.Validate()
			if got := errs.Row(0).Value; !strings.Contains(got, tc.err) || (tc.err == "") != !errs.Any() {
				t.Errorf("value error = %q, want %q (all: %+v)", got, tc.err, errs)
			}
		})
	}
}

// TestKeepMaskedNewEndpoint: a new endpoint has nothing saved, so a marker
// sent with it is dropped and a masked value is refused.
func TestKeepMaskedNewEndpoint(t *testing.T) {
	f := validForm()
	f.Headers = []HeaderRow{{Name: "Authorization", Value: "Bear••••••••", Masked: "Authorization"}}
	f.KeepMasked(nil)
	if f.Headers[0].Masked != "" || f.Headers[0].Kept() {
		t.Fatalf("row after KeepMasked(nil) = %+v", f.Headers[0])
	}
	if errs := f.Validate(); !strings.Contains(errs.Row(0).Value, "whole new value") {
		t.Errorf("value error = %q", errs.Row(0).Value)
	}
}

// TestReadmeListsReservedHeaders keeps README.md's list of headers that
// can't be set in step with the one list the form checks.
func TestReadmeListsReservedHeaders(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## Custom headers"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
	} else {
		t.Fatal("README.md has no \"## Custom headers\" section")
	}
	for _, r := range reservedHeaders {
		if !strings.Contains(section, "`"+r.name+"`") {
			t.Errorf("README's Custom headers section does not list `%s`", r.name)
		}
		if msg := checkHeaderName(strings.ReplaceAll(r.name, "*", "X")); msg == "" {
			t.Errorf("%s is listed but accepted", r.name)
		}
	}
}

func TestHeaderRowsEditing(t *testing.T) {
	f := EndpointForm{Headers: rows("A", "1", "B", "2", "C", "3")}
	f.RemoveHeader(HeaderActionIndex("remove-header-1"))
	f.RemoveHeader(HeaderActionIndex("remove-header-9"))
	f.RemoveHeader(HeaderActionIndex("remove-header--1"))
	if !slices.Equal(f.Headers, rows("A", "1", "C", "3")) {
		t.Errorf("after remove: %+v", f.Headers)
	}
	for _, bad := range []string{"save", "", "remove-header-", "remove-header-x"} {
		if i := HeaderActionIndex(bad); i != -1 {
			t.Errorf("HeaderActionIndex(%q) = %d", bad, i)
		}
	}
	for len(f.Headers) < MaxHeaders {
		if !f.AddHeader() {
			t.Fatal("AddHeader refused below the limit")
		}
	}
	if f.AddHeader() {
		t.Error("AddHeader added beyond the limit")
	}
}
