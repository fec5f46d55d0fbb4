package catalog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkSpecPayload checks body against SPEC.md's payload for in: key order,
// the fixed and chosen values, metadata with exactly the type's keys in
// order, every value a string, a parseable timestamp, a known severity.
func checkSpecPayload(t *testing.T, body []byte, source string, in EventInput) {
	t.Helper()
	checkPayloadShape(t, body)
	var p struct {
		Type, Source, EventType, Title, Message, Timestamp, Severity string
		Metadata                                                     json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("payload does not decode into SPEC's fields (every one a string): %v\n%s", err, body)
	}
	typ, ok := LookupEventType(in.Type)
	if !ok {
		t.Fatalf("payload built for unknown type %q", in.Type)
	}
	if p.Type != "notification" || valid(source) && p.Source != source || p.EventType != typ.Name {
		t.Errorf("type/source/eventType = %q/%q/%q", p.Type, p.Source, p.EventType)
	}
	if p.Title == "" || p.Message == "" {
		t.Errorf("empty title %q or message %q", p.Title, p.Message)
	}
	if valid(in.Title) && in.Title != "" && p.Title != in.Title {
		t.Errorf("title = %q, want %q", p.Title, in.Title)
	}
	if valid(in.Message) && in.Message != "" && p.Message != in.Message {
		t.Errorf("message = %q, want %q", p.Message, in.Message)
	}
	if _, err := time.Parse(TimestampLayout, p.Timestamp); err != nil {
		t.Errorf("timestamp %q does not parse with %s: %v", p.Timestamp, TimestampLayout, err)
	}
	if !slices.Contains(Severities(), p.Severity) {
		t.Errorf("severity %q", p.Severity)
	}

	// Metadata: an object whose keys are exactly the type's, in order.
	md := json.NewDecoder(bytes.NewReader(p.Metadata))
	if tok, err := md.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("metadata is not an object: %s", p.Metadata)
	}
	var keys []string
	for md.More() {
		tok, err := md.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		keys = append(keys, k)
		var v string
		if err := md.Decode(&v); err != nil {
			t.Fatalf("metadata.%s is not a string: %v", k, err)
		}
		if want := in.Metadata[k]; valid(want) && v != want {
			t.Errorf("metadata.%s = %q, want %q", k, v, want)
		}
	}
	if !slices.Equal(keys, typ.MetadataKeys) && !(len(keys) == 0 && len(typ.MetadataKeys) == 0) {
		t.Errorf("metadata keys %v, want %v", keys, typ.MetadataKeys)
	}
}

// valid reports whether s survives JSON unchanged (the encoder turns
// invalid UTF-8 into U+FFFD).
func valid(s string) bool { return utf8.ValidString(s) }

// FuzzParseEventRequest: any body is either refused with a summary and
// fields, or accepted as input that holds clean text and builds a SPEC
// payload.
func FuzzParseEventRequest(f *testing.F) {
	seeds := []string{
		``, `null`, `[]`, `{}`, `"x"`, `{"eventType":`,
		validStarted(okMeta),
		validStarted(`{"testRunId":1234567890,"maxUser":100,"duration":245.70,"watchLive":true}`),
		`{"eventType":"PROJECT_CREATED","projectName":"Shop","title":"T","message":"M\nN","severity":"warning","timestamp":"2025-07-03T14:30:00"}`,
		`{"eventType":"PROJECT_DELETED","projectName":"Shop","timestamp":"2025-07-03T16:30:00.75+02:00"}`,
		`{"eventType":"TEST_FINISH","metadata":{"testRunId":"1","status":"FINISH","duration":"1","maxUser":"1","totalRequestCount":"1","avgResponseTime":"1","throughput":"1","apdexScore":"1","runningTime":"1","reportLink":"l"}}`,
		`{"eventType":"PROJECT_CREATED","projectName":"P","title":"a\u0000b"}`,
		"{\"eventType\":\"PROJECT_CREATED\",\"projectName\":\"caf\xe9\"}",
		`{"eventType":"PROJECT_CREATED","projectName":"P","title":"\ud800"}`,
		`{"eventType":"TEST_STARTED","metadata":{"testRunId":{"a":1},"maxUser":[1],"duration":null,"watchLive":"x","extra":1}}`,
		`{"eventtype":"TEST_STARTED","priority":"high","severity":"INFO","timestamp":"0001-01-01T00:00:00"}`,
		`{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"9999-12-31T23:59:59"}`,
		`{"eventType":"PROJECT_CREATED","projectName":"P","timestamp":"9999-12-31T23:59:59-01:00"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, rerr := ParseEventRequest(body)
		if rerr != nil {
			if rerr.Message == "" || rerr.Fields == nil {
				t.Fatalf("refusal without a message or fields: %+v", rerr)
			}
			if !utf8.ValidString(rerr.Message) {
				t.Errorf("refusal message is not UTF-8: %q", rerr.Message)
			}
			return
		}
		for field, s := range map[string]string{"title": in.Title, "projectName": in.ProjectName} {
			if CheckText(s, "") != TextOK {
				t.Errorf("accepted %s %q", field, s)
			}
		}
		if CheckText(in.Message, messageControls) != TextOK {
			t.Errorf("accepted message %q", in.Message)
		}
		for k, v := range in.Metadata {
			if CheckText(v, "") != TextOK {
				t.Errorf("accepted metadata.%s %q", k, v)
			}
		}
		payload, err := BuildPayload("", in)
		if err != nil {
			t.Fatalf("accepted input %+v does not build: %v", in, err)
		}
		checkSpecPayload(t, payload, DefaultSource, in)
	})
}

// FuzzBuildPayload: whatever the strings and the time, a payload that
// builds parses as SPEC.md's JSON.
func FuzzBuildPayload(f *testing.F) {
	f.Add(uint8(0), "Loadmance", "", "", "", "", int64(1751553000), "42\x1f100\x1f300\x1fhttps://x.example/live")
	f.Add(uint8(6), "", "📁 <b>&</b>", "Project '{x}'", "SUCCESS", "E-commerce Platform", int64(0), "")
	f.Add(uint8(1), "src\"\\", "\x00\u2028", "caf\xe9", "error", "", int64(-62135596800), "a\x1fb\x1fc\x1fd\x1fe\x1ff\x1fg\x1fh\x1fi\x1fj")
	f.Add(uint8(8), "x", "t", "m", "critical", "", int64(253402300799), "")
	f.Fuzz(func(t *testing.T, typeIndex uint8, source, title, message, severity, project string, unix int64, values string) {
		types := EventTypes()
		typ := types[int(typeIndex)%len(types)]
		in := EventInput{Type: typ.Name, Title: title, Message: message, Severity: severity, ProjectName: project, Timestamp: time.Unix(unix, 0)}
		if len(typ.MetadataKeys) > 0 {
			in.Metadata = map[string]string{}
			vs := strings.Split(values, "\x1f")
			for i, k := range typ.MetadataKeys {
				in.Metadata[k] = vs[i%len(vs)]
			}
		}
		payload, err := BuildPayload(source, in)
		if err != nil {
			return
		}
		if source == "" {
			source = DefaultSource
		}
		checkSpecPayload(t, payload, source, in)
	})
}
