package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// This file is what signed-in users do to their own account.

type changePasswordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword (POST /dashboard/api/password) lets users change their own
// password. The current one is required, so that a session left open on a
// shared computer cannot be turned into the account itself; and checking
// it is counted by the sign-in throttle like a sign-in, so that a stolen
// session cannot guess it faster than a sign-in form could. Every other
// session of the user ends (one of them may be why the password is being
// changed); this one stays.
func (s *server) changePassword(c echo.Context) error {
	p := principalOf(c)
	if p.User.ID == "" {
		return NewError(http.StatusForbidden, "forbidden",
			"a session opened with the admin token has no password; change SAMTYKKE_ADMIN_TOKEN instead")
	}
	var in changePasswordInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var fs []consent.FieldError
	if in.CurrentPassword == "" {
		fs = append(fs, consent.FieldError{Field: "current_password", Message: "is required"})
	}
	fs = append(fs, accounts.PasswordProblems("new_password", in.NewPassword)...)
	if fs == nil && in.NewPassword == in.CurrentPassword {
		fs = append(fs, consent.FieldError{Field: "new_password", Message: "is your current password; choose another"})
	}
	if fs != nil {
		return &consent.ValidationError{Fields: fs}
	}

	ctx := c.Request().Context()
	attempt, err := s.throttle.Begin(ctx, p.User.Email, c.RealIP(), "")
	if err != nil {
		var tm *accounts.TooManyAttempts
		if !errors.As(err, &tm) {
			return err
		}
		secs := int(tm.RetryAfter.Round(time.Second) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		return &Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts", Message: tm.Error(),
			Fields: []consent.FieldError{{Field: "current_password", Message: tm.Error()}}}
	}
	if !accounts.Authenticate(p.User, true, in.CurrentPassword, s.PasswordParams) {
		// Noted for the owner like a failed sign-in: they are told at the
		// next sign-in, which is what they need to know if it was not them.
		if err := attempt.Failed(context.WithoutCancel(ctx), p.User.ID); err != nil {
			s.log.Warn("could not note a wrong current password", "err", err)
		}
		// 422, not 401: the session is fine, and the dashboard signs out
		// on a 401.
		return badRequest("current_password", "is not your current password")
	}
	if err := attempt.Succeeded(context.WithoutCancel(ctx)); err != nil {
		s.log.Warn("could not give back a password check", "err", err)
	}
	u := p.User
	if u.PasswordHash, err = accounts.HashPassword(in.NewPassword, s.PasswordParams); err != nil {
		return err
	}
	if err := s.Accounts.UpdateUser(ctx, u); err != nil {
		return err
	}
	// The store ends sessions per user only, so this one is put back right
	// after: the same token and CSRF token, so the browser notices nothing.
	if err := s.Accounts.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := s.Accounts.CreateSession(ctx, p.Session); err != nil {
		return err
	}
	s.log.Info("a user changed their password; their other sessions ended", "user", u.ID)
	return c.NoContent(http.StatusNoContent)
}
