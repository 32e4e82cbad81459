package httpapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
)

// ReceiptColumns are the CSV export's columns, in order.
var ReceiptColumns = []string{
	"server_time", "receipt_id", "consent_id", "action", "necessary", "statistics", "marketing",
	"config_version", "language", "surface", "gpc", "page_url", "client_time", "previous_receipt_id",
	"expires_at", "device", "ip", "user_agent", "seq", "checkpoint",
}

// receiptRow is one CSV row: seq is the receipt's place in the site's seal
// order and checkpoint the number of the checkpoint that seals it (both
// empty when there is none yet); the NDJSON export carries the proofs.
func receiptRow(p seal.ProvedReceipt) []string {
	r := p.Receipt
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	b := strconv.FormatBool
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339Nano)
	}
	return []string{
		ts(r.ServerTime), r.ReceiptID, r.ConsentID, string(r.Action),
		b(r.Choices.Necessary), b(r.Choices.Statistics), b(r.Choices.Marketing),
		r.ConfigVersion, r.Language, string(r.Surface), b(r.GPC), cell(r.PageURL), ts(r.ClientTime),
		r.PreviousReceiptID, ts(r.ExpiresAt), string(r.Device), r.IP, cell(r.UserAgent),
		num(p.Seq), num(p.Checkpoint),
	}
}

// exportChunk is how many receipts share one lookup of their leaves.
const exportChunk = 500

// exportTrailer writes the NDJSON export's trailer (see exportReceipts).
func (s *server) exportTrailer(ctx context.Context, siteID string, p *seal.Prover, key seal.PublicKey, write func(any) error) error {
	for _, cp := range p.Checkpoints() {
		if err := write(seal.ExportRecord{Record: "checkpoint", Checkpoint: &cp}); err != nil {
			return err
		}
	}
	if err := write(seal.ExportRecord{Record: "public_key", PublicKey: &key}); err != nil {
		return err
	}
	stones, err := s.store.Tombstones(ctx, siteID)
	if err != nil {
		return err
	}
	proved, err := seal.ProveTombstones(ctx, s.store, p, siteID, stones)
	if err != nil {
		return err
	}
	for _, t := range proved {
		if err := write(seal.ExportRecord{Record: "erased", Erased: &t}); err != nil {
			return err
		}
	}
	return nil
}

// writeDeadline is how long the export may take to write each batch; the
// server's WriteTimeout would otherwise cut a long export off.
const writeDeadline = 30 * time.Second

// exportReceipts streams the receipts of a period (default: the last 30
// days) as CSV or NDJSON, oldest first, without holding them in memory.
// It seals the site first, so that every receipt comes with its checkpoint.
// NDJSON lines are seal.ExportReceipt (the receipt with its seq, leaf hash,
// checkpoint and inclusion proof), then a trailer of seal.ExportRecord
// lines: every checkpoint of the site, the public key, and the tombstones
// of erased receipts with their proofs, which is what `consentd verify`
// needs to check the file offline.
func (s *server) exportReceipts(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "ndjson" {
		return badRequest("format", `must be "csv" or "ndjson"`)
	}
	// By day only: an audit asks for whole days; RFC 3339 bounds still work.
	p, err := s.period(c)
	if err != nil {
		return err
	}
	from, to := p.From, p.To
	site := siteOf(c)
	ctx := c.Request().Context()
	sl, err := s.sealer(ctx)
	if err != nil {
		return err
	}
	if _, err := sl.Seal(ctx, site.ID); err != nil {
		return err
	}
	prover, err := seal.NewProver(ctx, s.store, site.ID)
	if err != nil {
		return err
	}
	res := c.Response()
	h := res.Header()
	name := exportName("receipts", site.ID, from, to, consent.Day)
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	} else {
		h.Set("Content-Type", "application/x-ndjson")
		name += ".ndjson"
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")

	rc := http.NewResponseController(res)
	_ = rc.SetWriteDeadline(time.Now().Add(writeDeadline))
	buf := bufio.NewWriterSize(res, 64<<10)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(buf)
	}
	started, n := false, 0
	start := func() error {
		if started {
			return nil
		}
		started = true
		res.WriteHeader(http.StatusOK)
		if cw != nil {
			return cw.Write(ReceiptColumns)
		}
		return nil
	}
	writeLine := func(v any) error {
		line, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(line)
		return buf.WriteByte('\n')
	}
	// Receipts go out in chunks, each with one lookup of its leaves.
	var chunk []consent.Receipt
	flush := func() error {
		proved, err := seal.Prove(ctx, s.store, prover, site.ID, chunk)
		if err != nil {
			return err
		}
		chunk = chunk[:0]
		for _, pr := range proved {
			if cw != nil {
				err = cw.Write(receiptRow(pr))
			} else {
				err = writeLine(seal.ExportReceipt{Receipt: pr.Receipt, Seq: pr.Seq, LeafHash: pr.LeafHash, Proof: pr.Proof})
			}
			if err != nil {
				return err
			}
			if n++; n%1000 == 0 {
				if cw != nil {
					cw.Flush()
				}
				if err := buf.Flush(); err != nil {
					return err
				}
				_ = rc.Flush()
				_ = rc.SetWriteDeadline(time.Now().Add(writeDeadline))
			}
		}
		return nil
	}
	err = s.store.ReceiptsBetween(ctx, site.ID, from, to, func(r consent.Receipt) error {
		if err := start(); err != nil {
			return err
		}
		if chunk = append(chunk, r); len(chunk) == exportChunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(chunk) > 0 {
		err = flush()
	}
	if err == nil && cw == nil {
		if err = start(); err == nil {
			err = s.exportTrailer(ctx, site.ID, prover, sl.Key.Public(), writeLine)
		}
	}
	if err != nil && !started {
		return err // nothing sent yet: a proper error answer
	}
	if err != nil {
		// Mid-stream the status is gone; cut the body short so the
		// download is visibly incomplete rather than silently short.
		s.log.Error("receipt export failed mid-stream", "site", site.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err := start(); err != nil {
		return err
	}
	if cw != nil {
		cw.Flush()
	}
	return buf.Flush()
}

// lookupConsent shows every receipt of one consent id on the site.
func (s *server) lookupConsent(c echo.Context) error {
	raw := strings.TrimSpace(c.Param("consent"))
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return badRequest("consent_id", "must be a consent id such as 3b241101-e2bb-4255-8caf-4136c566a962 (the visitor finds it under Cookie settings)")
	}
	site := siteOf(c)
	receipts, err := s.store.Receipts(c.Request().Context(), site.ID, id.String())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"consent_id": id.String(), "site_id": site.ID, "receipts": receipts})
}
