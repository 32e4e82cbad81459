package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// The same handlers answer the operators' dashboard (/dashboard/api/users,
// session and CSRF) and the admin API (/v1/admin/users, bearer token).

// userView is a user as operators see it: never the password hash.
type userView struct {
	ID        string      `json:"id"`
	Email     string      `json:"email"`
	Operator  bool        `json:"operator"`
	CreatedAt string      `json:"created_at"`
	Grants    []grantView `json:"grants"`
}

type grantView struct {
	SiteID   string        `json:"site_id"`
	SiteName string        `json:"site_name"`
	Role     accounts.Role `json:"role"`
}

func (s *server) userView(c echo.Context, u accounts.User) (userView, error) {
	ctx := c.Request().Context()
	grants, err := s.Accounts.Grants(ctx, u.ID)
	if err != nil {
		return userView{}, err
	}
	accounts.SortGrants(grants)
	v := userView{ID: u.ID, Email: u.Email, Operator: u.Operator, CreatedAt: u.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Grants: []grantView{}}
	for _, g := range grants {
		site, err := s.store.Site(ctx, g.SiteID)
		if errors.Is(err, consent.ErrNotFound) {
			// A grant to a deleted site grants nothing; do not show it.
			continue
		}
		if err != nil {
			return userView{}, err
		}
		v.Grants = append(v.Grants, grantView{SiteID: g.SiteID, SiteName: site.Name, Role: g.Role})
	}
	return v, nil
}

func (s *server) listUsers(c echo.Context) error {
	users, err := s.Accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	accounts.SortUsers(users)
	out := make([]userView, 0, len(users))
	for _, u := range users {
		v, err := s.userView(c, u)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out})
}

type createUserInput struct {
	accounts.NewUser
	Grants []struct {
		SiteID string        `json:"site_id"`
		Role   accounts.Role `json:"role"`
	} `json:"grants"`
}

// createUser makes a user, with grants in the same request when given. The
// input is checked in full (sites exist, roles valid) before anything is
// stored.
func (s *server) createUser(c echo.Context) error {
	var in createUserInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var fs []consent.FieldError
	var ve *consent.ValidationError
	if err := in.NewUser.Validate(); errors.As(err, &ve) {
		fs = append(fs, ve.Fields...)
	}
	for i, g := range in.Grants {
		field := "grants[" + strconv.Itoa(i) + "]"
		if !g.Role.Valid() {
			fs = append(fs, consent.FieldError{Field: field + ".role", Message: `must be "owner" or "viewer"`})
		}
		if _, err := s.store.Site(ctx, g.SiteID); errors.Is(err, consent.ErrNotFound) {
			fs = append(fs, consent.FieldError{Field: field + ".site_id", Message: "is not a site"})
		} else if err != nil {
			return err
		}
	}
	if fs != nil {
		return &consent.ValidationError{Fields: fs}
	}
	u, err := in.NewUser.User(s.PasswordParams, s.Now())
	if err != nil {
		return err
	}
	if err := s.Accounts.CreateUser(ctx, u); err != nil {
		if errors.Is(err, consent.ErrConflict) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "a user with this e-mail address exists",
				Fields: []consent.FieldError{{Field: "email", Message: "already has an account"}}}
		}
		return err
	}
	for _, g := range in.Grants {
		if err := s.Accounts.SetGrant(ctx, accounts.Grant{UserID: u.ID, SiteID: g.SiteID, Role: g.Role, CreatedAt: s.Now().UTC()}); err != nil {
			return err
		}
	}
	v, err := s.userView(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *server) loadUser(c echo.Context) (accounts.User, error) {
	u, err := s.Accounts.User(c.Request().Context(), c.Param("user"))
	if errors.Is(err, consent.ErrNotFound) {
		return u, NewError(http.StatusNotFound, "not_found", "no user with id %q", c.Param("user"))
	}
	return u, err
}

func (s *server) getUser(c echo.Context) error {
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	v, err := s.userView(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type updateUserInput struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
	Operator *bool   `json:"operator"`
}

// updateUser changes what is given. A new password ends the user's
// sessions, so a leaked one stops working at once.
func (s *server) updateUser(c echo.Context) error {
	var in updateUserInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	var fs []consent.FieldError
	if in.Email != nil {
		probe := accounts.NewUser{Email: *in.Email, Password: "placeholder-long-enough"}
		var ve *consent.ValidationError
		if errors.As(probe.Validate(), &ve) {
			fs = append(fs, ve.Fields...)
		}
		u.Email = accounts.NormalizeEmail(*in.Email)
	}
	if in.Password != nil {
		fs = append(fs, accounts.PasswordProblems("password", *in.Password)...)
	}
	if fs != nil {
		return &consent.ValidationError{Fields: fs}
	}
	if in.Password != nil {
		if u.PasswordHash, err = accounts.HashPassword(*in.Password, s.PasswordParams); err != nil {
			return err
		}
	}
	if in.Operator != nil {
		u.Operator = *in.Operator
	}
	ctx := c.Request().Context()
	if err := s.Accounts.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, consent.ErrConflict) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "another user has this e-mail address",
				Fields: []consent.FieldError{{Field: "email", Message: "already has an account"}}}
		}
		return err
	}
	if in.Password != nil {
		if err := s.Accounts.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	v, err := s.userView(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// endAllSessions (DELETE /v1/admin/users/sessions with the admin token,
// DELETE /dashboard/api/users/sessions for operators) ends every dashboard
// session, the caller's too: what an
// operator does when a session may have been stolen (a shared computer, a
// leaked cookie) and who holds it is not known. Sessions opened with the
// admin token also end by themselves when the token changes.
func (s *server) endAllSessions(c echo.Context) error {
	if err := s.Accounts.DeleteAllSessions(c.Request().Context()); err != nil {
		return err
	}
	if principalOf(c).Session.TokenHash != "" {
		s.clearCookie(c)
	}
	by := principalOf(c).User.ID
	if by == "" {
		by = "admin token"
	}
	s.log.Info("every dashboard session was ended", "by", by)
	return c.NoContent(http.StatusNoContent)
}

func (s *server) deleteUser(c echo.Context) error {
	err := s.Accounts.DeleteUser(c.Request().Context(), c.Param("user"))
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "not_found", "no user with id %q", c.Param("user"))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) setGrant(c echo.Context) error {
	var in struct {
		Role accounts.Role `json:"role"`
	}
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if !in.Role.Valid() {
		return badRequest("role", `must be "owner" or "viewer"`)
	}
	ctx := c.Request().Context()
	u, err := s.loadUser(c)
	if err != nil {
		return err
	}
	siteID := c.Param("site")
	if _, err := s.store.Site(ctx, siteID); errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "not_found", "no site with id %q", siteID)
	} else if err != nil {
		return err
	}
	g := accounts.Grant{UserID: u.ID, SiteID: siteID, Role: in.Role, CreatedAt: s.Now().UTC()}
	if err := s.Accounts.SetGrant(ctx, g); err != nil {
		return err
	}
	v, err := s.userView(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *server) revokeGrant(c echo.Context) error {
	err := s.Accounts.RevokeGrant(c.Request().Context(), c.Param("user"), c.Param("site"))
	if errors.Is(err, consent.ErrNotFound) {
		return NewError(http.StatusNotFound, "not_found", "user %q has no grant on site %q", c.Param("user"), c.Param("site"))
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
