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
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", userID).Update("password_hash", passwordHash)
		if res.Error != nil {
			return fmt.Errorf("store password of user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("reset password of user %d: %w", userID, ErrNotFound)
		}
		del := tx.Where("user_id = ?", userID).Delete(&Session{})
		if del.Error != nil {
			return fmt.Errorf("end sessions of user %d: %w", userID, del.Error)
		}
		sessionsEnded = del.RowsAffected
		return nil
	})
	return sessionsEnded, err
}
