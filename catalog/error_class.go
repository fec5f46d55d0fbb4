package catalog

// Error classes: what an attempt without a 2xx answer got. The engine
// records one on every failed attempt, the store reads them back (a message
// stopped by a disabled endpoint is no part of a failing streak) and the
// delivery log explains each.
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
