// Package seal makes a site's receipts tamper-evident and checks that they
// are: a Sealer writes signed checkpoints over the receipts' leaves
// (consent.SealStore), a Prover gives each receipt its inclusion proof,
// Bundle gathers everything about one consent id, and Verify checks a
// bundle or an NDJSON export offline, as `consentd verify` and
// POST /v1/admin/sites/{site}/verify do.
//
// Several replicas may seal one site at once with no leader: a checkpoint
// is stored only if it follows the last one (Store.AddCheckpoint compares
// and sets), so one replica wins and the other has nothing to do.
package seal

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// MaxLeaves bounds one checkpoint, so that a tree (and the proof of any
// receipt in it) is built from at most this many leaves in memory (3.2 MB);
// a longer backlog is sealed in several checkpoints.
const MaxLeaves = 100_000

// leafPage is how many leaves one Store.Leaves call reads.
const leafPage = 10_000

// DefaultInterval is how often Run looks for sites to seal, and DefaultAge
// how old a site's newest checkpoint may be before Run seals it again: so
// receipts are sealed within a day of arriving.
const (
	DefaultInterval = time.Hour
	DefaultAge      = 23 * time.Hour
)

// Sealer seals sites. The zero values of Now and Logger mean time.Now and
// slog.Default().
type Sealer struct {
	Store  consent.Store
	Key    Key
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Sealer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Sealer) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Seal writes checkpoints over every leaf of the site not yet sealed and
// returns those this call wrote: none when there was nothing new, or when
// another replica sealed meanwhile (it then has the checkpoint).
func (s *Sealer) Seal(ctx context.Context, siteID string) ([]consent.Checkpoint, error) {
	cps, err := s.Store.Checkpoints(ctx, siteID)
	if err != nil {
		return nil, err
	}
	var last consent.Checkpoint
	if len(cps) > 0 {
		last = cps[len(cps)-1]
	}
	made := []consent.Checkpoint{}
	for {
		leaves, err := collectLeaves(ctx, s.Store, siteID, last.LastSeq+1, MaxLeaves)
		if err != nil || len(leaves) == 0 {
			return made, err
		}
		hashes, err := leafHashes(leaves)
		if err != nil {
			return made, err
		}
		cp := consent.Checkpoint{SiteID: siteID, Number: last.Number + 1,
			FirstSeq: leaves[0].Seq, LastSeq: leaves[len(leaves)-1].Seq,
			Root: hex.EncodeToString(Root(hashes)), SealedAt: s.now()}
		if last.Number > 0 {
			cp.Prev = last.Hash()
		}
		s.Key.Sign(&cp)
		switch err := s.Store.AddCheckpoint(ctx, cp); {
		case errors.Is(err, consent.ErrConflict):
			return made, nil
		case err != nil:
			return made, err
		}
		s.log().InfoContext(ctx, "seal: checkpoint written", "site", siteID, "number", cp.Number,
			"first_seq", cp.FirstSeq, "last_seq", cp.LastSeq)
		made = append(made, cp)
		last = cp
		if len(leaves) < MaxLeaves {
			return made, nil
		}
	}
}

// collectLeaves reads up to limit leaves from seq from on.
func collectLeaves(ctx context.Context, store consent.Store, siteID string, from int64, limit int) ([]consent.Leaf, error) {
	var out []consent.Leaf
	for len(out) < limit {
		n := min(leafPage, limit-len(out))
		page, _, err := store.Leaves(ctx, siteID, from, n)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < n {
			break
		}
		from = page[len(page)-1].Seq + 1
	}
	return out, nil
}

func leafHashes(leaves []consent.Leaf) ([][]byte, error) {
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		b, ok := consent.ParseHexHash(l.Hash)
		if !ok {
			return nil, fmt.Errorf("seal: leaf %d has a malformed hash", l.Seq)
		}
		out[i] = b
	}
	return out, nil
}

// Run seals, at once and then every interval (DefaultInterval if 0), every
// site whose newest checkpoint is older than DefaultAge, until ctx is
// cancelled; it returns once a seal in progress has stopped. Errors are
// logged and tried again at the next round.
func (s *Sealer) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := s.SealDue(ctx); err != nil && ctx.Err() == nil {
			s.log().ErrorContext(ctx, "seal: sealing failed; trying again at the next round", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SealDue seals every site whose newest checkpoint is older than
// DefaultAge (or that has none).
func (s *Sealer) SealDue(ctx context.Context) error {
	sites, err := s.Store.Sites(ctx)
	if err != nil {
		return fmt.Errorf("seal: listing sites: %w", err)
	}
	var errs []error
	for _, site := range sites {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		cps, err := s.Store.Checkpoints(ctx, site.ID)
		if err == nil && len(cps) > 0 && s.now().Sub(cps[len(cps)-1].SealedAt) < DefaultAge {
			continue
		}
		if err == nil {
			_, err = s.Seal(ctx, site.ID)
		}
		if err != nil && !errors.Is(err, consent.ErrNotFound) {
			errs = append(errs, fmt.Errorf("seal: site %s: %w", site.ID, err))
		}
	}
	return errors.Join(errs...)
}
