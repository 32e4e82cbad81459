package seal

import (
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// BundleFormat names the proof bundle's format (Bundle.Format).
const BundleFormat = "samtykke-proof-bundle/1"

// Bundle is everything about one visitor's consent: their receipts with
// the proofs that they are sealed, the tombstones of what was erased, the
// site's checkpoints and the keys that signed them, and the banner
// configurations the visitor was shown.
type Bundle struct {
	Format      string               `json:"format"`
	SiteID      string               `json:"site_id"`
	ConsentID   string               `json:"consent_id"`
	GeneratedAt time.Time            `json:"generated_at"`
	Receipts    []ProvedReceipt      `json:"receipts"`
	Erased      []ProvedTombstone    `json:"erased"`
	Checkpoints []consent.Checkpoint `json:"checkpoints"`
	PublicKeys  []PublicKey          `json:"public_keys"`
	// Snapshots are the configuration snapshots of the receipts' config
	// versions, as the snapshot store keeps them; empty when the server
	// keeps none.
	Snapshots []any `json:"snapshots"`
}

// ProvedReceipt is a receipt with its leaf and inclusion proof.
type ProvedReceipt struct {
	Receipt  consent.Receipt `json:"receipt"`
	Seq      int64           `json:"seq"` // 0: the store has no leaf for it
	LeafHash string          `json:"leaf_hash"`
	Proof
}

// ProvedTombstone is an erased receipt's tombstone with its leaf and
// inclusion proof: the body is gone, the sealed hash is not.
type ProvedTombstone struct {
	consent.Tombstone
	LeafHash string `json:"leaf_hash"`
	Proof
}

// ExportReceipt is one receipt line of the NDJSON export: the receipt's
// fields, then its seq, checkpoint, leaf hash and proof.
type ExportReceipt struct {
	consent.Receipt
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
	Proof
}

// ExportRecord is a trailer line of the NDJSON export, after the receipts:
// Record says which of the other fields it holds ("checkpoint",
// "public_key" or "erased"). Receipt lines have no "record" field.
type ExportRecord struct {
	Record     string              `json:"record"`
	Checkpoint *consent.Checkpoint `json:"checkpoint,omitempty"`
	PublicKey  *PublicKey          `json:"public_key,omitempty"`
	Erased     *ProvedTombstone    `json:"erased,omitempty"`
}
