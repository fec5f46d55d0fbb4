package hostguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rebindingResolver answers first with a public address, then with loopback,
// like a DNS rebinding attacker's name server.
type rebindingResolver struct{ calls atomic.Int32 }

func (r *rebindingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.calls.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func mustPolicy(t *testing.T, spec string) *HostPolicy {
	t.Helper()
	p, err := ParseAllowedHosts(spec)
	if err != nil {
		t.Fatalf("ParseAllowedHosts(%q): %v", spec, err)
	}
	return p
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// urlFor returns an http URL whose host is the IP literal.
func urlFor(ip string) string {
	if strings.Contains(ip, ":") {
		return "http://[" + strings.ReplaceAll(ip, "%", "%25") + "]/hook"
	}
	return "http://" + ip + ":8080/hook"
}

func TestGuardParseAllowedHosts(t *testing.T) {
	good := []struct{ spec, want string }{
		{"", "external"},
		{"  ,  ", "external"},
		{"external", "external"},
		{"loopback, private", "private,loopback"},
		{"LOOPBACK,external,loopback", "external,loopback"},
		{"*", "*"},
		{"external,*", "*"},
		{"10.1.2.3/16", "10.1.0.0/16"},
		{"fd00::/8", "fd00::/8"},
		{"169.254.169.254", "169.254.169.254/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::1", "::1/128"},
		{"hooks.example.com, *.Example.com", "hooks.example.com,*.example.com"},
		{"private,loopback,169.254.169.254/32,*.example.com", "private,loopback,169.254.169.254/32,*.example.com"},
		{"external,", "external"},
		// Non-ASCII items are judged as DNS sees them.
		{"*.Bücher.example", "*.xn--bcher-kva.example"},
		{"ｈｏｏｋｓ．ｅｘａｍｐｌｅ．ｃｏｍ", "hooks.example.com"},
		{"ｌｏｏｐｂａｃｋ", "loopback"},
		{"１０.０.０.１", "10.0.0.1/32"},
	}
	for _, tc := range good {
		t.Run("ok/"+tc.spec, func(t *testing.T) {
			p, err := ParseAllowedHosts(tc.spec)
			if err != nil {
				t.Fatalf("ParseAllowedHosts(%q): %v", tc.spec, err)
			}
			if got := p.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			// The normalised spec must parse to itself.
			again := mustPolicy(t, p.String())
			if again.String() != p.String() {
				t.Errorf("re-parse gives %q, want %q", again.String(), p.String())
			}
		})
	}

	bad := []struct{ spec, item string }{
		{"externl", "externl"},
		{"external,privat", "privat"},
		{"10.0.0.0/33", "10.0.0.0/33"},
		{"10.0.0/8", "10.0.0/8"},
		{"fd00::/129", "fd00::/129"},
		{"10.0.0.256", "10.0.0.256"},
		{"1.2.3.4.5", "1.2.3.4.5"},
		{"10.0.0.*", "10.0.0.*"},
		{"2130706433", "2130706433"},
		{"0x7f.0.0.1", "0x7f.0.0.1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"::ffff:zz", "::ffff:zz"},
		{"hooks.example.com/path", "hooks.example.com/path"},
		{"user@hooks.example.com", "user@hooks.example.com"},
		{"[abc].example.com", "[abc].example.com"},
		{"bü*cher.example", "bü*cher.example"},
		{"a：b.example", "a：b.example"},
		{"\xff.example", "\ufffd.example"}, // invalid UTF-8 is named as U+FFFD
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.spec, func(t *testing.T) {
			p, err := ParseAllowedHosts(tc.spec)
			if err == nil {
				t.Fatalf("ParseAllowedHosts(%q) = %q, want an error", tc.spec, p)
			}
			if !strings.Contains(err.Error(), `"`+tc.item+`"`) {
				t.Errorf("error %q does not name item %q", err, tc.item)
			}
		})
	}
}

func TestNormalizeHost(t *testing.T) {
	cases := []struct{ in, want string }{ // want "" means an error
		{"hooks.example.com", "hooks.example.com"},
		{"Hooks.Example.COM.", "hooks.example.com."},
		{"127。0。0。1", "127.0.0.1"},
		{"１２７.０.０.１", "127.0.0.1"},
		{"ｌｏｃａｌｈｏｓｔ", "localhost"},
		{"Bücher.example", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"my_service.internal", "my_service.internal"},
		{"r3---sn-abc.example.com", "r3---sn-abc.example.com"},
		{"0x7f.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"::FFFF:127.0.0.1", "::ffff:127.0.0.1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"fe80::1%3", "fe80::1%3"},
		{"fe80::1%é", ""},
		{"fe80::1%a\x00b", ""},
		{"1.2.3.4.5", "1.2.3.4.5"},
		{"", ""},
		{"a..b", ""},
		{".example.com", ""},
		{"a：b", ""},
		{"a b.example", ""},
		{"a<b>.example", ""},
		{"a\x00b.example", ""},
		{"\xff.example", ""},
		{"*.example.com", ""},
		{"xn--abc.example", ""},
		{"a\u200db.example", ""},
		{strings.Repeat("a", 64) + ".example", ""},
	}
	for _, tc := range cases {
		got, err := NormalizeHost(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrNotHostName) {
				t.Errorf("NormalizeHost(%q) = %q, %v; want ErrNotHostName", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if again, err := NormalizeHost(got); err != nil || again != got {
			t.Errorf("NormalizeHost(%q) = %q, %v; want it unchanged", got, again, err)
		}
	}
}

func TestGuardLegacyIPv4(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"127.000.000.001", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"10.1", "10.0.0.1"},
		{"1.256", "1.0.1.0"},
		{"0", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"169.254.43518", "169.254.169.254"},
		{"4294967296", ""},
		{"08.0.0.1", ""},
		{"256.0.0.1", ""},
		{"1.2.65536", ""},
		{"1.2.3.4.5", ""},
		{"127..1", ""},
		{".1", ""},
		{"", ""},
		{"example.com", ""},
		{"1e3", ""},
		{"0x7g", ""},
		{"+1", ""},
		{"-1", ""},
	}
	for _, tc := range cases {
		got, ok := parseLegacyIPv4(tc.in)
		switch {
		case tc.want == "" && ok:
			t.Errorf("parseLegacyIPv4(%q) = %s, want no address", tc.in, got)
		case tc.want != "" && (!ok || got != netip.MustParseAddr(tc.want)):
			t.Errorf("parseLegacyIPv4(%q) = %s, %v; want %s", tc.in, got, ok, tc.want)
		}
	}
}

func TestGuardExternal(t *testing.T) {
	p := mustPolicy(t, "")
	cases := []struct {
		ip     string
		reason string // "" means allowed
	}{
		{"127.0.0.1", "a loopback address"},
		{"127.5.5.5", "a loopback address"},
		{"::1", "a loopback address"},
		{"10.0.0.5", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"192.168.1.1", "a private address"},
		{"100.64.0.1", "a private address"},
		{"fc00::1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"169.254.1.1", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"169.254.169.254", "a cloud metadata address"},
		{"fd00:ec2::254", "a cloud metadata address"},
		{"100.100.100.200", "a cloud metadata address"},
		{"0.0.0.0", "an unspecified address"},
		{"::", "an unspecified address"},
		{"0.1.2.3", "a reserved address"},
		{"::ffff:127.0.0.1", "an IPv4-mapped address embedding 127.0.0.1, a loopback address"},
		{"::ffff:10.0.0.1", "an IPv4-mapped address embedding 10.0.0.1, a private address"},
		{"::ffff:169.254.169.254", "embedding 169.254.169.254, a cloud metadata address"},
		{"::127.0.0.1", "an IPv4-compatible address embedding 127.0.0.1, a loopback address"},
		{"64:ff9b::7f00:1", "a NAT64 address embedding 127.0.0.1, a loopback address"},
		{"64:ff9b::a9fe:a9fe", "a NAT64 address embedding 169.254.169.254, a cloud metadata address"},
		{"64:ff9b:1::a00:1", "a NAT64 address embedding 10.0.0.1, a private address"},
		{"2002:7f00:1::1", "a 6to4 address embedding 127.0.0.1, a loopback address"},
		{"2002:a9fe:a9fe::1", "a 6to4 address embedding 169.254.169.254"},
		// Teredo: server 65.54.227.120, client 127.0.0.1 stored XOR 0xffffffff.
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "a Teredo address embedding 127.0.0.1, a loopback address"},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.250", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"255.255.255.255", "a broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.2.1", "a documentation address"},
		{"198.51.100.7", "a documentation address"},
		{"203.0.113.9", "a documentation address"},
		{"2001:db8::1", "a documentation address"},
		{"3fff::1", "a documentation address"},
		{"198.18.0.1", "a reserved address"},
		{"100::1", "a reserved address"},
		{"2001:10::1", "a reserved address"},
		{"fec0::1", "a reserved address"},
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"2606:4700::1111", ""},
		{"::ffff:93.184.216.34", ""},
		// Transition forms are not external whatever they embed.
		{"64:ff9b::5db8:d822", "a NAT64 address embedding 93.184.216.34, not a public address"},
		{"2002:5db8:d822::1", "a 6to4 address embedding 93.184.216.34, not a public address"},
		// Teredo with a public client 93.184.216.34.
		{"2001:0:4136:e378:8000:63bf:a247:27dd", "a Teredo address embedding 93.184.216.34 and 65.54.227.120, not a public address"},
		{"::93.184.216.34", "an IPv4-compatible address embedding 93.184.216.34, not a public address"},
	}
	for _, tc := range cases {
		t.Run(tc.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.ip)
			for _, host := range []string{tc.ip, "hook.test"} {
				checkVerdict(t, "Check("+host+")", p.Check(host, ip), tc.reason)
			}
			u := urlFor(tc.ip)
			checkVerdict(t, "CheckURL("+u+")", p.CheckURL(context.Background(), u, StaticResolver{}), tc.reason)
			// Through a host name too: the resolved address decides.
			res := StaticResolver{"hook.test": {ip}}
			checkVerdict(t, "CheckURL(hook.test)", p.CheckURL(context.Background(), "https://hook.test/x", res), tc.reason)
		})
	}
}

// checkVerdict fails t unless err is nil (reason "") or a *BlockedError whose
// reason contains reason.
func checkVerdict(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Errorf("%s = %v, want allowed", what, err)
		}
		return
	}
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Errorf("%s = %v, want a *BlockedError", what, err)
		return
	}
	if !strings.Contains(be.Reason, reason) {
		t.Errorf("%s reason %q, want it to contain %q", what, be.Reason, reason)
	}
	if !strings.HasPrefix(err.Error(), "blocked: ") || !strings.Contains(err.Error(), "LOADHOOK_ALLOWED_HOSTS=") {
		t.Errorf("%s message %q should start with \"blocked: \" and say what to change", what, err)
	}
}

func TestGuardCheckURLForms(t *testing.T) {
	p := mustPolicy(t, "external")
	res := StaticResolver{
		"internal.test":      addrs("10.0.0.5"),
		"public.test":        addrs("93.184.216.34", "2606:4700::1111"),
		"mixed.test":         addrs("93.184.216.34", "127.0.0.1"),
		"metadata.test":      addrs("169.254.169.254"),
		"mapped.test":        addrs("::ffff:127.0.0.1"),
		"hooks.example.com":  addrs("192.168.1.10"),
		"localhost":          addrs("127.0.0.1"),
		"xn--bcher-kva.test": addrs("10.0.0.6"),
	}
	const loop = "blocked: 127.0.0.1 is a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"
	cases := []struct {
		url  string
		want string // exact error; "" means allowed
	}{
		{"http://127.0.0.1/", loop},
		{"http://127.0.0.1:8080/hook", loop},
		{"http://2130706433/", loop},
		{"http://0177.0.0.1/", loop},
		{"http://0x7f.0.0.1/", loop},
		{"http://0x7f000001/", loop},
		{"http://127.1/", loop},
		{"http://127.0.0.1./", loop},
		{"http://0X7F.1:9000/", loop},
		{"http://93.184.216.34@127.0.0.1/", loop},
		{"http://[::ffff:127.0.0.1]/", "blocked: ::ffff:127.0.0.1 is an IPv4-mapped address embedding 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"http://[::ffff:7f00:1]:8080/", "blocked: ::ffff:127.0.0.1 is an IPv4-mapped address embedding 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"http://[::1]/", "blocked: ::1 is a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"http://0/", "blocked: 0.0.0.0 is an unspecified address (set LOADHOOK_ALLOWED_HOSTS=external,0.0.0.0/32 to allow it)"},
		{"http://169.254.169.254/latest/meta-data/", "blocked: 169.254.169.254 is a cloud metadata address (set LOADHOOK_ALLOWED_HOSTS=external,169.254.169.254/32 to allow it)"},
		{"http://2852039166/", "blocked: 169.254.169.254 is a cloud metadata address (set LOADHOOK_ALLOWED_HOSTS=external,169.254.169.254/32 to allow it)"},
		{"http://10.0.0.5/", "blocked: 10.0.0.5 is a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
		{"https://internal.test/hook", "blocked: internal.test resolves to 10.0.0.5, a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
		{"https://Metadata.Test/", "blocked: metadata.test resolves to 169.254.169.254, a cloud metadata address (set LOADHOOK_ALLOWED_HOSTS=external,169.254.169.254/32 to allow it)"},
		{"https://mixed.test/", "blocked: mixed.test resolves to 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"https://mapped.test/", "blocked: mapped.test resolves to ::ffff:127.0.0.1, an IPv4-mapped address embedding 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"https://hooks.example.com/", "blocked: hooks.example.com resolves to 192.168.1.10, a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
		// Unicode hosts are judged as the host DNS sees (UTS #46).
		{"http://127。0。0。1/hook", loop},
		{"http://１２７.０.０.１:8080/", loop},
		{"http://０ｘ７ｆ.１/", loop},
		{"http://ｌｏｃａｌｈｏｓｔ/", "blocked: localhost resolves to 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,loopback to allow it)"},
		{"https://ＩＮＴＥＲＮＡＬ.ｔｅｓｔ/", "blocked: internal.test resolves to 10.0.0.5, a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
		{"https://bücher.test/", "blocked: xn--bcher-kva.test resolves to 10.0.0.6, a private address (set LOADHOOK_ALLOWED_HOSTS=external,private to allow it)"},
		{"http://[fe80::1%25eth0]:8080/", "blocked: fe80::1%eth0 is a link-local address (set LOADHOOK_ALLOWED_HOSTS=external,fe80::1/128 to allow it)"},
		{"http://93.184.216.34/", ""},
		{"http://[2606:4700::1111]:8443/", ""},
		{"https://public.test/hook", ""},
		// DNS failure is not an error: the name may resolve later.
		{"https://nowhere.test/hook", ""},
		{"https://1.2.3.4.5/", ""},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			err := p.CheckURL(context.Background(), tc.url, res)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckURL = %v, want nil", err)
				}
				return
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Fatalf("CheckURL = %v, want a *BlockedError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("CheckURL error\n got %q\nwant %q", err, tc.want)
			}
		})
	}

	// Malformed URLs are plain errors, not BlockedErrors.
	for _, raw := range []string{"http://[::1/", "/relative/path", "http:///nohost", "http://%zz/", "http://a..b/", "http://a：b/", "http://xn--abc.test/"} {
		err := p.CheckURL(context.Background(), raw, res)
		var be *BlockedError
		if err == nil || errors.As(err, &be) {
			t.Errorf("CheckURL(%q) = %v, want a non-blocked error", raw, err)
		}
	}
}

func TestGuardPolicies(t *testing.T) {
	cases := []struct {
		spec, host, ip string
		allowed        bool
	}{
		{"loopback", "", "127.0.0.1", true},
		{"loopback", "", "127.255.0.9", true},
		{"loopback", "", "::1", true},
		{"loopback", "", "::ffff:127.0.0.1", true},
		{"loopback", "", "64:ff9b::7f00:1", false},
		{"loopback", "", "2002:7f00:1::1", false},
		{"loopback", "", "10.0.0.5", false},
		{"loopback", "", "192.168.1.1", false},
		{"loopback", "", "fc00::1", false},
		{"loopback", "", "93.184.216.34", false},
		{"loopback", "", "169.254.169.254", false},
		{"private", "", "10.0.0.5", true},
		{"private", "", "172.20.1.1", true},
		{"private", "", "192.168.1.1", true},
		{"private", "", "100.127.255.254", true},
		{"private", "", "fd12::1", true},
		{"private", "", "::ffff:10.0.0.1", true},
		{"private", "", "127.0.0.1", false},
		{"private", "", "169.254.1.1", false},
		{"private", "", "93.184.216.34", false},
		{"private,loopback", "", "169.254.169.254", false},
		{"private,loopback", "", "fd00:ec2::254", false},
		{"private,loopback", "", "100.100.100.200", false},
		{"private,loopback", "", "0.0.0.0", false},
		{"private,loopback", "", "::", false},
		{"private,loopback", "", "64:ff9b::a9fe:a9fe", false},
		{"private,loopback,169.254.169.254/32", "", "169.254.169.254", true},
		{"private,loopback,169.254.169.254", "", "169.254.169.254", true},
		{"private,loopback,169.254.169.254/32", "", "64:ff9b::a9fe:a9fe", false},
		{"private,loopback,169.254.169.254/32", "", "169.254.1.1", false},
		{"169.254.0.0/16", "", "169.254.1.1", true},
		{"169.254.0.0/16", "", "169.254.169.254", false},
		{"0.0.0.0/0", "", "169.254.169.254", false},
		{"0.0.0.0/0", "", "0.0.0.0", false},
		{"0.0.0.0", "", "0.0.0.0", true},
		{"fd00::/8", "", "fd12::1", true},
		{"fd00::/8", "", "fd00:ec2::254", false},
		{"fd00:ec2::254/128", "", "fd00:ec2::254", true},
		{"10.1.0.0/16", "", "10.1.2.3", true},
		{"10.1.0.0/16", "", "10.2.0.1", false},
		{"10.1.0.0/16", "", "::ffff:10.1.2.3", true},
		{"*", "", "127.0.0.1", true},
		{"*", "", "169.254.169.254", true},
		{"*", "", "fd00:ec2::254", true},
		{"*", "", "0.0.0.0", true},
		{"*", "", "224.0.0.1", true},
		{"*", "", "2002:7f00:1::1", true},
		{"*.example.com", "hooks.example.com", "10.0.0.5", true},
		{"*.example.com", "a.b.example.com", "127.0.0.1", true},
		{"*.example.com", "HOOKS.Example.COM.", "10.0.0.5", true},
		{"*.example.com", "example.com", "10.0.0.5", false},
		{"*.example.com", "hooks.example.com.evil.test", "10.0.0.5", false},
		{"*.example.com", "hooks.example.org", "10.0.0.5", false},
		{"*.example.com", "hooks.example.com", "169.254.169.254", false},
		{"*.example.com", "hooks.example.com", "0.0.0.0", false},
		{"*.example.com", "hooks.example.com", "93.184.216.34", true},
		{"*.example.com", "other.test", "93.184.216.34", false},
		{"*.bücher.example", "hooks.xn--bcher-kva.example", "10.0.0.5", true},
		{"*.xn--bcher-kva.example", "hooks.BÜCHER.example", "10.0.0.5", true},
		{"*.example.com", "ｈｏｏｋｓ.example.com", "10.0.0.5", true},
		{"hooks.example.com", "hooks.example.com", "192.168.0.9", true},
		{"hooks.example.com", "x.hooks.example.com", "192.168.0.9", false},
		{"external,*.example.com", "other.test", "93.184.216.34", true},
		{"external,*.example.com", "other.test", "10.0.0.5", false},
		// Patterns are about names: an IP host never matches one.
		{"0x*", "0x7f.1", "127.0.0.1", false},
	}
	for _, tc := range cases {
		t.Run(tc.spec+"/"+tc.host+"/"+tc.ip, func(t *testing.T) {
			p := mustPolicy(t, tc.spec)
			err := p.Check(tc.host, netip.MustParseAddr(tc.ip))
			if tc.allowed && err != nil {
				t.Errorf("Check = %v, want allowed", err)
			}
			var be *BlockedError
			if !tc.allowed && !errors.As(err, &be) {
				t.Errorf("Check = %v, want a *BlockedError", err)
			}
		})
	}

	// A host pattern through CheckURL: only matching names may reach the private address.
	p := mustPolicy(t, "*.example.com")
	res := StaticResolver{"hooks.example.com": addrs("10.0.0.5"), "hooks.other.test": addrs("10.0.0.5")}
	if err := p.CheckURL(context.Background(), "https://hooks.example.com/x", res); err != nil {
		t.Errorf("matching name: %v, want allowed", err)
	}
	var be *BlockedError
	if err := p.CheckURL(context.Background(), "https://hooks.other.test/x", res); !errors.As(err, &be) {
		t.Errorf("other name: %v, want a *BlockedError", err)
	}
	if err := p.CheckURL(context.Background(), "https://10.0.0.5/x", res); !errors.As(err, &be) {
		t.Errorf("bare IP: %v, want a *BlockedError", err)
	}
	if err := mustPolicy(t, "loopback").Check("", netip.Addr{}); !errors.As(err, &be) {
		t.Errorf("invalid address: %v, want a *BlockedError", err)
	}
}

// TestGuardTransitionAddresses: NAT64, 6to4, Teredo and IPv4-compatible
// addresses open only with an item naming them, and what they embed must be
// allowed as well.
func TestGuardTransitionAddresses(t *testing.T) {
	const (
		sixToFourPublic = "2002:5db8:d822::1"                    // 93.184.216.34
		sixToFourLoop   = "2002:7f00:1::1"                       // 127.0.0.1
		nat64Public     = "64:ff9b::5db8:d822"                   // 93.184.216.34
		nat64Loop       = "64:ff9b::7f00:1"                      // 127.0.0.1
		nat64Metadata   = "64:ff9b::a9fe:a9fe"                   // 169.254.169.254
		localNAT64      = "64:ff9b:1::5db8:d822"                 // 93.184.216.34
		teredoPublic    = "2001:0:4136:e378:8000:63bf:a247:27dd" // client 93.184.216.34
		compatPublic    = "::93.184.216.34"
	)
	cases := []struct {
		spec, host, ip string
		allowed        bool
	}{
		{"external", "", sixToFourPublic, false},
		{"external", "", nat64Public, false},
		{"external", "", localNAT64, false},
		{"external", "", teredoPublic, false},
		{"external", "", compatPublic, false},
		{"external,private,loopback", "", sixToFourLoop, false},
		{"external,private,loopback", "", nat64Loop, false},
		{"external,2002::/16", "", sixToFourPublic, true},
		{"external,2002::/16", "", sixToFourLoop, false},
		{"loopback,2002::/16", "", sixToFourLoop, true},
		{"external,64:ff9b::/96", "", nat64Public, true},
		{"external,64:ff9b::/96", "", localNAT64, false},
		{"external,64:ff9b:1::/48", "", localNAT64, true},
		{"external,2001::/32", "", teredoPublic, true},
		{"external," + compatPublic, "", compatPublic, true},
		{"external,64:ff9b::/96", "", nat64Metadata, false},
		{"external,64:ff9b::/96,169.254.169.254", "", nat64Metadata, true},
		{"2002::/16", "", sixToFourPublic, false}, // the embedded address is external, not allowed
		{"*.example.com", "hooks.example.com", sixToFourPublic, true},
		{"external", "hooks.example.com", sixToFourPublic, false},
		{"*", "", sixToFourLoop, true},
		{"*", "", nat64Metadata, true},
	}
	for _, tc := range cases {
		t.Run(tc.spec+"/"+tc.host+"/"+tc.ip, func(t *testing.T) {
			err := mustPolicy(t, tc.spec).Check(tc.host, netip.MustParseAddr(tc.ip))
			if tc.allowed {
				if err != nil {
					t.Errorf("Check = %v, want allowed", err)
				}
				return
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Errorf("Check = %v, want a *BlockedError", err)
			}
		})
	}

	// The message says what it is and names every item that would allow it.
	err := mustPolicy(t, "external").CheckURL(context.Background(), "https://["+sixToFourPublic+"]/hook", nil)
	want := "blocked: 2002:5db8:d822::1 is a 6to4 address embedding 93.184.216.34, not a public address whatever it embeds (set LOADHOOK_ALLOWED_HOSTS=external,2002:5db8:d822::1/128 to allow it)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckURL error\n got %v\nwant %s", err, want)
	}
	err = mustPolicy(t, "external").Check("", netip.MustParseAddr(sixToFourLoop))
	want = "blocked: 2002:7f00:1::1 is a 6to4 address embedding 127.0.0.1, a loopback address (set LOADHOOK_ALLOWED_HOSTS=external,2002:7f00:1::1/128,loopback to allow it)"
	if err == nil || err.Error() != want {
		t.Errorf("Check error\n got %v\nwant %s", err, want)
	}
}

// TestGuardMetadataNeedsExactItem: every known metadata service, IPv4 and
// IPv6, stays blocked under every broad rule and opens only when named.
func TestGuardMetadataNeedsExactItem(t *testing.T) {
	metadata := []string{
		"169.254.169.254",    // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack, ...
		"fd00:ec2::254",      // AWS IPv6
		"169.254.170.2",      // AWS ECS
		"169.254.170.23",     // AWS EKS Pod Identity
		"fd00:ec2::23",       // AWS EKS Pod Identity IPv6
		"fd20:ce::254",       // GCP IPv6
		"168.63.129.16",      // Azure WireServer
		"fd00:c1::a9fe:a9fe", // OCI IPv6
		"192.0.0.192",        // Oracle Cloud Classic
		"100.100.100.200",    // Alibaba Cloud
		"169.254.0.23",       // Tencent Cloud
		"169.254.42.42",      // Scaleway
		"fd00:42::42",        // Scaleway IPv6
		"fd00:a9fe:a9fe::1",  // Akamai (Linode) IPv6
		"fe80::a9fe:a9fe",    // OpenStack IPv6
	}
	broad := []string{
		"external",
		"private",
		"private,loopback,external",
		"10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,168.63.0.0/16,192.0.0.0/24",
		"fc00::/7,fe80::/10,fd00::/8,fd00:ec2::/32,::/0,0.0.0.0/0",
		"*.example.com,metadata.google.internal",
	}
	for _, ip := range metadata {
		addr := netip.MustParseAddr(ip)
		for _, spec := range broad {
			t.Run(spec+"/"+ip, func(t *testing.T) {
				p := mustPolicy(t, spec)
				for _, host := range []string{ip, "hooks.example.com", "metadata.google.internal"} {
					checkVerdict(t, "Check("+host+")", p.Check(host, addr), "a cloud metadata address")
				}
				u := urlFor(ip)
				checkVerdict(t, "CheckURL("+u+")", p.CheckURL(context.Background(), u, StaticResolver{}), "a cloud metadata address")
				var be *BlockedError
				if err := p.Check(ip, addr); errors.As(err, &be) && !strings.Contains(err.Error(), ip+"/") {
					t.Errorf("message %q does not name the item that would allow it", err)
				}
			})
		}
		t.Run("named/"+ip, func(t *testing.T) {
			for _, spec := range []string{ip, "private," + ip, netip.PrefixFrom(addr, addr.BitLen()).String()} {
				if err := mustPolicy(t, spec).Check(ip, addr); err != nil {
					t.Errorf("%s: Check = %v, want allowed", spec, err)
				}
			}
		})
	}
}

// canary is a loopback listener that counts the connections it accepts.
type canary struct {
	ln       net.Listener
	accepted atomic.Int32
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	c := &canary{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return c
}

func (c *canary) port() string {
	_, port, _ := net.SplitHostPort(c.ln.Addr().String())
	return port
}

// waitFor waits until the canary has accepted at least n connections.
func (c *canary) waitFor(t *testing.T, n int32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.accepted.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("canary accepted %d connections, want %d", c.accepted.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGuardDialContextCanary(t *testing.T) {
	c := newCanary(t)
	port := c.port()
	res := StaticResolver{
		"canary.test":    addrs("127.0.0.1"),
		"localhost.test": addrs("::1", "127.0.0.1"),
		"mapped.test":    addrs("::ffff:127.0.0.1"),
		"nat64.test":     addrs("64:ff9b::7f00:1"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	external := mustPolicy(t, "external").DialContext(res)
	hosts := []string{
		"canary.test", "CANARY.TEST", "canary.test.", "localhost.test", "mapped.test", "nat64.test",
		"127.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[::1]",
		"2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1", "127.0.0.1.",
		"0.0.0.0", "0", "[::]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]",
		"[2001:0:4136:e378:8000:63bf:80ff:fffe]",
	}
	for _, network := range []string{"tcp", "tcp4", "tcp6"} {
		for _, host := range hosts {
			addr := host + ":" + port
			conn, err := external(ctx, network, addr)
			if conn != nil {
				conn.Close()
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				// With tcp4/tcp6 a host may have no address of that family:
				// refused without dialing is fine, connected is not.
				if conn != nil || err == nil {
					t.Errorf("dial %s %s connected, want blocked", network, addr)
				}
				continue
			}
		}
	}

	// DNS rebinding: the form check sees a public address, the dial gets
	// loopback, and the dial-time check refuses it.
	rebind := &rebindingResolver{}
	p := mustPolicy(t, "external")
	if err := p.CheckURL(ctx, "http://rebind.test:"+port+"/", rebind); err != nil {
		t.Fatalf("CheckURL saw %v, want the public first answer allowed", err)
	}
	conn, err := p.DialContext(rebind)(ctx, "tcp", "rebind.test:"+port)
	var be *BlockedError
	if conn != nil || !errors.As(err, &be) {
		t.Fatalf("rebound dial = %v, %v; want a *BlockedError", conn, err)
	}
	if !strings.Contains(err.Error(), "rebind.test resolves to 127.0.0.1, a loopback address") {
		t.Errorf("rebound dial error %q should say what the name resolved to", err)
	}

	// The dialer's Control hook refuses on its own, whatever was resolved.
	if err := p.dialControl("canary.test")("tcp4", "127.0.0.1:"+port, nil); !errors.As(err, &be) {
		t.Errorf("dialControl = %v, want a *BlockedError", err)
	}
	if err := p.dialControl("canary.test")("tcp4", "not an address", nil); err == nil {
		t.Errorf("dialControl accepted an unreadable address")
	}

	if n := c.accepted.Load(); n != 0 {
		t.Fatalf("canary accepted %d connections from blocked dials, want 0", n)
	}

	// Under loopback the same dial goes through, exactly once.
	conn, err = mustPolicy(t, "loopback").DialContext(res)(ctx, "tcp", "canary.test:"+port)
	if err != nil {
		t.Fatalf("dial under loopback: %v", err)
	}
	conn.Close()
	// Accepts are in arrival order, so any earlier leaked connection would
	// already be counted once this one is.
	c.waitFor(t, 1)
	if n := c.accepted.Load(); n != 1 {
		t.Fatalf("canary accepted %d connections, want 1", n)
	}
}

func TestGuardDialSkipsBlockedAddresses(t *testing.T) {
	c := newCanary(t)
	// The private address comes first; it must be skipped, not dialed.
	res := StaticResolver{"mixed.test": addrs("10.0.0.1", "169.254.169.254", "127.0.0.1")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := mustPolicy(t, "loopback").DialContext(res)(ctx, "tcp", "mixed.test:"+c.port())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if got := conn.RemoteAddr().String(); got != "127.0.0.1:"+c.port() {
		t.Errorf("connected to %s, want the loopback address", got)
	}
	conn.Close()
	c.waitFor(t, 1)

	// Errors that are not about the policy come through unchanged in kind.
	_, err = mustPolicy(t, "loopback").DialContext(res)(ctx, "tcp", "nowhere.test:"+c.port())
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Errorf("unknown name: %v, want a *net.DNSError", err)
	}
	_, err = mustPolicy(t, "loopback").DialContext(res)(ctx, "unix", "/tmp/x.sock")
	if err == nil {
		t.Errorf("unix dial allowed, want an error")
	}
}

func TestGuardHTTPClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	srvIP := netip.MustParseAddr(u.Hostname())
	res := StaticResolver{"hooks.example.com": {srvIP}, "other.test": {srvIP}}
	named := func(host string) string { return "http://" + host + ":" + u.Port() + "/hook" }

	cases := []struct {
		spec, url string
		wantOK    bool
	}{
		{"external", srv.URL, false},
		{"external", named("hooks.example.com"), false},
		{"private", srv.URL, false},
		{"loopback", srv.URL, true},
		{"loopback", named("hooks.example.com"), true},
		{"*.example.com", named("hooks.example.com"), true},
		{"*.example.com", named("other.test"), false},
		{"*", srv.URL, true},
	}
	for _, tc := range cases {
		t.Run(tc.spec+" "+tc.url, func(t *testing.T) {
			transport := &http.Transport{DialContext: mustPolicy(t, tc.spec).DialContext(res), DisableKeepAlives: true}
			defer transport.CloseIdleConnections()
			client := &http.Client{Transport: transport}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if tc.wantOK {
				if err != nil {
					t.Fatalf("request: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", resp.StatusCode)
				}
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("request succeeded with %d, want blocked", resp.StatusCode)
			}
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Fatalf("request error %v: errors.As finds no *BlockedError", err)
			}
			if be.IP != srvIP.Unmap() {
				t.Errorf("blocked IP %s, want %s", be.IP, srvIP)
			}
		})
	}
}
