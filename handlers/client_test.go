package handlers

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestClientAddressBehindTrustedProxies(t *testing.T) {
	_, lb, _ := net.ParseCIDR("10.0.0.0/8")
	tests := []struct {
		name    string
		proxies []*net.IPNet
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: the peer, whatever the header says", nil, "10.1.2.3:5000", "203.0.113.9", "10.1.2.3"},
		{"a trusted load balancer names the client", []*net.IPNet{lb}, "10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"an untrusted peer cannot", []*net.IPNet{lb}, "198.51.100.4:5000", "203.0.113.9", "198.51.100.4"},
		{"a forged hop before the client is ignored", []*net.IPNet{lb}, "10.1.2.3:5000", "1.2.3.4, 203.0.113.9", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{cfg: Config{TrustedProxies: tt.proxies}}
			e := echo.New()
			e.IPExtractor = s.clientAddress()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			req.Header.Set("X-Forwarded-For", tt.xff)
			if got := e.NewContext(req, httptest.NewRecorder()).RealIP(); got != tt.want {
				t.Errorf("client = %s, want %s", got, tt.want)
			}
		})
	}
}
