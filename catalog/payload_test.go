package catalog

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// updateGoldenFlag is -update. Another test file in this package may define
// the same flag first; reuse it rather than panic on a redefinition.
var updateGoldenFlag = lookupOrDefineBool("update", "rewrite testdata/*.golden.json from the current output")

func lookupOrDefineBool(name, usage string) flag.Getter {
	if f := flag.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			return g
		}
	}
	flag.Bool(name, false, usage)
	return flag.Lookup(name).Value.(flag.Getter)
}

func updateGolden() bool {
	v, _ := updateGoldenFlag.Get().(bool)
	return v
}

// goldenTime is the fixed "now" of the golden samples (the document's first example time).
func goldenTime() time.Time { return time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC) }

const goldenBaseURL = "https://loadhook.example"

// checkGolden compares got with testdata/name byte for byte, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("payload differs from %s\n got: %s\nwant: %s", path, got, want)
	}
}

func mustSample(t *testing.T, eventType string) EventInput {
	t.Helper()
	in, err := SampleEvent(eventType, goldenBaseURL, goldenTime())
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// checkPayloadShape checks what every payload must satisfy whatever its content.
func checkPayloadShape(t *testing.T, body []byte) {
	t.Helper()
	if bytes.HasSuffix(body, []byte("\n")) {
		t.Error("payload ends in a newline")
	}
	if !json.Valid(body) {
		t.Fatalf("payload is not valid JSON: %s", body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	want := "type,source,eventType,title,message,timestamp,metadata,severity"
	if got := strings.Join(keys, ","); got != want {
		t.Errorf("top-level keys %s, want %s", got, want)
	}
}

func TestPayloadGoldenSamples(t *testing.T) {
	for _, et := range EventTypes() {
		t.Run(et.Name, func(t *testing.T) {
			body, err := BuildPayload("Loadmance", mustSample(t, et.Name))
			if err != nil {
				t.Fatal(err)
			}
			checkPayloadShape(t, body)
			checkGolden(t, "payload_"+et.Name+".golden.json", body)
		})
	}
}

func TestPayloadGoldenFromRequest(t *testing.T) {
	cases := []struct{ golden, body string }{
		{
			// Every override, an HTML-ish title that must not be escaped, numbers
			// kept as their JSON text, and a zoned timestamp converted to UTC.
			"request_TEST_STARTED.golden.json",
			`{"eventType": "TEST_STARTED",
			  "metadata": {"testRunId": 42, "maxUser": 100, "duration": "300", "watchLive": "https://app.example/r/42?a=1&b=<2>"},
			  "projectName": "E-commerce Platform",
			  "title": "🚀 <b>Checkout</b> & cart test started",
			  "message": "Ramp-up to 100 users began",
			  "severity": "warning",
			  "timestamp": "2025-07-03T16:30:00+02:00"}`,
		},
		{
			"request_PROJECT_DELETED.golden.json",
			`{"eventType": "PROJECT_DELETED", "projectName": "Shop \"Q3\" <beta>", "metadata": {},
			  "title": "🗑 Project Removed", "message": "Project 'Shop' was archived and deleted.",
			  "severity": "error", "timestamp": "2025-07-03T14:25:00"}`,
		},
		{
			// No overrides: defaults fill in, the project name fills the message.
			"request_PROJECT_CREATED.golden.json",
			`{"eventType": "PROJECT_CREATED", "projectName": "E-commerce Platform", "timestamp": "2025-07-03T14:20:00Z"}`,
		},
		{
			"request_TEST_FINISH.golden.json",
			`{"eventType": "TEST_FINISH", "timestamp": "2025-07-03T14:35:00",
			  "metadata": {"testRunId": "1234567890", "status": "FINISH", "duration": 15, "maxUser": 3,
			    "totalRequestCount": 1500015000, "avgResponseTime": 245.70, "throughput": 50.2,
			    "apdexScore": 0.85, "runningTime": "10", "reportLink": "https://loadhook.example/reports/1234567890"}}`,
		},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			in, rerr := ParseEventRequest([]byte(c.body))
			if rerr != nil {
				t.Fatalf("ParseEventRequest: %v (fields %v)", rerr, rerr.Fields)
			}
			body, err := BuildPayload("Loadmance", in)
			if err != nil {
				t.Fatal(err)
			}
			checkPayloadShape(t, body)
			checkGolden(t, c.golden, body)
		})
	}
}

func TestPayloadDefaultsAndNormalisation(t *testing.T) {
	in := EventInput{
		Type:        "PROJECT_UPDATED",
		ProjectName: "A & B <c>",
		Severity:    "WARNING",
	}
	before := time.Now().UTC().Truncate(time.Second)
	body, err := BuildPayload("", in)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	checkPayloadShape(t, body)
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p["source"] != "Loadmance" {
		t.Errorf("source = %v, want the default Loadmance", p["source"])
	}
	if p["severity"] != "warning" {
		t.Errorf("severity = %v, want warning", p["severity"])
	}
	if p["title"] != "📝 Project Updated" || p["message"] != "Project 'A & B <c>' has been updated." {
		t.Errorf("title/message = %v / %v", p["title"], p["message"])
	}
	if !bytes.Contains(body, []byte("'A & B <c>'")) || !bytes.Contains(body, []byte("📝")) {
		t.Errorf("payload escapes HTML characters or emoji: %s", body)
	}
	ts, err := time.Parse(TimestampLayout, p["timestamp"].(string))
	if err != nil || ts.Before(before) || ts.After(after) {
		t.Errorf("timestamp %v (%v) is not now", p["timestamp"], err)
	}
	if string(mustJSON(t, p["metadata"])) != "{}" {
		t.Errorf("metadata = %v, want {}", p["metadata"])
	}

	// A custom source and a non-UTC timestamp.
	in = mustSample(t, "TEST_STARTED")
	in.Timestamp = time.Date(2025, 7, 3, 9, 30, 0, 500, time.FixedZone("EST", -5*3600))
	body, err = BuildPayload("Acme Load", in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte(`"source":"Acme Load"`)) || !bytes.Contains(body, []byte(`"timestamp":"2025-07-03T14:30:00"`)) {
		t.Errorf("source or UTC timestamp wrong: %s", body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPayloadRejectsInvalidInput(t *testing.T) {
	started := mustSample(t, "TEST_STARTED")
	withMeta := func(f func(map[string]string)) EventInput {
		in := mustSample(t, "TEST_STARTED")
		f(in.Metadata)
		return in
	}
	cases := []struct {
		name string
		in   EventInput
		want string
	}{
		{"unknown type", EventInput{Type: "TEST_STOPPED"}, "unknown event type"},
		{"project without name", EventInput{Type: "PROJECT_CREATED"}, "project name"},
		{"project with metadata", EventInput{Type: "PROJECT_CREATED", ProjectName: "x", Metadata: map[string]string{"a": "b"}}, "no metadata"},
		{"missing key", withMeta(func(m map[string]string) { delete(m, "maxUser") }), "missing: maxUser"},
		{"unknown key", withMeta(func(m map[string]string) { m["extra"] = "1" }), "unknown: extra"},
		{"no metadata", EventInput{Type: "TEST_STARTED"}, "missing: testRunId, maxUser, duration, watchLive"},
		{"bad severity", EventInput{Type: started.Type, Metadata: started.Metadata, Severity: "critical"}, "severity"},
		{"year past the layout", EventInput{Type: started.Type, Metadata: started.Metadata, Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "outside the years"},
		{"negative year", EventInput{Type: started.Type, Metadata: started.Metadata, Timestamp: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}, "outside the years"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, err := BuildPayload("Loadmance", c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("BuildPayload = %s, %v; want error containing %q", body, err, c.want)
			}
		})
	}
}

func TestSampleEvent(t *testing.T) {
	now := time.Date(2025, 7, 3, 16, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
	in, err := SampleEvent("TEST_FAILED", "https://loadhook.example/base/", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC); !in.Timestamp.Equal(want) || in.Timestamp.Location() != time.UTC {
		t.Errorf("timestamp = %v, want %v in UTC", in.Timestamp, want)
	}
	if got := in.Metadata["failReportLink"]; got != "https://loadhook.example/base/reports/1234567890/failure" {
		t.Errorf("failReportLink = %q", got)
	}
	if in.Metadata["errorRate"] != "6.0" || in.Metadata["avgResponseTime"] != "3200.5" {
		t.Errorf("sample values differ from the document: %v", in.Metadata)
	}

	in, err = SampleEvent("PROJECT_DELETED", goldenBaseURL, now)
	if err != nil {
		t.Fatal(err)
	}
	if in.ProjectName != "E-commerce Platform" || len(in.Metadata) != 0 {
		t.Errorf("project sample = %+v", in)
	}

	// The sample must itself be a valid request.
	for _, et := range EventTypes() {
		in := mustSample(t, et.Name)
		req := map[string]any{"eventType": in.Type, "timestamp": in.Timestamp.Format(TimestampLayout)}
		if in.Metadata != nil {
			req["metadata"] = in.Metadata
		}
		if in.ProjectName != "" {
			req["projectName"] = in.ProjectName
		}
		parsed, rerr := ParseEventRequest(mustJSON(t, req))
		if rerr != nil {
			t.Fatalf("%s sample is not a valid request: %v", et.Name, rerr)
		}
		a, _ := BuildPayload("", in)
		b, _ := BuildPayload("", parsed)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: sample and parsed sample build different payloads:\n%s\n%s", et.Name, a, b)
		}
	}

	for _, c := range []struct{ typ, base string }{
		{"TEST_STOPPED", goldenBaseURL},
		{"TEST_STARTED", ""},
		{"TEST_STARTED", "loadhook.example"},
		{"TEST_STARTED", "ftp://loadhook.example"},
		{"TEST_STARTED", "https://"},
	} {
		if in, err := SampleEvent(c.typ, c.base, now); err == nil {
			t.Errorf("SampleEvent(%q, %q) = %+v, want error", c.typ, c.base, in)
		}
	}
}

// validStarted returns a TEST_STARTED request body with the given metadata JSON.
func validStarted(meta string) string {
	return `{"eventType":"TEST_STARTED","metadata":` + meta + `}`
}

const okMeta = `{"testRunId":"42","maxUser":"100","duration":"300","watchLive":"https://x.example/live"}`

func TestParseEventRequestAccepts(t *testing.T) {
	cases := []struct {
		name string
		body string
		want EventInput
	}{
		{
			"minimal", validStarted(okMeta),
			EventInput{Type: "TEST_STARTED", Metadata: map[string]string{"testRunId": "42", "maxUser": "100", "duration": "300", "watchLive": "https://x.example/live"}},
		},
		{
			"numbers and booleans keep their JSON text",
			validStarted(`{"testRunId":1234567890,"maxUser":100,"duration":245.70,"watchLive":true}`),
			EventInput{Type: "TEST_STARTED", Metadata: map[string]string{"testRunId": "1234567890", "maxUser": "100", "duration": "245.70", "watchLive": "true"}},
		},
		{
			"exponent and negative numbers", validStarted(`{"testRunId":-0,"maxUser":1e3,"duration":false,"watchLive":""}`),
			EventInput{Type: "TEST_STARTED", Metadata: map[string]string{"testRunId": "-0", "maxUser": "1e3", "duration": "false", "watchLive": ""}},
		},
		{
			"projectName allowed on other events",
			`{"eventType":"TEST_STARTED","projectName":"E-commerce Platform","metadata":` + okMeta + `}`,
			EventInput{Type: "TEST_STARTED", ProjectName: "E-commerce Platform", Metadata: map[string]string{"testRunId": "42", "maxUser": "100", "duration": "300", "watchLive": "https://x.example/live"}},
		},
		{
			"project event without metadata", `{"eventType":"PROJECT_CREATED","projectName":"Shop"}`,
			EventInput{Type: "PROJECT_CREATED", ProjectName: "Shop"},
		},
		{
			"project event with null metadata", `{"eventType":"PROJECT_UPDATED","projectName":"Shop","metadata":null}`,
			EventInput{Type: "PROJECT_UPDATED", ProjectName: "Shop"},
		},
		{
			"project event with empty metadata", `{"eventType":"PROJECT_DELETED","projectName":"Shop","metadata":{}}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop"},
		},
		{
			"all overrides",
			`{"eventType":"PROJECT_DELETED","projectName":"Shop","title":"T","message":"M","severity":"success","timestamp":"2025-07-03T14:30:00"}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop", Title: "T", Message: "M", Severity: "success", Timestamp: time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)},
		},
		{
			"null and empty overrides mean the defaults",
			`{"eventType":"PROJECT_DELETED","projectName":"Shop","title":"","message":null,"severity":null,"timestamp":null}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop"},
		},
		{
			"RFC 3339 timestamp converted to UTC",
			`{"eventType":"PROJECT_DELETED","projectName":"Shop","timestamp":"2025-07-03T16:30:00.75+02:00"}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop", Timestamp: time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)},
		},
		{
			"RFC 3339 Z timestamp",
			`{"eventType":"PROJECT_DELETED","projectName":"Shop","timestamp":"2025-07-03T14:30:00Z"}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop", Timestamp: time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)},
		},
		{
			"longest allowed strings",
			`{"eventType":"PROJECT_DELETED","projectName":"` + strings.Repeat("é", 200) + `","title":"` + strings.Repeat("📁", 200) +
				`","message":"` + strings.Repeat("m", 1000) + `"}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: strings.Repeat("é", 200), Title: strings.Repeat("📁", 200), Message: strings.Repeat("m", 1000)},
		},
		{
			"message with line breaks and tabs",
			`{"eventType":"PROJECT_DELETED","projectName":"Shop","message":"line 1\r\nline 2\tend"}`,
			EventInput{Type: "PROJECT_DELETED", ProjectName: "Shop", Message: "line 1\r\nline 2\tend"},
		},
		{
			"longest metadata value",
			validStarted(`{"testRunId":"` + strings.Repeat("x", 2048) + `","maxUser":"1","duration":"1","watchLive":"l"}`),
			EventInput{Type: "TEST_STARTED", Metadata: map[string]string{"testRunId": strings.Repeat("x", 2048), "maxUser": "1", "duration": "1", "watchLive": "l"}},
		},
	}
	for _, sev := range Severities() {
		cases = append(cases, struct {
			name string
			body string
			want EventInput
		}{"severity " + sev, `{"eventType":"PROJECT_CREATED","projectName":"P","severity":"` + sev + `"}`,
			EventInput{Type: "PROJECT_CREATED", ProjectName: "P", Severity: sev}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rerr := ParseEventRequest([]byte(c.body))
			if rerr != nil {
				t.Fatalf("rejected: %v (fields %v)", rerr, rerr.Fields)
			}
			if !equalInput(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func equalInput(a, b EventInput) bool {
	if a.Type != b.Type || a.Title != b.Title || a.Message != b.Message || a.Severity != b.Severity ||
		!a.Timestamp.Equal(b.Timestamp) || a.ProjectName != b.ProjectName || len(a.Metadata) != len(b.Metadata) {
		return false
	}
	for k, v := range b.Metadata {
		if got, ok := a.Metadata[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func TestParseEventRequestRejects(t *testing.T) {
	allTypes := []string{"TEST_STARTED", "TEST_FINISH", "TEST_FAILED", "TEST_BUILDER_CREATED", "TEST_BUILDER_UPDATED", "TEST_BUILDER_DELETED", "PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED"}
	startedKeys := "testRunId, maxUser, duration, watchLive"
	cases := []struct {
		name  string
		body  string
		kind  RequestErrorKind
		field string   // a key that must be in Fields ("" = none required)
		says  []string // substrings the message must contain
	}{
		// Malformed: not a JSON object, or wrong JSON types at the top level.
		{"empty body", ``, RequestMalformed, "", []string{"empty"}},
		{"blank body", " \n\t ", RequestMalformed, "", []string{"empty"}},
		{"syntax error", `{"eventType":`, RequestMalformed, "", []string{"not valid JSON"}},
		{"trailing data", `{"eventType":"PROJECT_CREATED","projectName":"P"} {}`, RequestMalformed, "", []string{"not valid JSON"}},
		{"array", `[{"eventType":"TEST_STARTED"}]`, RequestMalformed, "", []string{"JSON object"}},
		{"string", `"TEST_STARTED"`, RequestMalformed, "", []string{"JSON object"}},
		{"number", `42`, RequestMalformed, "", []string{"JSON object"}},
		{"null", `null`, RequestMalformed, "", []string{"JSON object"}},
		{"eventType not a string", `{"eventType":5,"metadata":` + okMeta + `}`, RequestMalformed, "eventType", []string{"eventType", "string"}},
		{"metadata array", `{"eventType":"TEST_STARTED","metadata":["testRunId"]}`, RequestMalformed, "metadata", []string{"metadata", "object"}},
		{"metadata string", `{"eventType":"TEST_STARTED","metadata":"testRunId=42"}`, RequestMalformed, "metadata", []string{"metadata", "object"}},
		{"projectName object", `{"eventType":"PROJECT_CREATED","projectName":{"name":"P"}}`, RequestMalformed, "projectName", []string{"projectName", "string"}},
		{"title number", `{"eventType":"PROJECT_CREATED","projectName":"P","title":1}`, RequestMalformed, "title", []string{"title", "string"}},
		{"message array", `{"eventType":"PROJECT_CREATED","projectName":"P","message":["m"]}`, RequestMalformed, "message", []string{"message", "string"}},
		{"severity boolean", `{"eventType":"PROJECT_CREATED","projectName":"P","severity":true}`, RequestMalformed, "severity", []string{"severity", "string"}},
		{"timestamp number", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":1751553000}`, RequestMalformed, "timestamp", []string{"timestamp", "string"}},

		// Malformed: bytes that are not UTF-8 (the decoder would turn them into U+FFFD).
		{"title invalid UTF-8", `{"eventType":"PROJECT_CREATED","projectName":"P","title":"caf` + "\xe9" + `"}`, RequestMalformed, "title", []string{"title must be valid UTF-8"}},
		{"message invalid UTF-8", `{"eventType":"PROJECT_CREATED","projectName":"P","message":"` + "\xff\xfe" + `"}`, RequestMalformed, "message", []string{"message must be valid UTF-8"}},
		{"projectName invalid UTF-8", `{"eventType":"PROJECT_CREATED","projectName":"` + "\xc3" + `"}`, RequestMalformed, "projectName", []string{"projectName must be valid UTF-8"}},
		{"metadata value invalid UTF-8", validStarted(`{"testRunId":"1","maxUser":"2","duration":"3","watchLive":"` + "\xed\xa0\x80" + `"}`), RequestMalformed, "metadata.watchLive", []string{"metadata.watchLive must be valid UTF-8"}},
		{"field name invalid UTF-8", `{"eventType":"PROJECT_CREATED","projectName":"P","` + "\xff" + `":"x"}`, RequestMalformed, "", []string{"not valid UTF-8"}},

		// Invalid: control characters where they make no sense.
		{"title NUL", `{"eventType":"PROJECT_CREATED","projectName":"P","title":"a\u0000b"}`, RequestInvalid, "title", []string{"title must not contain control characters"}},
		{"title line break", `{"eventType":"PROJECT_CREATED","projectName":"P","title":"a\nb"}`, RequestInvalid, "title", []string{"control characters"}},
		{"title C1", `{"eventType":"PROJECT_CREATED","projectName":"P","title":"a\u0085b"}`, RequestInvalid, "title", []string{"control characters"}},
		{"projectName NUL", `{"eventType":"PROJECT_CREATED","projectName":"P\u0000"}`, RequestInvalid, "projectName", []string{"projectName must not contain control characters"}},
		{"message NUL", `{"eventType":"PROJECT_CREATED","projectName":"P","message":"a\u0000"}`, RequestInvalid, "message", []string{"other than tab and line breaks"}},
		{"message escape", `{"eventType":"PROJECT_CREATED","projectName":"P","message":"\u001b[31mred"}`, RequestInvalid, "message", []string{"other than tab and line breaks"}},
		{"metadata value NUL", validStarted(`{"testRunId":"1\u0000","maxUser":"2","duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.testRunId", []string{"metadata.testRunId must not contain control characters"}},

		// Invalid: eventType.
		{"eventType missing", `{"metadata":` + okMeta + `}`, RequestInvalid, "eventType", append([]string{"eventType is required"}, allTypes...)},
		{"eventType null", `{"eventType":null,"metadata":` + okMeta + `}`, RequestInvalid, "eventType", allTypes},
		{"eventType empty", `{"eventType":"","metadata":` + okMeta + `}`, RequestInvalid, "eventType", allTypes},
		{"eventType unknown", `{"eventType":"TEST_STOPPED","metadata":` + okMeta + `}`, RequestInvalid, "eventType", append([]string{`"TEST_STOPPED"`}, allTypes...)},
		{"eventType wrong case", `{"eventType":"test_started","metadata":` + okMeta + `}`, RequestInvalid, "eventType", []string{"did you mean TEST_STARTED"}},

		// Invalid: metadata.
		{"metadata missing", `{"eventType":"TEST_STARTED"}`, RequestInvalid, "metadata", []string{"metadata is required", startedKeys}},
		{"metadata null", `{"eventType":"TEST_STARTED","metadata":null}`, RequestInvalid, "metadata", []string{"metadata is required", startedKeys}},
		{"metadata empty", validStarted(`{}`), RequestInvalid, "metadata.testRunId", []string{startedKeys, "missing: " + startedKeys}},
		{"metadata key missing", validStarted(`{"testRunId":"1","duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.maxUser", []string{startedKeys, "missing: maxUser", "unknown: none"}},
		{"metadata key unknown", validStarted(`{"testRunId":"1","maxUser":"2","duration":"3","watchLive":"l","region":"eu"}`), RequestInvalid, "metadata.region", []string{startedKeys, "unknown: region", "missing: none"}},
		{"metadata key wrong case", validStarted(`{"testrunid":"1","maxUser":"2","duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.testrunid", []string{"unknown: testrunid", "missing: testRunId"}},
		{"metadata key of another type", validStarted(`{"testRunId":"1","maxUser":"2","duration":"3","reportLink":"l"}`), RequestInvalid, "metadata.reportLink", []string{"unknown: reportLink", "missing: watchLive"}},
		{"metadata value object", validStarted(`{"testRunId":"1","maxUser":{"n":2},"duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.maxUser", []string{"metadata.maxUser", "not an object or array"}},
		{"metadata value array", validStarted(`{"testRunId":"1","maxUser":[2],"duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.maxUser", []string{"metadata.maxUser", "not an object or array"}},
		{"metadata value null", validStarted(`{"testRunId":"1","maxUser":null,"duration":"3","watchLive":"l"}`), RequestInvalid, "metadata.maxUser", []string{"metadata.maxUser", "null"}},
		{"metadata value too long", validStarted(`{"testRunId":"1","maxUser":"2","duration":"3","watchLive":"` + strings.Repeat("l", 2049) + `"}`), RequestInvalid, "metadata.watchLive", []string{"metadata.watchLive", "2048"}},

		// Invalid: project events.
		{"projectName missing", `{"eventType":"PROJECT_CREATED"}`, RequestInvalid, "projectName", []string{"projectName is required", "PROJECT_CREATED"}},
		{"projectName null", `{"eventType":"PROJECT_CREATED","projectName":null}`, RequestInvalid, "projectName", []string{"projectName is required"}},
		{"projectName blank", `{"eventType":"PROJECT_UPDATED","projectName":"  "}`, RequestInvalid, "projectName", []string{"projectName is required"}},
		{"projectName too long", `{"eventType":"PROJECT_DELETED","projectName":"` + strings.Repeat("p", 201) + `"}`, RequestInvalid, "projectName", []string{"projectName", "200"}},
		{"projectName too long elsewhere", `{"eventType":"TEST_STARTED","metadata":` + okMeta + `,"projectName":"` + strings.Repeat("p", 201) + `"}`, RequestInvalid, "projectName", []string{"200"}},
		{"project metadata not empty", `{"eventType":"PROJECT_CREATED","projectName":"P","metadata":{"projectId":"1"}}`, RequestInvalid, "metadata", []string{"metadata", "project events", "{}"}},

		// Invalid: overrides.
		{"title too long", `{"eventType":"PROJECT_CREATED","projectName":"P","title":"` + strings.Repeat("📁", 201) + `"}`, RequestInvalid, "title", []string{"title", "200"}},
		{"message too long", `{"eventType":"PROJECT_CREATED","projectName":"P","message":"` + strings.Repeat("m", 1001) + `"}`, RequestInvalid, "message", []string{"message", "1000"}},
		{"severity upper case", `{"eventType":"PROJECT_CREATED","projectName":"P","severity":"INFO"}`, RequestInvalid, "severity", []string{`"INFO"`, "info, success, warning, error"}},
		{"severity unknown", `{"eventType":"PROJECT_CREATED","projectName":"P","severity":"critical"}`, RequestInvalid, "severity", []string{`"critical"`, "info, success, warning, error"}},
		{"severity empty", `{"eventType":"PROJECT_CREATED","projectName":"P","severity":""}`, RequestInvalid, "severity", []string{"info, success, warning, error"}},
		{"timestamp with space", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"2025-07-03 14:30:00"}`, RequestInvalid, "timestamp", []string{"2006-01-02T15:04:05"}},
		{"timestamp date only", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"2025-07-03"}`, RequestInvalid, "timestamp", []string{"2006-01-02T15:04:05"}},
		{"timestamp words", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"yesterday"}`, RequestInvalid, "timestamp", []string{"2006-01-02T15:04:05", "RFC 3339"}},
		{"timestamp invalid date", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"2025-02-30T14:30:00"}`, RequestInvalid, "timestamp", []string{"2006-01-02T15:04:05"}},
		{"timestamp after 9999 in UTC", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"9999-12-31T23:59:59-01:00"}`, RequestInvalid, "timestamp", []string{"after 9999"}},
		{"timestamp before 1970", `{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"0001-01-01T00:00:00"}`, RequestInvalid, "timestamp", []string{"1970"}},

		// Invalid: unknown top-level fields.
		{"field typo", `{"eventtype":"TEST_STARTED","eventType":"TEST_STARTED","metadata":` + okMeta + `}`, RequestInvalid, "eventtype", []string{"eventtype", "did you mean eventType"}},
		{"field unknown", `{"eventType":"PROJECT_CREATED","projectName":"P","priority":"high"}`, RequestInvalid, "priority", []string{"priority", "unknown field", "eventType, metadata, projectName"}},
		{"field typo alone", `{"eventtype":"TEST_STARTED","metadata":` + okMeta + `}`, RequestInvalid, "eventtype", []string{"did you mean eventType", "eventType is required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, rerr := ParseEventRequest([]byte(c.body))
			if rerr == nil {
				t.Fatalf("accepted: %+v", in)
			}
			if rerr.Kind != c.kind {
				t.Errorf("kind %v, want %v (%s)", rerr.Kind, c.kind, rerr.Message)
			}
			if c.field != "" {
				if why, ok := rerr.Fields[c.field]; !ok || why == "" {
					t.Errorf("Fields[%q] not set: %v", c.field, rerr.Fields)
				}
			}
			if rerr.Fields == nil {
				t.Error("Fields is nil; want an empty map at least")
			}
			for _, s := range c.says {
				if !strings.Contains(rerr.Message, s) {
					t.Errorf("message %q does not mention %q", rerr.Message, s)
				}
			}
			if rerr.Message == "" || !strings.HasSuffix(rerr.Message, ".") && !strings.HasSuffix(rerr.Message, "?") {
				t.Errorf("message %q is not a sentence", rerr.Message)
			}
			if !strings.Contains(rerr.Error(), rerr.Message) {
				t.Errorf("Error() = %q does not carry the message", rerr.Error())
			}
		})
	}
}

func TestParseEventRequestReportsEveryProblem(t *testing.T) {
	_, rerr := ParseEventRequest([]byte(`{"eventType":"TEST_STARTED","metadata":{"testRunId":"1","maxUser":[1],"duration":"3","watchLive":"l","x":"y"},"severity":"fatal","title":"` + strings.Repeat("t", 201) + `"}`))
	if rerr == nil {
		t.Fatal("accepted")
	}
	for _, f := range []string{"metadata", "metadata.x", "metadata.maxUser", "severity", "title"} {
		if _, ok := rerr.Fields[f]; !ok {
			t.Errorf("Fields lacks %q: %v", f, rerr.Fields)
		}
	}
	if rerr.Kind != RequestInvalid {
		t.Errorf("kind %v, want invalid", rerr.Kind)
	}
}
