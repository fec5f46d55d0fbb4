package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// ResetPassword stores a new password hash for the user and ends every one
// of the user's sessions, in one transaction: whoever knew the old password
// is signed out everywhere at once. It returns how many sessions ended.
func (s *Store) ResetPassword(ctx context.Context, userID int64, passwordHash string) (sessionsEnded int64, err error) {
	return s.ChangePassword(ctx, userID, passwordHash, "") // no session has the id ""
}

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
			return fmt.Errorf("end the sessions of user %d: %w", userID, del.Error)
		}
		sessionsEnded = del.RowsAffected
		return nil
	})
	return sessionsEnded, err
}
