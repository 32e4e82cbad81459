package boltstore

// accounts.Store on the embedded database. Everything lives in one
// top-level bucket, created on first write, so that opening an older data
// directory needs no migration:
//
//	"accounts"
//	    "users"          user id → user JSON
//	    "emails"         normalized e-mail → user id
//	    "grants"         user id, 0x00, site id → grant JSON
//	    "site_grants"    site id, 0x00, user id → empty (the reverse index)
//	    "sessions"       SHA-256 of the token (hex) → session JSON
//	    "user_sessions"  user id, 0x00, token hash → empty
//	    "failures"       key → {"n": count, "reset": time} of the open window
//
// Each method is one bbolt transaction, so a user and their indexes, or a
// grant and its reverse entry, are written together or not at all.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

var _ accounts.Store = (*Store)(nil)

var (
	bktAccounts     = []byte("accounts")
	bktUsers        = []byte("users")
	bktEmails       = []byte("emails")
	bktGrants       = []byte("grants")
	bktSiteGrants   = []byte("site_grants")
	bktSessions     = []byte("sessions")
	bktUserSessions = []byte("user_sessions")
	bktThrottle     = []byte("throttle")
	// bktLegacyFailures held failed sign-ins of earlier releases, keyed by
	// the address in clear; the first throttle write deletes it.
	bktLegacyFailures = []byte("failures")
	bktFailedSignIns  = []byte("failed_sign_ins")
	bktInvites        = []byte("invites")
)

// acct returns the nested bucket name of the accounts bucket, creating both
// in a writable transaction; in a read-only one it returns nil when they do
// not exist yet, which callers read as empty.
func acct(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	root := tx.Bucket(bktAccounts)
	if !tx.Writable() {
		if root == nil {
			return nil, nil
		}
		return root.Bucket(name), nil
	}
	root, err := tx.CreateBucketIfNotExists(bktAccounts)
	if err != nil {
		return nil, err
	}
	return root.CreateBucketIfNotExists(name)
}

func pair(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

// prefixKeys returns the keys of b that start with prefix.
func prefixKeys(b *bolt.Bucket, prefix []byte) [][]byte {
	var out [][]byte
	if b == nil {
		return out
	}
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, append([]byte(nil), k...))
	}
	return out
}

func (s *Store) CreateUser(ctx context.Context, u accounts.User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		users, err := acct(tx, bktUsers)
		if err != nil {
			return err
		}
		emails, err := acct(tx, bktEmails)
		if err != nil {
			return err
		}
		if u.ID == "" || users.Get([]byte(u.ID)) != nil || emails.Get([]byte(u.Email)) != nil {
			return consent.ErrConflict
		}
		if err := users.Put([]byte(u.ID), data); err != nil {
			return err
		}
		return emails.Put([]byte(u.Email), []byte(u.ID))
	})
}

func (s *Store) UpdateUser(ctx context.Context, u accounts.User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		users, err := acct(tx, bktUsers)
		if err != nil {
			return err
		}
		emails, err := acct(tx, bktEmails)
		if err != nil {
			return err
		}
		prev := users.Get([]byte(u.ID))
		if prev == nil {
			return consent.ErrNotFound
		}
		var old accounts.User
		if err := decode(prev, &old); err != nil {
			return err
		}
		if old.Email != u.Email {
			if owner := emails.Get([]byte(u.Email)); owner != nil && string(owner) != u.ID {
				return consent.ErrConflict
			}
			if err := emails.Delete([]byte(old.Email)); err != nil {
				return err
			}
			if err := emails.Put([]byte(u.Email), []byte(u.ID)); err != nil {
				return err
			}
		}
		return users.Put([]byte(u.ID), data)
	})
}

func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		users, err := acct(tx, bktUsers)
		if err != nil {
			return err
		}
		prev := users.Get([]byte(id))
		if prev == nil || id == "" {
			return consent.ErrNotFound
		}
		var old accounts.User
		if err := decode(prev, &old); err != nil {
			return err
		}
		if err := users.Delete([]byte(id)); err != nil {
			return err
		}
		emails, err := acct(tx, bktEmails)
		if err != nil {
			return err
		}
		if err := emails.Delete([]byte(old.Email)); err != nil {
			return err
		}
		failed, err := acct(tx, bktFailedSignIns)
		if err != nil {
			return err
		}
		if err := failed.Delete([]byte(id)); err != nil {
			return err
		}
		grants, err := acct(tx, bktGrants)
		if err != nil {
			return err
		}
		siteGrants, err := acct(tx, bktSiteGrants)
		if err != nil {
			return err
		}
		prefix := pair(id, "")
		for _, k := range prefixKeys(grants, prefix) {
			site := string(k[len(prefix):])
			if err := grants.Delete(k); err != nil {
				return err
			}
			if err := siteGrants.Delete(pair(site, id)); err != nil {
				return err
			}
		}
		return deleteUserSessions(tx, id)
	})
}

func (s *Store) User(ctx context.Context, id string) (accounts.User, error) {
	var u accounts.User
	err := s.view(ctx, func(tx *bolt.Tx) error {
		users, _ := acct(tx, bktUsers)
		if users == nil || id == "" {
			return consent.ErrNotFound
		}
		data := users.Get([]byte(id))
		if data == nil {
			return consent.ErrNotFound
		}
		return decode(data, &u)
	})
	return u, err
}

func (s *Store) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	var id string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		emails, _ := acct(tx, bktEmails)
		if emails == nil {
			return consent.ErrNotFound
		}
		v := emails.Get([]byte(email))
		if v == nil {
			return consent.ErrNotFound
		}
		id = string(v)
		return nil
	})
	if err != nil {
		return accounts.User{}, err
	}
	return s.User(ctx, id)
}

func (s *Store) Users(ctx context.Context) ([]accounts.User, error) {
	out := []accounts.User{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		users, _ := acct(tx, bktUsers)
		if users == nil {
			return nil
		}
		return users.ForEach(func(_, v []byte) error {
			var u accounts.User
			if err := decode(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) SetGrant(ctx context.Context, g accounts.Grant) error {
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		users, err := acct(tx, bktUsers)
		if err != nil {
			return err
		}
		if g.UserID == "" || users.Get([]byte(g.UserID)) == nil {
			return consent.ErrNotFound
		}
		grants, err := acct(tx, bktGrants)
		if err != nil {
			return err
		}
		siteGrants, err := acct(tx, bktSiteGrants)
		if err != nil {
			return err
		}
		if err := grants.Put(pair(g.UserID, g.SiteID), data); err != nil {
			return err
		}
		return siteGrants.Put(pair(g.SiteID, g.UserID), nil)
	})
}

func (s *Store) RevokeGrant(ctx context.Context, userID, siteID string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		grants, err := acct(tx, bktGrants)
		if err != nil {
			return err
		}
		siteGrants, err := acct(tx, bktSiteGrants)
		if err != nil {
			return err
		}
		k := pair(userID, siteID)
		if grants.Get(k) == nil {
			return consent.ErrNotFound
		}
		if err := grants.Delete(k); err != nil {
			return err
		}
		return siteGrants.Delete(pair(siteID, userID))
	})
}

func (s *Store) Grants(ctx context.Context, userID string) ([]accounts.Grant, error) {
	out := []accounts.Grant{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		grants, _ := acct(tx, bktGrants)
		for _, k := range prefixKeys(grants, pair(userID, "")) {
			var g accounts.Grant
			if err := decode(grants.Get(k), &g); err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) SiteGrants(ctx context.Context, siteID string) ([]accounts.Grant, error) {
	out := []accounts.Grant{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		siteGrants, _ := acct(tx, bktSiteGrants)
		grants, _ := acct(tx, bktGrants)
		prefix := pair(siteID, "")
		for _, k := range prefixKeys(siteGrants, prefix) {
			data := grants.Get(pair(string(k[len(prefix):]), siteID))
			if data == nil {
				return errCorrupt
			}
			var g accounts.Grant
			if err := decode(data, &g); err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) CreateSession(ctx context.Context, se accounts.Session) error {
	data, err := json.Marshal(se)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if se.UserID != "" {
			users, err := acct(tx, bktUsers)
			if err != nil {
				return err
			}
			if users.Get([]byte(se.UserID)) == nil {
				return consent.ErrNotFound
			}
		}
		sessions, err := acct(tx, bktSessions)
		if err != nil {
			return err
		}
		userSessions, err := acct(tx, bktUserSessions)
		if err != nil {
			return err
		}
		// Nothing else removes expired sessions here, so each sign-in
		// sweeps the ones that ran out: the bucket stays as small as the
		// number of live sessions plus a day's worth.
		if err := sweepSessions(sessions, userSessions, se.CreatedAt); err != nil {
			return err
		}
		if err := sessions.Put([]byte(se.TokenHash), data); err != nil {
			return err
		}
		return userSessions.Put(pair(se.UserID, se.TokenHash), nil)
	})
}

// sweepSessions deletes sessions that expired before now.
func sweepSessions(sessions, userSessions *bolt.Bucket, now time.Time) error {
	type dead struct{ hash, user string }
	var gone []dead
	err := sessions.ForEach(func(k, v []byte) error {
		var se accounts.Session
		if json.Unmarshal(v, &se) != nil || !now.Before(se.ExpiresAt) {
			gone = append(gone, dead{string(k), se.UserID})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range gone {
		if err := sessions.Delete([]byte(d.hash)); err != nil {
			return err
		}
		if err := userSessions.Delete(pair(d.user, d.hash)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (accounts.Session, error) {
	var se accounts.Session
	err := s.view(ctx, func(tx *bolt.Tx) error {
		sessions, _ := acct(tx, bktSessions)
		if sessions == nil || tokenHash == "" {
			return consent.ErrNotFound
		}
		data := sessions.Get([]byte(tokenHash))
		if data == nil {
			return consent.ErrNotFound
		}
		if err := decode(data, &se); err != nil {
			return err
		}
		if !now.Before(se.ExpiresAt) {
			return consent.ErrNotFound
		}
		return nil
	})
	return se, err
}

func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		sessions, err := acct(tx, bktSessions)
		if err != nil {
			return err
		}
		data := sessions.Get([]byte(tokenHash))
		if data == nil || tokenHash == "" {
			return nil
		}
		var se accounts.Session
		if err := decode(data, &se); err != nil {
			return err
		}
		// Never backwards: two replicas may touch the same session with
		// clocks a little apart.
		if !at.After(se.LastUsed()) {
			return nil
		}
		se.LastSeen = at.UTC()
		out, err := json.Marshal(se)
		if err != nil {
			return err
		}
		return sessions.Put([]byte(tokenHash), out)
	})
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		sessions, err := acct(tx, bktSessions)
		if err != nil {
			return err
		}
		data := sessions.Get([]byte(tokenHash))
		if data == nil {
			return nil
		}
		var se accounts.Session
		if err := decode(data, &se); err != nil {
			return err
		}
		if err := sessions.Delete([]byte(tokenHash)); err != nil {
			return err
		}
		userSessions, err := acct(tx, bktUserSessions)
		if err != nil {
			return err
		}
		return userSessions.Delete(pair(se.UserID, tokenHash))
	})
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if userID == "" {
		return errors.New("boltstore: DeleteUserSessions needs a user id")
	}
	return s.update(ctx, func(tx *bolt.Tx) error { return deleteUserSessions(tx, userID) })
}

func deleteUserSessions(tx *bolt.Tx, userID string) error {
	sessions, err := acct(tx, bktSessions)
	if err != nil {
		return err
	}
	userSessions, err := acct(tx, bktUserSessions)
	if err != nil {
		return err
	}
	prefix := pair(userID, "")
	for _, k := range prefixKeys(userSessions, prefix) {
		if err := sessions.Delete(k[len(prefix):]); err != nil {
			return err
		}
		if err := userSessions.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) DeleteAllSessions(ctx context.Context) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bktAccounts)
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bktSessions, bktUserSessions} {
			if err := root.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
}

// throttleWindow is one key's record in the throttle bucket.
type throttleWindow struct {
	N     int       `json:"n"`
	Reset time.Time `json:"reset"`
	// Next is when the key's next attempt may come (Limit.DelayAfter).
	Next time.Time `json:"next,omitzero"`
}

// maxThrottleKeys bounds the throttle bucket: past it, a write sweeps the
// windows that are over, so made-up addresses cannot grow the file for ever.
const maxThrottleKeys = 1000

// ReserveAttempt is one read-write transaction, which bbolt runs one at a
// time: the check and the count cannot interleave with another attempt's.
func (s *Store) ReserveAttempt(ctx context.Context, keys []accounts.ThrottleKey, now time.Time) (accounts.Reservation, error) {
	var res accounts.Reservation
	err := s.update(ctx, func(tx *bolt.Tx) error {
		res = accounts.Reservation{}
		b, err := throttleBucket(tx)
		if err != nil {
			return err
		}
		ws := make([]throttleWindow, len(keys))
		for i, k := range keys {
			if data := b.Get([]byte(k.Key)); data != nil {
				if err := decode(data, &ws[i]); err != nil {
					return err
				}
			}
			if !now.Before(ws[i].Reset) {
				ws[i] = throttleWindow{Reset: now.UTC().Add(k.Limit.Window)}
			}
			var at time.Time
			switch {
			case k.Limit.Max > 0 && ws[i].N >= k.Limit.Max:
				at = ws[i].Reset
			case now.Before(ws[i].Next):
				at = ws[i].Next
			default:
				continue
			}
			if at.After(res.RetryAt) {
				res.RetryAt = at
			}
		}
		if !res.RetryAt.IsZero() {
			return nil // refused: nothing is counted
		}
		if b.Stats().KeyN > maxThrottleKeys {
			if err := sweepThrottle(b, now); err != nil {
				return err
			}
		}
		for i, k := range keys {
			ws[i].N++
			if d := k.Limit.DelayAfter(ws[i].N); d > 0 {
				ws[i].Next = now.UTC().Add(d)
			}
			data, err := json.Marshal(ws[i])
			if err != nil {
				return err
			}
			if err := b.Put([]byte(k.Key), data); err != nil {
				return err
			}
		}
		res.OK = true
		return nil
	})
	return res, err
}

// throttleBucket returns the throttle bucket. The first write also drops
// the "failures" bucket of earlier releases, which was keyed by addresses
// in clear.
func throttleBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	b, err := acct(tx, bktThrottle)
	if err != nil {
		return nil, err
	}
	if root := tx.Bucket(bktAccounts); root.Bucket(bktLegacyFailures) != nil {
		if err := root.DeleteBucket(bktLegacyFailures); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func sweepThrottle(b *bolt.Bucket, now time.Time) error {
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var w throttleWindow
		if json.Unmarshal(v, &w) != nil || !now.Before(w.Reset) {
			gone = append(gone, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) ReleaseAttempt(ctx context.Context, keys []string, now time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := throttleBucket(tx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			data := b.Get([]byte(k))
			if data == nil {
				continue
			}
			var w throttleWindow
			if err := decode(data, &w); err != nil {
				return err
			}
			if w.N <= 0 || !now.Before(w.Reset) {
				continue
			}
			w.N--
			if data, err = json.Marshal(w); err != nil {
				return err
			}
			if err := b.Put([]byte(k), data); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) NoteFailedSignIn(ctx context.Context, userID, network string, at time.Time) error {
	if userID == "" {
		return errors.New("boltstore: NoteFailedSignIn needs a user id")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b, err := acct(tx, bktFailedSignIns)
		if err != nil {
			return err
		}
		var f accounts.FailedSignIns
		if data := b.Get([]byte(userID)); data != nil {
			if err := decode(data, &f); err != nil {
				return err
			}
		}
		// Notes nobody read in time are forgotten, as Redis's TTL does.
		if !at.Before(f.Last.Add(accounts.FailedSignInsKept)) {
			f = accounts.FailedSignIns{}
		}
		f.Count++
		f.Last, f.LastNetwork = at.UTC(), network
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return b.Put([]byte(userID), data)
	})
}

func (s *Store) TakeFailedSignIns(ctx context.Context, userID string) (accounts.FailedSignIns, error) {
	// Most sign-ins have nothing to take: look before paying for a write.
	var noted bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, _ := acct(tx, bktFailedSignIns)
		noted = b != nil && b.Get([]byte(userID)) != nil
		return nil
	})
	if err != nil || !noted {
		return accounts.FailedSignIns{}, err
	}
	var f accounts.FailedSignIns
	err = s.update(ctx, func(tx *bolt.Tx) error {
		f = accounts.FailedSignIns{}
		b, err := acct(tx, bktFailedSignIns)
		if err != nil {
			return err
		}
		data := b.Get([]byte(userID))
		if data == nil {
			return nil
		}
		if err := decode(data, &f); err != nil {
			return err
		}
		return b.Delete([]byte(userID))
	})
	return f, err
}

func (s *Store) CreateInvite(ctx context.Context, inv accounts.Invite) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		invites, err := acct(tx, bktInvites)
		if err != nil {
			return err
		}
		// Each new invite sweeps the expired ones, as sign-ins do sessions.
		var gone [][]byte
		err = invites.ForEach(func(k, v []byte) error {
			var old accounts.Invite
			if json.Unmarshal(v, &old) != nil || !inv.CreatedAt.Before(old.ExpiresAt) {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := invites.Delete(k); err != nil {
				return err
			}
		}
		return invites.Put([]byte(inv.TokenHash), data)
	})
}

func (s *Store) Invite(ctx context.Context, tokenHash string, now time.Time) (accounts.Invite, error) {
	var inv accounts.Invite
	err := s.view(ctx, func(tx *bolt.Tx) error {
		invites, _ := acct(tx, bktInvites)
		if invites == nil || tokenHash == "" {
			return consent.ErrNotFound
		}
		data := invites.Get([]byte(tokenHash))
		if data == nil {
			return consent.ErrNotFound
		}
		if err := decode(data, &inv); err != nil {
			return err
		}
		if !now.Before(inv.ExpiresAt) {
			return consent.ErrNotFound
		}
		return nil
	})
	return inv, err
}

func (s *Store) TakeInvite(ctx context.Context, tokenHash string, now time.Time) (accounts.Invite, error) {
	var inv accounts.Invite
	err := s.update(ctx, func(tx *bolt.Tx) error {
		invites, err := acct(tx, bktInvites)
		if err != nil {
			return err
		}
		data := invites.Get([]byte(tokenHash))
		if data == nil || tokenHash == "" {
			return consent.ErrNotFound
		}
		if err := decode(data, &inv); err != nil {
			return err
		}
		if err := invites.Delete([]byte(tokenHash)); err != nil {
			return err
		}
		if !now.Before(inv.ExpiresAt) {
			return consent.ErrNotFound
		}
		return nil
	})
	return inv, err
}
