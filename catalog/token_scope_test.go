package catalog

import "testing"

func TestScopeAllows(t *testing.T) {
	tests := []struct {
		scope, need string
		want        bool
	}{
		{ScopeEvents, ScopeEvents, true},
		{ScopeEvents, ScopeManage, false},
		{ScopeManage, ScopeManage, true},
		{ScopeManage, ScopeEvents, true},
		{"", ScopeEvents, false},
		{"admin", ScopeManage, false},
	}
	for _, tt := range tests {
		if got := ScopeAllows(tt.scope, tt.need); got != tt.want {
			t.Errorf("ScopeAllows(%q, %q) = %v, want %v", tt.scope, tt.need, got, tt.want)
		}
	}
	if got := TokenScopeValues(); got != "events or manage" {
		t.Errorf("TokenScopeValues() = %q", got)
	}
	for _, s := range TokenScopes {
		if got, ok := LookupTokenScope(s.Value); !ok || got != s {
			t.Errorf("LookupTokenScope(%q) = %v, %v", s.Value, got, ok)
		}
	}
}
