package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrEmailTaken is returned when signing up with an email that has an account.
var ErrEmailTaken = errors.New("email already registered")

// MaxEndpointsPerUser caps how many endpoints one user may configure.
const MaxEndpointsPerUser = 20

// ErrTooManyEndpoints is returned when a user already has MaxEndpointsPerUser.
var ErrTooManyEndpoints = fmt.Errorf("at most %d endpoints per user", MaxEndpointsPerUser)

// Store reads and writes rows, sealing secret fields on the way in and
// opening them on the way out.
type Store struct {
	db     *gorm.DB
	sealer *Sealer
}

// NewStore returns a Store over db.
func NewStore(db *gorm.DB, sealer *Sealer) *Store {
	return &Store{db: db, sealer: sealer}
}

// CreateUser inserts a user; the email must not be taken.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash string) (*User, error) {
	u := &User{Email: email, PasswordHash: passwordHash}
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return first[User](s.db.WithContext(ctx).Where("email = ?", email), "user by email")
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return first[User](s.db.WithContext(ctx).Where("id = ?", id), "user by id")
}

func first[T any](q *gorm.DB, what string) (*T, error) {
	var row T
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return &row, nil
}

// CreateAPIToken stores a token's hash and prefix.
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	if err := s.db.WithContext(ctx).Create(t).Error; err != nil {
		return fmt.Errorf("create api token: %w", err)
	}
	return nil
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var out []APIToken
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	return out, nil
}

// DeleteAPIToken revokes one of the user's tokens.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&APIToken{})
	if res.Error != nil {
		return fmt.Errorf("delete api token %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// APITokenByHash finds a token by the hash of its value and records its use.
// last_used_at is written at most once a minute so a busy token does not turn
// every API call into an extra write.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	t, err := first[APIToken](s.db.WithContext(ctx).Where("hash = ?", hash), "api token")
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error; err != nil {
			return nil, fmt.Errorf("touch api token: %w", err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

// seal fills the sealed columns from the plain fields.
func (s *Store) seal(e *Endpoint) error {
	headers, err := json.Marshal(e.Headers)
	if err != nil {
		return fmt.Errorf("encode headers: %w", err)
	}
	e.HeadersSealed = s.sealer.Seal(headers)
	e.SecretSealed = s.sealer.Seal([]byte(e.Secret))
	e.PreviousSecretSealed = nil
	if e.PreviousSecret != "" {
		e.PreviousSecretSealed = s.sealer.Seal([]byte(e.PreviousSecret))
	}
	return nil
}

// open fills the plain fields from the sealed columns.
func (s *Store) open(e *Endpoint) error {
	e.Headers = nil
	if len(e.HeadersSealed) > 0 {
		plain, err := s.sealer.Open(e.HeadersSealed)
		if err != nil {
			return fmt.Errorf("open headers of endpoint %d: %w", e.ID, err)
		}
		if err := json.Unmarshal(plain, &e.Headers); err != nil {
			return fmt.Errorf("decode headers of endpoint %d: %w", e.ID, err)
		}
	}
	secret, err := s.sealer.Open(e.SecretSealed)
	if err != nil {
		return fmt.Errorf("open secret of endpoint %d: %w", e.ID, err)
	}
	e.Secret = string(secret)
	e.PreviousSecret = ""
	if len(e.PreviousSecretSealed) > 0 && e.PreviousSecretUntil != nil && time.Now().Before(*e.PreviousSecretUntil) {
		prev, err := s.sealer.Open(e.PreviousSecretSealed)
		if err != nil {
			return fmt.Errorf("open previous secret of endpoint %d: %w", e.ID, err)
		}
		e.PreviousSecret = string(prev)
	}
	return nil
}

// CreateEndpoint inserts an endpoint for its user, refusing more than
// MaxEndpointsPerUser.
func (s *Store) CreateEndpoint(ctx context.Context, e *Endpoint) error {
	if err := s.seal(e); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Endpoint{}).Where("user_id = ?", e.UserID).Count(&n).Error; err != nil {
			return fmt.Errorf("count endpoints: %w", err)
		}
		if n >= MaxEndpointsPerUser {
			return ErrTooManyEndpoints
		}
		if err := tx.Create(e).Error; err != nil {
			return fmt.Errorf("create endpoint: %w", err)
		}
		return nil
	})
}

// UpdateEndpoint saves an endpoint the user owns.
func (s *Store) UpdateEndpoint(ctx context.Context, e *Endpoint) error {
	if err := s.seal(e); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&Endpoint{}).Where("id = ? AND user_id = ?", e.ID, e.UserID).
		Select("url", "description", "events", "enabled", "disabled_reason", "disabled_at", "enabled_at", "headers_sealed", "secret_sealed",
			"previous_secret_sealed", "previous_secret_until", "updated_at").
		Updates(e)
	if res.Error != nil {
		return fmt.Errorf("update endpoint %d: %w", e.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Endpoint loads one of the user's endpoints.
func (s *Store) Endpoint(ctx context.Context, userID, id int64) (*Endpoint, error) {
	e, err := first[Endpoint](s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID), "endpoint")
	if err != nil {
		return nil, err
	}
	if err := s.open(e); err != nil {
		return nil, err
	}
	return e, nil
}

// EndpointByID loads an endpoint whoever owns it; only the delivery engine uses it.
func (s *Store) EndpointByID(ctx context.Context, id int64) (*Endpoint, error) {
	e, err := first[Endpoint](s.db.WithContext(ctx).Where("id = ?", id), "endpoint")
	if err != nil {
		return nil, err
	}
	if err := s.open(e); err != nil {
		return nil, err
	}
	return e, nil
}

// EndpointEnabled reads whether an endpoint is enabled, whoever owns it;
// the delivery engine asks before every attempt. It reads one column and
// decrypts nothing.
func (s *Store) EndpointEnabled(ctx context.Context, id int64) (bool, error) {
	return endpointEnabled(s.db.WithContext(ctx), id)
}

// Endpoints lists the user's endpoints in creation order.
func (s *Store) Endpoints(ctx context.Context, userID int64) ([]Endpoint, error) {
	return s.endpointsWhere(s.db.WithContext(ctx).Where("user_id = ?", userID))
}

func (s *Store) endpointsWhere(q *gorm.DB) ([]Endpoint, error) {
	var out []Endpoint
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	for i := range out {
		if err := s.open(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteEndpoint removes one of the user's endpoints with its deliveries.
func (s *Store) DeleteEndpoint(ctx context.Context, userID, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND user_id = ?", id, userID).Delete(&Endpoint{})
		if res.Error != nil {
			return fmt.Errorf("delete endpoint %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&Attempt{}).Error; err != nil {
			return fmt.Errorf("delete attempts of endpoint %d: %w", id, err)
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&Message{}).Error; err != nil {
			return fmt.Errorf("delete messages of endpoint %d: %w", id, err)
		}
		return nil
	})
}

// SetEndpointEnabled turns deliveries to an endpoint on or off, noting
// when (see Endpoint.DisabledAt and EnabledAt).
func (s *Store) SetEndpointEnabled(ctx context.Context, userID, id int64, enabled bool) error {
	now := time.Now().UTC()
	change := map[string]any{"enabled": enabled, "disabled_reason": "", "disabled_at": &now, "updated_at": now}
	if enabled {
		change["disabled_at"], change["enabled_at"] = nil, &now
	}
	res := s.db.WithContext(ctx).Model(&Endpoint{}).Where("id = ? AND user_id = ?", id, userID).Updates(change)
	if res.Error != nil {
		return fmt.Errorf("set endpoint %d enabled: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DisableEndpoint turns an endpoint off on the engine's behalf, saying why.
func (s *Store) DisableEndpoint(ctx context.Context, id int64, reason string) error {
	err := s.db.WithContext(ctx).Model(&Endpoint{}).Where("id = ?", id).
		Updates(map[string]any{"enabled": false, "disabled_reason": reason, "disabled_at": time.Now().UTC(), "updated_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("disable endpoint %d: %w", id, err)
	}
	return nil
}

// EventTypes returns the subscribed event types.
func (e *Endpoint) EventTypes() []string {
	if e.Events == "" {
		return nil
	}
	return strings.Split(e.Events, ",")
}

// Subscribes reports whether the endpoint receives eventType.
func (e *Endpoint) Subscribes(eventType string) bool {
	for _, t := range e.EventTypes() {
		if t == eventType {
			return true
		}
	}
	return false
}
