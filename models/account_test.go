package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestChangePasswordKeepsOnlyTheChangingSession(t *testing.T) {
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
	here, err := s.CreateSession(ctx, ada.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := s.CreateSession(ctx, ada.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := s.CreateSession(ctx, bob.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	ended, err := s.ChangePassword(ctx, ada.ID, "new hash", here.ID)
	if err != nil || ended != 1 {
		t.Fatalf("ChangePassword = %d, %v; want 1 session ended", ended, err)
	}
	if u, _ := s.UserByID(ctx, ada.ID); u.PasswordHash != "new hash" {
		t.Errorf("hash = %q", u.PasswordHash)
	}
	for _, tt := range []struct {
		name  string
		id    string
		alive bool
	}{{"the changing session", here.ID, true}, {"ada's other session", elsewhere.ID, false}, {"bob's session", bobs.ID, true}} {
		if _, err := s.SessionUser(ctx, tt.id); (err == nil) != tt.alive {
			t.Errorf("%s: SessionUser = %v, want alive %v", tt.name, err, tt.alive)
		}
	}
	if _, err := s.ChangePassword(ctx, 404, "hash", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("change for a missing user = %v, want ErrNotFound", err)
	}
}

func TestChangeEmail(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	ada, err := s.CreateUser(ctx, "ada@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "bob@example.com", "h"); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeEmail(ctx, ada.ID, "bob@example.com"); !errors.Is(err, ErrEmailTaken) {
		t.Errorf("taking bob's email = %v, want ErrEmailTaken", err)
	}
	if err := s.ChangeEmail(ctx, ada.ID, "ada.lovelace@example.com"); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByEmail(ctx, "ada.lovelace@example.com"); err != nil || u.ID != ada.ID {
		t.Errorf("by the new email: %v, %v", u, err)
	}
	if _, err := s.UserByEmail(ctx, "ada@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old email still finds a user: %v", err)
	}
	if err := s.ChangeEmail(ctx, 404, "x@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("change for a missing user = %v, want ErrNotFound", err)
	}
}
