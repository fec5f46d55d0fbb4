package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPasswordChangesEndSessions: a change keeps the session it is made in
// and ends the user's others, a reset ends them all; another user's hash and
// sessions are untouched either way.
func TestPasswordChangesEndSessions(t *testing.T) {
	change := func(s *Store, userID int64, hash, here string) (int64, error) {
		return s.ChangePassword(context.Background(), userID, hash, here)
	}
	reset := func(s *Store, userID int64, hash, _ string) (int64, error) {
		return s.ResetPassword(context.Background(), userID, hash)
	}
	for _, tc := range []struct {
		name      string
		change    func(s *Store, userID int64, hash, here string) (int64, error)
		keepsHere bool
	}{
		{"change", change, true},
		{"reset", reset, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
			var sessions []*Session
			for _, id := range []int64{ada.ID, ada.ID, bob.ID, bob.ID} {
				session, err := s.CreateSession(ctx, id, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				sessions = append(sessions, session)
			}
			here := sessions[0]

			wantEnded, wantLeft := int64(2), int64(0)
			if tc.keepsHere {
				wantEnded, wantLeft = 1, 1
			}
			ended, err := tc.change(s, ada.ID, "new hash", here.ID)
			if err != nil || ended != wantEnded {
				t.Fatalf("sessions ended = %d, %v; want %d", ended, err, wantEnded)
			}
			if u, _ := s.UserByID(ctx, ada.ID); u.PasswordHash != "new hash" {
				t.Errorf("ada's hash = %q, want the new one", u.PasswordHash)
			}
			if u, _ := s.UserByID(ctx, bob.ID); u.PasswordHash != "bob's hash" {
				t.Errorf("bob's hash = %q, want it untouched", u.PasswordHash)
			}
			for i, want := range []struct {
				name  string
				alive bool
			}{{"ada's here", tc.keepsHere}, {"ada's elsewhere", false}, {"bob's", true}, {"bob's other", true}} {
				if _, err := s.SessionUser(ctx, sessions[i].ID); (err == nil) != want.alive {
					t.Errorf("%s session: SessionUser = %v, want alive %v", want.name, err, want.alive)
				}
			}
			var left int64
			if err := s.db.Model(&Session{}).Where("user_id = ?", ada.ID).Count(&left).Error; err != nil {
				t.Fatal(err)
			}
			if left != wantLeft {
				t.Errorf("ada has %d sessions left, want %d", left, wantLeft)
			}
			if _, err := tc.change(s, 404, "hash", ""); !errors.Is(err, ErrNotFound) {
				t.Errorf("for a missing user = %v, want ErrNotFound", err)
			}
		})
	}
}
