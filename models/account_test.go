package models

import (
	"context"
	"errors"
	"testing"
)

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
