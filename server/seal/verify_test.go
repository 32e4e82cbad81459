package seal_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// sealedBundle returns the bundle of a visitor with one receipt in each of
// two checkpoints, on a bbolt store.
func sealedBundle(t *testing.T) (seal.Bundle, seal.Key) {
	t.Helper()
	ctx := context.Background()
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	site := storetest.NewSite(t, storetest.SiteID())
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	key := storetest.TestKey(t)
	sl := &seal.Sealer{Store: st, Key: key, Logger: slog.New(slog.DiscardHandler)}
	first := storetest.NewReceipt(site, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	second := storetest.NewReceipt(site, first.ServerTime.Add(time.Minute))
	second.ConsentID = first.ConsentID
	for _, r := range []consent.Receipt{first, second} {
		if _, _, err := st.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
		if _, err := sl.Seal(ctx, site.ID); err != nil {
			t.Fatal(err)
		}
	}
	b, err := (&seal.Builder{Store: st, Keys: []seal.PublicKey{key.Public()}}).Bundle(ctx, site.ID, first.ConsentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Checkpoints) != 2 {
		t.Fatalf("%d checkpoints, want 2", len(b.Checkpoints))
	}
	return b, key
}

func verify(t *testing.T, b seal.Bundle, keys []seal.PublicKey) seal.Report {
	t.Helper()
	data, _ := json.Marshal(b)
	ks, err := seal.NewKeySet(keys)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := seal.Verify(data, ks)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Whatever is changed in a bundle after sealing, the check fails and says
// what: a root, a chain link, a signature, a receipt's place, its proof.
func TestVerifyFindsChanges(t *testing.T) {
	b, key := sealedBundle(t)
	if rep := verify(t, b, []seal.PublicKey{key.Public()}); !rep.OK || rep.Receipts != 2 {
		t.Fatalf("untouched: %+v", rep)
	}
	tests := []struct {
		name   string
		change func(b *seal.Bundle)
		want   string // in the first failure's reason or a problem
	}{
		{"a root", func(b *seal.Bundle) { b.Checkpoints[0].Root = strings.Repeat("0", 64) }, "signature does not match"},
		{"the chain", func(b *seal.Bundle) { b.Checkpoints[1].Prev = strings.Repeat("0", 64) }, "signature does not match"},
		{"a signature", func(b *seal.Bundle) { b.Checkpoints[1].Signature = b.Checkpoints[0].Signature }, "signature does not match"},
		{"a seq", func(b *seal.Bundle) { b.Receipts[0].Seq = 2 }, "does not cover seq 2"},
		{"a proof", func(b *seal.Bundle) { b.Receipts[1].Proof.Proof = []string{strings.Repeat("ab", 32)} }, "does not match the hash sealed"},
		{"a receipt", func(b *seal.Bundle) { b.Receipts[1].Receipt.Language = "en" }, "does not match the hash sealed"},
		{"not sealed", func(b *seal.Bundle) { b.Receipts[1].Proof = seal.Proof{} }, "not yet sealed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := sealedBundleCopy(b)
			tt.change(&c)
			rep := verify(t, c, []seal.PublicKey{key.Public()})
			text := strings.Join(rep.Problems, "; ")
			if rep.FirstFailed != nil {
				text += "; " + rep.FirstFailed.Reason
			}
			if rep.OK || !strings.Contains(text, tt.want) {
				t.Errorf("%+v; want a failure saying %q", rep, tt.want)
			}
		})
	}
	// Signed by another key than the server's: nothing is covered.
	if rep := verify(t, b, []seal.PublicKey{storetest.TestKey(t).Public()}); rep.OK || len(rep.Problems) != 2 {
		t.Errorf("with another server's key: %+v", rep)
	}
}

func sealedBundleCopy(b seal.Bundle) (seal.Bundle, error) {
	data, _ := json.Marshal(b)
	var c seal.Bundle
	return c, json.Unmarshal(data, &c)
}

// A file that is neither a bundle nor an export is refused as such.
func TestVerifyRefusesOtherFiles(t *testing.T) {
	for _, in := range []string{"hello", `{"format":"something-else"}`, `{"record":"nonsense"}`, `[1,2]`} {
		if _, err := seal.Verify([]byte(in), seal.KeySet{}); err == nil {
			t.Errorf("Verify(%s) accepted it", in)
		}
	}
	if rep, err := seal.Verify([]byte(""), seal.KeySet{}); err != nil || !rep.OK || rep.Receipts != 0 {
		t.Errorf("an empty export: %+v, %v", rep, err)
	}
}
