package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
)

// Tamper evidence and erasure (server/seal):
//
//	GET    /.well-known/samtykke-seal-keys.json                      the public keys that sign checkpoints
//	POST   /v1/admin/sites/{site}/seal                               seal now
//	POST   /v1/admin/sites/{site}/verify                             verify an uploaded bundle or NDJSON export
//	GET    /v1/admin/sites/{site}/consents/{consent}/proof           one visitor's proof bundle (?format=kantara)
//	DELETE /v1/admin/sites/{site}/consents/{consent}                 erase one visitor (GDPR Art. 17)
//	GET    /dashboard/api/sites/{site}/consents/{consent}/proof      the same for the dashboard
//	DELETE /dashboard/api/sites/{site}/consents/{consent}            the same; owners only

// verifyBodyLimit bounds an uploaded file to verify: a whole-site export
// is far larger than an admin request.
const (
	verifyBodyLimit     = "256M"
	verifyBodyLimitText = "256 MiB"
)

// sealState holds the sealer. When Options.Sealer is nil (tests, and the
// Ops handler, which never seals) the key is loaded from the store on first
// use; a failure is not kept, so a store that is back serves the next call.
type sealState struct {
	mu     sync.Mutex
	sealer *seal.Sealer
}

func (s *server) sealer(ctx context.Context) (*seal.Sealer, error) {
	s.sealing.mu.Lock()
	defer s.sealing.mu.Unlock()
	if s.sealing.sealer != nil {
		return s.sealing.sealer, nil
	}
	if s.Sealer != nil {
		s.sealing.sealer = s.Sealer
		return s.Sealer, nil
	}
	key, err := seal.LoadKey(ctx, s.store, "")
	if err != nil {
		return nil, err
	}
	s.sealing.sealer = &seal.Sealer{Store: s.store, Key: key, Now: s.Now, Logger: s.log}
	return s.sealing.sealer, nil
}

// sealKeys are the published keys: the signing key.
func (s *server) sealKeys(ctx context.Context) ([]seal.PublicKey, error) {
	sl, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	return []seal.PublicKey{sl.Key.Public()}, nil
}

func (s *server) sealRoutes(e *echo.Echo, admin *echo.Group) {
	e.GET(seal.WellKnownPath, s.wellKnownSealKeys)
	admin.POST("/sites/:site/seal", s.adminSeal)
	admin.GET("/sites/:site/consents/:consent/proof", s.adminProof)
	admin.DELETE("/sites/:site/consents/:consent", s.adminErase)
	// Outside the admin group for its own body limit; the same checks.
	e.POST("/v1/admin/sites/:site/verify", s.adminVerify,
		Deadline(AdminDeadline), middleware.BodyLimit(verifyBodyLimit), RequireAdmin(s.AdminTokenHash))
}

func (s *server) dashboardSealRoutes(site *echo.Group) {
	site.GET("/consents/:consent/proof", s.dashboardProof)
	site.DELETE("/consents/:consent", s.dashboardErase, need(accounts.Owner))
}

func (s *server) wellKnownSealKeys(c echo.Context) error {
	keys, err := s.sealKeys(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.JSON(http.StatusOK, map[string]any{"keys": keys})
}

// SealAnswer is what POST …/seal answers: the checkpoints it wrote (none
// when there was nothing new, or another replica sealed first) and the
// site's newest checkpoint.
type SealAnswer struct {
	Written []consent.Checkpoint `json:"written"`
	Last    *consent.Checkpoint  `json:"last"`
}

func (s *server) adminSeal(c echo.Context) error {
	ctx := c.Request().Context()
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	sl, err := s.sealer(ctx)
	if err != nil {
		return err
	}
	written, err := sl.Seal(ctx, site.ID)
	if err != nil {
		return err
	}
	cps, err := s.store.Checkpoints(ctx, site.ID)
	if err != nil {
		return err
	}
	ans := SealAnswer{Written: written}
	if len(cps) > 0 {
		ans.Last = &cps[len(cps)-1]
	}
	return c.JSON(http.StatusOK, ans)
}

// adminVerify checks an uploaded bundle or export against this server's
// keys (not the keys the file carries).
func (s *server) adminVerify(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := s.adminSite(c); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *echo.HTTPError
		if errors.As(err, &tooBig) {
			return NewError(http.StatusRequestEntityTooLarge, "too_large", "the file is larger than %s", verifyBodyLimitText)
		}
		return err
	}
	keys, err := s.sealKeys(ctx)
	if err != nil {
		return err
	}
	trusted, err := seal.NewKeySet(keys)
	if err != nil {
		return err
	}
	rep, err := seal.Verify(body, trusted)
	if errors.Is(err, seal.ErrUnreadable) {
		return badRequest("body", err.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// consentParam reads the consent id of the path.
func consentParam(c echo.Context) (string, error) {
	raw := strings.TrimSpace(c.Param("consent"))
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return "", badRequest("consent_id", "must be a consent id such as 3b241101-e2bb-4255-8caf-4136c566a962 (the visitor finds it under Cookie settings)")
	}
	return id.String(), nil
}

func (s *server) adminProof(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.proof(c, site)
}

func (s *server) dashboardProof(c echo.Context) error { return s.proof(c, siteOf(c)) }

// proof answers a consent id's proof bundle (empty when it has no
// receipts: none ever, purged, or erased), or its Kantara receipt
// (?format=kantara). It seals first, so that the visitor's newest receipts
// come with proofs too.
func (s *server) proof(c echo.Context, site consent.Site) error {
	ctx := c.Request().Context()
	format := c.QueryParam("format")
	if format != "" && format != "bundle" && format != "kantara" {
		return badRequest("format", `must be "bundle" or "kantara"`)
	}
	consentID, err := consentParam(c)
	if err != nil {
		return err
	}
	sl, err := s.sealer(ctx)
	if err != nil {
		return err
	}
	if _, err := sl.Seal(ctx, site.ID); err != nil {
		return err
	}
	b := seal.Builder{Store: s.store, Keys: []seal.PublicKey{sl.Key.Public()}, Snapshots: s.snapshotsOf, Now: s.Now}
	bundle, err := b.Bundle(ctx, site.ID, consentID)
	if err != nil {
		return err
	}
	// An empty bundle is an answer, as the dashboard's lookup is: within
	// the dashboard a 404 means "no such site for you". A Kantara receipt
	// needs a receipt.
	if len(bundle.Receipts) == 0 && format == "kantara" {
		return NewError(http.StatusNotFound, "not_found", "no receipts for consent id %q on this site", consentID)
	}
	if c.QueryParams().Has("download") {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="proof-`+consentID+`.json"`)
	}
	if format == "kantara" {
		return c.JSONPretty(http.StatusOK, NewKantaraReceipt(site, bundle.Receipts, sl.Key.Public()), "  ")
	}
	return c.JSONPretty(http.StatusOK, bundle, "  ")
}

// Erasure is what DELETE …/consents/{consent} answers.
type Erasure struct {
	ConsentID string              `json:"consent_id"`
	Erased    []consent.Tombstone `json:"erased"`
}

func (s *server) adminErase(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	return s.erase(c, site, actorAdmin)
}

func (s *server) dashboardErase(c echo.Context) error {
	return s.erase(c, siteOf(c), actorOf(c))
}

// erase deletes one visitor's receipts; a consent id with nothing left to
// erase answers 200 with none, so a retried request is not an error.
func (s *server) erase(c echo.Context, site consent.Site, actor string) error {
	ctx := c.Request().Context()
	consentID, err := consentParam(c)
	if err != nil {
		return err
	}
	erased, err := s.store.EraseConsent(ctx, site.ID, consentID, s.Now().UTC(), actor)
	if errors.Is(err, consent.ErrNotFound) {
		return adminSiteError(err, site.ID)
	}
	if err != nil {
		return err
	}
	// No consent id in the log: it is what was erased. The tombstones'
	// receipt ids tie this line to the store.
	ids := make([]string, len(erased))
	for i, t := range erased {
		ids[i] = t.ReceiptID
	}
	s.log.InfoContext(ctx, "consent erased", "site", site.ID, "actor", actor, "receipts", len(erased), "receipt_ids", ids)
	if len(erased) > 0 {
		// The owner's audit log says that, when and by whom; the
		// receipt ids, not the consent id, say which (the consent id is
		// what the visitor asked to have forgotten).
		entry := consent.AuditEntry{At: s.Now().UTC(), Actor: actor, Action: consent.AuditConsentErase, SiteID: site.ID,
			Summary: fmt.Sprintf("erased one visitor's %d receipts: %s", len(erased), strings.Join(ids, ", "))}
		if err := s.store.AppendAudit(ctx, entry); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, Erasure{ConsentID: consentID, Erased: erased})
}

// snapshotsOf gives a proof bundle the texts, purposes and vendors each of
// its receipts was given under. A version the store has no snapshot of
// (shown before snapshots were kept) is left out: the bundle must not
// claim texts it cannot prove.
func (s *server) snapshotsOf(ctx context.Context, siteID string, versions []string) ([]any, error) {
	out := []any{}
	for _, v := range versions {
		snap, err := s.store.Snapshot(ctx, siteID, v)
		if errors.Is(err, consent.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, snap)
	}
	return out, nil
}
