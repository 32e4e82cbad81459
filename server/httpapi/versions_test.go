package httpapi_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/retention"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// What was shown (versions and their snapshots), the audit log, and
// deleting sites with a grace period, through the admin API on both stores.

func TestOpenAPIShownSchemas(t *testing.T) {
	doc := openapiDoc(t)
	for name, typ := range map[string]reflect.Type{
		"Snapshot":        reflect.TypeFor[consent.Snapshot](),
		"Shown":           reflect.TypeFor[consent.Shown](),
		"VersionInfo":     reflect.TypeFor[httpapi.VersionInfo](),
		"VersionDiff":     reflect.TypeFor[consent.VersionDiff](),
		"Change":          reflect.TypeFor[consent.Change](),
		"SavePreview":     reflect.TypeFor[httpapi.SavePreview](),
		"AuditEntry":      reflect.TypeFor[consent.AuditEntry](),
		"DeletedSiteView": reflect.TypeFor[httpapi.DeletedSiteView](),
	} {
		got := openapiSchemaFields(t, doc, map[string]any{"$ref": "#/components/schemas/" + name})
		if want := openapiGoFields(typ); !reflect.DeepEqual(got, want) {
			t.Errorf("schema %s has fields %v; the Go type has %v", name, openapiSorted(got), openapiSorted(want))
		}
	}
}

type versionList struct {
	Versions []httpapi.VersionInfo `json:"versions"`
}

func withTitle(body, title string) string {
	return strings.Replace(body, `"integrations"`, `"texts":{"nb":{"banner.title":"`+title+`"}},"integrations"`, 1)
}

// The test: texts edited after a receipt still show the old texts
// for that receipt, and the receipt stays valid.
func TestVersionsShowWhatReceiptsWereGiven(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createSite(withTitle(gaSiteJSON, "Før"))
		r := receipt(site, nil)
		if res := h.postReceipt(site.ID, mustJSON(r)); res.status != http.StatusCreated {
			t.Fatalf("receipt: %d %s", res.status, res.body)
		}
		h.clock.Advance(time.Hour)
		upd := h.admin("PUT", "/v1/admin/sites/"+site.ID, withTitle(gaSiteJSON, "Etter"))
		if upd.status != http.StatusOK {
			t.Fatalf("update: %d %s", upd.status, upd.body)
		}
		var edited siteView
		upd.decode(t, &edited)
		if edited.ConfigVersion == site.ConfigVersion {
			t.Fatal("a new title kept the version")
		}

		// The receipt lookup names the version; its snapshot has the old words.
		var got consent.Snapshot
		res := h.admin("GET", "/v1/admin/sites/"+site.ID+"/versions/"+r["config_version"].(string), "")
		if res.status != http.StatusOK {
			t.Fatalf("version: %d %s", res.status, res.body)
		}
		res.decode(t, &got)
		if title := got.Texts["nb"]["banner.title"]; title != "Før" {
			t.Errorf("the receipt's version shows %q, want the title before the edit", title)
		}
		if got.Shown.Version() != got.Version || got.Author != "admin token" {
			t.Errorf("snapshot: version %s hashes to %s, author %q", got.Version, got.Shown.Version(), got.Author)
		}

		var list versionList
		h.admin("GET", "/v1/admin/sites/"+site.ID+"/versions", "").decode(t, &list)
		if len(list.Versions) != 2 || list.Versions[0].Number != 1 || list.Versions[1].Number != 2 ||
			!list.Versions[1].Current || list.Versions[1].AskedAgain || !list.Versions[0].Snapshot {
			t.Errorf("versions: %+v", list.Versions)
		}
		// A text change is minor: the config tells the banner that decisions
		// under the old version still hold.
		cfg := h.do("GET", "/v1/sites/"+site.ID+"/config?lang=nb", "", nil).json(t)
		if cfg["texts"].(map[string]any)["banner.title"] != "Etter" || mustJSON(cfg["accepted_versions"]) != mustJSON([]string{site.ConfigVersion}) {
			t.Errorf("config after a minor change: title %v, accepted %v", cfg["texts"].(map[string]any)["banner.title"], cfg["accepted_versions"])
		}
		var diff consent.VersionDiff
		h.admin("GET", "/v1/admin/sites/"+site.ID+"/versions/"+edited.ConfigVersion+"/diff", "").decode(t, &diff)
		if diff.Material || len(diff.Changes) != 1 || diff.Changes[0].Field != "texts.nb.banner.title" || diff.Changes[0].From != "Før" {
			t.Errorf("diff: %+v", diff)
		}
		// A receipt under the old version is still accepted.
		old := receipt(site, nil)
		if res := h.postReceipt(site.ID, mustJSON(old)); res.status != http.StatusCreated {
			t.Errorf("receipt naming the older version: %d %s", res.status, res.body)
		}
		if res := h.admin("GET", "/v1/admin/sites/"+site.ID+"/versions/0123456789abcdef", ""); res.status != http.StatusNotFound {
			t.Errorf("unknown version: %d", res.status)
		}

		var audit struct {
			Entries []consent.AuditEntry `json:"entries"`
		}
		h.admin("GET", "/v1/admin/sites/"+site.ID+"/audit", "").decode(t, &audit)
		if len(audit.Entries) != 2 || audit.Entries[1].Action != consent.AuditSiteUpdate || audit.Entries[1].FromVersion != site.ConfigVersion ||
			audit.Entries[1].ToVersion != edited.ConfigVersion || audit.Entries[1].Actor != "admin token" || !strings.Contains(audit.Entries[1].Summary, "banner.title") {
			t.Errorf("audit log: %+v", audit.Entries)
		}
	})
}

// Adding a vendor is material and asks everyone again; a text change asks
// again only when the owner says so; the preview says which, storing nothing.
func TestSavePreviewAndMaterialChanges(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createSite(gaSiteJSON)
		withHotjar := strings.Replace(gaSiteJSON, `}}}`, `},"hotjar":{"site_id":1234567}}}`, 1)
		preview := func(body, query string) httpapi.SavePreview {
			t.Helper()
			res := h.admin("POST", "/v1/admin/sites/"+site.ID+"/settings/preview"+query, body)
			if res.status != http.StatusOK {
				t.Fatalf("preview: %d %s", res.status, res.body)
			}
			var p httpapi.SavePreview
			res.decode(t, &p)
			return p
		}
		if p := preview(withHotjar, ""); !p.AsksAgain || !p.Material || !p.NewVersion {
			t.Errorf("adding Hotjar: %+v", p)
		}
		if p := preview(withTitle(gaSiteJSON, "Hei"), ""); p.AsksAgain || p.Material || !p.NewVersion {
			t.Errorf("a new title: %+v", p)
		}
		if p := preview(withTitle(gaSiteJSON, "Hei"), "?ask_again=true"); !p.AsksAgain || p.Material {
			t.Errorf("a new title, asking again: %+v", p)
		}
		if p := preview(strings.Replace(gaSiteJSON, "www.nordicshop.no\"]", "www.nordicshop.no\",\"https://nordicshop.no\"]", 1), ""); p.NewVersion || p.AsksAgain {
			t.Errorf("a new origin: %+v", p)
		}
		if res := h.admin("POST", "/v1/admin/sites/"+site.ID+"/settings/preview?ask_again=maybe", gaSiteJSON); res.status != http.StatusUnprocessableEntity ||
			strings.Join(res.fields(t), ",") != "ask_again" {
			t.Errorf("ask_again=maybe: %d %s", res.status, res.body)
		}
		if got, _ := h.store.Site(t.Context(), site.ID); got.ConfigVersion != site.ConfigVersion || len(got.ConfigHistory) != 1 {
			t.Fatalf("a preview changed the site: %+v", got.ConfigHistory)
		}

		if res := h.admin("PUT", "/v1/admin/sites/"+site.ID, withHotjar); res.status != http.StatusOK {
			t.Fatal(res.status)
		}
		cfg := h.do("GET", "/v1/sites/"+site.ID+"/config", "", nil).json(t)
		if _, ok := cfg["accepted_versions"]; ok {
			t.Errorf("after a material change the config accepts older decisions: %v", cfg["accepted_versions"])
		}
		var list versionList
		h.admin("GET", "/v1/admin/sites/"+site.ID+"/versions", "").decode(t, &list)
		if len(list.Versions) != 2 || !list.Versions[1].AskedAgain {
			t.Errorf("versions: %+v", list.Versions)
		}
	})
}

// The test: a deleted site can be restored within the grace
// period, and is purged after it.
func TestDeleteSiteGracePeriod(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		site := h.createSite(gaSiteJSON)
		r := receipt(site, nil)
		if res := h.postReceipt(site.ID, mustJSON(r)); res.status != http.StatusCreated {
			t.Fatal(res.status)
		}
		path := "/v1/admin/sites/" + site.ID
		for _, tc := range []struct{ name, query, body string }{
			{"no confirmation", "", ""},
			{"wrong name", "", `{"confirm_name":"nordic shop"}`},
			{"wrong name in the query", "?confirm_name=Other", ""},
		} {
			res := h.admin("DELETE", path+tc.query, tc.body)
			if res.status != http.StatusUnprocessableEntity || strings.Join(res.fields(t), ",") != "confirm_name" {
				t.Errorf("%s: %d %s", tc.name, res.status, res.body)
			}
		}
		if res := h.do("GET", "/v1/sites/"+site.ID+"/config", "", nil); res.status != http.StatusOK {
			t.Fatalf("a refused delete hid the site: %d", res.status)
		}

		if res := h.admin("DELETE", path+"?confirm_name=Nordic%20Shop", ""); res.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.status, res.body)
		}
		for _, p := range []string{"/v1/sites/" + site.ID + "/config", "/v1/sites/" + site.ID + "/declaration"} {
			if res := h.do("GET", p, "", nil); res.status != http.StatusNotFound {
				t.Errorf("%s of a deleted site: %d", p, res.status)
			}
		}
		if res := h.postReceipt(site.ID, mustJSON(receipt(site, nil))); res.status != http.StatusNotFound {
			t.Errorf("receipt for a deleted site: %d", res.status)
		}
		if res := h.admin("GET", path, ""); res.status != http.StatusNotFound {
			t.Errorf("admin GET of a deleted site: %d", res.status)
		}
		if strings.Contains(string(h.admin("GET", "/v1/admin/sites", "").body), site.ID) {
			t.Error("the admin list shows a deleted site")
		}
		var deleted struct {
			Sites []httpapi.DeletedSiteView `json:"sites"`
		}
		h.admin("GET", "/v1/admin/deleted-sites", "").decode(t, &deleted)
		wantPurge := h.clock.Now().Add(httpapi.DefaultDeleteGrace).UTC().Format(time.RFC3339)
		if len(deleted.Sites) != 1 || deleted.Sites[0].ID != site.ID || deleted.Sites[0].PurgeAfter != wantPurge || deleted.Sites[0].DeletedBy != "admin token" {
			t.Fatalf("deleted sites: %+v, want purge after %s", deleted.Sites, wantPurge)
		}

		// Within the grace period the janitor leaves it, and it comes back
		// with its receipts.
		janitor := retention.Janitor{Store: h.store, Now: h.clock.Now}
		h.clock.Advance(httpapi.DefaultDeleteGrace - time.Minute)
		if err := janitor.PurgeAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		if res := h.admin("POST", path+"/restore", ""); res.status != http.StatusOK {
			t.Fatalf("restore: %d %s", res.status, res.body)
		}
		if res := h.do("GET", "/v1/sites/"+site.ID+"/consents/"+r["consent_id"].(string), "", nil); res.status != http.StatusOK {
			t.Errorf("the restored site's receipt: %d %s", res.status, res.body)
		}
		if res := h.admin("POST", path+"/restore", ""); res.status != http.StatusNotFound {
			t.Errorf("restoring a live site: %d", res.status)
		}

		// Deleted again and left past the grace period, it is purged.
		if res := h.admin("DELETE", path, `{"confirm_name":"Nordic Shop"}`); res.status != http.StatusNoContent {
			t.Fatal(res.status)
		}
		h.clock.Advance(httpapi.DefaultDeleteGrace + time.Minute)
		if err := janitor.PurgeAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		if res := h.admin("POST", path+"/restore", ""); res.status != http.StatusNotFound {
			t.Errorf("restore after the grace period: %d %s", res.status, res.body)
		}
		if snaps, _ := h.store.Snapshots(t.Context(), site.ID); len(snaps) != 0 {
			t.Errorf("a purged site kept %d snapshots", len(snaps))
		}
		if rs, _ := h.store.Receipts(t.Context(), site.ID, r["consent_id"].(string)); len(rs) != 0 {
			t.Errorf("a purged site kept its receipts")
		}

		// The operator purges at once, a live or a deleted site.
		other := h.createNamedSite("Other")
		if res := h.admin("DELETE", "/v1/admin/sites/"+other.ID+"?purge=soon", `{"confirm_name":"Other"}`); res.status != http.StatusUnprocessableEntity {
			t.Errorf("purge=soon: %d", res.status)
		}
		if res := h.admin("DELETE", "/v1/admin/sites/"+other.ID+"?purge=now", `{"confirm_name":"Other"}`); res.status != http.StatusNoContent {
			t.Fatalf("purge now: %d %s", res.status, res.body)
		}
		if res := h.admin("POST", "/v1/admin/sites/"+other.ID+"/restore", ""); res.status != http.StatusNotFound {
			t.Errorf("restore after purge=now: %d", res.status)
		}
	})
}

// The test: a rolling upgrade whose release rewords the built-in
// texts keeps one version. Two consentd of two releases share one store;
// neither start nor serving changes the version, and both serve the texts
// stored with it.
func TestRollingUpgradeKeepsOneVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		reworded := func(lang string) consent.Texts {
			t := consent.DefaultTexts(lang)
			t["banner.title"] = "Reworded by the next release"
			return t
		}
		next := start(t, h.store, adminToken, h.clock, func(o *httpapi.Options) { o.DefaultTexts = reworded })
		site := h.createSite(gaSiteJSON)
		// A site stored before snapshots existed, under a version of the
		// old formula.
		legacy := storetest.NewSite(t, storetest.SiteID())
		legacy.ConfigVersion = "00000000000000aa"
		legacy.ConfigHistory = []consent.ConfigRevision{{Version: legacy.ConfigVersion, Since: legacy.CreatedAt}}
		if err := h.store.CreateSite(t.Context(), legacy); err != nil {
			t.Fatal(err)
		}
		// Both releases start at once.
		oldWriter := httpapi.SiteWriter{Store: h.store, Now: h.clock.Now}
		newWriter := httpapi.SiteWriter{Store: h.store, Now: h.clock.Now, Defaults: reworded}
		var wg sync.WaitGroup
		for _, w := range []httpapi.SiteWriter{oldWriter, newWriter} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.Reconstruct(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for _, s := range []struct {
			id, version string
		}{{site.ID, site.ConfigVersion}, {legacy.ID, legacy.ConfigVersion}} {
			stored, err := h.store.Site(t.Context(), s.id)
			if err != nil || stored.ConfigVersion != s.version || len(stored.ConfigHistory) != 1 {
				t.Errorf("site %s after both starts: version %s, history %+v, %v; want %s", s.id, stored.ConfigVersion, stored.ConfigHistory, err, s.version)
			}
			var titles []string
			for _, srv := range []*harness{h, next} {
				cfg := srv.do("GET", "/v1/sites/"+s.id+"/config?lang=en", "", nil).json(t)
				if cfg["config_version"] != s.version {
					t.Errorf("site %s served as version %v, want %s", s.id, cfg["config_version"], s.version)
				}
				titles = append(titles, cfg["texts"].(map[string]any)["banner.title"].(string))
			}
			if titles[0] != titles[1] {
				t.Errorf("site %s: the two releases serve the titles %q", s.id, titles)
			}
		}
		snap, err := h.store.Snapshot(t.Context(), legacy.ID, legacy.ConfigVersion)
		if err != nil || !snap.Reconstructed {
			t.Errorf("legacy site's snapshot: %+v, %v", snap.Reconstructed, err)
		}
		// The new release's own site is shown with the old release's words
		// until an owner saves it.
		cfg := next.do("GET", "/v1/sites/"+site.ID+"/config?lang=en", "", nil).json(t)
		if cfg["texts"].(map[string]any)["banner.title"] == "Reworded by the next release" {
			t.Error("the new release rewrote what a stored version shows")
		}
	})
}
