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

// Error classes recorded on attempts, named in catalog (the store reads
// them too); the delivery log explains each.
const (
	ClassTimeout    = catalog.ClassTimeout
	ClassRefused    = catalog.ClassRefused
	ClassReset      = catalog.ClassReset
	ClassTLS        = catalog.ClassTLS
	ClassDNS        = catalog.ClassDNS
	ClassBlocked    = catalog.ClassBlocked
	ClassRedirect   = catalog.ClassRedirect
	ClassHTTPStatus = catalog.ClassHTTPStatus
	ClassConnection = catalog.ClassConnection
	ClassInvalid    = catalog.ClassInvalid
	ClassDisabled   = catalog.ClassDisabled
)

// Explain says in plain words what an attempt of an error class got: the
// delivery log's sentence for it. A recorded detail, when there is one, says
// the same more precisely (see ExplainAttempt).
func Explain(class string) string {
	switch class {
	case ClassTimeout:
		return "no answer within " + AttemptTimeoutText
	case ClassBlocked:
		return "not sent: the URL " + hostguard.UserRefusal
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

// Advice is what the receiver's owner can do about a failed attempt, and
// the section of the delivery-failures page (paths.DeliveryHelp) that says
// more.
type Advice struct {
	Text    string
	Section string
}

// AdviceFor says what to do about an attempt of an error class that got
// status (0 without an answer). A success needs no advice: the zero Advice.
func AdviceFor(class string, status int) Advice {
	switch {
	case class == ClassHTTPStatus || (class == "" && status > 0):
		return adviceForStatus(status)
	case class == ClassTimeout:
		return Advice{"Answer 2xx within " + AttemptTimeoutText + "; queue the work and reply first.", ClassTimeout}
	case class == ClassBlocked:
		return Advice{"Use a public URL: loadhook sends webhooks only to the addresses its operator allows.", ClassBlocked}
	case class == ClassDNS:
		return Advice{"Check the host name for typos, and that it resolves in public DNS.", ClassDNS}
	case class == ClassRefused:
		return Advice{"Check that the receiver is running and listening on the URL's port.", ClassRefused}
	case class == ClassReset:
		return Advice{"Check the receiver's logs: it closed the connection before answering, often a crash or a proxy's limit.", ClassReset}
	case class == ClassTLS:
		return Advice{"Serve a certificate for this host name from a public authority (not self-signed), and TLS 1.2 or newer.", ClassTLS}
	case class == ClassConnection:
		return Advice{"Check that the host is reachable from the internet: firewalls, security groups, allow-lists.", ClassConnection}
	case class == ClassRedirect:
		return Advice{"Redirects are not followed: use the final URL.", ClassRedirect}
	case class == ClassDisabled:
		return Advice{"Enable the endpoint, then redeliver the message.", ClassDisabled}
	case class == ClassInvalid:
		return Advice{"Check the endpoint's URL and custom headers.", ClassInvalid}
	}
	return Advice{}
}

// adviceForStatus says what to do about an error status.
func adviceForStatus(status int) Advice {
	switch {
	case status == http.StatusGone:
		return Advice{"410 Gone disables the endpoint: enable it again once the receiver takes deliveries.", sectionGone}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Advice{"Check how the receiver authenticates: the endpoint's custom headers, or its signature check against this endpoint's secret.", sectionAuth}
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return Advice{"Check the URL's path: the receiver has no POST route there.", sectionNotFound}
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return Advice{"The receiver is busy: the attempt is retried, after its Retry-After up to " + AttemptTimeoutText + ".", sectionBusy}
	case status >= 500:
		return Advice{"Look for the error in the receiver's logs; answer 2xx once the event is accepted.", sectionServerError}
	}
	return Advice{"The receiver refused the request: check what it expects (path, headers, body) in its logs.", sectionClientError}
}

// Sections of the delivery-failures page for the answers of adviceForStatus;
// the other sections are named by their error class.
const (
	sectionGone        = "gone"
	sectionAuth        = "unauthorized"
	sectionNotFound    = "not-found"
	sectionBusy        = "busy"
	sectionServerError = "server-error"
	sectionClientError = "client-error"
)

// Failure is one entry of the delivery-failures page: what an attempt got,
// in Explain's or ExplainAttempt's words, and the advice for it.
type Failure struct {
	Title   string
	Explain string
	Advice
}

// Failures lists every failure the delivery log explains, in the order the
// delivery-failures page shows them; each Section is the anchor the log's
// advice links to.
func Failures() []Failure {
	status := func(title string, code int) Failure {
		return Failure{title, ExplainAttempt(ClassHTTPStatus, code, "", false), adviceForStatus(code)}
	}
	class := func(title, c string) Failure { return Failure{title, Explain(c), AdviceFor(c, 0)} }
	return []Failure{
		class("Timeout", ClassTimeout),
		status("Server error (5xx)", http.StatusInternalServerError),
		status("Busy (429, 503)", http.StatusServiceUnavailable),
		status("Unauthorized (401, 403)", http.StatusUnauthorized),
		status("Not found (404, 405)", http.StatusNotFound),
		status("Gone (410)", http.StatusGone),
		status("Other client errors (4xx)", http.StatusBadRequest),
		{"Redirect (3xx)", redirectDetail(http.StatusMovedPermanently), AdviceFor(ClassRedirect, 0)},
		class("Connection refused", ClassRefused),
		class("Connection reset", ClassReset),
		class("Host not found (DNS)", ClassDNS),
		class("TLS handshake", ClassTLS),
		class("Connection failed", ClassConnection),
		class("Blocked: not sent", ClassBlocked),
		class("Endpoint disabled: not sent", ClassDisabled),
		class("Request could not be built", ClassInvalid),
	}
}

// AttemptTimeoutText is AttemptTimeout as the sentences say it ("10 s").
var AttemptTimeoutText = strconv.Itoa(int(AttemptTimeout/time.Second)) + " s"

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
		return "the receiver answered " + answered + " but did not send the whole body within " + AttemptTimeoutText
	case class == ClassBlocked:
		// The recorded detail names the setting that would allow the
		// address: words for the operator, not for the user.
		return Explain(class)
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
func (o *Outcome) Success() bool { return o.ErrorClass == "" && catalog.SuccessStatus(o.Status) }

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
