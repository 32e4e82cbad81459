package seal

import (
	"context"
	"fmt"
	"sort"

	"github.com/samtykke/samtykke/server/consent"
)

// Proof places one leaf in a checkpoint: Checkpoint is its number, 0 when
// the leaf is not sealed yet (Proof is then empty).
type Proof struct {
	Checkpoint int64    `json:"checkpoint"`
	Proof      []string `json:"proof"`
}

// Prover answers inclusion proofs for one site's leaves. It keeps the
// leaves of the checkpoint it read last, since an export asks for the
// receipts of one checkpoint after another.
type Prover struct {
	store       consent.Store
	siteID      string
	checkpoints []consent.Checkpoint
	cached      int64
	leaves      [][]byte
}

// NewProver reads the site's checkpoints.
func NewProver(ctx context.Context, store consent.Store, siteID string) (*Prover, error) {
	cps, err := store.Checkpoints(ctx, siteID)
	if err != nil {
		return nil, err
	}
	return &Prover{store: store, siteID: siteID, checkpoints: cps}, nil
}

// Checkpoints returns the site's checkpoints as read by NewProver.
func (p *Prover) Checkpoints() []consent.Checkpoint { return p.checkpoints }

// Prove returns the inclusion proof of the leaf with seq.
func (p *Prover) Prove(ctx context.Context, seq int64) (Proof, error) {
	i := sort.Search(len(p.checkpoints), func(i int) bool { return p.checkpoints[i].LastSeq >= seq })
	if seq <= 0 || i == len(p.checkpoints) || !p.checkpoints[i].Covers(seq) {
		return Proof{Proof: []string{}}, nil
	}
	cp := p.checkpoints[i]
	if p.cached != cp.Number {
		leaves, err := collectLeaves(ctx, p.store, p.siteID, cp.FirstSeq, int(cp.LastSeq-cp.FirstSeq+1))
		if err != nil {
			return Proof{}, err
		}
		if int64(len(leaves)) != cp.LastSeq-cp.FirstSeq+1 {
			return Proof{}, fmt.Errorf("seal: checkpoint %d of %s: %d leaves stored, want %d", cp.Number, p.siteID, len(leaves), cp.LastSeq-cp.FirstSeq+1)
		}
		hashes, err := leafHashes(leaves)
		if err != nil {
			return Proof{}, err
		}
		p.cached, p.leaves = cp.Number, hashes
	}
	return Proof{Checkpoint: cp.Number, Proof: encodeHashes(InclusionProof(p.leaves, int(seq-cp.FirstSeq)))}, nil
}
