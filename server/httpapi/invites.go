package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// Invitations: instead of choosing a password for someone and passing it
// on, an operator creates an invite for an e-mail address with grants, and
// hands the person a link, shown once. The person sets their own password
// through it, once, within accounts.InviteLifetime. The token travels in
// the link's fragment (#/invite/…), which browsers do not send, and in
// request bodies, so it does not land in access logs.

type createInviteInput struct {
	Email    string `json:"email"`
	Operator bool   `json:"operator"`
	Grants   []struct {
		SiteID string        `json:"site_id"`
		Role   accounts.Role `json:"role"`
	} `json:"grants"`
}

// inviteView is what the operator gets back, the only time the link is
// shown.
type inviteView struct {
	Email     string      `json:"email"`
	Operator  bool        `json:"operator"`
	Grants    []grantView `json:"grants"`
	ExpiresAt time.Time   `json:"expires_at"`
	URL       string      `json:"url"`
}

// createInvite (POST /v1/admin/users/invites, POST /dashboard/api/users/invites).
func (s *server) createInvite(c echo.Context) error {
	var in createInviteInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	fs := accounts.EmailProblems("email", in.Email)
	grants := make([]accounts.InviteGrant, 0, len(in.Grants))
	views := make([]grantView, 0, len(in.Grants))
	for i, g := range in.Grants {
		field := "grants[" + strconv.Itoa(i) + "]"
		if !g.Role.Valid() {
			fs = append(fs, consent.FieldError{Field: field + ".role", Message: `must be "owner" or "viewer"`})
		}
		site, err := s.store.Site(ctx, g.SiteID)
		if errors.Is(err, consent.ErrNotFound) {
			fs = append(fs, consent.FieldError{Field: field + ".site_id", Message: "is not a site"})
			continue
		} else if err != nil {
			return err
		}
		grants = append(grants, accounts.InviteGrant{SiteID: g.SiteID, Role: g.Role})
		views = append(views, grantView{SiteID: g.SiteID, SiteName: site.Name, Role: g.Role})
	}
	if fs != nil {
		return &consent.ValidationError{Fields: fs}
	}
	if _, err := s.Accounts.UserByEmail(ctx, accounts.NormalizeEmail(in.Email)); err == nil {
		return errEmailTaken()
	} else if !errors.Is(err, consent.ErrNotFound) {
		return err
	}
	token, inv := accounts.NewInvite(in.Email, in.Operator, grants, principalOf(c).User.ID, s.Now())
	if err := s.Accounts.CreateInvite(ctx, inv); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, inviteView{
		Email: inv.Email, Operator: inv.Operator, Grants: views, ExpiresAt: inv.ExpiresAt,
		URL: s.PublicURL + "/dashboard#/invite/" + token,
	})
}

func errEmailTaken() error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: "a user with this e-mail address exists",
		Fields: []consent.FieldError{{Field: "email", Message: "already has an account"}}}
}

// errNoInvite is the one answer for a token that was never issued, was
// used, or expired: which of them must not be told to whoever holds it.
func errNoInvite() error {
	return NewError(http.StatusNotFound, "not_found",
		"this invitation link does not work: it was used already, it expired, or it was not copied whole; ask an operator for a new one")
}

// lookupInvite (POST /dashboard/api/invites/lookup, no session) tells the
// invitation page whose account the link opens.
func (s *server) lookupInvite(c echo.Context) error {
	if err := s.checkDashboardOrigin(c); err != nil {
		return err
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return errNoInvite()
	}
	inv, err := s.Accounts.Invite(c.Request().Context(), accounts.HashToken(in.Token), s.Now())
	if errors.Is(err, consent.ErrNotFound) {
		return errNoInvite()
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"email": inv.Email, "expires_at": inv.ExpiresAt})
}

// acceptInvite (POST /dashboard/api/invites/accept, no session) makes the
// account with the password the person chose. The password is checked
// before the invite is taken, so a too-short one does not use up the link.
func (s *server) acceptInvite(c echo.Context) error {
	if err := s.checkDashboardOrigin(c); err != nil {
		return err
	}
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if fs := accounts.PasswordProblems("password", in.Password); fs != nil {
		return &consent.ValidationError{Fields: fs}
	}
	if in.Token == "" {
		return errNoInvite()
	}
	ctx := c.Request().Context()
	inv, err := s.Accounts.TakeInvite(ctx, accounts.HashToken(in.Token), s.Now())
	if errors.Is(err, consent.ErrNotFound) {
		return errNoInvite()
	}
	if err != nil {
		return err
	}
	u, err := accounts.NewUser{Email: inv.Email, Password: in.Password, Operator: inv.Operator}.User(s.PasswordParams, s.Now())
	if err != nil {
		return err
	}
	if err := s.Accounts.CreateUser(ctx, u); err != nil {
		if errors.Is(err, consent.ErrConflict) {
			// Someone made the account meanwhile; the link is spent.
			return errEmailTaken()
		}
		return err
	}
	for _, g := range inv.Grants {
		// A site deleted since the invite grants nothing; a grant to it
		// would be hidden anyway (userView), so it is left out.
		if _, err := s.store.Site(ctx, g.SiteID); errors.Is(err, consent.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if err := s.Accounts.SetGrant(ctx, accounts.Grant{UserID: u.ID, SiteID: g.SiteID, Role: g.Role, CreatedAt: s.Now().UTC()}); err != nil {
			return err
		}
	}
	s.log.Info("an invitation was accepted", "user", u.ID, "invited_by", inv.CreatedBy)
	return c.JSON(http.StatusCreated, map[string]any{"email": u.Email})
}
