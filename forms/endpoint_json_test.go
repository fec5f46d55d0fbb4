package forms

import (
	"reflect"
	"testing"

	"github.com/loadhook/loadhook/catalog"
)

func TestParseEndpointJSON(t *testing.T) {
	saved := []catalog.Header{{Name: "Authorization", Value: "Bearer s3cr3t-value-123"}, {Name: "X-Team", Value: "checkout"}}
	savedForm := EndpointFormFrom(SavedEndpoint{URL: "https://example.com/a", Description: "d", Events: []string{"TEST_STARTED"}, Enabled: true, Headers: saved})
	masked := catalog.MaskValue("Bearer s3cr3t-value-123")
	tests := []struct {
		name        string
		body        string
		base        EndpointForm
		wantProblem bool
		wantFields  map[string]string
		check       func(t *testing.T, f EndpointForm, errs EndpointErrors)
	}{
		{
			name: "create with defaults", body: `{"url":" https://example.com/h ","events":["PROJECT_CREATED","TEST_STARTED"]}`, base: NewEndpointForm(),
			check: func(t *testing.T, f EndpointForm, errs EndpointErrors) {
				if errs.Any() || f.URL != "https://example.com/h" || !f.Enabled || !reflect.DeepEqual(f.Events, []string{"TEST_STARTED", "PROJECT_CREATED"}) {
					t.Errorf("form %+v, errors %+v", f, errs)
				}
			},
		},
		{
			name: "same rules and wording as the form", body: `{"url":"ftp://x","events":[],"headers":[{"name":"Host","value":"a"}]}`, base: NewEndpointForm(),
			wantFields: map[string]string{
				"url": "Use an http:// or https:// URL.", "events": "Choose at least one event.",
				"headers[0].name": "Host is set by HTTP itself (or only between neighbours, hop by hop) and can't be changed.",
			},
		},
		{
			name: "update keeps what is left out, masked values too", body: `{"enabled":false}`, base: savedForm,
			check: func(t *testing.T, f EndpointForm, errs EndpointErrors) {
				if errs.Any() || f.Enabled || f.URL != "https://example.com/a" || !reflect.DeepEqual(f.SavedHeaders(), saved) {
					t.Errorf("form %+v, headers %v, errors %+v", f, f.SavedHeaders(), errs)
				}
			},
		},
		{
			name: "a masked value sent back keeps the saved one", body: `{"headers":[{"name":"Authorization","value":"` + masked + `"}]}`, base: savedForm,
			check: func(t *testing.T, f EndpointForm, errs EndpointErrors) {
				if errs.Any() || !reflect.DeepEqual(f.SavedHeaders(), saved[:1]) {
					t.Errorf("headers %v, errors %+v", f.SavedHeaders(), errs)
				}
			},
		},
		{
			name: "a masked value under another name is refused", body: `{"headers":[{"name":"X-Other","value":"` + masked + `"}]}`, base: savedForm,
			wantFields: map[string]string{"headers[0].value": "Type the whole new value: a masked value can't be edited in part."},
		},
		{name: "not JSON", body: `{"url":`, base: NewEndpointForm(), wantProblem: true},
		{name: "empty", body: ``, base: NewEndpointForm(), wantProblem: true},
		{name: "two objects", body: `{} {}`, base: NewEndpointForm(), wantProblem: true},
		{name: "an array", body: `[]`, base: NewEndpointForm(), wantProblem: true},
		{name: "wrong type", body: `{"enabled":"yes"}`, base: NewEndpointForm(), wantProblem: true,
			wantFields: map[string]string{"enabled": "Use a JSON boolean (true or false) here, not a string."}},
		{name: "unknown key", body: `{"secret":"x"}`, base: NewEndpointForm(), wantProblem: true,
			wantFields: map[string]string{"secret": "Unknown field: an endpoint has url, description, headers, events and enabled."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, problem, fields := ParseEndpointJSON([]byte(tt.body), tt.base)
			if (problem != "") != tt.wantProblem {
				t.Fatalf("problem = %q, want one: %v", problem, tt.wantProblem)
			}
			if tt.wantProblem {
				if tt.wantFields != nil && !reflect.DeepEqual(fields, tt.wantFields) {
					t.Errorf("fields = %v, want %v", fields, tt.wantFields)
				}
				return
			}
			f.KeepMasked(saved)
			errs := f.Validate()
			if tt.wantFields != nil && !reflect.DeepEqual(errs.Fields(), tt.wantFields) {
				t.Errorf("fields = %v, want %v", errs.Fields(), tt.wantFields)
			}
			if tt.check != nil {
				tt.check(t, f, errs)
			}
		})
	}
}
