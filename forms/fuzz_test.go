package forms

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
)

// FuzzEndpointURL: a URL the form accepts is an http(s) URL with a host and
// no user info, clean text within the length limit, with its host already
// normalised, unchanged by a second pass, and one the host guard can judge.
// A refused URL is kept as typed.
func FuzzEndpointURL(f *testing.F) {
	for _, s := range []string{
		"https://hooks.example.com/loadhook", "http://127.0.0.1:8080/x?y=1#z", "https://[2001:db8::1]/x",
		"http://[fe80::1%25eth0]/", "https://Bücher.Example/hook", "http://１２７.０.０.１/", "http://127。0。0。1/",
		"http://ｌｏｃａｌｈｏｓｔ/", "http://0x7f.1/", "https://user:pw@example.com/", "ftp://example.com/",
		"https://example.com:99999/", "https://a..b/", "https://a：b/", "https://example.com/caf\xe9",
		"https://example.com/a\x00", "http://%E3%80%82/", "https://example.com?x=/y", "HTTPS://EXAMPLE.COM/",
		"http://[::ffff:7f00:1]:81/", "https://xn--bcher-kva.example/", "http:\\\\example.com\\", "//example.com/",
	} {
		f.Add(s)
	}
	policy, err := hostguard.ParseAllowedHosts("external")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form := validForm()
		form.URL = raw
		errs := form.Validate()
		if errs.URL != "" {
			if form.URL != raw {
				t.Fatalf("refused URL %q was changed to %q", raw, form.URL)
			}
			return
		}
		got := form.URL
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("accepted %q as %q, which does not parse: %v", raw, got, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q as %q: scheme %q, user %v, host %q", raw, got, u.Scheme, u.User, u.Hostname())
		}
		if catalog.CheckText(got, "") != catalog.TextOK || strings.Contains(got, " ") || utf8.RuneCountInString(got) > MaxURLLen {
			t.Fatalf("accepted %q as %q", raw, got)
		}
		if host, err := hostguard.NormalizeHost(u.Hostname()); err != nil || host != u.Hostname() {
			t.Fatalf("stored host %q is not normalised: %q, %v", u.Hostname(), host, err)
		}
		again := validForm()
		again.URL = got
		if errs := again.Validate(); errs.URL != "" || again.URL != got {
			t.Fatalf("second pass over %q: %q, %q", got, again.URL, errs.URL)
		}
		err = policy.CheckURL(context.Background(), got, hostguard.StaticResolver{})
		var blocked *hostguard.BlockedError
		if err != nil && !errors.As(err, &blocked) {
			t.Fatalf("the guard can't judge accepted URL %q: %v", got, err)
		}
	})
}

// FuzzHeaderRow: a header row the form accepts is a valid HTTP field that
// survives a request on the wire unchanged, and none of the reserved names.
func FuzzHeaderRow(f *testing.F) {
	for _, pair := range [][2]string{
		{"X-Team", "checkout"}, {"Authorization", "Bearer s3cr3t"}, {"X-A", "a\tb"}, {"X Team", "v"},
		{"Host", "evil"}, {"X-Forwarded-For", "127.0.0.1"}, {"user-agent", "x"}, {"webhook-id", "msg_1"},
		{"Proxy-Authorization", "x"}, {"X-A", "a\r\nX-Evil: 1"}, {"X-A", "a\x00b"}, {"X-A", "caf\xe9"},
		{"X-A", "Bear••••••••"}, {"X-Ä", "v"}, {"X-A", "  padded  "}, {"", "orphan"}, {"X-A", ""},
		{"X-A", "é\u0085"}, {"!#$%&'*+-.^_`|~", "v"},
	} {
		f.Add(pair[0], pair[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		form := ParseEndpointForm(url.Values{
			"url": {"https://hooks.example.com/x"}, "events": {"TEST_STARTED"},
			"header_name": {name}, "header_value": {value}, "header_masked": {""},
		})
		form.KeepMasked(nil)
		errs := form.Validate()
		saved := form.SavedHeaders()
		if errs.Any() || len(saved) == 0 {
			return
		}
		h := saved[0]
		if !httpguts.ValidHeaderFieldName(h.Name) || !httpguts.ValidHeaderFieldValue(h.Value) {
			t.Fatalf("accepted invalid field %q: %q", h.Name, h.Value)
		}
		if reservedHeaderError(h.Name) != "" || catalog.CheckText(h.Value, "\t") != catalog.TextOK || strings.Contains(h.Value, catalog.MaskDots) {
			t.Fatalf("accepted %q: %q", h.Name, h.Value)
		}
		req, err := http.NewRequest(http.MethodPost, "http://hooks.example.com/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(h.Name, h.Value)
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			t.Fatalf("request with %q: %q does not write: %v", h.Name, h.Value, err)
		}
		back, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatalf("request with %q: %q does not read back: %v", h.Name, h.Value, err)
		}
		if got := back.Header.Values(h.Name); len(got) != 1 || got[0] != h.Value {
			t.Fatalf("%q: %q arrived as %q", h.Name, h.Value, got)
		}
	})
}
