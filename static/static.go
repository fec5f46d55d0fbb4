// Package static embeds the stylesheets, scripts and images of the web app
// and serves them under content-hashed URLs, so browsers may cache them for a
// year and still never see a stale file after an upgrade.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed *.css *.js *.svg vendor/*
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

// hashes maps a file name to the first 12 hex digits of its SHA-256. It is
// computed on first use: the files never change while the binary runs.
var hashes = sync.OnceValue(func() map[string]string {
	out := make(map[string]string)
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
})

// Path returns the URL of an embedded file, e.g. Path("app.css") is
// "/static/1a2b3c4d5e6f/app.css". An unknown name panics: it is a typo in a
// view, and every view is rendered by the tests.
func Path(name string) string {
	h, ok := hashes()[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return Prefix + h + "/" + name
}

// Handler serves "/static/<hash>/<name>". A current hash gets a year of
// immutable caching; an old hash (a page rendered before an upgrade) still
// gets the file, but without long caching.
func Handler() http.Handler {
	modTime := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
		hash, name, found := strings.Cut(rest, "/")
		if !ok || !found || name == "" || strings.Contains(name, "..") {
			http.NotFound(w, r)
			return
		}
		b, err := files.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if hash == hashes()[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		http.ServeContent(w, r, name, modTime, bytes.NewReader(b))
	})
}
