package hostguard

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// StaticResolver answers from a fixed table of lower-case host names, so
// tests need no DNS.
type StaticResolver map[string][]netip.Addr

func (f StaticResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	ips, ok := f[strings.ToLower(host)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, ip := range ips {
		if (network == "ip4" && !ip.Unmap().Is4()) || (network == "ip6" && !ip.Is6()) {
			continue
		}
		out = append(out, ip)
	}
	return out, nil
}
