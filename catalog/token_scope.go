package catalog

import "github.com/loadhook/loadhook/paths"

// TokenScope is what an API token may do, chosen when it is created.
type TokenScope struct {
	Value string // stored and in forms: "events"
	Label string // "Emit events"
	// Help says what the scope allows, beside the choice.
	Help string
}

// The scopes' values. ScopeEvents is every token's scope unless another is
// chosen, and the scope of every token made before scopes existed (the
// column's default, models.APIToken).
const (
	ScopeEvents = "events"
	ScopeManage = "manage"
)

// TokenScopes are the scopes in the order the forms list them, narrowest first.
var TokenScopes = []TokenScope{
	{ScopeEvents, "Emit events", "Only POST " + paths.Events + ": what the load-testing platform needs."},
	{ScopeManage, "Full management", "Events, and the management API: endpoints, secrets, deliveries, redelivery."},
}

func (s TokenScope) value() string { return s.Value }

// LookupTokenScope finds a scope by its value.
func LookupTokenScope(v string) (TokenScope, bool) { return lookup(TokenScopes, v) }

// TokenScopeValues names the scopes' values for a message: "events or manage".
func TokenScopeValues() string { return orList(Values(TokenScopes)) }

// ScopeAllows reports whether a token of scope may use a route that needs
// need: manage includes events.
func ScopeAllows(scope, need string) bool {
	return scope == need || scope == ScopeManage
}
