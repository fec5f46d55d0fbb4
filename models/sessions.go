package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// CreateSession starts a new signed-in session for the user.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (*Session, error) {
	var raw [32]byte
	rand.Read(raw[:])
	now := time.Now().UTC()
	sess := &Session{ID: base64.RawURLEncoding.EncodeToString(raw[:]), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.db.WithContext(ctx).Create(sess).Error; err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	return sess, nil
}

// SessionUser returns the user of a live session.
func (s *Store) SessionUser(ctx context.Context, sessionID string) (*User, error) {
	sess, err := first[Session](s.db.WithContext(ctx).Where("id = ? AND expires_at > ?", sessionID, time.Now().UTC()), "session")
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, sess.UserID)
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, sessionID string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", sessionID).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PruneSessions deletes expired sessions.
func (s *Store) PruneSessions(ctx context.Context, now time.Time) error {
	if err := s.db.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("prune sessions: %w", err)
	}
	return nil
}
