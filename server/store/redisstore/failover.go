package redisstore

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
)

// Following a Redis Cluster failover.
//
// When a master dies, Redis promotes one of its replicas (with
// cluster-node-timeout 2000, 2.5–4 s after the kill), and the promoted node
// serves the slots from then on. A ClusterClient only learns this when it
// re-reads the slot map, and go-redis v9 re-reads it on MOVED or READONLY
// replies, or when the map is older than ClusterStateReloadInterval (60 s
// by default) — never on a node it cannot reach. So every command for the
// dead master's slots kept dialing the dead address (connection refused,
// 503) until the next periodic reload, up to a minute after the promotion:
// the slot map was what held on to the dead node (the connection pools only
// fail fast, and the store's group commit holds no node).
//
// followFailover hooks every node client of a cluster client: a failed
// dial, a broken connection, a timeout, or a reply that says the cluster
// is changing (CLUSTERDOWN, TRYAGAIN, MASTERDOWN, LOADING) asks for a
// reload of the slot map. go-redis coalesces those asks (one reload in
// flight, then at most one more after a 200 ms pause), so a failing node
// costs one CLUSTER SLOTS to a live node about five times a second, for as
// long as requests keep failing. The reload that follows the promotion
// sends the next requests to the new master; measured by
// TestClusterFailover (3 masters with a replica each, node timeout 2 s):
// before, no receipt of the dead master's slot was accepted for the 20 s
// the test waited; after, the first one was accepted 0.0–0.3 s after the
// promotion.
//
// The hook must be installed before the client makes its first node (that
// is, before its first command): newClient does so for the URLs Open takes.
func followFailover(cc *redis.ClusterClient) {
	cc.OnNewNode(func(node *redis.Client) { node.AddHook(failoverHook{cc}) })
}

type failoverHook struct{ cc *redis.ClusterClient }

func (h failoverHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			h.cc.ReloadState(ctx)
		}
		return conn, err
	}
}

func (h failoverHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if nodeTrouble(ctx, err) {
			h.cc.ReloadState(ctx)
		}
		return err
	}
}

func (h failoverHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if nodeTrouble(ctx, err) {
			h.cc.ReloadState(ctx)
		}
		return err
	}
}

// nodeTrouble reports errors that may mean the slot map is out of date: any
// failure to talk to the node (network, timeout), and replies of a cluster
// that is changing. Other replies (redis.Nil, a script's error, NOSCRIPT)
// and a caller that gave up say nothing about the node.
func nodeTrouble(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true
	}
	for _, prefix := range []string{"CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "LOADING"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	return false
}
