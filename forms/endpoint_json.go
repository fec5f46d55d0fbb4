package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// EndpointJSON is the management API's endpoint body. Every field may be
// left out: it then keeps its value in the form the body is applied to
// (NewEndpointForm for a new endpoint, the saved endpoint for an update).
type EndpointJSON struct {
	URL         *string       `json:"url"`
	Description *string       `json:"description"`
	Headers     *[]HeaderJSON `json:"headers"`
	Events      *[]string     `json:"events"`
	Enabled     *bool         `json:"enabled"`
}

// HeaderJSON is one custom header of EndpointJSON. A value that is the
// masked value the API showed keeps the saved value, as on the form.
type HeaderJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// endpointJSONFields names the body's keys, for the unknown-key message.
const endpointJSONFields = "url, description, headers, events and enabled"

// ParseEndpointJSON applies a JSON body to base and returns the form the
// endpoint form would have posted: it goes through ParseEndpointForm, so
// the API reads input exactly as the page does (trimming, event order,
// header rows), and the same Validate and KeepMasked apply after it.
// A body that is not such an object returns a message and, where one key
// is to blame, a message for it; the caller answers 400.
func ParseEndpointJSON(body []byte, base EndpointForm) (EndpointForm, string, map[string]string) {
	var in EndpointJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		problem, fields := jsonProblem(err)
		return base, problem, fields
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return base, "The body must be one JSON object, with nothing after it.", nil
	}
	v := url.Values{}
	v.Set("url", pick(in.URL, base.URL))
	v.Set("description", pick(in.Description, base.Description))
	if enabled := base.Enabled; in.Enabled == nil && enabled || in.Enabled != nil && *in.Enabled {
		v.Set("enabled", "on")
	}
	events := base.Events
	if in.Events != nil {
		events = *in.Events
	}
	v["events"] = append([]string(nil), events...)
	if in.Headers != nil {
		for _, h := range *in.Headers {
			// The name is the claim a form's hidden marker makes: a value
			// equal to the saved header's masked value keeps it (KeepMasked).
			v.Add("header_name", h.Name)
			v.Add("header_value", h.Value)
			v.Add("header_masked", h.Name)
		}
	} else {
		for _, row := range base.Headers {
			v.Add("header_name", row.Name)
			v.Add("header_value", row.Value)
			v.Add("header_masked", row.Masked)
		}
	}
	return ParseEndpointForm(v), "", nil
}

func pick(p *string, keep string) string {
	if p != nil {
		return *p
	}
	return keep
}

// jsonProblem says what is wrong with a body the decoder refused.
func jsonProblem(err error) (string, map[string]string) {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "The body must be a JSON object with the endpoint's " + endpointJSONFields + ".", nil
	case errors.As(err, &syntax):
		return fmt.Sprintf("The body is not valid JSON (at byte %d).", syntax.Offset), nil
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "The body must be a JSON object with the endpoint's " + endpointJSONFields + ".", nil
		}
		msg := "Use a JSON " + jsonKind(typ.Type.Kind().String()) + " here, not a " + typ.Value + "."
		return "The field " + strconv.Quote(typ.Field) + " has the wrong type.", map[string]string{typ.Field: msg}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return "The body has a field the endpoint does not have: " + strconv.Quote(name) + ".",
			map[string]string{name: "Unknown field: an endpoint has " + endpointJSONFields + "."}
	}
	return "The body could not be read as JSON: " + err.Error() + ".", nil
}

// jsonKind names a Go kind the way JSON calls it.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return goKind
}

// Fields lists the errors by the JSON key they are about, as the
// management API answers them: "url", "headers[0].name", "events"…
// Form, which is about no field, is left out.
func (e EndpointErrors) Fields() map[string]string {
	out := make(map[string]string)
	for key, msg := range map[string]string{"url": e.URL, "description": e.Description, "headers": e.Headers, "events": e.Events} {
		if msg != "" {
			out[key] = msg
		}
	}
	for i, r := range e.Rows {
		prefix := "headers[" + strconv.Itoa(i) + "]."
		if r.Name != "" {
			out[prefix+"name"] = r.Name
		}
		if r.Value != "" {
			out[prefix+"value"] = r.Value
		}
	}
	return out
}
