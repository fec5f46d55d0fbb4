// Package views renders the web app's HTML with templ. Every page takes a
// typed props struct; nothing reaches a view through string-keyed maps.
package views

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Page is what every page's layout needs.
type Page struct {
	// Title is the page's own title; the layout adds the product name.
	Title string
	// UserEmail is empty when nobody is signed in.
	UserEmail string
	// CSRF is put in every form and in htmx's request headers.
	CSRF string
	// Flashes are one-time messages from the previous request.
	Flashes []Flash
	// Nav marks the current header link: NavWebhook or NavProfile.
	Nav     string
	Version string
}

// Header navigation items.
const (
	NavWebhook = "webhook"
	NavProfile = "profile"
)

// Flash kinds.
const (
	FlashSuccess = "success"
	FlashError   = "error"
	FlashInfo    = "info"
)

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string
	Message string
}

// SignedIn reports whether a user is signed in.
func (p Page) SignedIn() bool { return p.UserEmail != "" }

// csrfHeaders is the hx-headers value that makes htmx send the CSRF token.
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// timeUTC formats a time for people, in UTC, the zone the whole app uses.
func timeUTC(t time.Time) string {
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// timeISO is the machine-readable form for <time datetime>.
func timeISO(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// ago says how long before now t was, in the largest whole unit.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 60*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return t.UTC().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }

func percent(v float64) string {
	if v == 100 || v == 0 {
		return fmt.Sprintf("%.0f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}

// describedBy is the id of the message under field id: the error if there
// is one, else the help, else none.
func describedBy(id, err, help string) string {
	switch {
	case err != "":
		return id + "-error"
	case help != "":
		return id + "-help"
	}
	return ""
}
