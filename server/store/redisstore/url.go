package redisstore

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// newClient builds a client from a URL in one of the forms the package
// comment lists, and returns the store options the URL sets; it does not
// connect.
func newClient(raw string) (redis.UniversalClient, []Option, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, nil, fmt.Errorf("invalid Redis URL %q: want redis://host:port", redactURL(raw))
	}
	cluster := false
	switch scheme {
	case "redis", "rediss":
	case "redis+cluster", "rediss+cluster":
		scheme, cluster = strings.TrimSuffix(scheme, "+cluster"), true
	default:
		return nil, nil, fmt.Errorf("invalid Redis URL scheme %q: want redis, rediss, redis+cluster or rediss+cluster", scheme)
	}

	// net/url rejects a comma-separated host list, so split it off first.
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	addrs := strings.Split(hosts, ",")
	for _, a := range addrs {
		if a == "" && len(addrs) > 1 {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: empty address in host list", redactURL(raw))
		}
	}
	if len(addrs) > 1 {
		cluster = true
	}

	u, err := url.Parse(scheme + "://" + userinfo + addrs[0] + tail)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Redis URL %q: %v", redactURL(raw), errors.Unwrap(err))
	}
	q := u.Query()
	if q.Has("cluster") {
		on, err := strconv.ParseBool(q.Get("cluster"))
		if err != nil {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: cluster=%q is not true or false", redactURL(raw), q.Get("cluster"))
		}
		cluster = cluster || on
		q.Del("cluster")
	}
	var opts []Option
	if q.Has("autopipeline") {
		on, err := strconv.ParseBool(q.Get("autopipeline"))
		if err != nil {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: autopipeline=%q is not true or false", redactURL(raw), q.Get("autopipeline"))
		}
		opts = append(opts, WithAutoPipeline(on))
		q.Del("autopipeline")
	}
	if q.Has("groupcommit") {
		on, err := strconv.ParseBool(q.Get("groupcommit"))
		if err != nil {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: groupcommit=%q is not true or false", redactURL(raw), q.Get("groupcommit"))
		}
		opts = append(opts, WithGroupCommit(on))
		q.Del("groupcommit")
	}

	if !cluster {
		u.RawQuery = q.Encode()
		opt, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: %v", redactURL(raw), err)
		}
		// The request's deadline, not only the client's own timeouts,
		// bounds every call.
		opt.ContextTimeoutEnabled = true
		return redis.NewClient(opt), opts, nil
	}

	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		return nil, nil, fmt.Errorf("invalid Redis URL %q: Redis Cluster has only database 0, not %s", redactURL(raw), db)
	}
	u.Path = ""
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	u.RawQuery = q.Encode()
	opt, err := redis.ParseClusterURL(u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Redis Cluster URL %q: %v", redactURL(raw), err)
	}
	opt.ContextTimeoutEnabled = true
	cc := redis.NewClusterClient(opt)
	followFailover(cc)
	return cc, opts, nil
}

// redactURL hides a password for error messages and logs.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
