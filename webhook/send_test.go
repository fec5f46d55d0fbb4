package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
)

func newLoopbackSender(t *testing.T) *Sender {
	t.Helper()
	policy, err := hostguard.ParseAllowedHosts("loopback")
	if err != nil {
		t.Fatal(err)
	}
	return NewSender(policy, nil, "loadhook/test")
}

func testDelivery(url string) Delivery {
	return Delivery{URL: url, MessageID: "msg_test", Body: []byte(`{}`), Secrets: []string{catalog.GenerateSecret()}}
}

func TestSendKeepsAtMost64KiBOfTheAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		truncated bool
	}{
		{"small", 1000, false},
		{"exactly the limit", MaxResponseBody, false},
		{"over the limit", 100 << 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := bytes.Repeat([]byte("x"), tt.size)
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
			out := newLoopbackSender(t).Send(context.Background(), testDelivery(srv.URL))
			if !out.Success() {
				t.Fatalf("outcome %s: %s", out.ErrorClass, out.ErrorDetail)
			}
			if want := min(tt.size, MaxResponseBody); len(out.ResponseBody) != want || out.Truncated != tt.truncated {
				t.Fatalf("kept %d bytes, truncated=%v; want %d, %v", len(out.ResponseBody), out.Truncated, want, tt.truncated)
			}
		})
	}
}

// The 10 s deadline covers the body too: a receiver that sends its status
// and then stalls is a failed attempt.
func TestSendDeadlineCoversTheBody(t *testing.T) {
	t.Parallel()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	out := newLoopbackSender(t).Send(context.Background(), testDelivery(srv.URL))
	if out.Success() || out.ErrorClass != ClassTimeout || out.Duration < AttemptTimeout-100*time.Millisecond {
		t.Fatalf("outcome %q after %v, want a timeout after ~10 s", out.ErrorClass, out.Duration)
	}
}

// A proxy from the environment would dial on the engine's behalf, out of the
// guard's reach: the sender must never use one.
func TestSendIgnoresEnvironmentProxy(t *testing.T) {
	var proxied atomic.Int32
	proxy := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxied.Add(1) }))
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	// A non-loopback name, so that Go's own proxy rules would apply; the
	// test resolver maps it to the loopback receiver.
	rec := &receiver{}
	srv := serve(t, rec)
	policy, _ := hostguard.ParseAllowedHosts("loopback")
	sender := NewSender(policy, hostguard.StaticResolver{"hooks.example.test": {netip.MustParseAddr("127.0.0.1")}}, "loadhook/test")
	url := "http://hooks.example.test:" + srv.URL[len("http://127.0.0.1:"):]
	out := sender.Send(context.Background(), testDelivery(url))
	if !out.Success() || len(rec.got()) != 1 || proxied.Load() != 0 {
		t.Fatalf("outcome %q, receiver saw %d, proxy saw %d; want the receiver reached directly", out.ErrorClass, len(rec.got()), proxied.Load())
	}
}

// Each error class has its own sentence, and the transport errors are
// recorded in those words, so the delivery log says the same whichever it
// shows.
func TestExplain(t *testing.T) {
	classes := []string{ClassTimeout, ClassRefused, ClassReset, ClassTLS, ClassDNS, ClassBlocked,
		ClassRedirect, ClassHTTPStatus, ClassConnection, ClassInvalid, ClassDisabled, ""}
	seen := map[string]string{}
	for _, c := range classes {
		got := Explain(c)
		if prev, dup := seen[got]; dup {
			t.Errorf("classes %q and %q share the sentence %q", prev, c, got)
		}
		seen[got] = c
		if strings.HasPrefix(got, "the attempt failed: ") {
			t.Errorf("class %q has no sentence of its own: %q", c, got)
		}
	}
	if want := fmt.Sprintf("%d s", int(AttemptTimeout.Seconds())); !strings.Contains(Explain(ClassTimeout), want) {
		t.Errorf("the timeout sentence %q does not quote AttemptTimeout (%s)", Explain(ClassTimeout), want)
	}
	for _, tt := range []struct {
		err   error
		class string
	}{
		{context.DeadlineExceeded, ClassTimeout},
		{syscall.ECONNREFUSED, ClassRefused},
		{io.ErrUnexpectedEOF, ClassReset},
		{&net.DNSError{Name: "hooks.example", Err: "no such host"}, ClassDNS},
	} {
		class, detail := classifyError(tt.err)
		if class != tt.class || !strings.HasPrefix(detail, Explain(tt.class)) {
			t.Errorf("classifyError(%v) = %q, %q; want %q, starting %q", tt.err, class, detail, tt.class, Explain(tt.class))
		}
	}
}
