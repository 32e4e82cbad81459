package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// `consentd verify` passes an untouched bundle and export (exit status 0),
// and names the receipt changed in the store after sealing (exit status
// 1), in a bundle and in an export.
func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	site := storetest.NewSite(t, storetest.SiteID())
	if err := st.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	victim := storetest.NewReceipt(site, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	other := storetest.NewReceipt(site, victim.ServerTime.Add(time.Second))
	for _, r := range []consent.Receipt{victim, other} {
		if _, _, err := st.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	key := storetest.TestKey(t)
	if _, err := (&seal.Sealer{Store: st, Key: key}).Seal(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	keysFile := filepath.Join(t.TempDir(), "keys.json")
	writeJSON(t, keysFile, map[string]any{"keys": []seal.PublicKey{key.Public()}})

	files := func() (bundle, export string) {
		t.Helper()
		b := seal.Builder{Store: st, Keys: []seal.PublicKey{key.Public()}}
		bn, err := b.Bundle(ctx, site.ID, victim.ConsentID)
		if err != nil {
			t.Fatal(err)
		}
		bundle = filepath.Join(t.TempDir(), "bundle.json")
		writeJSON(t, bundle, bn)
		// An export as the API writes it: receipt lines, then the trailer.
		p, err := seal.NewProver(ctx, st, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		var all []consent.Receipt
		st.ReceiptsBetween(ctx, site.ID, time.Unix(0, 0), time.Now(), func(r consent.Receipt) error {
			all = append(all, r)
			return nil
		})
		proved, err := seal.Prove(ctx, st, p, site.ID, all)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, pr := range proved {
			enc.Encode(seal.ExportReceipt{Receipt: pr.Receipt, Seq: pr.Seq, LeafHash: pr.LeafHash, Proof: pr.Proof})
		}
		for _, cp := range p.Checkpoints() {
			enc.Encode(seal.ExportRecord{Record: "checkpoint", Checkpoint: &cp})
		}
		pub := key.Public()
		enc.Encode(seal.ExportRecord{Record: "public_key", PublicKey: &pub})
		export = filepath.Join(t.TempDir(), "export.ndjson")
		if err := os.WriteFile(export, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return bundle, export
	}
	verify := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"verify"}, args...), func(string) string { return "" }, &out, &errOut)
		return out.String() + errOut.String(), err
	}

	bundle, export := files()
	for _, f := range []string{bundle, export} {
		if out, err := verify("-keys", keysFile, f); err != nil || !strings.Contains(out, "OK: every receipt") {
			t.Errorf("verify %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
	if out, err := verify(bundle); err != nil {
		t.Errorf("verify with the file's own keys: %v\n%s", err, out)
	}

	// Someone with the file turns the victim's refusal of marketing into
	// consent, after the seal.
	st.Close()
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := victim
	changed.Choices.Marketing, changed.Action = true, consent.AcceptAll
	data, _ := json.Marshal(changed)
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("data")).Bucket([]byte(site.ID)).Bucket([]byte("receipts")).Put([]byte(victim.ReceiptID), data)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, err = boltstore.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	bundle, export = files()
	for _, f := range []string{bundle, export} {
		out, err := verify("-keys", keysFile, f)
		if !errors.Is(err, errNotCovered) || !strings.Contains(out, "FAILED: first receipt not covered: "+victim.ReceiptID) ||
			!strings.Contains(out, "ok           receipt "+other.ReceiptID) && f == export {
			t.Errorf("verify %s after the store was changed: %v\n%s", filepath.Base(f), err, out)
		}
	}
	// Another server's keys sign nothing here.
	writeJSON(t, keysFile, map[string]any{"keys": []seal.PublicKey{storetest.TestKey(t).Public()}})
	if out, err := verify("-keys", keysFile, export); !errors.Is(err, errNotCovered) {
		t.Errorf("verify with another server's keys: %v\n%s", err, out)
	}
	if _, err := verify(); err == nil {
		t.Error("verify without a file succeeded")
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// With SAMTYKKE_SEAL_KEY_FILE, the key published and the key that signs
// are the file's; without it, a key kept in the store, the same after a
// restart.
func TestSealKeyFromFileAndStore(t *testing.T) {
	key := storetest.TestKey(t)
	pemData, err := seal.EncodeKeyPEM(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "seal.pem")
	if err := os.WriteFile(file, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	keyIDs := func(base string) []string {
		t.Helper()
		res, err := http.Get(base + seal.WellKnownPath)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var published struct{ Keys []seal.PublicKey }
		json.NewDecoder(res.Body).Decode(&published)
		var ids []string
		for _, k := range published.Keys {
			ids = append(ids, k.KeyID)
		}
		return ids
	}
	base, _, _ := start(t, map[string]string{"SAMTYKKE_DATA_DIR": t.TempDir(), "SAMTYKKE_DEMO": "false", "SAMTYKKE_SEAL_KEY_FILE": file})
	if ids := keyIDs(base); len(ids) != 1 || ids[0] != key.ID {
		t.Errorf("published keys with a key file: %v, want [%s]", ids, key.ID)
	}

	dir := t.TempDir()
	base, _, stop := start(t, map[string]string{"SAMTYKKE_DATA_DIR": dir, "SAMTYKKE_DEMO": "false"})
	first := keyIDs(base)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, _, _ = start(t, map[string]string{"SAMTYKKE_DATA_DIR": dir, "SAMTYKKE_DEMO": "false"})
	if again := keyIDs(base); len(first) != 1 || len(again) != 1 || again[0] != first[0] || first[0] == key.ID {
		t.Errorf("published keys without a key file: %v, then after a restart %v", first, again)
	}
}
