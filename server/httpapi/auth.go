package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

// CookieName is the session cookie. Its path is /dashboard, so the public
// API and the snippet never receive it.
const CookieName = "samtykke_session"

// DeviceCookieName marks a browser where a user signed in before; it goes
// only to the sign-in route, and lets that browser through while guessers
// elsewhere slow the account down (accounts.Throttle.Begin).
const DeviceCookieName = "samtykke_device"

// CSRFHeader carries the session's CSRF token on every change.
const CSRFHeader = "X-CSRF-Token"

// principal is who is asking: a user, or an operator signed in with the
// admin token (User.ID empty).
type principal struct {
	User     accounts.User
	Operator bool
	Session  accounts.Session
}

func (p principal) view() map[string]any {
	email := p.User.Email
	if p.User.ID == "" {
		email = ""
	}
	return map[string]any{"id": p.User.ID, "email": email, "operator": p.Operator, "admin_token": p.User.ID == ""}
}

const ctxPrincipal = "dashboard.principal"

func principalOf(c echo.Context) principal {
	p, _ := c.Get(ctxPrincipal).(principal)
	return p
}

func errSignIn() error {
	return NewError(http.StatusUnauthorized, "unauthorized", "sign in to the dashboard first")
}

// authenticate turns the session cookie into a principal, or answers 401.
// A user's operator flag is read on every request, so taking it away (or
// deleting the user) takes effect at once.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(CookieName)
		if err != nil || ck.Value == "" {
			return errSignIn()
		}
		ctx := c.Request().Context()
		se, err := s.Accounts.Session(ctx, accounts.HashToken(ck.Value), s.Now())
		if errors.Is(err, consent.ErrNotFound) {
			s.clearCookie(c)
			return NewError(http.StatusUnauthorized, "unauthorized", "your session has ended; sign in again")
		}
		if err != nil {
			return err
		}
		now := s.Now()
		if se.IdleExpired(now, s.SessionIdleTimeout) {
			// Deleted rather than left to expire, so that the cookie,
			// if it was copied, is worth nothing from now on.
			if err := s.Accounts.DeleteSession(ctx, se.TokenHash); err != nil {
				s.log.Warn("could not delete an idle session", "err", err)
			}
			s.clearCookie(c)
			return NewError(http.StatusUnauthorized, "unauthorized",
				"your session ended after %s without use; sign in again", idleText(s.SessionIdleTimeout))
		}
		// The idle deadline moves with use, but LastSeen is written only
		// when it is more than accounts.TouchEvery old: a store write per
		// session per minute at most, not one per request. A failed write
		// is no reason to refuse the request; the next one tries again.
		if now.Sub(se.LastUsed()) > accounts.TouchEvery(s.SessionIdleTimeout) {
			if err := s.Accounts.TouchSession(ctx, se.TokenHash, now); err != nil {
				s.log.Warn("could not note a session's use", "err", err)
			} else {
				se.LastSeen = now.UTC()
			}
		}
		// A session opened with the admin token lasts only as long as that
		// token: after a restart with a new one (the old one leaked), the
		// old sessions must not keep its powers. The record is left to
		// expire rather than deleted, so that during a rolling restart a
		// replica still on the old token does not end the new sessions.
		if se.UserID == "" {
			want := accounts.AdminTokenFingerprint(s.AdminTokenHash)
			if subtle.ConstantTimeCompare([]byte(se.AdminToken), []byte(want)) != 1 {
				return NewError(http.StatusUnauthorized, "unauthorized",
					"the admin token has changed since you signed in; sign in again")
			}
		}
		p := principal{Session: se, Operator: se.Operator}
		if se.UserID != "" {
			u, err := s.Accounts.User(ctx, se.UserID)
			if errors.Is(err, consent.ErrNotFound) {
				s.clearCookie(c)
				return NewError(http.StatusUnauthorized, "unauthorized", "your account no longer exists")
			}
			if err != nil {
				return err
			}
			p.User, p.Operator = u, u.Operator
		}
		c.Set(ctxPrincipal, p)
		return next(c)
	}
}

// checkDashboardOrigin refuses a change that does not come from the
// dashboard's own origin. Browsers send Origin with every POST, PUT, PATCH
// and DELETE, and a page cannot forge it.
func (s *server) checkDashboardOrigin(c echo.Context) error {
	if o := c.Request().Header.Get("Origin"); o == "" || o != s.origin {
		return NewError(http.StatusForbidden, "forbidden_origin",
			"changes are accepted only from the dashboard at %s", s.origin)
	}
	return nil
}

// checkCSRF guards every change of a signed-in session twice: the request
// must come from the dashboard's origin and carry the session's CSRF token,
// which only the dashboard's own script can read.
func (s *server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if err := s.checkDashboardOrigin(c); err != nil {
			return err
		}
		got := c.Request().Header.Get(CSRFHeader)
		want := principalOf(c).Session.CSRFToken
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return NewError(http.StatusForbidden, "csrf", "missing or wrong %s header; reload the dashboard", CSRFHeader)
		}
		return next(c)
	}
}

func (s *server) requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !principalOf(c).Operator {
			return NewError(http.StatusForbidden, "forbidden", "only operators manage users")
		}
		return next(c)
	}
}

type loginInput struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	AdminToken string `json:"admin_token"`
}

// decodeBody reads a JSON object strictly into dst, with field errors.
func decodeBody(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	return consent.DecodeJSON(body, dst, true)
}

func (s *server) login(c echo.Context) error {
	if err := s.checkDashboardOrigin(c); err != nil {
		return err
	}
	var in loginInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ip := c.RealIP()
	email := accounts.NormalizeEmail(in.Email)
	if in.AdminToken != "" {
		// The admin token is limited per network only: it names no
		// account to protect.
		email = ""
	} else {
		var fs []consent.FieldError
		if email == "" {
			fs = append(fs, consent.FieldError{Field: "email", Message: "is required"})
		}
		if in.Password == "" {
			fs = append(fs, consent.FieldError{Field: "password", Message: "is required"})
		}
		if fs != nil {
			return &consent.ValidationError{Fields: fs}
		}
	}
	// The attempt is counted before the password is checked (see
	// accounts.Throttle), and given back below if it was right.
	device := ""
	if ck, err := c.Cookie(DeviceCookieName); err == nil {
		device = ck.Value
	}
	attempt, err := s.throttle.Begin(ctx, email, ip, device)
	if err != nil {
		return tooMany(c, err)
	}

	var (
		user  accounts.User
		found bool
		ok    bool
	)
	if in.AdminToken != "" {
		sum := sha256.Sum256([]byte(in.AdminToken))
		ok = subtle.ConstantTimeCompare(sum[:], s.AdminTokenHash[:]) == 1
	} else {
		u, err := s.Accounts.UserByEmail(ctx, email)
		if err != nil && !errors.Is(err, consent.ErrNotFound) {
			return err
		}
		found = err == nil
		ok = accounts.Authenticate(u, found, in.Password, s.PasswordParams)
		user = u
	}
	if !ok {
		if in.AdminToken == "" {
			// Noted for the owner, or in a throwaway record when the
			// address has no account: the same write either way, so
			// the answer's timing does not tell which.
			id := ""
			if found {
				id = user.ID
			}
			// Not cancelled with the request: a guesser who hangs up
			// must not keep the owner from being told.
			if err := attempt.Failed(context.WithoutCancel(ctx), id); err != nil {
				s.log.Warn("could not note a failed sign-in", "err", err)
			}
		}
		field, msg := "password", "wrong e-mail address or password"
		if in.AdminToken != "" {
			field, msg = "admin_token", "wrong admin token"
		}
		return &Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Message: msg,
			Fields: []consent.FieldError{{Field: field, Message: msg}}}
	}
	if err := attempt.Succeeded(context.WithoutCancel(ctx)); err != nil {
		s.log.Warn("could not give back a sign-in attempt", "err", err)
	}
	token, se := accounts.NewSession(user.ID, in.AdminToken != "", s.Now())
	if in.AdminToken != "" {
		se.AdminToken = accounts.AdminTokenFingerprint(s.AdminTokenHash)
	} else {
		// What happened to the account since the owner's last sign-in.
		f, err := s.Accounts.TakeFailedSignIns(ctx, user.ID)
		if err != nil {
			s.log.Warn("could not read failed sign-ins", "err", err)
		} else if f.Count > 0 {
			se.FailedSignIns = &f
		}
	}
	if err := s.Accounts.CreateSession(ctx, se); err != nil {
		return err
	}
	c.SetCookie(s.cookie(token, se.ExpiresAt))
	if in.AdminToken == "" {
		// This browser is now known for the account (see Throttle.Begin).
		if tok, err := s.throttle.DeviceToken(ctx, email); err != nil {
			s.log.Warn("could not make a device token", "err", err)
		} else {
			c.SetCookie(&http.Cookie{Name: DeviceCookieName, Value: tok, Path: "/dashboard/api/login",
				MaxAge: int(accounts.DeviceLifetime / time.Second), HttpOnly: true, Secure: s.secureCookies,
				SameSite: http.SameSiteStrictMode})
		}
	}
	p := principal{User: user, Operator: user.Operator || se.Operator, Session: se}
	return c.JSON(http.StatusOK, p.sessionView())
}

func tooMany(c echo.Context, err error) error {
	var tm *accounts.TooManyAttempts
	if !errors.As(err, &tm) {
		return err
	}
	secs := int(tm.RetryAfter.Round(time.Second) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	return &Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts", Message: tm.Error(),
		Fields: []consent.FieldError{{Field: "password", Message: tm.Error()}}}
}

func (s *server) session(c echo.Context) error {
	return c.JSON(http.StatusOK, principalOf(c).sessionView())
}

// sessionView is what sign-in and GET /session answer.
func (p principal) sessionView() map[string]any {
	v := map[string]any{"user": p.view(), "csrf_token": p.Session.CSRFToken, "expires_at": p.Session.ExpiresAt}
	if p.Session.FailedSignIns != nil {
		v["failed_sign_ins"] = p.Session.FailedSignIns
	}
	return v
}

// idleText says a duration as people do: "30 minutes", "2 hours".
func idleText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return d.String()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func (s *server) logout(c echo.Context) error {
	if err := s.Accounts.DeleteSession(c.Request().Context(), principalOf(c).Session.TokenHash); err != nil {
		return err
	}
	s.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func (s *server) cookie(value string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: value, Path: "/dashboard",
		Expires: expires, MaxAge: int(accounts.SessionLifetime / time.Second),
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	}
}

func (s *server) clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: CookieName, Value: "", Path: "/dashboard", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
}
