package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/views"
)

// showProfile renders the profile page: integrations and API tokens.
func (s *Server) showProfile(c echo.Context) error {
	props, err := s.profileProps(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.ProfilePage(props))
}

// profileProps loads what the profile page shows; the token handlers add
// their form state to it.
func (s *Server) profileProps(c echo.Context) (views.ProfileProps, error) {
	ctx := c.Request().Context()
	user := currentUser(c)
	tokens, err := s.store.APITokens(ctx, user.ID)
	if err != nil {
		return views.ProfileProps{}, fmt.Errorf("profile of user %d: %w", user.ID, err)
	}
	endpoints, err := s.store.Endpoints(ctx, user.ID)
	if err != nil {
		return views.ProfileProps{}, fmt.Errorf("profile of user %d: %w", user.ID, err)
	}
	props := views.ProfileProps{
		Page:          s.page(c, "Profile", views.NavProfile),
		Email:         user.Email,
		MemberSince:   user.CreatedAt,
		EndpointCount: len(endpoints),
		TokenForm:     forms.TokenForm{},
		NewToken:      s.takeNewToken(c),
		BaseURL:       s.cfg.BaseURL,
		Now:           time.Now().UTC(),
	}
	for _, t := range tokens {
		props.Tokens = append(props.Tokens, views.TokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scope: t.Scope, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt})
	}
	return props, nil
}
