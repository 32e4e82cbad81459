package redisstore

// accounts.Store on Redis. Every key is under the one hash tag {accounts}
// (see the end of keys.go), so scripts and MULTI blocks that touch a user,
// their address index, grants and sessions together run on one Cluster
// slot. Writes that must check something first are Lua scripts; the two
// deletes whose key lists depend on what is stored read them under WATCH
// and delete in a MULTI, retrying if anything changed in between.

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
)

var _ accounts.Store = (*Store)(nil)

var (
	//go:embed accounts_create_user.lua
	createUserSrc string
	createUser    = redis.NewScript(createUserSrc)

	//go:embed accounts_update_user.lua
	updateUserSrc string
	updateUser    = redis.NewScript(updateUserSrc)

	//go:embed accounts_set_grant.lua
	setGrantSrc string
	setGrant    = redis.NewScript(setGrantSrc)

	//go:embed accounts_create_session.lua
	createSessionSrc string
	createSession    = redis.NewScript(createSessionSrc)

	//go:embed accounts_reserve_attempt.lua
	reserveAttemptSrc string
	reserveAttempt    = redis.NewScript(reserveAttemptSrc)

	//go:embed accounts_release_attempt.lua
	releaseAttemptSrc string
	releaseAttempt    = redis.NewScript(releaseAttemptSrc)
)

// maxTxRetries bounds optimistic retries; only a storm of concurrent edits
// of one user could use them up.
const maxTxRetries = 10

func (s *Store) CreateUser(ctx context.Context, u accounts.User) error {
	if u.ID == "" {
		return errors.New("redisstore: user id is empty")
	}
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	n, err := createUser.Run(ctx, s.rdb, []string{userKey(u.ID), emailKey(u.Email), usersKey()}, data, u.ID).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrConflict
	}
	return nil
}

func (s *Store) UpdateUser(ctx context.Context, u accounts.User) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	for i := 0; i < maxTxRetries; i++ {
		raw, err := s.rdb.Get(ctx, userKey(u.ID)).Result()
		if errors.Is(err, redis.Nil) {
			return consent.ErrNotFound
		}
		if err != nil {
			return unavailable(err)
		}
		var old accounts.User
		if err := json.Unmarshal([]byte(raw), &old); err != nil {
			return fmt.Errorf("redisstore: user %s: %w", u.ID, err)
		}
		keys := []string{userKey(u.ID), emailKey(u.Email), emailKey(old.Email)}
		n, err := updateUser.Run(ctx, s.rdb, keys, data, u.ID, raw).Int()
		if err != nil {
			return unavailable(err)
		}
		switch n {
		case 1:
			return nil
		case 0:
			return consent.ErrConflict
		case -1:
			return consent.ErrNotFound
		}
	}
	return fmt.Errorf("%w: user %s kept changing", consent.ErrUnavailable, u.ID)
}

// watched runs fn under WATCH of keys and retries when a watched key
// changed before fn's MULTI ran.
func (s *Store) watched(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for i := 0; i < maxTxRetries; i++ {
		err := s.rdb.Watch(ctx, fn, keys...)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err == nil || errors.Is(err, consent.ErrNotFound) {
			return err
		}
		return unavailable(err)
	}
	return fmt.Errorf("%w: too many concurrent changes", consent.ErrUnavailable)
}

func (s *Store) DeleteUser(ctx context.Context, id string) error {
	uk, gk, sk := userKey(id), userGrantsKey(id), userSessionsKey(id)
	return s.watched(ctx, func(tx *redis.Tx) error {
		raw, err := tx.Get(ctx, uk).Result()
		if errors.Is(err, redis.Nil) || id == "" {
			return consent.ErrNotFound
		}
		if err != nil {
			return err
		}
		var u accounts.User
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			return fmt.Errorf("redisstore: user %s: %w", id, err)
		}
		sites, err := tx.HKeys(ctx, gk).Result()
		if err != nil {
			return err
		}
		tokens, err := tx.SMembers(ctx, sk).Result()
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, uk, emailKey(u.Email), gk, sk, failedSignInsKey(id))
			p.SRem(ctx, usersKey(), id)
			for _, site := range sites {
				p.HDel(ctx, siteGrantsKey(site), id)
			}
			for _, t := range tokens {
				p.Del(ctx, sessionKey(t))
			}
			return nil
		})
		return err
	}, uk, gk, sk)
}

func (s *Store) User(ctx context.Context, id string) (accounts.User, error) {
	raw, err := s.rdb.Get(ctx, userKey(id)).Bytes()
	if errors.Is(err, redis.Nil) || id == "" {
		return accounts.User{}, consent.ErrNotFound
	}
	if err != nil {
		return accounts.User{}, unavailable(err)
	}
	var u accounts.User
	if err := json.Unmarshal(raw, &u); err != nil {
		return accounts.User{}, fmt.Errorf("redisstore: user %s: %w", id, err)
	}
	return u, nil
}

func (s *Store) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	id, err := s.rdb.Get(ctx, emailKey(email)).Result()
	if errors.Is(err, redis.Nil) {
		return accounts.User{}, consent.ErrNotFound
	}
	if err != nil {
		return accounts.User{}, unavailable(err)
	}
	return s.User(ctx, id)
}

func (s *Store) Users(ctx context.Context) ([]accounts.User, error) {
	ids, err := s.rdb.SMembers(ctx, usersKey()).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]accounts.User, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = userKey(id)
	}
	// One MGET: every account key is in the same slot.
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue // deleted between SMEMBERS and MGET
		}
		var u accounts.User
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			return nil, fmt.Errorf("redisstore: user %s: %w", ids[i], err)
		}
		out = append(out, u)
	}
	return out, nil
}

func (s *Store) SetGrant(ctx context.Context, g accounts.Grant) error {
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	keys := []string{userKey(g.UserID), userGrantsKey(g.UserID), siteGrantsKey(g.SiteID)}
	n, err := setGrant.Run(ctx, s.rdb, keys, data, g.SiteID, g.UserID).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 || g.UserID == "" {
		return consent.ErrNotFound
	}
	return nil
}

func (s *Store) RevokeGrant(ctx context.Context, userID, siteID string) error {
	var n *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.HDel(ctx, userGrantsKey(userID), siteID)
		p.HDel(ctx, siteGrantsKey(siteID), userID)
		return nil
	})
	if err != nil {
		return unavailable(err)
	}
	if n.Val() == 0 {
		return consent.ErrNotFound
	}
	return nil
}

func decodeGrants(m map[string]string) ([]accounts.Grant, error) {
	out := make([]accounts.Grant, 0, len(m))
	for k, v := range m {
		var g accounts.Grant
		if err := json.Unmarshal([]byte(v), &g); err != nil {
			return nil, fmt.Errorf("redisstore: grant %s: %w", k, err)
		}
		out = append(out, g)
	}
	return out, nil
}

func (s *Store) Grants(ctx context.Context, userID string) ([]accounts.Grant, error) {
	m, err := s.rdb.HGetAll(ctx, userGrantsKey(userID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	return decodeGrants(m)
}

func (s *Store) SiteGrants(ctx context.Context, siteID string) ([]accounts.Grant, error) {
	m, err := s.rdb.HGetAll(ctx, siteGrantsKey(siteID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	return decodeGrants(m)
}

func (s *Store) CreateSession(ctx context.Context, se accounts.Session) error {
	data, err := json.Marshal(se)
	if err != nil {
		return err
	}
	mustExist := "1"
	if se.UserID == "" {
		mustExist = "0"
	}
	keys := []string{sessionKey(se.TokenHash), userKey(se.UserID), userSessionsKey(se.UserID)}
	ttl := se.ExpiresAt.Sub(se.CreatedAt).Milliseconds()
	if ttl <= 0 {
		return errors.New("redisstore: session expires before it is created")
	}
	n, err := createSession.Run(ctx, s.rdb, keys, data, ttl, se.TokenHash, mustExist).Int()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

func (s *Store) Session(ctx context.Context, tokenHash string, now time.Time) (accounts.Session, error) {
	raw, err := s.rdb.Get(ctx, sessionKey(tokenHash)).Bytes()
	if errors.Is(err, redis.Nil) || tokenHash == "" {
		return accounts.Session{}, consent.ErrNotFound
	}
	if err != nil {
		return accounts.Session{}, unavailable(err)
	}
	var se accounts.Session
	if err := json.Unmarshal(raw, &se); err != nil {
		return accounts.Session{}, fmt.Errorf("redisstore: session: %w", err)
	}
	if !now.Before(se.ExpiresAt) {
		return accounts.Session{}, consent.ErrNotFound
	}
	return se, nil
}

func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	if tokenHash == "" {
		return nil
	}
	key := sessionKey(tokenHash)
	return s.watched(ctx, func(tx *redis.Tx) error {
		raw, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil // ended meanwhile: stays ended
		}
		if err != nil {
			return err
		}
		var se accounts.Session
		if err := json.Unmarshal(raw, &se); err != nil {
			return fmt.Errorf("redisstore: session: %w", err)
		}
		// Never backwards: two replicas may touch the same session with
		// clocks a little apart.
		if !at.After(se.LastUsed()) {
			return nil
		}
		se.LastSeen = at.UTC()
		data, err := json.Marshal(se)
		if err != nil {
			return err
		}
		// Under WATCH, so a DeleteSession in between fails the write
		// instead of being undone by it; KEEPTTL keeps the expiry.
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, data, redis.KeepTTL)
			return nil
		})
		return err
	}, key)
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	raw, err := s.rdb.Get(ctx, sessionKey(tokenHash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return unavailable(err)
	}
	var se accounts.Session
	if err := json.Unmarshal(raw, &se); err != nil {
		return fmt.Errorf("redisstore: session: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, sessionKey(tokenHash))
		p.SRem(ctx, userSessionsKey(se.UserID), tokenHash)
		return nil
	})
	return unavailable(err)
}

func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if userID == "" {
		return errors.New("redisstore: DeleteUserSessions needs a user id")
	}
	sk := userSessionsKey(userID)
	// Under WATCH, so that a session created meanwhile is not left out.
	return s.watched(ctx, func(tx *redis.Tx) error {
		tokens, err := tx.SMembers(ctx, sk).Result()
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range tokens {
				p.Del(ctx, sessionKey(t))
			}
			p.Del(ctx, sk)
			return nil
		})
		return err
	}, sk)
}

// DeleteAllSessions reads every list of sessions (one per user, and the
// admin token's) under WATCH and deletes them with their sessions in one
// MULTI, retrying if a session was opened or a user added in between.
func (s *Store) DeleteAllSessions(ctx context.Context) error {
	return s.watched(ctx, func(tx *redis.Tx) error {
		ids, err := tx.SMembers(ctx, usersKey()).Result()
		if err != nil {
			return err
		}
		lists := []string{userSessionsKey("")}
		for _, id := range ids {
			lists = append(lists, userSessionsKey(id))
		}
		if err := tx.Watch(ctx, lists...).Err(); err != nil {
			return err
		}
		var members []*redis.StringSliceCmd
		if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, l := range lists {
				members = append(members, p.SMembers(ctx, l))
			}
			return nil
		}); err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, l := range lists {
				for _, t := range members[i].Val() {
					p.Del(ctx, sessionKey(t))
				}
				p.Del(ctx, l)
			}
			return nil
		})
		return err
	}, usersKey(), userSessionsKey(""))
}

func (s *Store) ReserveAttempt(ctx context.Context, keys []accounts.ThrottleKey, now time.Time) (accounts.Reservation, error) {
	if len(keys) == 0 {
		return accounts.Reservation{OK: true}, nil
	}
	ks := make([]string, len(keys))
	args := []any{strconv.FormatInt(now.UnixMilli(), 10)}
	for i, k := range keys {
		ks[i] = throttleKey(k.Key)
		l := k.Limit
		args = append(args, l.Max, l.Window.Milliseconds(), l.Free, l.Delay.Milliseconds(), l.MaxDelay.Milliseconds())
	}
	res, err := reserveAttempt.Run(ctx, s.rdb, ks, args...).Slice()
	if err != nil {
		return accounts.Reservation{}, unavailable(err)
	}
	if len(res) != 2 {
		return accounts.Reservation{}, fmt.Errorf("redisstore: reserve attempt answered %v", res)
	}
	if ok, _ := res[0].(int64); ok == 1 {
		return accounts.Reservation{OK: true}, nil
	}
	atStr, _ := res[1].(string)
	at, err := strconv.ParseInt(atStr, 10, 64)
	if err != nil {
		return accounts.Reservation{}, fmt.Errorf("redisstore: throttle window %q: %w", atStr, err)
	}
	return accounts.Reservation{RetryAt: time.UnixMilli(at).UTC()}, nil
}

func (s *Store) ReleaseAttempt(ctx context.Context, keys []string, now time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = throttleKey(k)
	}
	return unavailable(releaseAttempt.Run(ctx, s.rdb, ks, strconv.FormatInt(now.UnixMilli(), 10)).Err())
}

func (s *Store) NoteFailedSignIn(ctx context.Context, userID, network string, at time.Time) error {
	if userID == "" {
		return errors.New("redisstore: NoteFailedSignIn needs a user id")
	}
	k := failedSignInsKey(userID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, k, "n", 1)
		p.HSet(ctx, k, "last", strconv.FormatInt(at.UnixMilli(), 10), "net", network)
		p.PExpire(ctx, k, accounts.FailedSignInsKept)
		return nil
	})
	return unavailable(err)
}

func (s *Store) TakeFailedSignIns(ctx context.Context, userID string) (accounts.FailedSignIns, error) {
	k := failedSignInsKey(userID)
	var all *redis.MapStringStringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, k)
		p.Del(ctx, k)
		return nil
	})
	if err != nil {
		return accounts.FailedSignIns{}, unavailable(err)
	}
	m := all.Val()
	n, _ := strconv.Atoi(m["n"])
	last, _ := strconv.ParseInt(m["last"], 10, 64)
	if n <= 0 {
		return accounts.FailedSignIns{}, nil
	}
	return accounts.FailedSignIns{Count: n, Last: time.UnixMilli(last).UTC(), LastNetwork: m["net"]}, nil
}

func (s *Store) CreateInvite(ctx context.Context, inv accounts.Invite) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	ttl := inv.ExpiresAt.Sub(inv.CreatedAt)
	if ttl <= 0 {
		return errors.New("redisstore: invite expires before it is created")
	}
	return unavailable(s.rdb.Set(ctx, inviteKey(inv.TokenHash), data, ttl).Err())
}

func (s *Store) Invite(ctx context.Context, tokenHash string, now time.Time) (accounts.Invite, error) {
	raw, err := s.rdb.Get(ctx, inviteKey(tokenHash)).Bytes()
	return decodeInvite(raw, err, tokenHash, now)
}

// TakeInvite uses GETDEL: reading and deleting are one step in Redis, so
// of two acceptances at once only one gets the invite.
func (s *Store) TakeInvite(ctx context.Context, tokenHash string, now time.Time) (accounts.Invite, error) {
	raw, err := s.rdb.GetDel(ctx, inviteKey(tokenHash)).Bytes()
	return decodeInvite(raw, err, tokenHash, now)
}

func decodeInvite(raw []byte, err error, tokenHash string, now time.Time) (accounts.Invite, error) {
	if errors.Is(err, redis.Nil) || tokenHash == "" {
		return accounts.Invite{}, consent.ErrNotFound
	}
	if err != nil {
		return accounts.Invite{}, unavailable(err)
	}
	var inv accounts.Invite
	if err := json.Unmarshal(raw, &inv); err != nil {
		return accounts.Invite{}, fmt.Errorf("redisstore: invite: %w", err)
	}
	if !now.Before(inv.ExpiresAt) {
		return accounts.Invite{}, consent.ErrNotFound
	}
	return inv, nil
}
