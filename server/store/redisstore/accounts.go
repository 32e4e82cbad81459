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

	//go:embed accounts_add_failure.lua
	addFailureSrc string
	addFailure    = redis.NewScript(addFailureSrc)
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
			p.Del(ctx, uk, emailKey(u.Email), gk, sk)
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

func (s *Store) AddFailure(ctx context.Context, key string, window time.Duration, now time.Time) (int, time.Time, error) {
	nowMS := now.UnixMilli()
	res, err := addFailure.Run(ctx, s.rdb, []string{failureKey(key)},
		strconv.FormatInt(nowMS, 10), strconv.FormatInt(nowMS+window.Milliseconds(), 10),
		strconv.FormatInt(window.Milliseconds(), 10)).Slice()
	if err != nil {
		return 0, time.Time{}, unavailable(err)
	}
	n, _ := res[0].(int64)
	resetStr, _ := res[1].(string)
	reset, err := strconv.ParseInt(resetStr, 10, 64)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("redisstore: failure window %q: %w", resetStr, err)
	}
	return int(n), time.UnixMilli(reset).UTC(), nil
}

func (s *Store) Failures(ctx context.Context, key string, now time.Time) (int, time.Time, error) {
	vals, err := s.rdb.HMGet(ctx, failureKey(key), "n", "reset").Result()
	if err != nil {
		return 0, time.Time{}, unavailable(err)
	}
	ns, _ := vals[0].(string)
	rs, _ := vals[1].(string)
	n, err1 := strconv.Atoi(ns)
	reset, err2 := strconv.ParseInt(rs, 10, 64)
	if err1 != nil || err2 != nil || reset <= now.UnixMilli() {
		return 0, time.Time{}, nil
	}
	return n, time.UnixMilli(reset).UTC(), nil
}

func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return unavailable(s.rdb.Del(ctx, failureKey(key)).Err())
}
