package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

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
