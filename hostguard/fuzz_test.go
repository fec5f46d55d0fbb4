package hostguard

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// policySeeds are allowed-hosts settings for the fuzzers' seed corpus.
var policySeeds = []string{
	"", "external", "private,loopback", "*", "external,*", "10.0.0.0/8,fd00::/8", "169.254.169.254",
	"::ffff:10.0.0.0/104", "*.example.com,hooks.example.org", "*.Bücher.example", "ｌｏｏｐｂａｃｋ",
	"externl", "10.0.0.0/33", "0x7f.0.0.1", "fe80::1%eth0", "a：b.example", "\xff", "2002::/16,64:ff9b::/96",
	" , ,external, ", "0.0.0.0/0,::/0",
}

// FuzzParseAllowedHosts: a setting either fails naming its item, or
// parses to a policy whose normalised text parses to itself.
func FuzzParseAllowedHosts(f *testing.F) {
	for _, s := range policySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ParseAllowedHosts(spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "allowed hosts item ") {
				t.Fatalf("error %q does not name the item", err)
			}
			return
		}
		again, err := ParseAllowedHosts(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("%q parsed to %q, which parses to %v, %v", spec, p.String(), again, err)
		}
	})
}

// FuzzHostPolicyCheck: for any policy, host and address, Check is a nil or
// a *BlockedError that says what to change; metadata and unspecified
// addresses pass only when named exactly, transition addresses only when
// an item names them, and the verdict is the same each time.
func FuzzHostPolicyCheck(f *testing.F) {
	addrSeeds := []string{
		"127.0.0.1", "10.0.0.5", "93.184.216.34", "169.254.169.254", "fd20:ce::254", "fd00:c1::a9fe:a9fe",
		"::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:5db8:d822::1", "2001:0:4136:e378:8000:63bf:a247:27dd",
		"::", "0.0.0.0", "fe80::1", "2606:4700::1111", "::93.184.216.34",
	}
	for i, spec := range policySeeds {
		ip := netip.MustParseAddr(addrSeeds[i%len(addrSeeds)])
		f.Add(spec, "hooks.example.com", ip.AsSlice())
		f.Add(spec, ip.String(), ip.AsSlice())
	}
	f.Fuzz(func(t *testing.T, spec, host string, raw []byte) {
		p, err := ParseAllowedHosts(spec)
		if err != nil {
			return
		}
		ip, ok := netip.AddrFromSlice(raw)
		if !ok {
			return
		}
		err = p.Check(host, ip)
		if again := p.Check(host, ip); (err == nil) != (again == nil) {
			t.Fatalf("Check(%q, %s) changed its mind: %v, then %v", host, ip, err, again)
		}
		if err != nil {
			var be *BlockedError
			if !errors.As(err, &be) || be.Reason == "" || !strings.Contains(err.Error(), "LOADHOOK_ALLOWED_HOSTS=") {
				t.Fatalf("Check(%q, %s) = %v, want a *BlockedError saying what to change", host, ip, err)
			}
			return
		}
		if p.all {
			return
		}
		form, inner := embeddedIPv4(ip)
		if len(inner) > 0 && !ip.Is4In6() && !p.namesTransition(host, ip) {
			t.Fatalf("%q allowed %s, %s no item names", spec, ip, form)
		}
		for _, a := range append(inner, ip.Unmap()) {
			if kind := classifyAddr(a); (kind == kindMetadata || kind == kindUnspecified) && !named(p, a) {
				t.Fatalf("%q allowed %s (%s) without naming %s", spec, ip, kind.words(), a)
			}
		}
	})
}

// named reports whether the policy names ip exactly.
func named(p *HostPolicy, ip netip.Addr) bool {
	for _, prefix := range p.prefixes {
		if prefix.IsSingleIP() && prefix.Addr() == ip {
			return true
		}
	}
	return false
}

// FuzzNormalizeHost: a normalised host is ASCII, stable under a second
// pass, and an address or a name of plain labels.
func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{
		"hooks.example.com", "127。0。0。1", "１２７.０.０.１", "ｌｏｃａｌｈｏｓｔ", "Bücher.example", "0x7f.1",
		"::FFFF:127.0.0.1", "fe80::1%eth0", "fe80::1%é\x00", "a..b", "a：b", "\xff", "xn--abc", "my_service.internal.", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got, err := NormalizeHost(host)
		if err != nil {
			return
		}
		if !isASCII(got) {
			t.Fatalf("NormalizeHost(%q) = %q, not ASCII", host, got)
		}
		if again, err := NormalizeHost(got); err != nil || again != got {
			t.Fatalf("NormalizeHost(%q) = %q, then %q, %v", host, got, again, err)
		}
		if _, err := netip.ParseAddr(got); err != nil && !checkHostChars(got, false) {
			t.Fatalf("NormalizeHost(%q) = %q, neither an address nor a plain name", host, got)
		}
	})
}
