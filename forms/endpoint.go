package forms

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
)

// Limits of an endpoint, from SPEC.md and the column sizes of the endpoints table.
const (
	MaxURLLen         = 2048
	MaxDescriptionLen = 500
	MaxHeaders        = 20
	MaxHeaderValueLen = 1024
	// maxHeaderRows bounds how many rows a crafted request can make us parse.
	maxHeaderRows = 100
)

// TooManyHeaders is the headers field's error past MaxHeaders, whether
// typed in or reached by "Add header".
var TooManyHeaders = "Use at most " + strconv.Itoa(MaxHeaders) + " headers."

// HeaderRow is one row of the custom headers table, as typed.
type HeaderRow struct {
	Name  string
	Value string
	// Masked names the saved header whose value this row shows masked. It
	// travels in a hidden field, so a masked value sent back unchanged keeps
	// the saved value, and the plain value never reaches the page. What comes
	// back is only a claim: KeepMasked checks it against the stored headers.
	Masked string

	kept  bool
	saved string
	// renamedFrom names the saved header whose masked value this row sends
	// back under another name; the value must then be typed again.
	renamedFrom string
}

// Kept reports whether the row stands for a saved value it shows masked.
func (r HeaderRow) Kept() bool { return r.kept }

// blank reports whether the row is empty and so ignored.
func (r HeaderRow) blank() bool { return r.Name == "" && r.Value == "" }

// EndpointForm is the endpoint form as typed.
type EndpointForm struct {
	URL         string
	Description string
	Headers     []HeaderRow
	// Events holds the checked event types, known ones in catalog order first.
	Events  []string
	Enabled bool
}

// HeaderErrors holds the messages beside one header row.
type HeaderErrors struct {
	Name  string
	Value string
}

// EndpointErrors holds the messages beside the fields of EndpointForm.
type EndpointErrors struct {
	URL         string
	Description string
	// Headers is about the headers as a whole, e.g. too many.
	Headers string
	// Rows is parallel to EndpointForm.Headers; nil when no row has an error.
	Rows   []HeaderErrors
	Events string
	// Form is shown above the form, for what belongs to no single field.
	Form string
}

// Any reports whether there is at least one error.
func (e EndpointErrors) Any() bool {
	if e.URL != "" || e.Description != "" || e.Headers != "" || e.Events != "" || e.Form != "" {
		return true
	}
	for _, r := range e.Rows {
		if r.Name != "" || r.Value != "" {
			return true
		}
	}
	return false
}

// Row returns the errors of header row i.
func (e EndpointErrors) Row(i int) HeaderErrors {
	if i < 0 || i >= len(e.Rows) {
		return HeaderErrors{}
	}
	return e.Rows[i]
}

// NewEndpointForm is the form for a new endpoint: enabled, nothing else set.
func NewEndpointForm() EndpointForm {
	return EndpointForm{Enabled: true}
}

// SavedEndpoint is what the form shows of a stored endpoint.
type SavedEndpoint struct {
	URL         string
	Description string
	Events      []string
	Enabled     bool
	Headers     []catalog.Header
}

// EndpointFormFrom fills the form from a saved endpoint, masking the values of
// headers that look like credentials.
func EndpointFormFrom(ep SavedEndpoint) EndpointForm {
	f := EndpointForm{URL: ep.URL, Description: ep.Description, Events: ep.Events, Enabled: ep.Enabled}
	for _, h := range ep.Headers {
		row := HeaderRow{Name: h.Name, Value: h.Value}
		if catalog.IsSensitiveHeader(h.Name) {
			row.Value = catalog.MaskValue(h.Value)
			row.Masked = h.Name
		}
		f.Headers = append(f.Headers, row)
	}
	return f
}

// ParseEndpointForm reads the submitted form. Header rows arrive as parallel
// lists (header_name, header_value, header_masked) in page order.
func ParseEndpointForm(v url.Values) EndpointForm {
	f := EndpointForm{
		URL:         strings.TrimSpace(v.Get("url")),
		Description: strings.TrimSpace(v.Get("description")),
		Enabled:     v.Get("enabled") != "",
	}
	names, values, masked := v["header_name"], v["header_value"], v["header_masked"]
	n := min(max(len(names), len(values)), maxHeaderRows)
	for i := range n {
		f.Headers = append(f.Headers, HeaderRow{
			Name:   strings.TrimSpace(at(names, i)),
			Value:  strings.Trim(at(values, i), " \t"),
			Masked: at(masked, i),
		})
	}
	checked := make(map[string]bool)
	for _, name := range v["events"] {
		checked[strings.TrimSpace(name)] = true
	}
	// A group's "select all" box works without JavaScript too: checking it
	// subscribes to the whole group.
	for _, group := range catalog.EventGroups() {
		if slices.Contains(v["select_all"], group.Name) {
			for _, t := range group.Types {
				checked[t.Name] = true
			}
		}
	}
	for _, t := range catalog.EventTypes() {
		if checked[t.Name] {
			f.Events = append(f.Events, t.Name)
			delete(checked, t.Name)
		}
	}
	unknown := make([]string, 0, len(checked))
	for name := range checked {
		if name != "" {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	f.Events = append(f.Events, unknown...)
	return f
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// KeepMasked marks the rows that send back a masked value unchanged, so they
// keep the saved value of the header the row's hidden marker names. Only a
// row that still carries that header's name keeps it: masking follows the
// stored header, so a secret never moves to a name that would show or log it
// in clear. Markers that match no stored masked header are dropped, so the
// page shows a row as masked only when the server masked it. Call it with
// nil for a new endpoint.
func (f *EndpointForm) KeepMasked(saved []catalog.Header) {
	for i := range f.Headers {
		row := &f.Headers[i]
		marker := row.Masked
		row.Masked, row.kept, row.saved, row.renamedFrom = "", false, "", ""
		if marker == "" {
			continue
		}
		for _, h := range saved {
			if !strings.EqualFold(h.Name, marker) || !catalog.IsSensitiveHeader(h.Name) || row.Value != catalog.MaskValue(h.Value) {
				continue
			}
			if !strings.EqualFold(row.Name, h.Name) {
				row.renamedFrom = h.Name
				break
			}
			row.Masked, row.kept, row.saved = h.Name, true, h.Value
			break
		}
	}
}

// AddHeader appends an empty row, unless the table is full.
func (f *EndpointForm) AddHeader() bool {
	if len(f.Headers) >= MaxHeaders {
		return false
	}
	f.Headers = append(f.Headers, HeaderRow{})
	return true
}

// RemoveHeader deletes row i; an index out of range changes nothing.
func (f *EndpointForm) RemoveHeader(i int) {
	if i >= 0 && i < len(f.Headers) {
		f.Headers = slices.Delete(f.Headers, i, i+1)
	}
}

// Subscribes reports whether the event type is checked.
func (f *EndpointForm) Subscribes(name string) bool { return slices.Contains(f.Events, name) }

// SavedHeaders returns the headers to store: blank rows dropped, kept masked
// rows with their saved values.
func (f *EndpointForm) SavedHeaders() []catalog.Header {
	var out []catalog.Header
	for _, row := range f.Headers {
		if row.blank() {
			continue
		}
		value := row.Value
		if row.kept {
			value = row.saved
		}
		out = append(out, catalog.Header{Name: row.Name, Value: value})
	}
	return out
}

// Validate checks every field against SPEC.md's rules. The host policy check
// needs the network and is the handler's to add.
func (f *EndpointForm) Validate() EndpointErrors {
	var errs EndpointErrors
	if normalized, msg := normalizeURL(f.URL); msg != "" {
		errs.URL = msg
	} else {
		f.URL = normalized
	}
	if msg := textError(f.Description, ""); msg != "" {
		errs.Description = msg
	} else if utf8.RuneCountInString(f.Description) > MaxDescriptionLen {
		errs.Description = "Use at most " + strconv.Itoa(MaxDescriptionLen) + " characters."
	}
	f.validateHeaders(&errs)
	if len(f.Events) == 0 {
		errs.Events = "Choose at least one event."
	}
	for _, name := range f.Events {
		if _, ok := catalog.LookupEventType(name); !ok {
			errs.Events = "Unknown event type " + strconv.Quote(name) + "."
			break
		}
	}
	return errs
}

// normalizeURL checks a typed URL and returns it with its host as DNS sees
// it (hostguard.NormalizeHost: 127。0。0。1 is 127.0.0.1, Bücher.example is
// xn--bcher-kva.example), or why it can't be used. The rest of the URL is
// kept as typed.
func normalizeURL(raw string) (string, string) {
	if msg := checkURL(raw); msg != "" {
		return "", msg
	}
	u, _ := url.Parse(raw) // checkURL parsed it
	host, err := hostguard.NormalizeHost(u.Hostname())
	if err != nil {
		return "", "The host " + strconv.Quote(u.Hostname()) + " is not a valid host name: use letters, digits, '-' and '.', like hooks.example.com."
	}
	authority := host
	if strings.Contains(host, ":") {
		authority = "[" + strings.ReplaceAll(host, "%", "%25") + "]"
	}
	if port := u.Port(); port != "" {
		authority += ":" + port
	}
	// checkURL refused user info, so the authority runs from "//" to the
	// first '/', '?' or '#'.
	start := strings.Index(raw, "//") + len("//")
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "/?#"); i >= 0 {
		end = start + i
	}
	normalized := raw[:start] + authority + raw[end:]
	if normalized != raw {
		// A punycode host is longer than what was typed.
		if msg := checkURL(normalized); msg != "" {
			return "", msg
		}
	}
	return normalized, ""
}

// checkTyped is where every check of a typed value starts: it is there,
// it is valid UTF-8, and it is at most max characters long.
func checkTyped(value string, max int, missing, tooLong string) string {
	switch {
	case value == "":
		return missing
	case !utf8.ValidString(value):
		return msgInvalidUTF8
	case utf8.RuneCountInString(value) > max:
		return tooLong + strconv.Itoa(max) + " characters."
	}
	return ""
}

func checkURL(raw string) string {
	if msg := checkTyped(raw, MaxURLLen, "Enter the URL that should receive the webhooks.", "The URL is too long: use at most "); msg != "" {
		return msg
	}
	if strings.Contains(raw, " ") || catalog.CheckText(raw, "") != catalog.TextOK {
		return "The URL can't contain spaces or control characters."
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "That is not a valid URL. Use a full address like https://example.com/webhooks."
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "Use an http:// or https:// URL."
	}
	if u.User != nil {
		return "Don't put a user name or password in the URL; add an Authorization header below instead."
	}
	if u.Hostname() == "" {
		return "The URL needs a host, like https://example.com/webhooks."
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "That is not a valid URL: the port must be between 1 and 65535."
		}
	}
	return ""
}

// reservedHeader is a header name, or a prefix ("Proxy-*"), that a custom
// header may not set, and the message that says why.
type reservedHeader struct {
	name string // as the README shows it; a trailing "*" makes it a prefix
	why  string // %s is the name as typed
}

// Messages for reservedHeaders.
const (
	whySetByLoadhook = "%s is set by loadhook and can't be changed."
	whySetByHTTP     = "%s is set by HTTP itself (or only between neighbours, hop by hop) and can't be changed."
	whyClaimsClient  = "%s tells the receiver who the client is; only proxies set it, so loadhook won't send it."
)

// reservedHeaders is the one list of headers a custom header may not set:
// those loadhook sets on every delivery, those HTTP sets itself or that are
// hop-by-hop (RFC 9110 §7.6.1), and those by which proxies describe the
// client, which would lie about who sent the request. README.md lists them.
var reservedHeaders = []reservedHeader{
	{"Content-Type", whySetByLoadhook},
	{"User-Agent", whySetByLoadhook},
	{"webhook-*", "webhook-* headers carry the signature and can't be set."},
	{"Host", whySetByHTTP},
	{"Content-Length", whySetByHTTP},
	{"Transfer-Encoding", whySetByHTTP},
	{"Trailer", whySetByHTTP},
	{"TE", whySetByHTTP},
	{"Connection", whySetByHTTP},
	{"Keep-Alive", whySetByHTTP},
	{"Upgrade", whySetByHTTP},
	{"Expect", whySetByHTTP},
	{"Accept-Encoding", whySetByHTTP},
	{"Proxy-*", "Proxy-* headers are for proxies and can't be set."},
	{"Forwarded", whyClaimsClient},
	{"X-Forwarded-*", whyClaimsClient},
	{"X-Real-IP", whyClaimsClient},
	{"Via", whyClaimsClient},
	{"True-Client-IP", whyClaimsClient},
	{"X-Client-IP", whyClaimsClient},
	{"X-Cluster-Client-IP", whyClaimsClient},
	{"X-Originating-IP", whyClaimsClient},
	{"CF-Connecting-IP", whyClaimsClient},
	{"Fastly-Client-IP", whyClaimsClient},
}

// reservedHeaderError says why name can't be a custom header, or "".
func reservedHeaderError(name string) string {
	lower := strings.ToLower(name)
	for _, r := range reservedHeaders {
		rule := strings.ToLower(r.name)
		if prefix, ok := strings.CutSuffix(rule, "*"); ok && strings.HasPrefix(lower, prefix) || rule == lower {
			if strings.Contains(r.why, "%s") {
				return fmt.Sprintf(r.why, name)
			}
			return r.why
		}
	}
	return ""
}

func (f *EndpointForm) validateHeaders(errs *EndpointErrors) {
	rows := make([]HeaderErrors, len(f.Headers))
	seen := make(map[string]bool)
	count := 0
	bad := false
	for i, row := range f.Headers {
		if row.blank() {
			continue
		}
		count++
		e := &rows[i]
		e.Name = checkHeaderName(row.Name)
		lower := strings.ToLower(row.Name)
		if e.Name == "" && seen[lower] {
			e.Name = "This header is already set above."
		}
		seen[lower] = true
		switch {
		case row.renamedFrom != "":
			e.Value = "Type the value again: a saved " + row.renamedFrom + " value stays with that name and isn't copied to a renamed header."
		case row.Name != "" && !row.kept:
			e.Value = checkHeaderValue(row.Value)
		}
		if e.Name != "" || e.Value != "" {
			bad = true
		}
	}
	if count > MaxHeaders {
		errs.Headers = TooManyHeaders
	}
	if bad {
		errs.Rows = rows
	}
}

func checkHeaderName(name string) string {
	if name == "" {
		return "Enter a header name, or clear the value."
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return "Use only letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ in header names."
		}
	}
	return reservedHeaderError(name)
}

func checkHeaderValue(value string) string {
	if msg := checkTyped(value, MaxHeaderValueLen, "Enter a value, or remove the header.", "Use at most "); msg != "" {
		return msg
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "Header values can't contain line breaks or NUL characters."
	}
	if catalog.CheckText(value, "\t") == catalog.TextControl {
		return "Header values can't contain control characters."
	}
	if strings.Contains(value, catalog.MaskDots) {
		return "Type the whole new value: a masked value can't be edited in part."
	}
	return ""
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// HeaderActionIndex parses "remove-header-N" and returns N, or -1.
func HeaderActionIndex(action string) int {
	s, ok := strings.CutPrefix(action, "remove-header-")
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return -1
	}
	return i
}
