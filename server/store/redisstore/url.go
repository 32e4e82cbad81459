package redisstore

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	cluster, sentinel := false, false
	switch scheme {
	case "redis", "rediss":
	case "redis+cluster", "rediss+cluster":
		scheme, cluster = strings.TrimSuffix(scheme, "+cluster"), true
	case "redis+sentinel", "rediss+sentinel":
		scheme, sentinel = strings.TrimSuffix(scheme, "+sentinel"), true
	default:
		return nil, nil, fmt.Errorf("invalid Redis URL scheme %q: want redis, rediss, redis+cluster, rediss+cluster, redis+sentinel or rediss+sentinel", scheme)
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
	if len(addrs) > 1 && !sentinel {
		cluster = true
	}

	u, err := url.Parse(scheme + "://" + userinfo + addrs[0] + tail)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid Redis URL %q: %v", redactURL(raw), errors.Unwrap(err))
	}
	q := u.Query()
	if q.Has("cluster") && !sentinel {
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
	if q.Has("min_replicas") || q.Has("replica_timeout") {
		n, err := strconv.Atoi(q.Get("min_replicas"))
		if err != nil || n < 0 {
			return nil, nil, fmt.Errorf("invalid Redis URL %q: min_replicas=%q is not a number of replicas", redactURL(raw), q.Get("min_replicas"))
		}
		timeout := defaultReplicaTimeout
		if q.Has("replica_timeout") {
			timeout, err = time.ParseDuration(q.Get("replica_timeout"))
			if err != nil || timeout < time.Millisecond {
				return nil, nil, fmt.Errorf("invalid Redis URL %q: replica_timeout=%q is not a duration of 1ms or more", redactURL(raw), q.Get("replica_timeout"))
			}
		}
		opts = append(opts, WithMinReplicas(n, timeout))
		q.Del("min_replicas")
		q.Del("replica_timeout")
	}

	if sentinel {
		return newFailoverClient(raw, scheme, u, q, addrs, opts)
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
		if err := checkReplicaTimeout(raw, opts, opt.ReadTimeout); err != nil {
			return nil, nil, err
		}
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
	if err := checkReplicaTimeout(raw, opts, opt.ReadTimeout); err != nil {
		return nil, nil, err
	}
	cc := redis.NewClusterClient(opt)
	followFailover(cc)
	return cc, opts, nil
}

// newFailoverClient builds the client of a redis+sentinel:// URL:
//
//	redis+sentinel://[user:password@]sentinel1:26379[,sentinel2:26379…]/<master name>[/<db>][?options]
//
// The user and password are the master's and its replicas' (AUTH); the
// sentinels get the same unless sentinel_username= or sentinel_password=
// say otherwise. The database may also be given as db=N. Other options are
// those of redis.ParseFailoverURL (dial_timeout, read_timeout, …).
func newFailoverClient(raw, scheme string, u *url.URL, q url.Values, addrs []string, opts []Option) (redis.UniversalClient, []Option, error) {
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	master, db := parts[0], ""
	switch {
	case master == "":
		return nil, nil, fmt.Errorf("invalid Redis Sentinel URL %q: no master name (redis+sentinel://host:26379,…/mymaster)", redactURL(raw))
	case len(parts) == 2:
		db = parts[1]
	case len(parts) > 2:
		return nil, nil, fmt.Errorf("invalid Redis Sentinel URL %q: path %q is not /<master name>[/<db>]", redactURL(raw), u.Path)
	}
	if q.Has("db") {
		if db != "" && db != q.Get("db") {
			return nil, nil, fmt.Errorf("invalid Redis Sentinel URL %q: two databases, %s and db=%s", redactURL(raw), db, q.Get("db"))
		}
		db = q.Get("db")
		q.Del("db")
	}
	user, pass := u.User.Username(), ""
	if u.User != nil {
		pass, _ = u.User.Password()
	}
	sentinelUser, sentinelPass := user, pass
	if q.Has("sentinel_username") {
		sentinelUser = q.Get("sentinel_username")
		q.Del("sentinel_username")
	}
	if q.Has("sentinel_password") {
		sentinelPass = q.Get("sentinel_password")
		q.Del("sentinel_password")
	}
	for _, k := range []string{"master_name", "username", "password", "addr"} {
		if q.Has(k) {
			return nil, nil, fmt.Errorf("invalid Redis Sentinel URL %q: unexpected option %s (the master name is the path, the password the user info, the sentinels the host list)", redactURL(raw), k)
		}
	}
	q.Set("master_name", master)
	if user != "" {
		q.Set("username", user)
	}
	if pass != "" {
		q.Set("password", pass)
	}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	fu := url.URL{Scheme: scheme, Host: addrs[0], Path: "/" + db, RawQuery: q.Encode()}
	opt, err := redis.ParseFailoverURL(fu.String())
	if err != nil {
		// Not err itself: it could quote the query, which now holds the
		// password.
		msg := err.Error()
		if pass != "" {
			msg = strings.ReplaceAll(msg, pass, "xxxxx")
		}
		return nil, nil, fmt.Errorf("invalid Redis Sentinel URL %q: %s", redactURL(raw), msg)
	}
	opt.SentinelUsername, opt.SentinelPassword = sentinelUser, sentinelPass
	opt.ContextTimeoutEnabled = true
	if err := checkReplicaTimeout(raw, opts, opt.ReadTimeout); err != nil {
		return nil, nil, err
	}
	return redis.NewFailoverClient(opt), opts, nil
}

// checkReplicaTimeout refuses a replica_timeout that the connection's read
// timeout would cut short: WAIT blocks the connection for up to that long.
func checkReplicaTimeout(raw string, opts []Option, readTimeout time.Duration) error {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if readTimeout == 0 {
		readTimeout = 3 * time.Second // go-redis's default
	}
	if c.minReplicas > 0 && readTimeout > 0 && c.replicaTimeout >= readTimeout {
		return fmt.Errorf("invalid Redis URL %q: replica_timeout=%v must be shorter than read_timeout (%v)", redactURL(raw), c.replicaTimeout, readTimeout)
	}
	return nil
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
