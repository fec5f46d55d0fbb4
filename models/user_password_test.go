package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestResetPasswordEndsOnlyThatUsersSessions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	ada, err := s.CreateUser(ctx, "ada@example.com", "old hash")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUser(ctx, "bob@example.com", "bob's hash")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{ada.ID, ada.ID, bob.ID} {
		if _, err := s.CreateSession(ctx, id, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	bobSession, err := s.CreateSession(ctx, bob.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	ended, err := s.ResetPassword(ctx, ada.ID, "new hash")
	if err != nil {
		t.Fatal(err)
	}
	if ended != 2 {
		t.Errorf("sessions ended = %d, want ada's 2", ended)
	}
	if u, _ := s.UserByID(ctx, ada.ID); u.PasswordHash != "new hash" {
		t.Errorf("ada's hash = %q, want the new one", u.PasswordHash)
	}
	if u, _ := s.UserByID(ctx, bob.ID); u.PasswordHash != "bob's hash" {
		t.Errorf("bob's hash = %q, want it untouched", u.PasswordHash)
	}
	if _, err := s.SessionUser(ctx, bobSession.ID); err != nil {
		t.Errorf("bob's session after ada's reset: %v, want it alive", err)
	}
	var left int64
	if err := s.db.Model(&Session{}).Where("user_id = ?", ada.ID).Count(&left).Error; err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("ada has %d sessions after the reset, want 0", left)
	}
}

func TestResetPasswordOfNobody(t *testing.T) {
	s := openTestStore(t)
	if _, err := s.ResetPassword(context.Background(), 404, "hash"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reset of a missing user = %v, want ErrNotFound", err)
	}
}
