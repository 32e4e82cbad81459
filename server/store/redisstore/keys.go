package redisstore

import (
	"strings"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Every Redis key the store uses is built here, so the layout can be read
// in one place (and the package comment describes it).
//
// Per-site keys start with samtykke:{<site id>}: . Redis Cluster hashes only
// the part inside the braces, so all of a site's keys live in one slot and
// one Lua script may touch any of them; on a single server the tag is just
// part of the name.

const keyPrefix = "samtykke:"

// sitesKey is the SET of every site id. It is in its own slot, so it is
// written in a separate command from the site's own keys: the site key is the
// source of truth, and the set may briefly name a site that is gone (never
// the other way round: CreateSite adds to the set first, DeleteSite removes
// from it last).
func sitesKey() string { return keyPrefix + "sites" }

// settingKey holds one server-wide setting (STRING).
func settingKey(key string) string { return keyPrefix + "setting:" + key }

// siteTag is the prefix shared by every key of one site.
func siteTag(siteID string) string { return keyPrefix + "{" + siteID + "}:" }

// siteKey holds the site's JSON (STRING). Scripts check that it exists, so
// nothing is written for a deleted site.
func siteKey(siteID string) string { return siteTag(siteID) + "site" }

// logKey is the site's receipt log (STREAM), one entry per receipt with the
// JSON in field "r". An entry's id is its receipt's server time in ms (or a
// little later, see lateKey), so the janitor purges and an export reads a
// period by id range.
func logKey(siteID string) string { return siteTag(siteID) + "log" }

// lateKey holds the largest number of ms by which a log entry's id is later
// than its receipt's server time (STRING, absent while that is 0). Ids must
// grow, so a receipt that arrives after one with a later server time is
// filed at the later one's millisecond; readers widen their id ranges by
// this much to still find every receipt of a period.
func lateKey(siteID string) string { return siteTag(siteID) + "late" }

// receiptIDKey maps a receipt id to its stream entry id (STRING with a TTL),
// which makes a retried POST a duplicate instead of a second receipt.
func receiptIDKey(siteID, receiptID string) string { return siteTag(siteID) + "rid:" + receiptID }

// consentIDKey lists the stream entry ids of one consent id's receipts
// (LIST, in arrival order).
func consentIDKey(siteID, consentID string) string { return siteTag(siteID) + "cid:" + consentID }

// bucketKey is one counter bucket (HASH of field → count): d:YYYYMMDD or
// h:YYYYMMDDHH, in UTC.
func bucketKey(siteID string, g consent.Granularity, t time.Time) string {
	return bucketKeyOf(siteID, g, bucketName(g, t))
}

// bucketName is the time part of a bucket's key, and its member in the
// bucket index.
func bucketName(g consent.Granularity, t time.Time) string {
	if g == consent.Hour {
		return t.UTC().Format("2006010215")
	}
	return t.UTC().Format("20060102")
}

func bucketKeyOf(siteID string, g consent.Granularity, name string) string {
	if g == consent.Hour {
		return siteTag(siteID) + "h:" + name
	}
	return siteTag(siteID) + "d:" + name
}

// bucketIndexKey lists a site's counter buckets of one granularity (ZSET of
// bucket name scored by its start in seconds since 1970), so the janitor
// finds the buckets past retention with one ZRANGE instead of a SCAN of the
// whole keyspace.
func bucketIndexKey(siteID string, g consent.Granularity) string {
	if g == consent.Hour {
		return siteTag(siteID) + "buckets:h"
	}
	return siteTag(siteID) + "buckets:d"
}

// tagWarningsKey holds the site's tag warnings (HASH of
// consent.TagWarning.Key → entry JSON, see record_tag_warnings.lua). It has
// no TTL: the entries are bounded (consent.MaxTagWarnings) and stay until
// the owner clears them or the site is deleted.
func tagWarningsKey(siteID string) string { return siteTag(siteID) + "tag-warnings" }

// What was shown, the audit log and deletion with a grace period
// (snapshots.go). They share the site's hash tag, so one script writes a
// site with its snapshot and audit entry, and a delete or restore is one
// RENAME within the slot.

// snapshotsKey holds the site's config snapshots (HASH of config version →
// consent.Snapshot JSON), written with HSETNX: never overwritten. Kept,
// without TTL, while the site exists: one per version, a few KiB each.
func snapshotsKey(siteID string) string { return siteTag(siteID) + "snapshots" }

// auditKey is the site's audit log (LIST of consent.AuditEntry JSON, oldest
// first). People's changes, so small; kept while the site exists.
func auditKey(siteID string) string { return siteTag(siteID) + "audit" }

// deletedSiteKey holds a deleted site's JSON (STRING): the site key renamed,
// so every script that checks the site key refuses writes to it at once.
// deletionKey holds when and by whom it was deleted and when it is purged
// (STRING, JSON). The member of sitesKey stays until the purge.
func deletedSiteKey(siteID string) string { return siteTag(siteID) + "deleted-site" }
func deletionKey(siteID string) string    { return siteTag(siteID) + "deletion" }

// Tamper evidence (seal.go). None has a TTL: checkpoints, leaves and
// tombstones must outlive the receipts they prove.

// seqKey holds the site's last assigned receipt seq (STRING, INCR).
func seqKey(siteID string) string { return siteTag(siteID) + "seq" }

// leavesKey maps a seq to its leaf (HASH of seq → 64 hex digits of
// consent.ReceiptHash followed by the receipt id).
func leavesKey(siteID string) string { return siteTag(siteID) + "leaves" }

// seqsKey maps a stored receipt's id to its seq (HASH); Purge drops a purged
// receipt's field.
func seqsKey(siteID string) string { return siteTag(siteID) + "seqs" }

// leavesBackfilledKey is set once the receipts stored before seqs existed
// have theirs (STRING "1").
func leavesBackfilledKey(siteID string) string { return siteTag(siteID) + "leaves-backfilled" }

// checkpointsKey lists the site's checkpoints (LIST of consent.Checkpoint
// JSON, number n at index n-1).
func checkpointsKey(siteID string) string { return siteTag(siteID) + "checkpoints" }

// erasedKey holds the site's tombstones (HASH of receipt id →
// consent.Tombstone JSON).
func erasedKey(siteID string) string { return siteTag(siteID) + "erased" }

// siteKeysPattern is a SCAN MATCH pattern for every key of one site. Glob
// characters in the id are escaped so that one site's delete can never match
// another site's keys.
func siteKeysPattern(siteID string) string {
	var b strings.Builder
	for _, r := range siteTag(siteID) {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteString("*")
	return b.String()
}

// ---------------------------------------------------------------------------
// Dashboard accounts (accounts.go). Every account key carries the one hash
// tag {accounts}, so on Redis Cluster they all live in one slot and a script
// or a MULTI may touch any of them together. Account data is small (people,
// not visitors), so one slot holds it easily.
//
//	samtykke:{accounts}:users                   SET     every user id
//	samtykke:{accounts}:user:<id>               STRING  user JSON
//	samtykke:{accounts}:email:<address>         STRING  user id of a normalized address
//	samtykke:{accounts}:grants:<user id>        HASH    site id → grant JSON
//	samtykke:{accounts}:site-grants:<site id>   HASH    user id → grant JSON (reverse index)
//	samtykke:{accounts}:session:<token sha256>  STRING  session JSON; TTL = the session's lifetime
//	samtykke:{accounts}:sessions:<user id>      SET     token hashes of the user's sessions; expires with the last
//	samtykke:{accounts}:throttle:<key>          HASH    n, reset (ms), next (ms) of a key's sign-in attempts
//	                                                    (accounts.Throttle); expires with its window. A key is
//	                                                    n:<network>, an:<HMAC of address>:<network>,
//	                                                    a:<HMAC of address> or d:<device token's HMAC>: never
//	                                                    the address typed. The HMAC key is the setting
//	                                                    accounts_throttle_hmac_key (settingKey).
//	samtykke:{accounts}:failed-sign-ins:<id>    HASH    n, last (ms), net: wrong passwords given for the user's
//	                                                    account since their last sign-in; expires 90 days
//	                                                    after the last

const accountsTag = keyPrefix + "{accounts}:"

func usersKey() string                   { return accountsTag + "users" }
func userKey(id string) string           { return accountsTag + "user:" + id }
func emailKey(email string) string       { return accountsTag + "email:" + email }
func userGrantsKey(userID string) string { return accountsTag + "grants:" + userID }
func siteGrantsKey(siteID string) string { return accountsTag + "site-grants:" + siteID }
func sessionKey(tokenHash string) string { return accountsTag + "session:" + tokenHash }
func inviteKey(tokenHash string) string  { return accountsTag + "invite:" + tokenHash }

// userSessionsKey of the empty user id collects sessions opened with the
// admin token.
func userSessionsKey(userID string) string  { return accountsTag + "sessions:" + userID }
func throttleKey(key string) string         { return accountsTag + "throttle:" + key }
func failedSignInsKey(userID string) string { return accountsTag + "failed-sign-ins:" + userID }

// ---------------------------------------------------------------------------
// Scans (scans.go), under the site's hash tag like the rest of its keys, so
// that DeleteSite removes them and one script touches them together:
//
//	samtykke:{<site>}:scan:<id>      STRING  scanner.Scan JSON
//	samtykke:{<site>}:scans          ZSET    scan id scored by its start (ms)
//	samtykke:{<site>}:scan-running   STRING  the running scan's id: the lock

func scanKey(siteID, scanID string) string { return siteTag(siteID) + "scan:" + scanID }
func scansKey(siteID string) string        { return siteTag(siteID) + "scans" }
func scanRunningKey(siteID string) string  { return siteTag(siteID) + "scan-running" }
