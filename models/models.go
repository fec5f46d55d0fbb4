// Package models holds the database rows of loadhook and the queries on them.
// Every query that reads or changes a user's data takes the owner's id, so one
// user can never reach another's endpoints, tokens or deliveries.
package models

import (
	"errors"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// ErrNotFound is returned when a row does not exist or belongs to someone else.
var ErrNotFound = errors.New("not found")

// User is an account that signs in with an email and a password.
type User struct {
	ID           int64     `gorm:"primaryKey"`
	Email        string    `gorm:"size:254;not null;uniqueIndex"`
	PasswordHash string    `gorm:"size:255;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// APIToken authenticates the platform's calls to the event API. Only a SHA-256
// hash of the token is stored; Prefix is kept so the user can recognise it.
type APIToken struct {
	ID     int64  `gorm:"primaryKey"`
	UserID int64  `gorm:"not null;index"`
	Name   string `gorm:"size:100;not null"`
	Prefix string `gorm:"size:16;not null"`
	Hash   string `gorm:"size:64;not null;uniqueIndex"`
	// Scope is catalog.ScopeEvents or catalog.ScopeManage. The default
	// (catalog.ScopeEvents, written out as the tag needs) makes the tokens
	// created before scopes existed event-only when the column is added.
	Scope      string    `gorm:"size:16;not null;default:events"`
	CreatedAt  time.Time `gorm:"not null"`
	LastUsedAt *time.Time
}

// Endpoint is a receiver URL with the events it subscribes to. Header values
// and signing secrets live only in encrypted form in the database; the plain
// fields are filled by the Store when it loads a row.
type Endpoint struct {
	ID          int64  `gorm:"primaryKey"`
	UserID      int64  `gorm:"not null;index"`
	URL         string `gorm:"size:2048;not null"`
	Description string `gorm:"size:500;not null;default:''"`
	// Events is the comma-separated list of subscribed event types.
	Events  string `gorm:"size:400;not null"`
	Enabled bool   `gorm:"not null"`
	// DisabledReason says why the engine disabled the endpoint (e.g. 410 Gone).
	DisabledReason string `gorm:"size:500;not null;default:''"`
	// DisabledAt is when the endpoint was turned off; nil while enabled.
	DisabledAt *time.Time
	// EnabledAt is when it was last turned on (nil: since it was created);
	// failures before it do not count towards automatic disabling.
	EnabledAt *time.Time

	HeadersSealed        []byte `gorm:"column:headers_sealed"`
	SecretSealed         []byte `gorm:"column:secret_sealed;not null"`
	PreviousSecretSealed []byte `gorm:"column:previous_secret_sealed"`
	PreviousSecretUntil  *time.Time

	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`

	Headers        []catalog.Header `gorm:"-"`
	Secret         string           `gorm:"-"`
	PreviousSecret string           `gorm:"-"`
}

// Event is one platform event as accepted by the API or the test button. The
// payload bytes are marshalled once and sent unchanged on every attempt.
type Event struct {
	ID        string    `gorm:"primaryKey;size:40"`
	UserID    int64     `gorm:"not null;index"`
	Type      string    `gorm:"size:40;not null"`
	Test      bool      `gorm:"not null"`
	Payload   []byte    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;index"`
}

// Message states, as the catalog names them.
const (
	StatePending   = catalog.StatePending
	StateRetrying  = catalog.StateRetrying
	StateSucceeded = catalog.StateSucceeded
	StateFailed    = catalog.StateFailed
	StateWaiting   = catalog.StateWaiting
)

// Message is the delivery of one event to one endpoint. Its id is the
// webhook-id header, the same on every attempt. IDs sort by creation time, so
// the delivery log pages by id alone.
type Message struct {
	ID         string `gorm:"primaryKey;size:40;index:idx_messages_endpoint,priority:2;index:idx_messages_endpoint_state,priority:3"`
	EventID    string `gorm:"size:40;not null;index"`
	EndpointID int64  `gorm:"not null;index:idx_messages_endpoint,priority:1;index:idx_messages_endpoint_state,priority:1"`
	UserID     int64  `gorm:"not null;index"`
	EventType  string `gorm:"size:40;not null"`
	Test       bool   `gorm:"not null"`
	State      string `gorm:"size:16;not null;index:idx_messages_endpoint_state,priority:2"`
	// Attempts counts the HTTP attempts made so far.
	Attempts int `gorm:"not null"`
	// MaxAttempts is 4, raised by one for each manual redelivery.
	MaxAttempts    int `gorm:"not null"`
	FirstAttemptAt *time.Time
	NextAttemptAt  *time.Time
	LastStatus     int    `gorm:"not null;default:0"`
	LastErrorClass string `gorm:"size:24;not null;default:''"`
	LastDurationMs int64  `gorm:"not null;default:0"`
	// RunKey is RunKey(endpoint, testRunId), 0 for an event without one.
	// idx_messages_run holds the unfinished messages of test runs only
	// (unfinishedOfRun in ordering.go), so it stays small and a message
	// costs it one entry while in flight.
	RunKey int64 `gorm:"column:run_order_key;not null;default:0;index:idx_messages_run,where:run_order_key <> 0 AND state <> 'succeeded' AND state <> 'failed'"`
	// WaitingFor is the message this one waits for, while StateWaiting;
	// idx_messages_waiting holds these only (waitingBehind in ordering.go).
	WaitingFor string    `gorm:"size:40;not null;default:'';index:idx_messages_waiting,where:waiting_for <> '' AND state = 'waiting'"`
	CreatedAt  time.Time `gorm:"not null;index"`
	UpdatedAt  time.Time `gorm:"not null"`
}

// Attempt is the record of one HTTP attempt of a message.
// idx_attempts_health covers the endpoint page's health and hourly chart
// queries, so they read no attempt rows (BENCHMARKS.md).
type Attempt struct {
	ID              int64     `gorm:"primaryKey"`
	MessageID       string    `gorm:"size:40;not null;index"`
	EndpointID      int64     `gorm:"not null;index:idx_attempts_health,priority:1"`
	Number          int       `gorm:"not null"`
	StartedAt       time.Time `gorm:"not null;index;index:idx_attempts_health,priority:2"`
	URL             string    `gorm:"size:2048;not null"`
	RequestHeaders  string    `gorm:"not null"` // JSON object, secrets masked
	ResponseStatus  int       `gorm:"not null;default:0"`
	ResponseHeaders string    `gorm:"not null;default:''"` // JSON object
	ResponseBody    []byte
	Truncated       bool   `gorm:"not null;default:false"`
	DurationMs      int64  `gorm:"not null;index:idx_attempts_health,priority:4"`
	DNSMs           int64  `gorm:"not null;default:0"`
	ConnectMs       int64  `gorm:"not null;default:0"`
	TLSMs           int64  `gorm:"not null;default:0"`
	FirstByteMs     int64  `gorm:"not null;default:0"`
	ErrorClass      string `gorm:"size:24;not null;default:''"`
	ErrorDetail     string `gorm:"size:500;not null;default:''"`
	Success         bool   `gorm:"not null;index:idx_attempts_health,priority:3"`
}

// Timing is the attempt's phases as durations.
func (a *Attempt) Timing() catalog.Timing {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	return catalog.Timing{Duration: ms(a.DurationMs), DNS: ms(a.DNSMs), Connect: ms(a.ConnectMs), TLS: ms(a.TLSMs), FirstByte: ms(a.FirstByteMs)}
}

// SetTiming stores t in whole milliseconds.
func (a *Attempt) SetTiming(t catalog.Timing) {
	a.DurationMs, a.DNSMs, a.ConnectMs = t.Duration.Milliseconds(), t.DNS.Milliseconds(), t.Connect.Milliseconds()
	a.TLSMs, a.FirstByteMs = t.TLS.Milliseconds(), t.FirstByte.Milliseconds()
}

// AllModels lists every table, for migration.
func AllModels() []any {
	return []any{&User{}, &Session{}, &APIToken{}, &Endpoint{}, &Event{}, &Message{}, &Attempt{}, &Setting{}, &Instance{}, &RateCounter{}, &IdempotencyKey{}}
}

// Session is a signed-in browser. The cookie carries only the session id, so
// logging out deletes the row and the cookie stops working everywhere.
type Session struct {
	ID        string    `gorm:"primaryKey;size:64"`
	UserID    int64     `gorm:"not null;index"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}
