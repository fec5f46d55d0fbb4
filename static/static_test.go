package static

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPathIsContentHashed(t *testing.T) {
	b, err := files.ReadFile("app.css")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got, want := Path("app.css"), "/static/"+hex.EncodeToString(sum[:6])+"/app.css"; got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	for _, name := range []string{"app.js", "favicon.svg", "vendor/htmx.min.js", "vendor/pico.min.css"} {
		if !strings.HasSuffix(Path(name), "/"+name) {
			t.Errorf("Path(%q) = %q", name, Path(name))
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Path of a missing file did not panic")
		}
	}()
	Path("nope.css")
}

func TestVendoredVersions(t *testing.T) {
	htmx, _ := files.ReadFile("vendor/htmx.min.js")
	if !strings.Contains(string(htmx), `version:"2.0.11"`) {
		t.Error("vendor/htmx.min.js is not htmx 2.0.11; run make assets")
	}
	pico, _ := files.ReadFile("vendor/pico.min.css")
	if !strings.Contains(string(pico), "Pico CSS ✨ v2.1.1") {
		t.Error("vendor/pico.min.css is not Pico 2.1.1; run make assets")
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		path, cache, ctype string
		status             int
	}{
		{Path("app.js"), "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", 200},
		{Path("vendor/pico.min.css"), "public, max-age=31536000, immutable", "text/css; charset=utf-8", 200},
		{Path("favicon.svg"), "public, max-age=31536000, immutable", "image/svg+xml", 200},
		{"/static/abc/app.js", "no-cache", "text/javascript; charset=utf-8", 200},
		{"/static/abc/static.go", "", "", 404},
		{"/static/abc/../static.go", "", "", 404},
		{"/static/app.js", "", "", 404},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		if got := rec.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		if got := rec.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
	}
}
