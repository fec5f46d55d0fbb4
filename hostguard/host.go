package hostguard

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// hostProfile maps a host name the way browsers and resolvers do before DNS
// (UTS #46: width, case and compatibility forms folded, IDNA 2008 labels
// turned into punycode), so 127。0。0。1 and ｌｏｃａｌｈｏｓｔ are judged as
// the 127.0.0.1 and localhost they reach. The STD3 rules are off so that
// underscores (my_service.internal) and pattern stars pass the mapping;
// checkHostChars then allows only letters, digits, '-', '_' (and '*' in
// patterns). Hyphen positions are not checked, as in browsers
// ("r3---sn-abc.example.com" is a real name).
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.VerifyDNSLength(true),
)

// NormalizeHost returns host as it is looked up and dialed: an IP address
// in its canonical text (legacy numeric IPv4 forms such as 0x7f.1 decoded),
// or a lower-case ASCII name with international labels in punycode. Hosts
// that cannot be a DNS name are an error.
func NormalizeHost(host string) (string, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !isZoneName(ip.Zone()) {
			return "", fmt.Errorf("host %q is %w (the zone after %% must be an interface name like eth0)", host, ErrNotHostName)
		}
		return ip.String(), nil
	}
	name, err := normalizeName(host, false)
	if err != nil {
		return "", fmt.Errorf("host %q is %w", host, err)
	}
	// Mapping can reveal an address: １２７.０.０.１ is 127.0.0.1.
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.String(), nil
	}
	if ip, ok := parseLegacyIPv4(name); ok {
		return ip.String(), nil
	}
	return name, nil
}

// ErrNotHostName is why a host is refused; errors wrapping it name the host.
var ErrNotHostName = errors.New("not a valid host name: use letters, digits, '-' and '.', like hooks.example.com")

// normalizeName maps a host name (or, with pattern set, a host name glob)
// through hostProfile and checks what comes out.
func normalizeName(host string, pattern bool) (string, error) {
	if !utf8.ValidString(host) {
		return "", ErrNotHostName
	}
	name, err := hostProfile.ToASCII(host)
	if err != nil || !checkHostChars(name, pattern) {
		return "", ErrNotHostName
	}
	return name, nil
}

// checkHostChars reports whether a mapped name has only non-empty labels
// (a single trailing dot, the DNS root, is fine) of letters, digits, '-' and
// '_', plus '*' in patterns. A star beside non-ASCII letters would have been
// folded into punycode, where it can never match, so it is refused.
func checkHostChars(name string, pattern bool) bool {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for _, label := range labels {
		if label == "" {
			return false
		}
		if pattern && strings.Contains(label, "*") && strings.HasPrefix(label, "xn--") {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || pattern && c == '*'
			if !ok {
				return false
			}
		}
	}
	return true
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isZoneName reports whether an IPv6 zone is empty or looks like an
// interface name (eth0, en0, 3), so nothing else rides in the host.
func isZoneName(zone string) bool {
	for i := 0; i < len(zone); i++ {
		c := zone[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._-", c) >= 0) {
			return false
		}
	}
	return true
}
