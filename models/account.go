package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ChangePassword stores a new password hash for the user and ends every
// session of the user but keepSessionID (the one that made the change), in
// one transaction: whoever knew the old password is signed out everywhere
// else at once. It returns how many sessions ended.
func (s *Store) ChangePassword(ctx context.Context, userID int64, passwordHash, keepSessionID string) (sessionsEnded int64, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Update("password_hash", passwordHash)
		if res.Error != nil {
			return fmt.Errorf("store password of user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("change password of user %d: %w", userID, ErrNotFound)
		}
		del := tx.Where("user_id = ? AND id <> ?", userID, keepSessionID).Delete(&Session{})
		if del.Error != nil {
			return fmt.Errorf("end other sessions of user %d: %w", userID, del.Error)
		}
		sessionsEnded = del.RowsAffected
		return nil
	})
	return sessionsEnded, err
}

// ChangeEmail gives the user a new email address: ErrEmailTaken if another
// account has it.
func (s *Store) ChangeEmail(ctx context.Context, userID int64, email string) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("email", email)
	switch {
	case errors.Is(res.Error, gorm.ErrDuplicatedKey):
		return ErrEmailTaken
	case res.Error != nil:
		return fmt.Errorf("change email of user %d: %w", userID, res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("change email of user %d: %w", userID, ErrNotFound)
	}
	return nil
}
