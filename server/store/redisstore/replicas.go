package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// saveReplicated runs save_receipts.lua for one batch and then, on the same
// connection, WAIT minReplicas replicaTimeout: WAIT counts the replicas
// that have acknowledged everything this connection wrote, so the batch's
// receipts (and, for a duplicate, the receipt stored before, which came
// earlier in the master's replication stream) are on that many replicas
// when it returns enough. The two go in one pipeline: one round trip, one
// connection.
//
// On a cluster the pipeline goes to the master of the site's slot itself
// (a cluster pipeline could send the keyless WAIT to another node); a MOVED
// reply then means the slot map is stale, which is re-read, and the batch
// is answered unavailable for the snippet to retry.
//
// Cost, measured with BenchmarkSaveReceiptMinReplicas (one primary and one
// replica on loopback, 2 cores shared with other jobs, two runs): a lone
// receipt 142–213 µs → 277–307 µs, about one replication round trip more;
// with 32 concurrent writers, whose receipts share batches and so WAITs,
// 37–77 µs → 65–98 µs per receipt. Across a network add the primary-replica
// round trip once per batch (deploy/README.md, "High availability").
func (s *Store) saveReplicated(ctx context.Context, site string, keys []string, args []any) ([]any, error) {
	var c *redis.Client
	switch rdb := s.rdb.(type) {
	case *redis.Client:
		c = rdb
	case *redis.ClusterClient:
		var err error
		if c, err = rdb.MasterForKey(ctx, siteKey(site)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("redisstore: min_replicas needs a single server, Sentinel or Cluster client, not a %T", s.rdb)
	}
	run := func(eval bool) (*redis.Cmd, *redis.IntCmd, error) {
		pipe := c.Pipeline()
		var cmd *redis.Cmd
		if eval {
			cmd = saveReceipts.Eval(ctx, pipe, keys, args...)
		} else {
			cmd = saveReceipts.EvalSha(ctx, pipe, keys, args...)
		}
		// (Pipeliner has no Wait method; the reply is an integer.)
		wait := redis.NewIntCmd(ctx, "wait", s.minReplicas, s.replicaTimeout.Milliseconds())
		_ = pipe.Process(ctx, wait)
		_, err := pipe.Exec(ctx)
		return cmd, wait, err
	}
	cmd, wait, err := run(false)
	if err != nil && redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		// A master that restarted, or a replica just promoted: its script
		// cache is empty.
		cmd, wait, err = run(true)
	}
	if err := cmd.Err(); err != nil {
		if cc, ok := s.rdb.(*redis.ClusterClient); ok && (redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK")) {
			cc.ReloadState(ctx)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	res, err := cmd.Slice()
	if err != nil {
		return nil, err
	}
	n, err := wait.Result()
	if err != nil {
		return nil, err
	}
	if n < int64(s.minReplicas) {
		return nil, fmt.Errorf("redisstore: the batch reached %d of the %d replicas asked for within %v", n, s.minReplicas, s.replicaTimeout)
	}
	return res, nil
}
