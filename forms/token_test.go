package forms

import (
	"net/url"
	"testing"

	"github.com/loadhook/loadhook/catalog"
)

func TestTokenFormScope(t *testing.T) {
	tests := []struct {
		scope     string
		want      string
		wantError bool
	}{
		{"", catalog.ScopeEvents, false},
		{"events", catalog.ScopeEvents, false},
		{" manage ", catalog.ScopeManage, false},
		{"admin", "admin", true},
		{"MANAGE", "MANAGE", true},
	}
	for _, tt := range tests {
		f := ParseTokenForm(url.Values{"name": {"CI"}, "scope": {tt.scope}})
		errs := f.Validate()
		if got := f.ChosenScope(); got != tt.want {
			t.Errorf("scope %q: ChosenScope() = %q, want %q", tt.scope, got, tt.want)
		}
		if (errs.Scope != "") != tt.wantError || errs.Any() != tt.wantError {
			t.Errorf("scope %q: errors = %+v, want an error: %v", tt.scope, errs, tt.wantError)
		}
		if tt.wantError && errs.Scope != "Choose a scope: events or manage." {
			t.Errorf("scope %q: message %q", tt.scope, errs.Scope)
		}
	}
}
