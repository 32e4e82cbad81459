// Package accounts is the dashboard's domain of people: users, the sites
// each one was granted (as owner or viewer), sign-in sessions and the
// counting of failed sign-ins. It knows nothing of HTTP or of a database:
// the stores implement Store, and one conformance suite (accountstest) holds
// them to the same behaviour.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samtykke/samtykke/server/consent"
)

// Role is what a user may do with one site.
type Role string

const (
	// Owner may change the site's settings and see everything a viewer sees.
	Owner Role = "owner"
	// Viewer (a marketer) may see the site's numbers, receipts and settings.
	Viewer Role = "viewer"
)

// Valid reports whether r is owner or viewer.
func (r Role) Valid() bool { return r == Owner || r == Viewer }

// Allows reports whether r is at least need: an owner may do what a viewer may.
func (r Role) Allows(need Role) bool {
	switch need {
	case Viewer:
		return r == Viewer || r == Owner
	case Owner:
		return r == Owner
	}
	return false
}

// User is a person who signs in to the dashboard.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	// PasswordHash is an argon2id hash in PHC string form (see HashPassword).
	PasswordHash string `json:"password_hash"`
	// Operator users see and manage every site and every user, as the admin
	// token does.
	Operator  bool      `json:"operator"`
	CreatedAt time.Time `json:"created_at"`
}

// Grant gives one user one role on one site.
type Grant struct {
	UserID    string    `json:"user_id"`
	SiteID    string    `json:"site_id"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// SortGrants orders grants by site, then user, for stable listings.
func SortGrants(gs []Grant) {
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].SiteID != gs[j].SiteID {
			return gs[i].SiteID < gs[j].SiteID
		}
		return gs[i].UserID < gs[j].UserID
	})
}

// SortUsers orders users by email.
func SortUsers(us []User) {
	sort.Slice(us, func(i, j int) bool { return us[i].Email < us[j].Email })
}

// Session is one signed-in browser. The cookie holds a random token; the
// store keeps only its SHA-256, so a copy of the database signs nobody in.
type Session struct {
	TokenHash string `json:"token_hash"`
	// UserID is empty for a session opened with the admin token.
	UserID string `json:"user_id"`
	// Operator is set for sessions opened with the admin token; a user's
	// operator flag is read from the user on every request instead, so that
	// taking it away takes effect at once.
	Operator bool `json:"operator"`
	// AdminToken is set for sessions opened with the admin token: the
	// AdminTokenFingerprint of the token they were opened with. A session
	// whose fingerprint is not the token in force is refused, so changing
	// SAMTYKKE_ADMIN_TOKEN (after a leak) ends them all.
	AdminToken string `json:"admin_token,omitempty"`
	// CSRFToken must come back in a header with every change the browser
	// asks for.
	CSRFToken string    `json:"csrf_token"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// LastSeen is when the session was last used, to within TouchInterval
	// (TouchSession); a session unused for the idle timeout has ended.
	// Zero in sessions stored before it existed: CreatedAt stands in.
	LastSeen time.Time `json:"last_seen,omitempty"`
	// FailedSignIns are the wrong passwords given for the user's account
	// between their previous sign-in and this one, shown to them for as
	// long as the session lasts.
	FailedSignIns *FailedSignIns `json:"failed_sign_ins,omitempty"`
}

// AdminTokenFingerprint is what a session keeps of the admin token it was
// opened with: a hash of the token's SHA-256, so that the session record
// does not hold the hash that the admin API checks against.
func AdminTokenFingerprint(tokenHash [32]byte) string {
	sum := sha256.Sum256(append([]byte("samtykke dashboard session\x00"), tokenHash[:]...))
	return hex.EncodeToString(sum[:16])
}

// SessionLifetime is how long a sign-in lasts. Twelve hours covers a working
// day without leaving a forgotten browser signed in for a week.
const SessionLifetime = 12 * time.Hour

// Invite lets one person set their own password once: an operator creates
// it for an e-mail address with grants, and the link carrying its token is
// shown to the operator once. Only the token's hash is stored, so a copy
// of the database does not hold working links.
type Invite struct {
	TokenHash string        `json:"token_hash"`
	Email     string        `json:"email"`
	Operator  bool          `json:"operator"`
	Grants    []InviteGrant `json:"grants"`
	// CreatedBy is the operator's user id, empty for the admin token.
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InviteGrant is a site the invited person gets on accepting.
type InviteGrant struct {
	SiteID string `json:"site_id"`
	Role   Role   `json:"role"`
}

// InviteLifetime is how long an invitation link works: a week, enough for
// a person on holiday to come back to their mail, short enough that a link
// forgotten in a mailbox does not open an account months later.
const InviteLifetime = 7 * 24 * time.Hour

// NewInvite returns an invite and the token for its link.
func NewInvite(email string, operator bool, grants []InviteGrant, by string, now time.Time) (token string, inv Invite) {
	token = randomToken()
	if grants == nil {
		grants = []InviteGrant{}
	}
	return token, Invite{
		TokenHash: HashToken(token), Email: NormalizeEmail(email), Operator: operator, Grants: grants,
		CreatedBy: by, CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(InviteLifetime),
	}
}

// EmailProblems checks an e-mail address for a new account.
func EmailProblems(field, email string) []consent.FieldError { return emailProblems(field, email) }

// DefaultIdleTimeout is how long a session may go unused before it ends
// (SAMTYKKE_SESSION_IDLE_TIMEOUT). Half an hour: long enough to read a
// report, answer the phone and come back, short enough that a dashboard
// left open on a shared or unlocked computer, with receipts and the
// people list behind it, does not stay usable for the rest of the 12-hour
// day. It is the upper end of what OWASP suggests for idle timeouts of
// applications of modest risk.
const DefaultIdleTimeout = 30 * time.Minute

// TouchInterval is how stale LastSeen may get before a request writes it
// again: at most one store write per session per minute, instead of one
// per request, at the price of a session ending up to a minute early.
const TouchInterval = time.Minute

// TouchEvery is how often a session used all the time is touched under an
// idle timeout: TouchInterval, or a quarter of the timeout when that is
// shorter, so that a short timeout (in tests) never ends a session in use.
func TouchEvery(idle time.Duration) time.Duration {
	return min(TouchInterval, idle/4)
}

// LastUsed is when the session was last known to be used.
func (s Session) LastUsed() time.Time {
	if s.LastSeen.IsZero() {
		return s.CreatedAt
	}
	return s.LastSeen
}

// IdleExpired reports whether the session went unused for idle by now.
func (s Session) IdleExpired(now time.Time, idle time.Duration) bool {
	return idle > 0 && !now.Before(s.LastUsed().Add(idle))
}

// NewSession returns a session for userID (or for the admin token when
// operator is set and userID is empty) and the token for the cookie.
func NewSession(userID string, operator bool, now time.Time) (token string, s Session) {
	token = randomToken()
	return token, Session{
		TokenHash: HashToken(token),
		UserID:    userID,
		Operator:  operator,
		CSRFToken: randomToken(),
		CreatedAt: now.UTC(),
		ExpiresAt: now.UTC().Add(SessionLifetime),
		LastSeen:  now.UTC(),
	}
}

// HashToken is how a session token is stored and looked up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewUserID returns a random, URL-safe user id.
func NewUserID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "u" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// Password bounds. Ten characters is NIST SP 800-63B's advice for a
// password chosen by its user plus a margin; the upper bound keeps hashing
// cheap to refuse.
const (
	MinPasswordLength = 10
	MaxPasswordBytes  = 1024
	maxEmailBytes     = 254
)

// NormalizeEmail trims and lower-cases an address, so that one person has
// one account whatever they type.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// NewUser is what an operator sends to create a user.
type NewUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Operator bool   `json:"operator"`
}

// Validate reports every problem with the input at once.
func (n NewUser) Validate() error {
	var fs []consent.FieldError
	fs = append(fs, emailProblems("email", n.Email)...)
	fs = append(fs, PasswordProblems("password", n.Password)...)
	return fieldErrors(fs)
}

// User builds the user, hashing the password with params; call Validate
// first.
func (n NewUser) User(params Params, now time.Time) (User, error) {
	hash, err := HashPassword(n.Password, params)
	if err != nil {
		return User{}, err
	}
	return User{
		ID:           NewUserID(),
		Email:        NormalizeEmail(n.Email),
		PasswordHash: hash,
		Operator:     n.Operator,
		CreatedAt:    now.UTC(),
	}, nil
}

func emailProblems(field, email string) []consent.FieldError {
	e := NormalizeEmail(email)
	switch {
	case e == "":
		return []consent.FieldError{{Field: field, Message: "is required"}}
	case len(e) > maxEmailBytes:
		return []consent.FieldError{{Field: field, Message: "must be at most 254 bytes long"}}
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return []consent.FieldError{{Field: field, Message: "must be an e-mail address such as kari@example.com"}}
	}
	return nil
}

// PasswordProblems checks a new password.
func PasswordProblems(field, pw string) []consent.FieldError {
	switch {
	case pw == "":
		return []consent.FieldError{{Field: field, Message: "is required"}}
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return []consent.FieldError{{Field: field, Message: "must be at least 10 characters long; a few unrelated words make a good one"}}
	case len(pw) > MaxPasswordBytes:
		return []consent.FieldError{{Field: field, Message: "must be at most 1024 bytes long"}}
	}
	return nil
}

// CheckGrant validates a grant before it is stored.
func CheckGrant(g Grant) error {
	var fs []consent.FieldError
	if g.SiteID == "" {
		fs = append(fs, consent.FieldError{Field: "site_id", Message: "is required"})
	}
	if !g.Role.Valid() {
		fs = append(fs, consent.FieldError{Field: "role", Message: `must be "owner" or "viewer"`})
	}
	return fieldErrors(fs)
}

func fieldErrors(fs []consent.FieldError) error {
	if len(fs) == 0 {
		return nil
	}
	return &consent.ValidationError{Fields: fs}
}

// Store is what accounts need from persistence. Errors are the consent
// package's: ErrNotFound, ErrConflict, and ErrUnavailable for a database
// that cannot be reached. Every method that writes is atomic.
type Store interface {
	// CreateUser stores a new user; ErrConflict if the id or the e-mail
	// address is taken.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces a user (e-mail, password, operator flag);
	// ErrNotFound if there is none, ErrConflict if the new e-mail address
	// belongs to someone else.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes a user with their grants and sessions; ErrNotFound
	// if there is none.
	DeleteUser(ctx context.Context, id string) error
	// User returns one user, or ErrNotFound.
	User(ctx context.Context, id string) (User, error)
	// UserByEmail returns the user with a normalized address, or ErrNotFound.
	UserByEmail(ctx context.Context, email string) (User, error)
	// Users returns every user, in no particular order.
	Users(ctx context.Context) ([]User, error)

	// SetGrant gives a user a role on a site, replacing any role they had
	// there; ErrNotFound if the user does not exist.
	SetGrant(ctx context.Context, g Grant) error
	// RevokeGrant takes a user's role on a site away; ErrNotFound if they
	// had none.
	RevokeGrant(ctx context.Context, userID, siteID string) error
	// Grants returns a user's grants ([] when none).
	Grants(ctx context.Context, userID string) ([]Grant, error)
	// SiteGrants returns the grants on one site ([] when none).
	SiteGrants(ctx context.Context, siteID string) ([]Grant, error)

	// CreateSession stores a session until its ExpiresAt; ErrNotFound if it
	// names a user that does not exist.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session stored under a token hash, or ErrNotFound
	// if there is none or it expired before now.
	Session(ctx context.Context, tokenHash string, now time.Time) (Session, error)
	// TouchSession records that a session was used at at (its LastSeen),
	// keeping its expiry. A session that is gone stays gone, with no
	// error: a request in flight must not bring back a session that was
	// just ended.
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	// DeleteSession ends one session; ending one that is gone is no error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error

	// CreateInvite stores an invite until its ExpiresAt.
	CreateInvite(ctx context.Context, inv Invite) error
	// Invite returns the invite stored under a token hash, or ErrNotFound
	// if there is none or it expired before now.
	Invite(ctx context.Context, tokenHash string, now time.Time) (Invite, error)
	// TakeInvite returns and deletes an invite in one atomic step, so that
	// of two acceptances at once only one gets it; ErrNotFound if there is
	// none or it expired before now.
	TakeInvite(ctx context.Context, tokenHash string, now time.Time) (Invite, error)

	// DeleteAllSessions ends every session: users' and those opened with
	// the admin token.
	DeleteAllSessions(ctx context.Context) error

	// ReserveAttempt counts one sign-in attempt under every key, if each
	// has room under its Limit at now, and otherwise counts none and says
	// when all will have room. Check and count are one atomic step, on
	// every replica sharing the database: of many attempts at once, no more
	// than a limit allows get through. A key's window opens with its first
	// attempt and its record goes once the window is over.
	ReserveAttempt(ctx context.Context, keys []ThrottleKey, now time.Time) (Reservation, error)
	// ReleaseAttempt takes one attempt back from each key's open window
	// (the sign-in succeeded); a key with none is left alone.
	ReleaseAttempt(ctx context.Context, keys []string, now time.Time) error
	// NoteFailedSignIn adds a wrong password for a user's account, given
	// at at from network (already truncated), to what TakeFailedSignIns
	// returns. Notes are kept for FailedSignInsKept after the last one.
	NoteFailedSignIn(ctx context.Context, userID, network string, at time.Time) error
	// TakeFailedSignIns returns and forgets the notes of a user's account
	// (a zero count when none).
	TakeFailedSignIns(ctx context.Context, userID string) (FailedSignIns, error)

	// SetSettingOnce is consent.Store's: the throttle keeps its HMAC key
	// as a server-wide setting.
	SetSettingOnce(ctx context.Context, key, value string) (string, error)
}
