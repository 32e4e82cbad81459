// Package redisstore is the consent.Store on Redis (≥ 7.0), for running
// several consentd replicas on one database. It takes a
// redis.UniversalClient, so a single server, Sentinel (a failover client)
// and Redis Cluster run the same code: every per-site key carries the hash
// tag {<site id>} (see keys.go), so each write is one Lua script on one slot.
//
// Key layout (all built in keys.go):
//
//	samtykke:sites                      SET     every site id
//	samtykke:setting:<key>              STRING  server-wide setting
//	samtykke:{<site>}:site              STRING  site JSON (source of truth for existence)
//	samtykke:{<site>}:log               STREAM  receipts, field r=<json>, id = server time in ms (see below); EXPIREd to the site's retention
//	samtykke:{<site>}:late              STRING  most ms a log id runs ahead of its receipt's server time; absent if 0
//	samtykke:{<site>}:rid:<receipt id>  STRING  stream id of the receipt; 8-day TTL (idempotency)
//	samtykke:{<site>}:cid:<consent id>  LIST    stream ids of the consent id's receipts; TTL = retention
//	samtykke:{<site>}:d:<YYYYMMDD>      HASH    day counters; TTL consent.Day.Retention() from first write
//	samtykke:{<site>}:h:<YYYYMMDDHH>    HASH    hour counters; TTL consent.Hour.Retention() from first write
//	samtykke:{<site>}:buckets:d         ZSET    YYYYMMDD → day start (unix s), every day bucket; TTL as the newest bucket
//	samtykke:{<site>}:buckets:h         ZSET    YYYYMMDDHH → hour start (unix s), every hour bucket; likewise
//	samtykke:{<site>}:tag-warnings      HASH    tag warning key → entry JSON, at most consent.MaxTagWarnings; no TTL
//	samtykke:{<site>}:seq               STRING  last receipt seq assigned (seal.go); no TTL
//	samtykke:{<site>}:leaves            HASH    seq → receipt hash (hex) + receipt id; no TTL
//	samtykke:{<site>}:seqs              HASH    receipt id → seq, while the receipt is stored
//	samtykke:{<site>}:leaves-backfilled STRING  "1" once receipts older than seqs have theirs
//	samtykke:{<site>}:checkpoints       LIST    checkpoint JSON, oldest first; no TTL
//	samtykke:{<site>}:erased            HASH    receipt id → tombstone JSON; no TTL
//
// Retention is enforced by Purge, which consentd's janitor (server/retention)
// calls for every site once an hour, with consentd's clock: a log entry's id
// is its receipt's server time in milliseconds (or later by at most the
// site's "late" value, when receipts arrive out of order), so the receipts
// past retention are an id range, and the bucket indexes name the buckets
// past theirs. The TTLs above are only a safety net: they bound what is
// left behind by a site that goes quiet while no janitor runs.
//
// Open accepts these URLs:
//
//	redis://[user:password@]host:port[/db][?options]    one server (options as redis.ParseURL)
//	rediss://…                                           the same over TLS
//	redis://host1:port,host2:port,…[?options]           Redis Cluster, seeded with every listed node
//	redis+cluster://host:port[,…]  (or rediss+cluster)  Redis Cluster
//	redis://host:port?cluster=true                       Redis Cluster
//	redis+sentinel://[user:password@]s1:26379[,…]/<master>[/db]  a primary under Sentinel (or rediss+sentinel)
//
// Cluster URLs take the options of redis.ParseClusterURL and only database 0;
// Sentinel URLs those of redis.ParseFailoverURL, plus sentinel_username and
// sentinel_password (the sentinels' own, if not the data nodes'; see
// newFailoverClient). Every form also takes the store's own options
// groupcommit=false (a script call per receipt instead of one per batch of a
// site's concurrent receipts, see WithGroupCommit and batch.go),
// autopipeline=false (no batching of concurrent script calls on one
// connection, see WithAutoPipeline), and min_replicas=N with
// replica_timeout=D (acknowledge a receipt only once N replicas have it, see
// WithMinReplicas). A Cluster client made by Open follows a failover at once
// (failover.go); one passed to New re-reads its slot map only as go-redis
// does by itself.
//
// Writes: concurrent receipts of one site are stored by one script call
// (group commit, batch.go), and concurrent script calls share the writes and
// reads of one connection (go-redis's autopipeliner); a lone receipt goes
// straight to Redis, with neither delay.
//
// Durability is Redis's: run it with appendonly yes (appendfsync always if an
// acknowledged receipt must survive power loss, everysec otherwise). Network
// errors, timeouts and Redis states that refuse writes for a while (LOADING,
// READONLY, CLUSTERDOWN, OOM, …) come back wrapped in consent.ErrUnavailable,
// so the API answers 503 and the snippet retries; the write scripts are
// idempotent, so a retry after a lost reply is safe.
package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samtykke/samtykke/server/consent"
)

// idempotencyTTL is how long a receipt id is remembered. The snippet's outbox
// retries a receipt for up to 7 days; one more day covers clock skew.
const idempotencyTTL = 8 * 24 * time.Hour

// purgePage is how many log entries or buckets one Purge round trip reads
// and deletes: big enough to amortise the round trip, small enough that one
// script keeps Redis busy for well under a millisecond or two.
const purgePage = 500

// exportPage is how many log entries one XRANGE of ReceiptsBetween reads,
// so that memory stays flat however long the period.
const exportPage = 1000

var (
	//go:embed save_receipts.lua
	saveReceiptsSrc string
	saveReceipts    = redis.NewScript(saveReceiptsSrc)

	//go:embed count.lua
	countSrc string
	count    = redis.NewScript(countSrc)

	//go:embed purge_receipts.lua
	purgeReceiptsSrc string
	purgeReceipts    = redis.NewScript(purgeReceiptsSrc)

	//go:embed record_tag_warnings.lua
	recordTagWarningsSrc string
	recordTagWarnings    = redis.NewScript(recordTagWarningsSrc)

	//go:embed clear_tag_warnings.lua
	clearTagWarningsSrc string
	clearTagWarnings    = redis.NewScript(clearTagWarningsSrc)
)

// scripts are loaded into Redis by Open, so that no request pays for a
// NOSCRIPT round trip and an EVAL of the whole source (Script.Run's fallback,
// still there for a Redis that restarted or flushed its script cache).
var scripts = []*redis.Script{saveReceipts, count, purgeReceipts, recordTagWarnings, clearTagWarnings,
	createUser, updateUser, setGrant, createSession, reserveAttempt, releaseAttempt}

// Store is a consent.Store on Redis.
type Store struct {
	rdb   redis.UniversalClient
	owned bool // Close closes rdb only if Open made it

	// ap is rdb's autopipeliner, nil if off (see WithAutoPipeline); busy
	// counts the per-request script calls (SaveReceipt, CountImpression) in
	// flight, to send a lone one straight on rdb (see hot).
	ap   *redis.AutoPipeliner
	busy atomic.Int32

	// minReplicas > 0: a batch is acknowledged only once that many
	// replicas have it (WithMinReplicas, replicas.go).
	minReplicas    int
	replicaTimeout time.Duration

	// Group commit (batch.go): the receipts waiting per site while a batch
	// of the site is in flight.
	groupCommit bool
	qmu         sync.Mutex
	queues      map[string]*siteQueue
}

var _ consent.Store = (*Store)(nil)

// An Option changes a Store's defaults.
type Option func(*config)

type config struct {
	autoPipeline   bool
	groupCommit    bool
	minReplicas    int
	replicaTimeout time.Duration
}

// WithMinReplicas makes SaveReceipt acknowledge a receipt only once at least
// n replicas of its master have it: after each batch's script, on the same
// connection, WAIT n timeout (one WAIT per group commit, so a batch shares
// its cost). A receipt that does not reach n replicas within timeout is
// answered ErrUnavailable (503; the snippet retries it, and the retry is a
// duplicate that WAITs again). Redis replicates asynchronously, so without
// this a receipt acknowledged by a master that dies before its replica has
// it is lost in the failover; with it, the promoted replica (Sentinel and
// Cluster both promote the replica that has the most) holds every
// acknowledged receipt as long as no more than n-1 of the replicas that
// acknowledged die with the master. 0 (the default) turns it off. The URL
// options min_replicas=N and replica_timeout=D (default 1s) of Open set it;
// see replicas.go for the measured cost.
func WithMinReplicas(n int, timeout time.Duration) Option {
	return func(c *config) { c.minReplicas, c.replicaTimeout = n, timeout }
}

// defaultReplicaTimeout is how long a batch waits for its replicas when
// the URL names none: long enough for a replica that is merely busy, short
// enough that a receipt answered 503 is retried by the snippet soon.
const defaultReplicaTimeout = time.Second

// WithGroupCommit says whether concurrent SaveReceipt calls for one site
// share one script call (see batch.go). It is on by default (see
// defaultGroupCommit); the URL option groupcommit=false of Open turns it
// off, and each receipt then has a script call of its own.
func WithGroupCommit(on bool) Option { return func(c *config) { c.groupCommit = on } }

// defaultGroupCommit: see the measurement in batch.go.
const defaultGroupCommit = true

// WithAutoPipeline says whether SaveReceipt and CountImpression send their
// scripts through go-redis's autopipeliner (EXPERIMENTAL in go-redis): the
// EVALSHAs of concurrent requests then share one write and one read on one
// connection, where each would otherwise pay both syscalls on a pooled
// connection of its own, and Redis reads and answers them in one go as well.
// It is on by default (see defaultAutoPipeline for the measurement); the
// URL option autopipeline=false of Open turns it off.
func WithAutoPipeline(on bool) Option { return func(c *config) { c.autoPipeline = on } }

// defaultAutoPipeline: measured with scripts/load.sh (64 connections, 2
// cores, load generator, consentd and Redis on one machine). With a script
// call per receipt, autopipelining cut consentd's CPU per receipt by a
// median 15% (5–31%) and Redis's by 10% (5–24%) over 8 interleaved pairs of
// runs; Redis then read about 10 EVALSHAs per socket read instead of 1.
// With group commit, one site has one call in flight and the autopipeliner
// stays out of the way (see hot); with 20 sites (about 2 receipts per batch)
// it cut Redis's CPU per receipt in 5 of 6 pairs of runs (by up to 23%) and
// added to consentd's in 4 of 6 (noisy: the machine was shared). It stays on: consentd replicas scale out, Redis
// does not.
const defaultAutoPipeline = true

// New returns a store on client. Close does not close client: whoever made
// it does.
func New(client redis.UniversalClient, opts ...Option) *Store {
	c := config{autoPipeline: defaultAutoPipeline, groupCommit: defaultGroupCommit}
	for _, o := range opts {
		o(&c)
	}
	s := &Store{rdb: client,
		groupCommit: c.groupCommit, queues: map[string]*siteQueue{},
		minReplicas: c.minReplicas, replicaTimeout: c.replicaTimeout}
	if s.replicaTimeout <= 0 {
		s.replicaTimeout = defaultReplicaTimeout
	}
	if c.autoPipeline {
		// The blocking face: each call still waits for its own reply. A
		// client without one (a Ring) keeps the plain path.
		if ap, err := client.AutoPipeline(); err == nil {
			s.ap = ap
		}
	}
	return s
}

// hot returns what runs a per-request script: the autopipeliner when more
// than apBusy such calls are in flight, so that they share writes and reads,
// and rdb while fewer are, which the autopipeliner would only delay (its flusher
// goroutine is a hop each way: in BenchmarkSaveReceiptOptions a lone
// SaveReceipt took about 245 µs through it instead of 150–185 µs). done
// must be called when the call is over.
func (s *Store) hot() (c redis.Scripter, done func()) {
	if s.ap == nil {
		return s.rdb, func() {}
	}
	if s.busy.Add(1) > apBusy {
		return s.ap, s.idle
	}
	return s.rdb, s.idle
}

func (s *Store) idle() { s.busy.Add(-1) }

// apBusy is how many per-request script calls must be in flight already
// before one goes through the autopipeliner (with 2 writers the plain path
// was still faster in BenchmarkSaveReceiptOptions).
const apBusy = 4

// Open connects to the Redis named by url (see the package comment), checks
// with PING that it answers and loads the store's scripts.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	client, urlOpts, err := newClient(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redisstore: %s: %w", redactURL(url), unavailable(err))
	}
	if err := LoadScripts(ctx, client); err != nil {
		client.Close()
		return nil, fmt.Errorf("redisstore: %s: %w", redactURL(url), err)
	}
	s := New(client, append(urlOpts, opts...)...)
	s.owned = true
	return s, nil
}

// LoadScripts loads the store's scripts into Redis (on a cluster, into every
// master), so that EVALSHA finds them from the first request on. Open calls
// it; a store made with New works without, at the cost of one EVAL per
// script and server.
func LoadScripts(ctx context.Context, client redis.UniversalClient) error {
	load := func(ctx context.Context, c redis.Scripter) error {
		for _, sc := range scripts {
			if err := sc.Load(ctx, c).Err(); err != nil {
				return unavailable(err)
			}
		}
		return nil
	}
	if cc, ok := client.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return load(ctx, c) })
	}
	return load(ctx, client)
}

// Close closes the client if Open made it.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	err := s.rdb.Close()
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return err
}

// Ping checks that Redis answers (what /readyz asks). On a Redis Cluster it
// re-reads the slot map and pings every master in it, so it answers for
// every site: it fails while a dead master still holds slots (from the kill
// until a replica is promoted: receipts of those slots fail meanwhile), and
// succeeds again as soon as the new master is known. A plain PING would go
// to one node picked at random, and say yes or no by chance.
func (s *Store) Ping(ctx context.Context) error {
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		return unavailable(cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return m.Ping(ctx).Err()
		}))
	}
	return unavailable(s.rdb.Ping(ctx).Err())
}

// unavailable wraps errors that a retry may cure (the network, a timeout, a
// Redis that is loading, failing over or full) in consent.ErrUnavailable.
// Other Redis replies (WRONGTYPE, a script error) are bugs and pass as they
// are.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !transient(err) {
		return fmt.Errorf("redisstore: %w", err)
	}
	return fmt.Errorf("%w: %v", consent.ErrUnavailable, err)
}

// transient reports Redis error replies that mean "not now".
func transient(err error) bool {
	for _, prefix := range []string{"LOADING", "READONLY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN",
		"BUSY", "OOM", "MISCONF", "NOREPLICAS", "MOVED", "ASK"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	return redis.IsMaxClientsError(err)
}

func (s *Store) CreateSite(ctx context.Context, site consent.Site) error {
	data, err := json.Marshal(site)
	if err != nil {
		return err
	}
	// Into the set first, so the set never misses a site that exists.
	added, err := s.rdb.SAdd(ctx, sitesKey(), site.ID).Result()
	if err != nil {
		return unavailable(err)
	}
	if added == 0 {
		// Already a member: either the site exists, or a DeleteSite (or
		// CreateSite) was interrupted. Finish that delete so the new site
		// starts empty.
		// A deleted site keeps its id until it is purged.
		n, err := s.rdb.Exists(ctx, siteKey(site.ID), deletedSiteKey(site.ID)).Result()
		if err != nil {
			return unavailable(err)
		}
		if n > 0 {
			return consent.ErrConflict
		}
		if err := s.deleteSiteData(ctx, site.ID); err != nil {
			return err
		}
	}
	ok, err := s.rdb.SetNX(ctx, siteKey(site.ID), data, 0).Result()
	if err != nil {
		return unavailable(err)
	}
	if !ok {
		return consent.ErrConflict
	}
	return nil
}

func (s *Store) UpdateSite(ctx context.Context, site consent.Site) error {
	data, err := json.Marshal(site)
	if err != nil {
		return err
	}
	// XX: only replace, never create a deleted site again.
	ok, err := s.rdb.SetXX(ctx, siteKey(site.ID), data, 0).Result()
	if err != nil {
		return unavailable(err)
	}
	if !ok {
		return consent.ErrNotFound
	}
	return nil
}

// DeleteSite deletes the site key first, which stops every write to the site
// (the scripts check it), then every other key of the site, then the set
// member. If it is interrupted, a second call (or a CreateSite of the same
// id) finishes the job.
func (s *Store) DeleteSite(ctx context.Context, id string) error {
	// A deleted site (MarkSiteDeleted) is purged the same way.
	n, err := s.rdb.Del(ctx, siteKey(id), deletedSiteKey(id)).Result()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		member, err := s.rdb.SIsMember(ctx, sitesKey(), id).Result()
		if err != nil {
			return unavailable(err)
		}
		if !member {
			return consent.ErrNotFound
		}
	}
	if err := s.deleteSiteData(ctx, id); err != nil {
		return err
	}
	if err := s.rdb.SRem(ctx, sitesKey(), id).Err(); err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

// deleteSiteData removes every key of a site except the site key itself.
// A site's keys all live in one slot, but which master holds it is not worth
// computing: SCAN every master (on a single server, the server).
func (s *Store) deleteSiteData(ctx context.Context, id string) error {
	pattern, keep := siteKeysPattern(id), siteKey(id)
	sweep := func(ctx context.Context, c *redis.Client) error {
		const batch = 500
		var keys []string
		flush := func() error {
			if len(keys) == 0 {
				return nil
			}
			// UNLINK frees big streams in the background instead of
			// blocking Redis.
			err := c.Unlink(ctx, keys...).Err()
			keys = keys[:0]
			return err
		}
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if k := iter.Val(); k != keep {
				keys = append(keys, k)
			}
			if len(keys) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	var err error
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, sweep)
	case *redis.Ring:
		err = c.ForEachShard(ctx, sweep)
	case *redis.Client:
		err = sweep(ctx, c)
	default:
		return fmt.Errorf("redisstore: cannot delete site keys with a %T", s.rdb)
	}
	return unavailable(err)
}

func (s *Store) Site(ctx context.Context, id string) (consent.Site, error) {
	data, err := s.rdb.Get(ctx, siteKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return consent.Site{}, consent.ErrNotFound
	}
	if err != nil {
		return consent.Site{}, unavailable(err)
	}
	var site consent.Site
	if err := json.Unmarshal(data, &site); err != nil {
		return consent.Site{}, fmt.Errorf("redisstore: site %s: %w", id, err)
	}
	return site, nil
}

func (s *Store) Sites(ctx context.Context) ([]consent.Site, error) {
	ids, err := s.rdb.SMembers(ctx, sitesKey()).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	// GETs in a pipeline, not MGET: on Cluster the keys are in many slots.
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, siteKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	sites := make([]consent.Site, 0, len(ids))
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if errors.Is(err, redis.Nil) {
			continue // a member whose site is gone (an interrupted delete)
		}
		if err != nil {
			return nil, unavailable(err)
		}
		var site consent.Site
		if err := json.Unmarshal(data, &site); err != nil {
			return nil, fmt.Errorf("redisstore: site %s: %w", ids[i], err)
		}
		sites = append(sites, site)
	}
	return sites, nil
}

func retentionOf(site consent.Site) int {
	if site.RetentionDays <= 0 {
		return consent.DefaultRetentionDays
	}
	return site.RetentionDays
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// SaveReceipt takes the site's retention from site as the caller read it:
// on the write path retention only sets TTLs (the janitor's Purge reads the
// site afresh), and the handler's copy is at most seconds old, so the store
// reads no site per receipt. Whether the site still exists is checked by
// the script itself.
func (s *Store) SaveReceipt(ctx context.Context, site consent.Site, r consent.Receipt, counters []consent.Counter) (consent.Receipt, bool, error) {
	days := retentionOf(site)
	data, err := json.Marshal(r)
	if err != nil {
		return consent.Receipt{}, false, err
	}
	req := &saveReq{ctx: ctx, r: r, data: data, counters: counters, days: days}
	if s.groupCommit {
		return s.saveGrouped(req)
	}
	s.saveBatch(ctx, r.SiteID, []*saveReq{req})
	return req.stored, req.created, req.err
}

func (s *Store) Receipts(ctx context.Context, siteID, consentID string) ([]consent.Receipt, error) {
	ids, err := s.rdb.LRange(ctx, consentIDKey(siteID, consentID), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]consent.Receipt, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cmds := make([]*redis.XMessageSliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.XRange(ctx, logKey(siteID), id, id)
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}
	for _, cmd := range cmds {
		msgs := cmd.Val()
		if len(msgs) == 0 {
			// Gone while the list still names it: the log expired
			// (its TTL is the safety net) or an operator trimmed it.
			// Purge itself cleans the lists.
			continue
		}
		raw, _ := msgs[0].Values["r"].(string)
		var r consent.Receipt
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("redisstore: receipt %s: %w", msgs[0].ID, err)
		}
		out = append(out, r)
	}
	// The list is in arrival order; the record's order is server time.
	sort.SliceStable(out, func(i, j int) bool { return out[i].ServerTime.Before(out[j].ServerTime) })
	return out, nil
}

// logMs is the log id (ms since 1970) a receipt with server time t asks
// for. Stream ids cannot be negative, and no real receipt is that old.
func logMs(t time.Time) int64 { return max(t.UnixMilli(), 0) }

func (s *Store) CountImpression(ctx context.Context, siteID string, at time.Time, counters []consent.Counter) error {
	day, hour := consent.Day.Truncate(at), consent.Hour.Truncate(at)
	keys := []string{siteKey(siteID), bucketKey(siteID, consent.Day, day), bucketKey(siteID, consent.Hour, hour),
		bucketIndexKey(siteID, consent.Day), bucketIndexKey(siteID, consent.Hour)}
	args := make([]any, 0, 6+len(counters))
	args = append(args, seconds(consent.Day.Retention()), seconds(consent.Hour.Retention()),
		day.Unix(), hour.Unix(), bucketName(consent.Day, day), bucketName(consent.Hour, hour))
	for _, c := range counters {
		args = append(args, c.String()) // counters are named here and in batch.go only
	}
	hot, done := s.hot()
	n, err := count.Run(ctx, hot, keys, args...).Int()
	done()
	if err != nil {
		return unavailable(err)
	}
	if n == 0 {
		return consent.ErrNotFound
	}
	return nil
}

// pipelineChunk bounds one pipeline of HGETALLs, so a very long hourly range
// does not build one huge request and reply.
const pipelineChunk = 1000

func (s *Store) Counters(ctx context.Context, siteID string, g consent.Granularity, from, to time.Time) ([]consent.CounterBucket, error) {
	if !g.Valid() {
		return nil, fmt.Errorf("redisstore: unknown granularity %q", g)
	}
	// Buckets whose start lies in [from, to).
	var starts []time.Time
	for t := firstStartAtOrAfter(g, from); t.Before(to); t = g.Step(t) {
		starts = append(starts, t)
	}
	out := []consent.CounterBucket{}
	for len(starts) > 0 {
		chunk := starts[:min(len(starts), pipelineChunk)]
		starts = starts[len(chunk):]
		cmds := make([]*redis.MapStringStringCmd, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, t := range chunk {
				cmds[i] = p.HGetAll(ctx, bucketKey(siteID, g, t))
			}
			return nil
		})
		if err != nil {
			return nil, unavailable(err)
		}
		for i, cmd := range cmds {
			fields := cmd.Val()
			if len(fields) == 0 {
				continue
			}
			m := make(map[string]int64, len(fields))
			for f, v := range fields {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("redisstore: counter %s in %s: %w", f, bucketKey(siteID, g, chunk[i]), err)
				}
				m[f] = n
			}
			out = append(out, consent.CounterBucket{Start: chunk[i], Counters: m})
		}
	}
	return out, nil
}

// firstStartAtOrAfter returns the first bucket start that is not before t.
func firstStartAtOrAfter(g consent.Granularity, t time.Time) time.Time {
	start := g.Truncate(t)
	if start.Before(t) {
		start = g.Step(start)
	}
	return start
}

func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	v, err := s.rdb.Get(ctx, settingKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", consent.ErrNotFound
	}
	return v, unavailable(err)
}

// SetSettingOnce is one SET NX GET (Redis ≥ 7.0), so racing replicas agree
// without a second round trip.
func (s *Store) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	prev, err := s.rdb.SetArgs(ctx, settingKey(key), value, redis.SetArgs{Mode: "NX", Get: true}).Result()
	if errors.Is(err, redis.Nil) {
		return value, nil // there was none: ours is stored
	}
	if err != nil {
		return "", unavailable(err)
	}
	return prev, nil
}
