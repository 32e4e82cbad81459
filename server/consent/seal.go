package consent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Tamper evidence. Every stored receipt gets a per-site sequence number
// (seq), assigned by the store in the transaction or script that stores it,
// and a leaf: the receipt's hash (ReceiptHash), kept apart from the
// receipt's body. Checkpoints commit to the leaves of a site in seq order
// (a Merkle tree per checkpoint, each checkpoint chained to the one before)
// and are signed; server/seal builds, signs and verifies them. Erasing a
// visitor deletes the bodies and keeps the leaves, so checkpoints still
// verify, and leaves a Tombstone saying what was erased.
//
// Seq, not ServerTime, is the seal order: replicas' clocks differ, and a
// receipt with an earlier ServerTime may commit after one with a later one.

// ReceiptHash is the leaf hash of a stored receipt, in hex: SHA-256 over
// the byte 0x00 (RFC 6962's leaf prefix) and the receipt's canonical
// encoding. The canonical encoding is, for each field below in this order,
// its name, ":", the byte length of its value in decimal, ":", the value and
// "\n". Booleans are "true" or "false"; times are UTC in RFC 3339 with
// nanoseconds and no trailing zeros (Go's time.RFC3339Nano), and "" when
// zero. The fields are the receipt as stored, server time included:
//
//	receipt_id consent_id site_id action choices.necessary choices.statistics
//	choices.marketing config_version language page_url surface gpc
//	client_time previous_receipt_id server_time expires_at user_agent ip device
//
// Length prefixes make the encoding unambiguous whatever a value holds (a
// user agent may hold anything), and it depends on no JSON library.
func ReceiptHash(r Receipt) string {
	sum := sha256.Sum256(append([]byte{0}, CanonicalReceipt(r)...))
	return hex.EncodeToString(sum[:])
}

// CanonicalReceipt is the encoding ReceiptHash hashes.
func CanonicalReceipt(r Receipt) []byte {
	var b canonical
	b.field("receipt_id", r.ReceiptID)
	b.field("consent_id", r.ConsentID)
	b.field("site_id", r.SiteID)
	b.field("action", string(r.Action))
	b.field("choices.necessary", strconv.FormatBool(r.Choices.Necessary))
	b.field("choices.statistics", strconv.FormatBool(r.Choices.Statistics))
	b.field("choices.marketing", strconv.FormatBool(r.Choices.Marketing))
	b.field("config_version", r.ConfigVersion)
	b.field("language", r.Language)
	b.field("page_url", r.PageURL)
	b.field("surface", string(r.Surface))
	b.field("gpc", strconv.FormatBool(r.GPC))
	b.field("client_time", canonicalTime(r.ClientTime))
	b.field("previous_receipt_id", r.PreviousReceiptID)
	b.field("server_time", canonicalTime(r.ServerTime))
	b.field("expires_at", canonicalTime(r.ExpiresAt))
	b.field("user_agent", r.UserAgent)
	b.field("ip", r.IP)
	b.field("device", string(r.Device))
	return b.buf
}

// GapHash is the leaf of a seq that no receipt took (a store write that
// failed after the seq was assigned): SHA-256 of the lone leaf prefix.
var GapHash = func() string {
	sum := sha256.Sum256([]byte{0})
	return hex.EncodeToString(sum[:])
}()

type canonical struct{ buf []byte }

func (c *canonical) field(name, value string) {
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, ':')
	c.buf = strconv.AppendInt(c.buf, int64(len(value)), 10)
	c.buf = append(c.buf, ':')
	c.buf = append(c.buf, value...)
	c.buf = append(c.buf, '\n')
}

func canonicalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Leaf is one receipt's place in its site's seal order.
type Leaf struct {
	Seq       int64  `json:"seq"`
	ReceiptID string `json:"receipt_id"` // "" for a gap
	Hash      string `json:"hash"`       // ReceiptHash, or GapHash
}

// Checkpoint commits to the leaves of one site with seq in
// [FirstSeq, LastSeq]: Root is their Merkle tree's root (RFC 6962), Prev the
// Hash of the site's checkpoint before (empty for the first), and Signature
// an Ed25519 signature by the key KeyID over SignedBytes.
type Checkpoint struct {
	SiteID    string    `json:"site_id"`
	Number    int64     `json:"number"` // 1, 2, … per site
	FirstSeq  int64     `json:"first_seq"`
	LastSeq   int64     `json:"last_seq"`
	Root      string    `json:"root"` // hex
	Prev      string    `json:"prev"` // hex, "" for number 1
	SealedAt  time.Time `json:"sealed_at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"` // base64 (standard, padded)
}

// SignedBytes is what a checkpoint's signature covers: the canonical
// encoding of ReceiptHash (the same length-prefixed fields) of every field
// but the signature, after a line naming the format.
func (c Checkpoint) SignedBytes() []byte {
	b := canonical{buf: []byte("samtykke-checkpoint-v1\n")}
	b.field("site_id", c.SiteID)
	b.field("number", strconv.FormatInt(c.Number, 10))
	b.field("first_seq", strconv.FormatInt(c.FirstSeq, 10))
	b.field("last_seq", strconv.FormatInt(c.LastSeq, 10))
	b.field("root", c.Root)
	b.field("prev", c.Prev)
	b.field("sealed_at", canonicalTime(c.SealedAt))
	b.field("key_id", c.KeyID)
	return b.buf
}

// Hash is what the next checkpoint's Prev holds: SHA-256 of SignedBytes
// and the signature, in hex.
func (c Checkpoint) Hash() string {
	sum := sha256.Sum256(append(c.SignedBytes(), c.Signature...))
	return hex.EncodeToString(sum[:])
}

// Covers reports whether seq is one of the checkpoint's leaves.
func (c Checkpoint) Covers(seq int64) bool { return seq >= c.FirstSeq && seq <= c.LastSeq }

// Tombstone records one erased receipt: its body is gone, its leaf stays.
type Tombstone struct {
	ReceiptID string    `json:"receipt_id"`
	Seq       int64     `json:"seq"`
	ErasedAt  time.Time `json:"erased_at"`
	Actor     string    `json:"actor"`
}

// SealStore is the part of Store that tamper evidence and erasure need.
type SealStore interface {
	// Leaves returns the site's leaves with seq in [from, from+limit),
	// oldest first, none past the highest seq assigned so far, which it
	// also returns. A seq is assigned in the same atomic write that stores
	// its receipt, so every leaf returned is committed; a seq whose write
	// failed part-way is returned as a gap (ReceiptID "", Hash GapHash).
	// Receipts stored before seqs existed get theirs here on first call
	// (the Redis store) or when the store opens (bbolt), in log order.
	// An unknown site has none: nil, 0.
	Leaves(ctx context.Context, siteID string, from int64, limit int) ([]Leaf, int64, error)
	// LeavesOf returns the leaves of the given receipts that have one,
	// by receipt id.
	LeavesOf(ctx context.Context, siteID string, receiptIDs []string) (map[string]Leaf, error)
	// AddCheckpoint stores cp as the site's next checkpoint if it follows
	// the last one (Number one more, FirstSeq right after its LastSeq; or 1
	// and 1 when there is none), atomically. ErrConflict otherwise: another
	// replica sealed first. ErrNotFound if the site does not exist.
	AddCheckpoint(ctx context.Context, cp Checkpoint) error
	// Checkpoints returns the site's checkpoints, oldest first; an empty
	// slice when there are none, also for an unknown site.
	Checkpoints(ctx context.Context, siteID string) ([]Checkpoint, error)
	// EraseConsent deletes every receipt of a consent id (body and indexes,
	// not leaves or counters) and records a Tombstone for each, with at and
	// actor; it returns the new tombstones, none when there was nothing left
	// to erase. A receipt id erased stays known: a client sending it again
	// is answered as a duplicate, and it is not stored again.
	EraseConsent(ctx context.Context, siteID, consentID string, at time.Time, actor string) ([]Tombstone, error)
	// Tombstones returns the site's tombstones in seq order.
	Tombstones(ctx context.Context, siteID string) ([]Tombstone, error)
}

// ParseHexHash reports whether s is a 32-byte hash in lower-case hex.
func ParseHexHash(s string) ([]byte, bool) {
	if len(s) != 64 || strings.ToLower(s) != s {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}
