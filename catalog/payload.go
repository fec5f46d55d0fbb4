package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// TimestampLayout is the payload's timestamp layout: UTC, no zone, no fraction.
const TimestampLayout = "2006-01-02T15:04:05"

// maxTimestampYear is the last year TimestampLayout's four digits can show.
const maxTimestampYear = 9999

// DefaultSource is the payload's source unless the server is configured otherwise.
const DefaultSource = "Loadmance"

// Limits on event API strings, counted in characters (runes).
const (
	maxTitleLen         = 200
	maxMessageLen       = 1000
	maxProjectNameLen   = 200
	maxMetadataValueLen = 2048
)

// EventInput is one event as the platform emits it, after validation.
type EventInput struct {
	Type        string
	Title       string    // "" = the type's title
	Message     string    // "" = the type's message (with {projectName} filled)
	Severity    string    // "" = the type's severity
	Timestamp   time.Time // zero = now
	ProjectName string
	Metadata    map[string]string
}

// BuildPayload marshals the webhook body for in, exactly as SPEC.md lays it out.
// source is the server-wide source name; "" means DefaultSource.
func BuildPayload(source string, in EventInput) ([]byte, error) {
	t, ok := LookupEventType(in.Type)
	if !ok {
		return nil, fmt.Errorf("build payload: unknown event type %q", in.Type)
	}
	if source == "" {
		source = DefaultSource
	}
	if t.IsProject() && in.ProjectName == "" {
		return nil, fmt.Errorf("build payload: %s needs a project name", t.Name)
	}
	if err := checkMetadataKeys(t, in.Metadata); err != nil {
		return nil, fmt.Errorf("build payload: %s: %w", t.Name, err)
	}

	title := in.Title
	if title == "" {
		title = t.Title
	}
	message := in.Message
	if message == "" {
		message = t.defaultMessage(in.ProjectName)
	}
	// Internal callers may pass "INFO"; the wire format is lower case only.
	severity := strings.ToLower(in.Severity)
	if severity == "" {
		severity = t.Severity
	}
	if !isSeverity(severity) {
		return nil, fmt.Errorf("build payload: severity %q is not one of %s", in.Severity, strings.Join(Severities(), ", "))
	}
	ts := in.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	if y := ts.UTC().Year(); y < 0 || y > maxTimestampYear {
		return nil, fmt.Errorf("build payload: timestamp %s is outside the years 0000-%d that %s can show", ts.UTC().Format(time.RFC3339), maxTimestampYear, TimestampLayout)
	}

	// Built by hand because key order is part of the contract and a Go map
	// would sort metadata keys.
	w := payloadWriter{}
	w.buf.WriteByte('{')
	w.field("type", "notification")
	w.field("source", source)
	w.field("eventType", t.Name)
	w.field("title", title)
	w.field("message", message)
	w.field("timestamp", ts.UTC().Format(TimestampLayout))
	w.key("metadata")
	w.buf.WriteByte('{')
	for i, k := range t.MetadataKeys {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.str(k)
		w.buf.WriteByte(':')
		w.str(in.Metadata[k])
	}
	w.buf.WriteByte('}')
	w.field("severity", severity)
	w.buf.WriteByte('}')
	if w.err != nil {
		return nil, fmt.Errorf("build payload: %w", w.err)
	}
	return w.buf.Bytes(), nil
}

// checkMetadataKeys requires metadata to hold exactly the type's keys.
func checkMetadataKeys(t EventType, md map[string]string) error {
	if t.IsProject() {
		if len(md) > 0 {
			return errors.New("project events carry no metadata")
		}
		return nil
	}
	unknown, missing := keyDiff(t.MetadataKeys, md)
	if len(unknown) > 0 || len(missing) > 0 {
		return fmt.Errorf("metadata keys must be exactly %s (unknown: %s; missing: %s)",
			strings.Join(t.MetadataKeys, ", "), listOrNone(unknown), listOrNone(missing))
	}
	return nil
}

// keyDiff returns the keys of got not in want (sorted) and the keys of want not in got (in want's order).
func keyDiff[V any](want []string, got map[string]V) (unknown, missing []string) {
	for k := range got {
		if !slices.Contains(want, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	return unknown, missing
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// payloadWriter appends JSON to buf, keeping the first error.
type payloadWriter struct {
	buf bytes.Buffer
	enc *json.Encoder // onto buf, made by the first str
	n   int           // fields written so far, for commas
	err error
}

func (w *payloadWriter) key(k string) {
	if w.n > 0 {
		w.buf.WriteByte(',')
	}
	w.n++
	w.str(k)
	w.buf.WriteByte(':')
}

func (w *payloadWriter) field(k, v string) {
	w.key(k)
	w.str(v)
}

// str writes s as a JSON string without HTML escaping, so titles such as
// "A & B <x>" reach receivers literally.
func (w *payloadWriter) str(s string) {
	if w.err != nil {
		return
	}
	if w.enc == nil {
		w.enc = json.NewEncoder(&w.buf)
		w.enc.SetEscapeHTML(false)
	}
	// Encode writes the whole value and its newline in one Write, or
	// nothing on an error.
	if err := w.enc.Encode(s); err != nil {
		w.err = fmt.Errorf("encode string: %w", err)
		return
	}
	w.buf.Truncate(w.buf.Len() - 1)
}

// RequestErrorKind says how an event request is wrong; the API layer turns
// it into a status.
type RequestErrorKind int

const (
	// RequestMalformed is a body that is not a UTF-8 JSON object, or whose
	// top-level fields have the wrong JSON types.
	RequestMalformed RequestErrorKind = iota + 1
	// RequestInvalid is well-formed JSON that breaks a rule of the contract.
	RequestInvalid
)

func (k RequestErrorKind) String() string {
	if k == RequestMalformed {
		return "malformed"
	}
	return "invalid"
}

// RequestError is a rejected event request: its Kind, a one-sentence
// Message saying what to fix, and Fields mapping a field name ("eventType",
// "metadata", "metadata.maxUser", …) to why it was rejected.
type RequestError struct {
	Kind    RequestErrorKind
	Message string
	Fields  map[string]string
}

// Error returns the summary message.
func (e *RequestError) Error() string {
	return fmt.Sprintf("%s event request: %s", e.Kind, e.Message)
}

// problems collects field errors in the order found, for a readable summary.
type problems struct {
	order  []string // fields that appear in the summary message
	fields map[string]string
}

// add records why field is wrong and mentions it in the summary.
func (p *problems) add(field, why string) {
	p.detail(field, why)
	p.order = append(p.order, field)
}

// detail records why field is wrong without repeating it in the summary
// (used for per-key metadata entries already covered by "metadata").
func (p *problems) detail(field, why string) {
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	p.fields[field] = why
}

func (p *problems) empty() bool { return len(p.fields) == 0 }

func (p *problems) err(kind RequestErrorKind) *RequestError {
	parts := make([]string, len(p.order))
	for i, f := range p.order {
		why := p.fields[f]
		if strings.HasPrefix(why, "is ") || strings.HasPrefix(why, "must ") {
			parts[i] = f + " " + why // reads as a sentence: "eventType is required"
		} else {
			parts[i] = f + ": " + why
		}
	}
	msg := "Invalid event: " + strings.Join(parts, "; ")
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return &RequestError{Kind: kind, Message: msg, Fields: p.fields}
}

// requestFields are the top-level fields of POST /api/v1/events, in SPEC order.
func requestFields() []string {
	return []string{"eventType", "metadata", "projectName", "title", "message", "severity", "timestamp"}
}

// ParseEventRequest decodes and validates a POST /api/v1/events body.
func ParseEventRequest(body []byte) (EventInput, *RequestError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return EventInput{}, &RequestError{
			Kind:    RequestMalformed,
			Message: "The request body is empty; send a JSON object with at least eventType.",
			Fields:  map[string]string{},
		}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return EventInput{}, &RequestError{
				Kind:    RequestMalformed,
				Message: fmt.Sprintf("The request body is not valid JSON (%v at byte %d); send a JSON object.", syn, syn.Offset),
				Fields:  map[string]string{},
			}
		}
		return EventInput{}, notAnObject()
	}
	// "null" decodes into a nil map without error.
	if raw == nil || trimmed[0] != '{' {
		return EventInput{}, notAnObject()
	}

	// Go's decoder would quietly turn invalid UTF-8 into U+FFFD, and JSON
	// text must be UTF-8 (RFC 8259): say where it is not.
	if !utf8.Valid(trimmed) {
		return EventInput{}, invalidUTF8(raw)
	}

	// Phase 1: JSON types of top-level fields (400).
	var bad problems
	str := map[string]*string{}
	for _, f := range []string{"eventType", "projectName", "title", "message", "severity", "timestamp"} {
		v, ok := raw[f]
		if !ok || isNull(v) {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			bad.add(f, "must be a JSON string")
			continue
		}
		str[f] = &s
	}
	var md map[string]json.RawMessage
	if v, ok := raw["metadata"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &md); err != nil || md == nil {
			bad.add("metadata", "must be a JSON object whose values are strings, numbers or booleans")
		}
	}
	if !bad.empty() {
		return EventInput{}, bad.err(RequestMalformed)
	}

	// Phase 2: rules (422).
	var p problems
	var unknown []string
	for k := range raw {
		if !slices.Contains(requestFields(), k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		why := "unknown field; allowed fields are " + strings.Join(requestFields(), ", ")
		if s := similar(k, requestFields()); s != "" {
			why = fmt.Sprintf("unknown field; did you mean %s?", s)
		}
		p.add(k, why)
	}

	in := EventInput{}
	var typ EventType
	typeOK := false
	switch name := deref(str["eventType"]); {
	case name == "":
		p.add("eventType", "is required; use one of "+strings.Join(eventTypeNames(), ", "))
	default:
		typ, typeOK = LookupEventType(name)
		if !typeOK {
			names := eventTypeNames()
			allowed := strings.Join(names, ", ")
			why := fmt.Sprintf("unknown event type %q; use one of %s", name, allowed)
			if s := similar(name, names); s != "" {
				why = fmt.Sprintf("unknown event type %q; did you mean %s? (allowed: %s)", name, s, allowed)
			}
			p.add("eventType", why)
		}
		in.Type = name
	}

	in.ProjectName = deref(str["projectName"])
	switch {
	case typeOK && typ.IsProject() && strings.TrimSpace(in.ProjectName) == "":
		p.add("projectName", "is required for "+typ.Name+"; it fills the message")
	case utf8.RuneCountInString(in.ProjectName) > maxProjectNameLen:
		p.add("projectName", fmt.Sprintf("must be at most %d characters", maxProjectNameLen))
	case CheckText(in.ProjectName, "") != TextOK:
		p.add("projectName", whyControl)
	}

	_, mdGiven := raw["metadata"]
	mdGiven = mdGiven && !isNull(raw["metadata"])
	switch {
	case !typeOK:
		// Keys cannot be checked without a type; values still can.
		in.Metadata = metadataValues(md, &p)
	case typ.IsProject():
		if len(md) > 0 {
			p.add("metadata", "must be omitted, null or {} for project events; they carry no metadata")
		}
	case !mdGiven:
		p.add("metadata", "is required for "+typ.Name+"; send an object with keys "+strings.Join(typ.MetadataKeys, ", "))
	default:
		unknownKeys, missingKeys := keyDiff(typ.MetadataKeys, md)
		if len(unknownKeys) > 0 || len(missingKeys) > 0 {
			p.add("metadata", fmt.Sprintf("keys must be exactly %s (unknown: %s; missing: %s)",
				strings.Join(typ.MetadataKeys, ", "), listOrNone(unknownKeys), listOrNone(missingKeys)))
			for _, k := range unknownKeys {
				why := "unknown key; expected keys are " + strings.Join(typ.MetadataKeys, ", ")
				if s := similar(k, typ.MetadataKeys); s != "" {
					why = fmt.Sprintf("unknown key; did you mean %s?", s)
				}
				p.detail("metadata."+k, why)
			}
			for _, k := range missingKeys {
				p.detail("metadata."+k, "is required")
			}
		}
		in.Metadata = metadataValues(md, &p)
	}

	in.Title = deref(str["title"])
	switch {
	case utf8.RuneCountInString(in.Title) > maxTitleLen:
		p.add("title", fmt.Sprintf("must be at most %d characters", maxTitleLen))
	case CheckText(in.Title, "") != TextOK:
		p.add("title", whyControl)
	}
	in.Message = deref(str["message"])
	switch {
	case utf8.RuneCountInString(in.Message) > maxMessageLen:
		p.add("message", fmt.Sprintf("must be at most %d characters", maxMessageLen))
	case CheckText(in.Message, messageControls) != TextOK:
		p.add("message", whyControlInMessage)
	}
	if s := str["severity"]; s != nil {
		if !isSeverity(*s) {
			p.add("severity", fmt.Sprintf("%q is not allowed; use one of %s (lower case)", *s, strings.Join(Severities(), ", ")))
		}
		in.Severity = *s
	}
	if s := str["timestamp"]; s != nil {
		ts, why := parseTimestamp(*s)
		if why != "" {
			p.add("timestamp", why)
		}
		in.Timestamp = ts
	}

	if !p.empty() {
		return EventInput{}, p.err(RequestInvalid)
	}
	return in, nil
}

// Why a text field of the event API is refused for its bytes.
const (
	whyInvalidUTF8      = "must be valid UTF-8"
	whyControl          = "must not contain control characters such as NUL or line breaks"
	whyControlInMessage = "must not contain control characters other than tab and line breaks"
	// messageControls are the control characters a multi-line message may hold.
	messageControls = "\t\n\r"
)

// invalidUTF8 names the fields (metadata keys too) whose JSON is not valid
// UTF-8; if the bytes are elsewhere, such as in a field name, it says so for
// the body as a whole.
func invalidUTF8(raw map[string]json.RawMessage) *RequestError {
	var p problems
	for _, f := range slices.Sorted(maps.Keys(raw)) {
		if utf8.Valid(raw[f]) {
			continue
		}
		var md map[string]json.RawMessage
		inValue := false
		if f == "metadata" && json.Unmarshal(raw[f], &md) == nil {
			for _, k := range slices.Sorted(maps.Keys(md)) {
				if !utf8.Valid(md[k]) {
					p.add("metadata."+k, whyInvalidUTF8)
					inValue = true
				}
			}
		}
		if !inValue {
			p.add(f, whyInvalidUTF8)
		}
	}
	if p.empty() {
		return &RequestError{
			Kind:    RequestMalformed,
			Message: "The request body is not valid UTF-8; send the JSON as UTF-8.",
			Fields:  map[string]string{},
		}
	}
	return p.err(RequestMalformed)
}

func notAnObject() *RequestError {
	return &RequestError{
		Kind:    RequestMalformed,
		Message: "The request body must be a JSON object such as {\"eventType\": \"TEST_STARTED\", \"metadata\": {…}}.",
		Fields:  map[string]string{},
	}
}

func isNull(v json.RawMessage) bool {
	return string(bytes.TrimSpace(v)) == "null"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// metadataValues turns metadata values into strings: numbers and booleans
// keep their JSON text ("245.70" stays "245.70"), anything else is a problem.
func metadataValues(md map[string]json.RawMessage, p *problems) map[string]string {
	if md == nil {
		return nil
	}
	out := make(map[string]string, len(md))
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := bytes.TrimSpace(md[k])
		field := "metadata." + k
		var s string
		switch v[0] {
		case '"':
			if err := json.Unmarshal(v, &s); err != nil {
				p.add(field, "is not a valid JSON string")
				continue
			}
		case 't', 'f':
			s = string(v)
		case 'n':
			p.add(field, "must not be null; send a string, number or boolean")
			continue
		case '{', '[':
			p.add(field, "must be a string, number or boolean, not an object or array")
			continue
		default: // a number; the decoder has already checked its syntax
			s = string(v)
		}
		if utf8.RuneCountInString(s) > maxMetadataValueLen {
			p.add(field, fmt.Sprintf("must be at most %d characters", maxMetadataValueLen))
			continue
		}
		if CheckText(s, "") != TextOK {
			p.add(field, whyControl)
			continue
		}
		out[k] = s
	}
	return out
}

// parseTimestamp accepts the payload layout (taken as UTC) or RFC 3339 with a
// zone, and returns the time in UTC truncated to seconds, or why it is rejected.
func parseTimestamp(s string) (time.Time, string) {
	why := fmt.Sprintf("%q is not a valid timestamp; use UTC in the layout %s (e.g. 2025-07-03T14:30:00) or RFC 3339 with a zone", s, TimestampLayout)
	t, err := time.ParseInLocation(TimestampLayout, s, time.UTC)
	if err != nil {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		return time.Time{}, why
	}
	t = t.UTC().Truncate(time.Second)
	// A zero time would mean "now" downstream, and pre-1970 times are typos.
	if t.Year() < 1970 {
		return time.Time{}, fmt.Sprintf("%q is before 1970; use UTC in the layout %s", s, TimestampLayout)
	}
	// A zone can push 9999-12-31 into a year the layout can't show.
	if t.Year() > maxTimestampYear {
		return time.Time{}, fmt.Sprintf("%q is after %d in UTC; use UTC in the layout %s", s, maxTimestampYear, TimestampLayout)
	}
	return t, ""
}

// similar returns the candidate equal to s ignoring case, or "".
func similar(s string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
	}
	return ""
}

// SampleEvent returns the sample event of a type for "Send test event": the
// SPEC's example values with links joined to baseURL, project events for
// "E-commerce Platform", and the timestamp now (UTC, whole seconds).
func SampleEvent(eventType string, baseURL string, now time.Time) (EventInput, error) {
	t, ok := LookupEventType(eventType)
	if !ok {
		return EventInput{}, fmt.Errorf("sample event: unknown event type %q", eventType)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return EventInput{}, fmt.Errorf("sample event: base URL %q must be an absolute http(s) URL", baseURL)
	}
	base := strings.TrimRight(baseURL, "/")

	in := EventInput{Type: t.Name, Timestamp: now.UTC().Truncate(time.Second)}
	if t.IsProject() {
		in.ProjectName = sampleProjectName
		return in, nil
	}
	in.Metadata = make(map[string]string, len(t.Sample))
	for k, v := range t.Sample {
		if isLinkKey(k) {
			v = base + v
		}
		in.Metadata[k] = v
	}
	return in, nil
}
