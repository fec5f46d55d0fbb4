package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/hostguard"
)

// Limits of one attempt, from SPEC.md "Outcome and retries".
const (
	AttemptTimeout  = 10 * time.Second
	MaxResponseBody = 64 << 10
)

// Error classes recorded on attempts; the delivery log explains each.
const (
	ClassTimeout    = "timeout"
	ClassRefused    = "connection_refused"
	ClassReset      = "connection_reset"
	ClassTLS        = "tls"
	ClassDNS        = "dns"
	ClassBlocked    = "blocked"
	ClassRedirect   = "redirect"
	ClassHTTPStatus = "http_status"
	ClassConnection = "connection"
	ClassInvalid    = "invalid_request"
	// ClassDisabled is not an attempt: the message was stopped before its
	// next attempt because its endpoint is disabled.
	ClassDisabled = "disabled"
)

// Explain says in plain words what an attempt of an error class got: the
// delivery log's sentence for it. A recorded detail, when there is one, says
// the same more precisely (see ExplainAttempt).
func Explain(class string) string {
	switch class {
	case ClassTimeout:
		return "no answer within " + timeoutText
	case ClassBlocked:
		return "blocked: the address is not allowed by this server's host policy"
	case ClassDNS:
		return "the host name could not be resolved"
	case ClassRefused:
		return "the connection was refused: nothing is listening on that port"
	case ClassReset:
		return "the receiver closed the connection before answering"
	case ClassTLS:
		return "the TLS handshake failed"
	case ClassConnection:
		return "the connection failed"
	case ClassInvalid:
		return "the request could not be built"
	case ClassRedirect:
		return "the receiver answered with a redirect: redirects are not followed"
	case ClassHTTPStatus:
		return "the receiver answered with an error status"
	case ClassDisabled:
		return "not sent: the endpoint is disabled"
	case "":
		return "the attempt failed without an answer"
	}
	return "the attempt failed: " + class
}

// timeoutText is AttemptTimeout as the sentences say it ("10 s").
var timeoutText = strconv.Itoa(int(AttemptTimeout/time.Second)) + " s"

// ExplainAttempt says in one line what a recorded attempt got, from its
// class, the status of the answer (0 without one), the detail recorded with
// it and whether it succeeded.
func ExplainAttempt(class string, status int, detail string, success bool) string {
	answered := strings.TrimSpace(fmt.Sprintf("%d %s", status, http.StatusText(status)))
	switch {
	case success:
		return "delivered: the receiver answered " + answered
	case class == ClassHTTPStatus || (class == "" && status > 0):
		return "the receiver answered " + answered
	case class == ClassRedirect && detail == "":
		return redirectDetail(status)
	case class == ClassTimeout && status > 0:
		return "the receiver answered " + answered + " but did not send the whole body within " + timeoutText
	case detail != "":
		return detail
	}
	return Explain(class)
}

// redirectDetail words a redirect answer.
func redirectDetail(status int) string {
	return fmt.Sprintf("the receiver answered %d: redirects are not followed", status)
}

// Sender makes single delivery attempts with one shared, keep-alive HTTP
// client whose dialer enforces the host policy.
type Sender struct {
	client    *http.Client
	userAgent string
}

// NewSender builds the shared client. Redirects are never followed and proxy
// settings from the environment are ignored: a proxy would dial on our behalf
// and bypass the dial-time address check.
func NewSender(policy *hostguard.HostPolicy, resolver hostguard.Resolver, userAgent string) *Sender {
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           policy.DialContext(resolver),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1000,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   AttemptTimeout,
		ResponseHeaderTimeout: AttemptTimeout,
		ExpectContinueTimeout: time.Second,
	}
	return &Sender{
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		userAgent: userAgent,
	}
}

// Delivery is what one attempt sends.
type Delivery struct {
	URL       string
	MessageID string
	Body      []byte
	Headers   []catalog.Header
	// Secrets signs the body: the current secret first, then a rotated-out one
	// that is still valid.
	Secrets []string
}

// Outcome is what one attempt observed.
type Outcome struct {
	StartedAt       time.Time
	RequestHeaders  http.Header
	Status          int
	ResponseHeaders http.Header
	ResponseBody    []byte
	Truncated       bool
	catalog.Timing
	ErrorClass  string
	ErrorDetail string
	// Blocked is set when the host policy refused every address.
	Blocked bool
	// RetryAfter is the wait a 429 or 503 asked for in Retry-After, 0 if none.
	RetryAfter time.Duration
}

// Success reports whether the receiver answered 2xx.
func (o *Outcome) Success() bool { return o.ErrorClass == "" && o.Status >= 200 && o.Status < 300 }

// Send makes one attempt. It never returns an error: every failure is
// classified into the Outcome so it can be recorded and explained.
func (s *Sender) Send(ctx context.Context, d Delivery) *Outcome {
	out := &Outcome{StartedAt: time.Now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		out.ErrorClass, out.ErrorDetail = ClassInvalid, err.Error()
		return out
	}
	for _, h := range d.Headers {
		req.Header.Set(h.Name, h.Value)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set("webhook-id", d.MessageID)
	// The timestamp and signature are fresh on every attempt (Standard Webhooks).
	req.Header.Set("webhook-timestamp", strconv.FormatInt(out.StartedAt.Unix(), 10))
	sig, err := catalog.SignatureHeader(d.Secrets, d.MessageID, out.StartedAt, d.Body)
	if err != nil {
		out.ErrorClass, out.ErrorDetail = ClassInvalid, fmt.Sprintf("sign: %v", err)
		return out
	}
	req.Header.Set("webhook-signature", sig)
	out.RequestHeaders = req.Header.Clone()

	begin := time.Now()
	phases := &phaseTimer{begin: begin}
	req = req.WithContext(httptrace.WithClientTrace(ctx, phases.trace()))
	// The transport may finish dialing in the background after giving up on
	// this request, so the phases are copied out under the timer's lock.
	defer phases.copyTo(out)

	resp, err := s.client.Do(req)
	if err != nil {
		out.Duration = time.Since(begin)
		out.ErrorClass, out.ErrorDetail = classifyError(err)
		out.Blocked = out.ErrorClass == ClassBlocked
		return out
	}
	defer resp.Body.Close()
	out.Status = resp.StatusCode
	out.ResponseHeaders = resp.Header
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	if len(body) > MaxResponseBody {
		body, out.Truncated = body[:MaxResponseBody], true
	}
	out.ResponseBody = body
	out.Duration = time.Since(begin)
	if err != nil && !out.Truncated {
		// The status is known but the body did not arrive in time or whole.
		out.ErrorClass, out.ErrorDetail = classifyError(err)
		return out
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		out.ErrorClass = ClassRedirect
		out.ErrorDetail = redirectDetail(resp.StatusCode)
		if loc := resp.Header.Get("Location"); loc != "" {
			out.ErrorDetail += " (Location: " + truncate(loc, 200) + ")"
		}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		out.ErrorClass = ClassHTTPStatus
		out.ErrorDetail = fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			out.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return out
}

// phaseTimer records the DNS, connect, TLS and first-byte times of one
// attempt from httptrace callbacks, which may run on the transport's own
// goroutines.
type phaseTimer struct {
	mu                            sync.Mutex
	begin                         time.Time
	dnsStart, connStart, tlsStart time.Time
	dns, connect, tls, firstByte  time.Duration
}

func (p *phaseTimer) trace() *httptrace.ClientTrace {
	mark := func(at *time.Time) {
		p.mu.Lock()
		*at = time.Now()
		p.mu.Unlock()
	}
	done := func(start *time.Time, d *time.Duration) {
		p.mu.Lock()
		if !start.IsZero() {
			*d = time.Since(*start)
		}
		p.mu.Unlock()
	}
	return &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { mark(&p.dnsStart) },
		DNSDone:              func(httptrace.DNSDoneInfo) { done(&p.dnsStart, &p.dns) },
		ConnectStart:         func(string, string) { mark(&p.connStart) },
		ConnectDone:          func(string, string, error) { done(&p.connStart, &p.connect) },
		TLSHandshakeStart:    func() { mark(&p.tlsStart) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { done(&p.tlsStart, &p.tls) },
		GotFirstResponseByte: func() { done(&p.begin, &p.firstByte) },
	}
}

func (p *phaseTimer) copyTo(out *Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out.DNS, out.Connect, out.TLS, out.FirstByte = p.dns, p.connect, p.tls, p.firstByte
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// classifyError turns a transport error into an error class and a plain sentence.
func classifyError(err error) (class, detail string) {
	var blocked *hostguard.BlockedError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &blocked):
		return ClassBlocked, blocked.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return ClassTimeout, Explain(ClassTimeout)
	case errors.As(err, &dnsErr):
		return ClassDNS, fmt.Sprintf("%s: %s", Explain(ClassDNS), dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused, Explain(ClassRefused)
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return ClassReset, Explain(ClassReset)
	case errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &recordErr):
		return ClassTLS, Explain(ClassTLS) + ": " + truncate(err.Error(), 300)
	default:
		return ClassConnection, truncate(err.Error(), 300)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
