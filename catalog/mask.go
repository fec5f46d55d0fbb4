package catalog

import (
	"net/http"
	"strings"
)

// Header is one custom HTTP header sent with every delivery to an endpoint.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MaskDots is the run of dots that stands for a hidden value: a masked
// header value ends with it, and a form sending it back means "unchanged".
const MaskDots = "••••••••"

// MaskHeaders returns a copy of h fit for the delivery log: the signature and
// the values of sensitive custom headers are masked.
func MaskHeaders(h http.Header, custom []Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for _, c := range custom {
		if IsSensitiveHeader(c.Name) {
			out.Set(c.Name, MaskValue(c.Value))
		}
	}
	if sig := out.Get("webhook-signature"); sig != "" {
		out.Set("webhook-signature", "v1,"+MaskDots)
	}
	return out
}

// IsSensitiveHeader reports whether a header usually carries a credential.
func IsSensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, word := range []string{"authorization", "token", "secret", "key", "password", "cookie", "signature", "auth"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// MaskValue hides a secret value, keeping a short hint of its start.
func MaskValue(v string) string {
	if len(v) <= 8 {
		return MaskDots
	}
	return v[:4] + MaskDots
}
