package seal

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/samtykke/samtykke/server/consent"
)

// Status of one receipt in a verification.
const (
	Sealed     = "sealed"      // its content hashes to a leaf of a valid checkpoint
	Erased     = "erased"      // erased; its sealed leaf is in a valid checkpoint
	NotCovered = "not_covered" // anything else: see Result.Reason
)

// Result is the verdict on one receipt (or tombstone) of a file.
type Result struct {
	ReceiptID  string `json:"receipt_id"`
	Seq        int64  `json:"seq"`
	Status     string `json:"status"`
	Checkpoint int64  `json:"checkpoint,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Report is the verdict on a whole file. OK is true only when every
// receipt and tombstone is covered by a valid checkpoint and every
// checkpoint in the file is valid.
type Report struct {
	OK          bool     `json:"ok"`
	Kind        string   `json:"kind"` // "bundle" or "export"
	Receipts    int      `json:"receipts"`
	Erased      int      `json:"erased"`
	Checkpoints int      `json:"checkpoints"`
	FirstFailed *Result  `json:"first_failed,omitempty"`
	Problems    []string `json:"problems"` // about checkpoints
	Results     []Result `json:"results"`
}

// document is what Verify reads from either kind of file.
type document struct {
	kind        string
	receipts    []ProvedReceipt
	erased      []ProvedTombstone
	checkpoints []consent.Checkpoint
	keys        []PublicKey
}

// ErrUnreadable is returned (wrapped) when a file is neither a proof bundle
// nor an NDJSON export.
var ErrUnreadable = errors.New("neither a proof bundle nor an NDJSON receipt export")

// Verify checks a proof bundle or an NDJSON export. The checkpoints'
// signatures are checked with trusted, or, when it is nil, with the keys
// the file carries (which proves only that the file is consistent: compare
// their ids with the server's published keys).
func Verify(data []byte, trusted KeySet) (Report, error) {
	doc, err := parse(data)
	if err != nil {
		return Report{}, err
	}
	keys := trusted
	if keys == nil {
		if keys, err = NewKeySet(doc.keys); err != nil {
			return Report{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
	}
	rep := Report{Kind: doc.kind, Receipts: len(doc.receipts), Erased: len(doc.erased),
		Checkpoints: len(doc.checkpoints), Problems: []string{}, Results: []Result{}}
	valid := validCheckpoints(doc.checkpoints, keys, &rep)
	check := func(id string, seq int64, leaf string, p Proof, siteID string) (int64, string) {
		if seq <= 0 {
			return 0, "it has no place in the seal order"
		}
		if p.Checkpoint == 0 {
			return 0, "it is not yet sealed"
		}
		cp, ok := valid[p.Checkpoint]
		if !ok {
			return 0, fmt.Sprintf("checkpoint %d is missing or not valid", p.Checkpoint)
		}
		if siteID != "" && cp.SiteID != siteID {
			return 0, fmt.Sprintf("checkpoint %d is of site %s", cp.Number, cp.SiteID)
		}
		if !cp.Covers(seq) {
			return 0, fmt.Sprintf("checkpoint %d does not cover seq %d", cp.Number, seq)
		}
		leafBytes, ok := consent.ParseHexHash(leaf)
		proof, err := decodeHashes(p.Proof)
		root, _ := hex.DecodeString(cp.Root)
		if !ok || err != nil || !VerifyInclusion(leafBytes, seq-cp.FirstSeq, cp.LastSeq-cp.FirstSeq+1, proof, root) {
			return 0, fmt.Sprintf("its content does not match the hash sealed in checkpoint %d (changed after sealing?)", cp.Number)
		}
		return cp.Number, ""
	}
	fail := func(r Result) {
		if rep.FirstFailed == nil {
			rep.FirstFailed = &r
		}
	}
	for _, pr := range doc.receipts {
		// The hash is computed from the receipt as given: the leaf hash
		// the file states is not trusted.
		cp, reason := check(pr.Receipt.ReceiptID, pr.Seq, consent.ReceiptHash(pr.Receipt), pr.Proof, pr.Receipt.SiteID)
		r := Result{ReceiptID: pr.Receipt.ReceiptID, Seq: pr.Seq, Status: Sealed, Checkpoint: cp, Reason: reason}
		if reason != "" {
			r.Status = NotCovered
			fail(r)
		}
		rep.Results = append(rep.Results, r)
	}
	for _, t := range doc.erased {
		cp, reason := check(t.ReceiptID, t.Seq, t.LeafHash, t.Proof, "")
		r := Result{ReceiptID: t.ReceiptID, Seq: t.Seq, Status: Erased, Checkpoint: cp, Reason: reason}
		if reason != "" {
			r.Status = NotCovered
			fail(r)
		}
		rep.Results = append(rep.Results, r)
	}
	// A checkpoint that does not verify means the file or the store was
	// changed, even if no receipt of the file leans on it.
	rep.OK = rep.FirstFailed == nil && len(rep.Problems) == 0
	return rep, nil
}

// validCheckpoints returns the checkpoints whose signature holds and whose
// chain to the one before (when the file has it) is intact, by number.
func validCheckpoints(cps []consent.Checkpoint, keys KeySet, rep *Report) map[int64]consent.Checkpoint {
	sorted := append([]consent.Checkpoint(nil), cps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	byNumber := map[int64]consent.Checkpoint{}
	for _, cp := range sorted {
		byNumber[cp.Number] = cp
	}
	valid := map[int64]consent.Checkpoint{}
	for _, cp := range sorted {
		if err := keys.CheckSignature(cp); err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		if prev, ok := byNumber[cp.Number-1]; ok && (prev.Hash() != cp.Prev || prev.LastSeq+1 != cp.FirstSeq || prev.SiteID != cp.SiteID) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("checkpoint %d does not follow checkpoint %d", cp.Number, prev.Number))
			continue
		}
		if cp.Number == 1 && (cp.Prev != "" || cp.FirstSeq != 1) {
			rep.Problems = append(rep.Problems, "checkpoint 1 does not start the chain")
			continue
		}
		valid[cp.Number] = cp
	}
	return valid
}

func parse(data []byte) (document, error) {
	trimmed := bytes.TrimSpace(data)
	var probe struct {
		Format string `json:"format"`
	}
	if json.Unmarshal(trimmed, &probe) == nil && probe.Format == BundleFormat {
		var b Bundle
		if err := json.Unmarshal(trimmed, &b); err != nil {
			return document{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		return document{kind: "bundle", receipts: b.Receipts, erased: b.Erased, checkpoints: b.Checkpoints, keys: b.PublicKeys}, nil
	}
	doc := document{kind: "export"}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var kind struct {
			Record string `json:"record"`
		}
		if err := json.Unmarshal(line, &kind); err != nil {
			return document{}, fmt.Errorf("%w: line %d: %v", ErrUnreadable, n, err)
		}
		var rec ExportRecord
		if kind.Record != "" {
			if err := json.Unmarshal(line, &rec); err != nil {
				return document{}, fmt.Errorf("%w: line %d: %v", ErrUnreadable, n, err)
			}
		}
		switch {
		case kind.Record == "":
			var r ExportReceipt
			if err := json.Unmarshal(line, &r); err != nil || r.ReceiptID == "" {
				return document{}, fmt.Errorf("%w: line %d is not a receipt", ErrUnreadable, n)
			}
			doc.receipts = append(doc.receipts, ProvedReceipt{Receipt: r.Receipt, Seq: r.Seq, LeafHash: r.LeafHash, Proof: r.Proof})
		case rec.Record == "checkpoint" && rec.Checkpoint != nil:
			doc.checkpoints = append(doc.checkpoints, *rec.Checkpoint)
		case rec.Record == "public_key" && rec.PublicKey != nil:
			doc.keys = append(doc.keys, *rec.PublicKey)
		case rec.Record == "erased" && rec.Erased != nil:
			doc.erased = append(doc.erased, *rec.Erased)
		default:
			return document{}, fmt.Errorf("%w: line %d: unknown record %q", ErrUnreadable, n, rec.Record)
		}
	}
	if err := sc.Err(); err != nil {
		return document{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return doc, nil
}
