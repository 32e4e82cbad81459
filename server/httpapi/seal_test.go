package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/seal"
)

// An auditor's path through the API on both stores: seal, prove one
// visitor's consent, verify an export (and find a line changed in it),
// then erase the visitor: gone from every read, the numbers unchanged, and
// the export still verifies.
func TestSealProveVerifyErase(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createNamedSite("Seal Shop")
		visitor := h.visit(site, "nb", iphoneUA, false, "custom")
		other := h.visit(site, "en", desktopUA, false, "accept_all")
		change := receipt(site, map[string]any{"consent_id": visitor, "action": "reject_all",
			"choices": map[string]any{"necessary": true, "statistics": false, "marketing": false}})
		if r := h.postReceipt(site.ID, mustJSON(change)); r.status != http.StatusCreated {
			t.Fatalf("receipt: %d %s", r.status, r.body)
		}

		r := h.do("GET", seal.WellKnownPath, "", nil)
		var published struct{ Keys []seal.PublicKey }
		r.decode(t, &published)
		keys, err := seal.NewKeySet(published.Keys)
		if r.status != http.StatusOK || err != nil || len(keys) != 1 {
			t.Fatalf("%s: %d %s (%v)", seal.WellKnownPath, r.status, r.body, err)
		}

		var sealed httpapi.SealAnswer
		r = h.admin("POST", "/v1/admin/sites/"+site.ID+"/seal", "")
		r.decode(t, &sealed)
		if r.status != http.StatusOK || len(sealed.Written) != 1 || sealed.Last.LastSeq != 3 {
			t.Fatalf("seal: %d %s", r.status, r.body)
		}
		r = h.admin("POST", "/v1/admin/sites/"+site.ID+"/seal", "")
		r.decode(t, &sealed)
		if len(sealed.Written) != 0 || sealed.Last.Number != 1 {
			t.Errorf("second seal with nothing new: %s", r.body)
		}
		if r := h.admin("POST", "/v1/admin/sites/nosuchsite/seal", ""); r.status != http.StatusNotFound {
			t.Errorf("seal of an unknown site: %d", r.status)
		}

		proofPath := "/v1/admin/sites/" + site.ID + "/consents/" + visitor + "/proof"
		r = h.admin("GET", proofPath, "")
		rep, err := seal.Verify(r.body, keys)
		if r.status != http.StatusOK || err != nil || !rep.OK || rep.Receipts != 2 {
			t.Fatalf("proof bundle: %d %+v %v\n%s", r.status, rep, err, r.body)
		}
		// The bundle carries what the visitor was shown: the snapshot of
		// the version their receipts name.
		var bundle struct {
			Snapshots []consent.Snapshot `json:"snapshots"`
		}
		r.decode(t, &bundle)
		if len(bundle.Snapshots) != 1 || bundle.Snapshots[0].Version != site.ConfigVersion || len(bundle.Snapshots[0].Texts) == 0 {
			t.Errorf("proof bundle's snapshots: want the one of version %s with its texts, got %+v", site.ConfigVersion, bundle.Snapshots)
		}
		var k httpapi.KantaraReceipt
		r = h.admin("GET", proofPath+"?format=kantara", "")
		r.decode(t, &k)
		if k.Version != "KI-CR-v1.1.0" || k.ConsentReceiptID != change["receipt_id"] || k.PIIPrincipalID != visitor ||
			len(k.Services) != 1 || len(k.Services[0].Purposes) != 1 || k.PolicyURL != site.PrivacyPolicyURL {
			t.Errorf("kantara receipt: %s", r.body)
		}
		if r := h.admin("GET", "/v1/admin/sites/"+site.ID+"/consents/not-a-uuid/proof", ""); r.status != http.StatusUnprocessableEntity ||
			strings.Join(r.fields(t), ",") != "consent_id" {
			t.Errorf("proof of a malformed consent id: %d %s", r.status, r.body)
		}
		if r := h.admin("GET", proofPath+"?format=xml", ""); r.status != http.StatusUnprocessableEntity {
			t.Errorf("proof with format=xml: %d", r.status)
		}

		op := h.operator()
		export := func() []byte {
			t.Helper()
			r := op.call("GET", "/dashboard/api/sites/"+site.ID+"/receipts?format=ndjson", "")
			if r.status != http.StatusOK {
				t.Fatalf("export: %d %s", r.status, r.body)
			}
			return r.body
		}
		verify := func(file []byte) seal.Report {
			t.Helper()
			r := h.do("POST", "/v1/admin/sites/"+site.ID+"/verify", string(file), map[string]string{
				"Authorization": "Bearer " + h.token, "Content-Type": "application/x-ndjson"})
			var rep seal.Report
			r.decode(t, &rep)
			if r.status != http.StatusOK {
				t.Fatalf("verify: %d %s", r.status, r.body)
			}
			return rep
		}
		file := export()
		if rep := verify(file); !rep.OK || rep.Receipts != 3 || rep.Kind != "export" {
			t.Fatalf("verify of an untouched export: %+v", rep)
		}
		// One receipt's marketing choice changed in the file.
		lines := bytes.Split(bytes.TrimSpace(file), []byte("\n"))
		var first map[string]any
		json.Unmarshal(lines[0], &first)
		lines[0] = bytes.Replace(lines[0], []byte(`"marketing":false`), []byte(`"marketing":true`), 1)
		if rep := verify(bytes.Join(lines, []byte("\n"))); rep.OK || rep.FirstFailed == nil || rep.FirstFailed.ReceiptID != first["receipt_id"] {
			t.Errorf("verify of a changed export: %+v; want receipt %v named", rep, first["receipt_id"])
		}
		if r := h.admin("POST", "/v1/admin/sites/"+site.ID+"/verify", "hello"); r.status != http.StatusBadRequest || strings.Join(r.fields(t), ",") != "body" {
			t.Errorf("verify of a file that is neither: %d %s", r.status, r.body)
		}

		// Erasure.
		before := mustJSON(h.stats(site.ID))
		var erased httpapi.Erasure
		r = h.admin("DELETE", "/v1/admin/sites/"+site.ID+"/consents/"+visitor, "")
		r.decode(t, &erased)
		if r.status != http.StatusOK || len(erased.Erased) != 2 {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if r := h.do("GET", "/v1/sites/"+site.ID+"/consents/"+visitor, "", nil); r.status != http.StatusNotFound {
			t.Errorf("the visitor's own download after erasure: %d %s", r.status, r.body)
		}
		if r := op.call("GET", "/dashboard/api/sites/"+site.ID+"/consents/"+visitor, ""); strings.Contains(string(r.body), change["receipt_id"].(string)) {
			t.Errorf("the dashboard's lookup after erasure: %s", r.body)
		}
		if r := h.admin("GET", proofPath, ""); r.status != http.StatusOK || strings.Contains(string(r.body), change["receipt_id"].(string)) {
			t.Errorf("proof after erasure: %d %s", r.status, r.body)
		}
		if r := h.admin("GET", proofPath+"?format=kantara", ""); r.status != http.StatusNotFound {
			t.Errorf("Kantara receipt after erasure: %d", r.status)
		}
		var log struct{ Entries []consent.AuditEntry }
		h.admin("GET", "/v1/admin/sites/"+site.ID+"/audit", "").decode(t, &log)
		if audit := log.Entries; len(audit) == 0 || audit[len(audit)-1].Action != consent.AuditConsentErase || audit[len(audit)-1].Actor != "admin token" ||
			strings.Contains(audit[len(audit)-1].Summary, visitor) || !strings.Contains(audit[len(audit)-1].Summary, change["receipt_id"].(string)) {
			t.Errorf("the audit log after erasure: want a consent.erase entry by the admin token naming the receipts, not the visitor: %+v", log.Entries)
		}
		if after := mustJSON(h.stats(site.ID)); after != before {
			t.Errorf("the numbers changed with erasure:\nbefore %s\nafter  %s", before, after)
		}
		file = export()
		if bytes.Contains(file, []byte(visitor)) || !bytes.Contains(file, []byte(other)) {
			t.Errorf("export after erasure:\n%s", file)
		}
		if rep := verify(file); !rep.OK || rep.Receipts != 1 || rep.Erased != 2 {
			t.Errorf("verify of an export after erasure: %+v", rep)
		}
		// Only Redis's live keys: bbolt leaves deleted bytes in its free
		// pages until it reuses them (see EraseConsent in boltstore).
		if h.redis != nil && len(h.storeHolds(visitor)) != 0 {
			t.Errorf("the store still holds the erased consent id in %v", h.storeHolds(visitor))
		}
		if !strings.Contains(h.logs.String(), "consent erased") {
			t.Error("the erasure was not logged")
		}
		r = h.admin("DELETE", "/v1/admin/sites/"+site.ID+"/consents/"+visitor, "")
		r.decode(t, &erased)
		if r.status != http.StatusOK || len(erased.Erased) != 0 {
			t.Errorf("second erase: %d %s", r.status, r.body)
		}
		// The dashboard erases too, as the site's owner.
		if r := op.call("DELETE", "/dashboard/api/sites/"+site.ID+"/consents/"+other, ""); r.status != http.StatusOK || !strings.Contains(string(r.body), `"actor"`) {
			t.Errorf("dashboard erase: %d %s", r.status, r.body)
		}
	})
}
