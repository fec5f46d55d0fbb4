package paths

import "testing"

func TestBuilders(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{WithID(Endpoint, 7), "/profile/integrations/webhook/endpoints/7"},
		{WithID(EndpointSecretReveal, 12), "/profile/integrations/webhook/endpoints/12/secret/reveal"},
		{WithID(TokenRevoke, 3), "/profile/tokens/3/revoke"},
		{WithMessageID(Delivery, "msg_01abc"), "/profile/integrations/webhook/deliveries/msg_01abc"},
		{WithMessageID(Redeliver, "msg_01abc"), "/profile/integrations/webhook/deliveries/msg_01abc/redeliver"},
		// A hand-made id cannot add path segments.
		{WithMessageID(Delivery, "../x?y"), "/profile/integrations/webhook/deliveries/..%2Fx%3Fy"},
		{WithNext(LogIn, ""), "/login"},
		{WithNext(LogIn, "/profile?tab=1"), "/login?next=%2Fprofile%3Ftab%3D1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestFillWithoutParameterPanics: a link built from a pattern that lacks
// the parameter is a typo, caught by the first render in a test.
func TestFillWithoutParameterPanics(t *testing.T) {
	for name, build := range map[string]func(){
		"WithID on a message pattern":    func() { WithID(Delivery, 1) },
		"WithMessageID on an id pattern": func() { WithMessageID(Endpoint, "msg_1") },
		"WithID on a fixed path":         func() { WithID(Webhook, 1) },
		"a longer parameter name":        func() { fill("/a/:idx", ParamID, "1") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			build()
		}()
	}
}
