package hostguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Resolver looks up a host's addresses; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// HostPolicy says which addresses webhook deliveries may connect to. It is
// parsed from LOADHOOK_ALLOWED_HOSTS, never changes afterwards, and so is
// safe for concurrent use.
type HostPolicy struct {
	all      bool // "*": everything, metadata included
	external bool
	private  bool
	loopback bool
	prefixes []netip.Prefix // CIDR and single-IP items, masked, IPv4 unmapped
	patterns []string       // lower-case host name globs
}

// ParseAllowedHosts parses the comma-separated setting; "" means "external". Unknown words / bad CIDRs give an error naming the item.
func ParseAllowedHosts(spec string) (*HostPolicy, error) {
	p := &HostPolicy{}
	empty := true
	for raw := range strings.SplitSeq(spec, ",") {
		item := strings.ToLower(strings.TrimSpace(raw))
		if item == "" {
			continue
		}
		empty = false
		if !isASCII(item) {
			// Judge the name DNS will see: *.bücher.example is *.xn--bcher-kva.example.
			mapped, err := normalizeName(item, true)
			if err != nil {
				return nil, fmt.Errorf("allowed hosts item %q: %w", item, err)
			}
			item = mapped
		}
		if err := p.add(item); err != nil {
			return nil, fmt.Errorf("allowed hosts item %q: %w", item, err)
		}
	}
	if empty {
		p.external = true
	}
	return p, nil
}

// add parses one lower-cased, non-empty item of the setting into p.
func (p *HostPolicy) add(item string) error {
	switch item {
	case "*":
		p.all = true
		return nil
	case "external":
		p.external = true
		return nil
	case "private":
		p.private = true
		return nil
	case "loopback":
		p.loopback = true
		return nil
	}
	if strings.Contains(item, "/") {
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			return fmt.Errorf("bad CIDR: %w", err)
		}
		p.addPrefix(prefix)
		return nil
	}
	if ip, err := netip.ParseAddr(item); err == nil {
		if ip.Zone() != "" {
			return errors.New("an IP address with a zone cannot be allowed; drop the %zone")
		}
		ip = ip.Unmap()
		p.addPrefix(netip.PrefixFrom(ip, ip.BitLen()))
		return nil
	}
	if _, ok := parseLegacyIPv4(item); ok {
		// Such an item would silently never match, since patterns only match names.
		return errors.New("write IPv4 addresses as dotted quads (like 10.0.0.1) or CIDRs (like 10.0.0.0/8)")
	}
	if strings.Contains(item, ":") || strings.Trim(item, "0123456789.") == "" {
		return errors.New("bad IP address")
	}
	if strings.Trim(item, "0123456789.*") == "" {
		return errors.New("IP wildcards are not supported; use a CIDR like 10.0.0.0/8")
	}
	if !isHostPattern(item) {
		return errors.New("unknown word: want external, private, loopback, *, a CIDR like 10.0.0.0/8, or a host name pattern like *.example.com")
	}
	if !slices.Contains(p.patterns, item) {
		p.patterns = append(p.patterns, item)
	}
	return nil
}

// addPrefix stores prefix masked, with IPv4-mapped prefixes turned into IPv4
// ones because Check unmaps addresses before comparing.
func (p *HostPolicy) addPrefix(prefix netip.Prefix) {
	if prefix.Addr().Is4In6() && prefix.Bits() >= 96 {
		prefix = netip.PrefixFrom(prefix.Addr().Unmap(), prefix.Bits()-96)
	}
	prefix = prefix.Masked()
	if !slices.Contains(p.prefixes, prefix) {
		p.prefixes = append(p.prefixes, prefix)
	}
}

// isHostPattern reports whether item looks like a host name glob. A dot or a
// star is required so that a misspelt keyword ("externl") is an error rather
// than a pattern that matches nothing.
func isHostPattern(item string) bool {
	if !strings.ContainsAny(item, ".*") {
		return false
	}
	for _, c := range item {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && !strings.ContainsRune("-._*", c) {
			return false
		}
	}
	return true
}

// String returns the normalised spec, for logs.
func (p *HostPolicy) String() string {
	if p.all {
		return "*"
	}
	var items []string
	if p.external {
		items = append(items, "external")
	}
	if p.private {
		items = append(items, "private")
	}
	if p.loopback {
		items = append(items, "loopback")
	}
	for _, prefix := range p.prefixes {
		items = append(items, prefix.String())
	}
	items = append(items, p.patterns...)
	return strings.Join(items, ",")
}

// UserRefusal is what a user reads about a refused address, after "This
// URL" or "the URL": the user can't change the host policy, so it says what
// to do instead. BlockedError's own text names the setting that would allow
// the address, which is for the operator's log.
const UserRefusal = "points to a private network address; use a public URL"

// BlockedError says what was refused, in plain words.
type BlockedError struct {
	Host   string     // the requested host, as given in the URL
	IP     netip.Addr // the address that was refused
	Reason string     // what IP is, e.g. "a private address (set ... to allow it)"
}

// Error returns e.g. "blocked: 10.0.0.5 is a private address (...)", naming
// the host too when it is a name rather than an address.
func (e *BlockedError) Error() string {
	if !e.IP.IsValid() {
		return "blocked: " + e.Reason
	}
	if isHostName(e.Host) {
		return fmt.Sprintf("blocked: %s resolves to %s, %s", e.Host, e.IP, e.Reason)
	}
	return fmt.Sprintf("blocked: %s is %s", e.IP, e.Reason)
}

// addrKind is what kind of destination an address is.
type addrKind int

const (
	kindExternal addrKind = iota
	kindPrivate
	kindLoopback
	kindMetadata
	kindUnspecified
	kindLinkLocal
	kindMulticast
	kindBroadcast
	kindDocumentation
	kindReserved
)

// words are the plain words used for each addrKind in a BlockedError.
func (c addrKind) words() string {
	switch c {
	case kindExternal:
		return "a public address"
	case kindPrivate:
		return "a private address"
	case kindLoopback:
		return "a loopback address"
	case kindMetadata:
		return "a cloud metadata address"
	case kindUnspecified:
		return "an unspecified address"
	case kindLinkLocal:
		return "a link-local address"
	case kindMulticast:
		return "a multicast address"
	case kindBroadcast:
		return "a broadcast address"
	case kindDocumentation:
		return "a documentation address"
	default:
		return "a reserved address"
	}
}

// Check reports whether dialing ip for the requested host is allowed; a refusal is a *BlockedError.
func (p *HostPolicy) Check(host string, ip netip.Addr) error {
	if !ip.IsValid() {
		return &BlockedError{Host: host, IP: ip, Reason: "no valid IP address"}
	}
	if p.all {
		return nil
	}
	bare := ip.WithZone("")
	form, inner := embeddedIPv4(bare)
	if len(inner) == 0 {
		return p.checkPlain(host, ip)
	}
	// A mapped address is its IPv4 address on this host's own stack, so it
	// is judged as that address.
	if bare.Is4In6() {
		v4 := inner[0]
		if ok, kind := p.judge(host, v4); !ok {
			return &BlockedError{Host: host, IP: ip, Reason: fmt.Sprintf("%s embedding %s, %s %s", form, v4, kind.words(), p.hint(allowItem(kind, v4)))}
		}
		return nil
	}
	// The other forms (NAT64, 6to4, Teredo, IPv4-compatible) reach an IPv4
	// address through a translator or relay somewhere else: not a public
	// address whatever they embed. Such an address needs an item naming it
	// (a CIDR or a host pattern), and what it embeds must be allowed too.
	var items []string
	if !p.namesTransition(host, bare) {
		items = append(items, netip.PrefixFrom(bare, bare.BitLen()).String())
	}
	reason := form + " embedding " + inner[0].String()
	if len(inner) > 1 {
		reason += " and " + inner[1].String()
	}
	reason += ", not a public address whatever it embeds"
	for _, v4 := range inner {
		if ok, kind := p.judge(host, v4); !ok {
			items = append(items, allowItem(kind, v4))
			// What it embeds is the more telling refusal.
			reason = fmt.Sprintf("%s embedding %s, %s", form, v4, kind.words())
			break
		}
	}
	if len(items) == 0 {
		return nil
	}
	return &BlockedError{Host: host, IP: ip, Reason: reason + " " + p.hint(items...)}
}

// namesTransition reports whether an item names the transition address ip
// itself: a CIDR or IP containing it, or a pattern matching the host.
func (p *HostPolicy) namesTransition(host string, ip netip.Addr) bool {
	for _, prefix := range p.prefixes {
		if prefix.Contains(ip) {
			return true
		}
	}
	return p.matchesName(host)
}

// checkPlain checks an address that wraps no other.
func (p *HostPolicy) checkPlain(host string, ip netip.Addr) error {
	bare := ip.WithZone("")
	if ok, kind := p.judge(host, bare); !ok {
		return &BlockedError{Host: host, IP: ip, Reason: kind.words() + " " + p.hint(allowItem(kind, bare))}
	}
	return nil
}

// judge says whether the policy allows ip (without zone, wrapping no other
// address) for host, and what kind of address it is.
func (p *HostPolicy) judge(host string, ip netip.Addr) (bool, addrKind) {
	kind := classifyAddr(ip)
	// Metadata and unspecified addresses are too dangerous to open by any
	// broad rule: only an item naming that very address allows them.
	explicitOnly := kind == kindMetadata || kind == kindUnspecified
	for _, prefix := range p.prefixes {
		if explicitOnly && !(prefix.IsSingleIP() && prefix.Addr() == ip) {
			continue
		}
		if prefix.Contains(ip) {
			return true, kind
		}
	}
	if !explicitOnly && p.matchesName(host) {
		return true, kind
	}
	switch {
	case kind == kindExternal && p.external,
		kind == kindPrivate && p.private,
		kind == kindLoopback && p.loopback:
		return true, kind
	}
	return false, kind
}

// allowItem is the setting item that would allow an address of kind like ip.
func allowItem(kind addrKind, ip netip.Addr) string {
	switch kind {
	case kindExternal:
		return "external"
	case kindPrivate:
		return "private"
	case kindLoopback:
		return "loopback"
	}
	return netip.PrefixFrom(ip, ip.BitLen()).String()
}

// hint says how to change the setting to allow an address: by adding items.
func (p *HostPolicy) hint(items ...string) string {
	spec := strings.Join(items, ",")
	if cur := p.String(); cur != "" {
		spec = cur + "," + spec
	}
	return fmt.Sprintf("(set LOADHOOK_ALLOWED_HOSTS=%s to allow it)", spec)
}

// matchesName reports whether host is a name matching one of the patterns;
// IP literals never match, the patterns are about names.
func (p *HostPolicy) matchesName(host string) bool {
	if len(p.patterns) == 0 || !isHostName(host) {
		return false
	}
	if !isASCII(host) {
		mapped, err := NormalizeHost(host)
		if err != nil {
			return false
		}
		host = mapped
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, pattern := range p.patterns {
		// Host names have no '/', so '*' spans dots, as in Gitea.
		if ok, _ := path.Match(pattern, name); ok {
			return true
		}
	}
	return false
}

// isHostName reports whether host is a host name rather than an address in any
// form a resolver would accept.
func isHostName(host string) bool {
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return false
	}
	_, legacy := parseLegacyIPv4(host)
	return !legacy
}

// metadataAddrs are the known cloud instance metadata and credential
// services. Most sit in private or link-local ranges, so a broad rule such as
// "private" or a CIDR would otherwise open them.
var metadataAddrs = func() map[netip.Addr]bool {
	set := make(map[netip.Addr]bool)
	for _, s := range []string{
		"169.254.169.254",    // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack, IBM, Hetzner, Linode, ...
		"fd00:ec2::254",      // AWS instance metadata over IPv6
		"169.254.170.2",      // AWS ECS task metadata and credentials
		"169.254.170.23",     // AWS EKS Pod Identity agent
		"fd00:ec2::23",       // AWS EKS Pod Identity agent over IPv6
		"fd20:ce::254",       // GCP metadata server over IPv6
		"168.63.129.16",      // Azure WireServer
		"fd00:c1::a9fe:a9fe", // OCI instance metadata over IPv6
		"192.0.0.192",        // Oracle Cloud Classic metadata
		"100.100.100.200",    // Alibaba Cloud
		"169.254.0.23",       // Tencent Cloud
		"169.254.42.42",      // Scaleway
		"fd00:42::42",        // Scaleway over IPv6
		"fd00:a9fe:a9fe::1",  // Akamai (Linode) over IPv6
		"fe80::a9fe:a9fe",    // OpenStack over IPv6
	} {
		set[netip.MustParseAddr(s)] = true
	}
	return set
}()

// classifyAddr says what kind of destination ip (without zone, not wrapping
// another address) is.
func classifyAddr(ip netip.Addr) addrKind {
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if metadataAddrs[ip] {
		return kindMetadata
	}
	if ip.Is4() {
		return classifyIPv4(ip.As4())
	}
	return classifyIPv6(ip.As16())
}

// classifyIPv4 sorts an IPv4 address; special ranges per the IANA registry.
func classifyIPv4(a [4]byte) addrKind {
	switch {
	case a == [4]byte{0, 0, 0, 0}:
		return kindUnspecified
	case a == [4]byte{255, 255, 255, 255}:
		return kindBroadcast
	case a[0] == 127:
		return kindLoopback
	case a[0] == 10,
		a[0] == 172 && a[1]&0xf0 == 16,
		a[0] == 192 && a[1] == 168,
		a[0] == 100 && a[1]&0xc0 == 64: // CGNAT 100.64/10
		return kindPrivate
	case a[0] == 169 && a[1] == 254:
		return kindLinkLocal
	case a[0]&0xf0 == 224:
		return kindMulticast
	case a[0] == 192 && a[1] == 0 && a[2] == 2,
		a[0] == 198 && a[1] == 51 && a[2] == 100,
		a[0] == 203 && a[1] == 0 && a[2] == 113:
		return kindDocumentation
	case a[0] == 0, // "this network"
		a[0]&0xf0 == 240,                        // reserved 240/4
		a[0] == 192 && a[1] == 0 && a[2] == 0,   // IETF protocol assignments
		a[0] == 192 && a[1] == 88 && a[2] == 99, // 6to4 relay anycast
		a[0] == 198 && a[1]&0xfe == 18:          // benchmarking 198.18/15
		return kindReserved
	}
	return kindExternal
}

// classifyIPv6 sorts an IPv6 address that embeds no IPv4 one.
func classifyIPv6(a [16]byte) addrKind {
	switch netip.AddrFrom16(a) {
	case netip.IPv6Unspecified():
		return kindUnspecified
	case netip.IPv6Loopback():
		return kindLoopback
	}
	switch {
	case a[0]&0xfe == 0xfc: // fc00::/7
		return kindPrivate
	case a[0] == 0xfe && a[1]&0xc0 == 0x80: // fe80::/10
		return kindLinkLocal
	case a[0] == 0xff:
		return kindMulticast
	case a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8, // 2001:db8::/32
		a[0] == 0x3f && a[1] == 0xff && a[2]&0xf0 == 0: // 3fff::/20
		return kindDocumentation
	case a[0] == 0x20 && a[1] == 0x01 && a[2]&0xfe == 0: // 2001::/23 IETF protocol assignments
		return kindReserved
	case a[0]&0xe0 != 0x20: // only 2000::/3 is global unicast
		return kindReserved
	}
	return kindExternal
}

// embeddedIPv4 returns the IPv4 addresses that an IPv6 address carries and
// the name of its form, or nothing if it carries none.
func embeddedIPv4(ip netip.Addr) (form string, inner []netip.Addr) {
	if ip.Is4In6() {
		return "an IPv4-mapped address", []netip.Addr{ip.Unmap()}
	}
	if !ip.Is6() {
		return "", nil
	}
	a := ip.As16()
	v4 := func(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b)) }
	switch {
	case [12]byte(a[:12]) == [12]byte{0, 0x64, 0xff, 0x9b}: // 64:ff9b::/96
		return "a NAT64 address", []netip.Addr{v4(a[12:])}
	case [6]byte(a[:6]) == [6]byte{0, 0x64, 0xff, 0x9b, 0, 1}: // 64:ff9b:1::/48, read as a /96 layout
		return "a NAT64 address", []netip.Addr{v4(a[12:])}
	case a[0] == 0x20 && a[1] == 0x02: // 6to4 2002::/16
		return "a 6to4 address", []netip.Addr{v4(a[2:6])}
	case [4]byte(a[:4]) == [4]byte{0x20, 0x01, 0, 0}: // Teredo 2001::/32
		client := [4]byte(a[12:])
		for i := range client {
			client[i] ^= 0xff
		}
		return "a Teredo address", []netip.Addr{netip.AddrFrom4(client), v4(a[4:8])}
	case [12]byte(a[:12]) == [12]byte{} && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		return "an IPv4-compatible address", []netip.Addr{v4(a[12:])}
	}
	return "", nil
}

// parseLegacyIPv4 decodes the numeric IPv4 forms that inet_aton(3) and
// browsers accept but netip.ParseAddr rejects: 2130706433, 0177.0.0.1,
// 0x7f.0.0.1, 127.1 and a trailing dot. A resolver would turn these into an
// address without DNS, so the guard must too.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var n uint64
	for i, part := range parts {
		v, ok := parseLegacyNumber(part)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			// Leading parts are single bytes.
			if v > 0xff {
				return netip.Addr{}, false
			}
			n |= v << (24 - 8*i)
			continue
		}
		// The last part fills all remaining bytes.
		if v >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		n |= v
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseLegacyNumber parses one part of a legacy IPv4 form: 0x-prefixed hex,
// 0-prefixed octal or decimal.
func parseLegacyNumber(s string) (uint64, bool) {
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true // "0x" alone is 0 to inet_aton
		}
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseUint(s, base, 32)
	return v, err == nil
}

// dialLookupNetwork maps a dial network to a LookupNetIP network.
func dialLookupNetwork(network string) (string, error) {
	switch network {
	case "tcp", "udp":
		return "ip", nil
	case "tcp4", "udp4":
		return "ip4", nil
	case "tcp6", "udp6":
		return "ip6", nil
	}
	return "", fmt.Errorf("unsupported network %q", network)
}

// resolveHost returns host's addresses: IP literals and legacy numeric forms are
// decoded here, anything else goes to r.
func resolveHost(ctx context.Context, r Resolver, network, host string) ([]netip.Addr, error) {
	if host == "" {
		return nil, errors.New("empty host")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	if ip, ok := parseLegacyIPv4(host); ok {
		return []netip.Addr{ip}, nil
	}
	ips, err := r.LookupNetIP(ctx, network, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return ips, nil
}

// DialContext returns a dial function for http.Transport.DialContext. It
// resolves the host with r (nil means net.DefaultResolver), checks every
// address, and dials the allowed ones one by one with a net.Dialer whose
// Control func checks again the IP actually being connected to, so DNS
// rebinding cannot bypass the guard. If every address is blocked it returns
// the *BlockedError (wrapped) without connecting. The timeout comes from ctx.
// The Transport must not use a proxy: the guard would only see the proxy.
func (p *HostPolicy) DialContext(r Resolver) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if r == nil {
		r = net.DefaultResolver
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		// net/http already maps names to ASCII; other callers may not.
		if host, err = NormalizeHost(host); err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		lookupNet, err := dialLookupNetwork(network)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		ips, err := resolveHost(ctx, r, lookupNet, host)
		if err != nil {
			return nil, err // already says which host
		}
		var allowed []netip.Addr
		var blocked error
		for _, ip := range ips {
			if err := p.Check(host, ip); err != nil {
				if blocked == nil {
					blocked = err
				}
				continue
			}
			// A mapped address is dialed as the IPv4 it is, so that
			// tcp4 works and Control sees the plain address.
			ip = ip.Unmap()
			if (lookupNet == "ip4" && !ip.Is4()) || (lookupNet == "ip6" && !ip.Is6()) {
				continue
			}
			allowed = append(allowed, ip)
		}
		if len(allowed) == 0 {
			if blocked != nil {
				return nil, fmt.Errorf("connect to %s: %w", host, blocked)
			}
			return nil, fmt.Errorf("connect to %s: no %s address", host, lookupNet)
		}
		d := net.Dialer{Control: p.dialControl(host)}
		var firstErr error
		for _, ip := range allowed {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return conn, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, fmt.Errorf("connect to %s: %w", host, firstErr)
	}
}

// dialControl returns a net.Dialer Control func that checks the address the
// socket is really about to connect to, for the requested host.
func (p *HostPolicy) dialControl(host string) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			// Fail closed: an address we cannot read is one we cannot check.
			return fmt.Errorf("guard cannot check dialed address %q: %w", address, err)
		}
		return p.Check(host, ap.Addr())
	}
}

// CheckURL validates a URL's host before saving a form: it normalises the
// host (NormalizeHost) and judges the result. It resolves the host
// with r (nil: net.DefaultResolver; numeric hosts, including decimal, octal
// and hex IPv4 forms, are decoded without DNS) and returns a *BlockedError if
// any address is blocked. A DNS failure is not an error: the host may only
// resolve later, and the dial-time check still applies.
func (p *HostPolicy) CheckURL(ctx context.Context, rawURL string, r Resolver) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("check URL: %w", err)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("check URL %q: no host", rawURL)
	}
	host, err := NormalizeHost(u.Hostname())
	if err != nil {
		return fmt.Errorf("check URL: %w", err)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := resolveHost(ctx, r, "ip", host)
	if err != nil {
		// Not an error: the host may resolve later; DialContext checks then.
		return nil
	}
	for _, ip := range ips {
		if err := p.Check(host, ip); err != nil {
			return err
		}
	}
	return nil
}
