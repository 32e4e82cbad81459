package seal

import (
	"context"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// SnapshotsFunc returns the configuration snapshots of a site's config
// versions, for a bundle; nil when the server keeps none.
type SnapshotsFunc func(ctx context.Context, siteID string, versions []string) ([]any, error)

// Builder makes proof bundles and proved exports.
type Builder struct {
	Store     consent.Store
	Keys      []PublicKey
	Snapshots SnapshotsFunc
	Now       func() time.Time
}

// Bundle gathers a consent id's receipts with their proofs. An erased
// visitor's bundle is empty: a tombstone keeps no consent id, so that
// nothing links the erased receipts to the visitor any more.
func (b *Builder) Bundle(ctx context.Context, siteID, consentID string) (Bundle, error) {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	out := Bundle{Format: BundleFormat, SiteID: siteID, ConsentID: consentID, GeneratedAt: now().UTC(),
		Receipts: []ProvedReceipt{}, Erased: []ProvedTombstone{}, PublicKeys: b.Keys, Snapshots: []any{}}
	receipts, err := b.Store.Receipts(ctx, siteID, consentID)
	if err != nil {
		return out, err
	}
	p, err := NewProver(ctx, b.Store, siteID)
	if err != nil {
		return out, err
	}
	out.Checkpoints = p.Checkpoints()
	proved, err := Prove(ctx, b.Store, p, siteID, receipts)
	if err != nil {
		return out, err
	}
	out.Receipts = proved
	if b.Snapshots != nil {
		var versions []string
		seen := map[string]bool{}
		for _, r := range receipts {
			if !seen[r.ConfigVersion] {
				seen[r.ConfigVersion] = true
				versions = append(versions, r.ConfigVersion)
			}
		}
		snaps, err := b.Snapshots(ctx, siteID, versions)
		if err != nil {
			return out, err
		}
		if snaps != nil {
			out.Snapshots = snaps
		}
	}
	return out, nil
}

// Prove gives receipts of one site their leaves and proofs.
func Prove(ctx context.Context, store consent.Store, p *Prover, siteID string, receipts []consent.Receipt) ([]ProvedReceipt, error) {
	ids := make([]string, len(receipts))
	for i, r := range receipts {
		ids[i] = r.ReceiptID
	}
	leaves, err := store.LeavesOf(ctx, siteID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ProvedReceipt, len(receipts))
	for i, r := range receipts {
		out[i] = ProvedReceipt{Receipt: r, Proof: Proof{Proof: []string{}}}
		l, ok := leaves[r.ReceiptID]
		if !ok {
			continue
		}
		out[i].Seq, out[i].LeafHash = l.Seq, l.Hash
		if out[i].Proof, err = p.Prove(ctx, l.Seq); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ProveTombstones gives tombstones their leaves and proofs.
func ProveTombstones(ctx context.Context, store consent.Store, p *Prover, siteID string, ts []consent.Tombstone) ([]ProvedTombstone, error) {
	out := make([]ProvedTombstone, 0, len(ts))
	for _, t := range ts {
		pt := ProvedTombstone{Tombstone: t, Proof: Proof{Proof: []string{}}}
		if t.Seq > 0 {
			leaves, _, err := store.Leaves(ctx, siteID, t.Seq, 1)
			if err != nil {
				return nil, err
			}
			if len(leaves) == 1 {
				pt.LeafHash = leaves[0].Hash
			}
			if pt.Proof, err = p.Prove(ctx, t.Seq); err != nil {
				return nil, err
			}
		}
		out = append(out, pt)
	}
	return out, nil
}
