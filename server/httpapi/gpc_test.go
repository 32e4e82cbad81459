package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Global Privacy Control: the well-known resource, the Sec-GPC header on the
// config request, the per-site "apply GPC as Reject all" setting and the
// receipts with action gpc it produces.

func TestWellKnownGPC(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		for _, method := range []string{"GET", "HEAD"} {
			r := h.do(method, "/.well-known/gpc.json", "", map[string]string{"Origin": "https://anywhere.example"})
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", method, r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s: Content-Type %q", method, ct)
			}
			if r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: not readable from any origin", method)
			}
			if method == "HEAD" {
				if len(r.body) != 0 {
					t.Errorf("HEAD has a body: %s", r.body)
				}
				continue
			}
			var doc struct {
				GPC        *bool   `json:"gpc"`
				LastUpdate *string `json:"lastUpdate"`
			}
			mustUnmarshal(t, r.body, &doc)
			if doc.GPC == nil || !*doc.GPC {
				t.Errorf("gpc is not true: %s", r.body)
			}
			if doc.LastUpdate == nil {
				t.Fatalf("no lastUpdate: %s", r.body)
			}
			if _, err := time.Parse("2006-01-02", *doc.LastUpdate); err != nil {
				t.Errorf("lastUpdate %q is not a YYYY-MM-DD date", *doc.LastUpdate)
			}
		}
		if r := h.do("POST", "/.well-known/gpc.json", "{}", nil); r.status != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d, want 405", r.status)
		}
	})
}

func TestConfigSecGPC(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		path := "/v1/sites/" + s.ID + "/config?lang=en"
		tests := []struct {
			name    string
			headers map[string]string
			wantGPC bool
		}{
			{"no header", nil, false},
			{"Sec-GPC: 1", map[string]string{"Sec-GPC": "1"}, true},
			{"Sec-GPC: 0", map[string]string{"Sec-GPC": "0"}, false},
			{"Sec-GPC: true (not the spec's value)", map[string]string{"Sec-GPC": "true"}, false},
			{"Sec-GPC: empty", map[string]string{"Sec-GPC": ""}, false},
		}
		etags := map[bool]string{}
		for _, tt := range tests {
			r := h.do("GET", path, "", tt.headers)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tt.name, r.status, r.body)
			}
			m := r.json(t)
			got, present := m["gpc"]
			if tt.wantGPC && got != true {
				t.Errorf("%s: gpc = %v, want true", tt.name, got)
			}
			if !tt.wantGPC && present {
				t.Errorf("%s: gpc = %v, want it left out", tt.name, got)
			}
			if vary := strings.Join(r.header.Values("Vary"), ","); !strings.Contains(vary, "Sec-GPC") || !strings.Contains(vary, "Accept-Language") {
				t.Errorf("%s: Vary = %q, want Accept-Language and Sec-GPC", tt.name, vary)
			}
			etag := r.header.Get("ETag")
			if prev, ok := etags[tt.wantGPC]; ok && prev != etag {
				t.Errorf("%s: ETag %s, but %s for the same answer before", tt.name, etag, prev)
			}
			etags[tt.wantGPC] = etag
		}
		if etags[true] == etags[false] {
			t.Fatalf("the answers with and without GPC share the ETag %s", etags[true])
		}
		// A cached copy revalidates only against the answer for the same signal.
		revalidate := []struct {
			name    string
			etag    string
			gpc     bool
			want    int
			wantGPC bool
		}{
			{"GPC copy, GPC request", etags[true], true, http.StatusNotModified, true},
			{"plain copy, plain request", etags[false], false, http.StatusNotModified, false},
			{"plain copy, GPC request", etags[false], true, http.StatusOK, true},
			{"GPC copy, plain request", etags[true], false, http.StatusOK, false},
		}
		for _, rv := range revalidate {
			hd := map[string]string{"If-None-Match": rv.etag}
			if rv.gpc {
				hd["Sec-GPC"] = "1"
			}
			r := h.do("GET", path, "", hd)
			if r.status != rv.want {
				t.Errorf("%s: %d, want %d", rv.name, r.status, rv.want)
				continue
			}
			if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Sec-GPC") {
				t.Errorf("%s: no Vary: Sec-GPC", rv.name)
			}
			if r.status == http.StatusOK && (r.json(t)["gpc"] == true) != rv.wantGPC {
				t.Errorf("%s: gpc in the answer is %v", rv.name, r.json(t)["gpc"])
			}
		}
	})
}

func TestGPCHandlingSetting(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		with := func(v string) string { return strings.Replace(siteJSON, `"name"`, `"gpc_handling":`+v+`,"name"`, 1) }
		existing := h.createSite(siteJSON)
		if v, ok := h.admin("GET", "/v1/admin/sites/"+existing.ID, "").json(t)["gpc_handling"]; ok {
			t.Fatalf("a site created without the setting has gpc_handling %v", v)
		}
		refused := []struct {
			name, body, field string
		}{
			{"unknown value", with(`"reject"`), "gpc_handling"},
			{"upper case", with(`"REJECT_ALL"`), "gpc_handling"},
			{"a boolean", with(`true`), "gpc_handling"},
			{"a number", with(`1`), "gpc_handling"},
			{"with another fault", strings.Replace(with(`"deny"`), `"nb"`, `"xx"`, 1), "default_language"},
		}
		for _, tt := range refused {
			for _, method := range []string{"POST", "PUT"} {
				path := "/v1/admin/sites"
				if method == "PUT" {
					path += "/" + existing.ID
				}
				r := h.admin(method, path, tt.body)
				if r.status != http.StatusUnprocessableEntity {
					t.Errorf("%s %s: %d, want 422: %s", method, tt.name, r.status, r.body)
					continue
				}
				if fields := r.fields(t); !contains(fields, tt.field) {
					t.Errorf("%s %s: error names %v, want %q", method, tt.name, fields, tt.field)
				}
			}
		}
		if fields := h.admin("POST", "/v1/admin/sites", strings.Replace(with(`"deny"`), `"nb"`, `"xx"`, 1)).fields(t); !contains(fields, "gpc_handling") {
			t.Errorf("a bad gpc_handling is not reported next to other faults: %v", fields)
		}

		// Accepted values, and what they do to the config version and the config.
		notice := `"texts":{"en":{"gpc.notice":"Your browser's privacy signal was honoured."}},`
		accepted := []struct {
			name       string
			body       string
			changes    bool
			rejectsAll bool
		}{
			{"left out", siteJSON, false, false},
			{"banner", with(`"banner"`), false, false},
			{"empty string", with(`""`), false, false},
			{"reject_all", with(`"reject_all"`), true, true},
			{"notice reworded while off", strings.Replace(siteJSON, `"name"`, notice+`"name"`, 1), false, false},
		}
		for _, tt := range accepted {
			r := h.admin("PUT", "/v1/admin/sites/"+existing.ID, tt.body)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tt.name, r.status, r.body)
			}
			var site siteView
			mustUnmarshal(t, r.body, &site)
			if changed := site.ConfigVersion != existing.ConfigVersion; changed != tt.changes {
				t.Errorf("%s: config version changed = %v, want %v", tt.name, changed, tt.changes)
			}
			cfg := h.do("GET", "/v1/sites/"+existing.ID+"/config?lang=en", "", nil).json(t)
			if (cfg["gpc_reject_all"] == true) != tt.rejectsAll {
				t.Errorf("%s: gpc_reject_all in the config = %v, want %v", tt.name, cfg["gpc_reject_all"], tt.rejectsAll)
			}
			if texts, _ := cfg["texts"].(map[string]any); texts["gpc.notice"] == "" || texts["gpc.notice"] == nil {
				t.Errorf("%s: no gpc.notice text in the config", tt.name)
			}
		}
		// While on, rewording the notice is a change visitors see.
		on := h.admin("PUT", "/v1/admin/sites/"+existing.ID, with(`"reject_all"`)).json(t)["config_version"]
		reworded := h.admin("PUT", "/v1/admin/sites/"+existing.ID, strings.Replace(with(`"reject_all"`), `"name"`, notice+`"name"`, 1)).json(t)["config_version"]
		if on == reworded {
			t.Errorf("rewording the notice while it is on kept config version %v", on)
		}
		// Every language has its own wording of the notice.
		h.admin("PUT", "/v1/admin/sites/"+existing.ID, with(`"reject_all"`))
		seen := map[string]string{}
		for _, lang := range consent.Languages {
			cfg := h.do("GET", "/v1/sites/"+existing.ID+"/config?lang="+lang, "", nil).json(t)
			text, _ := cfg["texts"].(map[string]any)["gpc.notice"].(string)
			if lang != "en" && text == seen["en"] {
				t.Errorf("%s: the notice is the English one", lang)
			}
			if !strings.Contains(text, "Global") {
				t.Errorf("%s: the notice %q does not name Global Privacy Control", lang, text)
			}
			seen[lang] = text
		}
	})
}

func TestGPCReceipt(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(strings.Replace(siteJSON, `"name"`, `"gpc_handling":"reject_all","name"`, 1))
		cfg := h.do("GET", "/v1/sites/"+s.ID+"/config?lang=nb", "", map[string]string{"Sec-GPC": "1"}).json(t)
		if cfg["gpc"] != true || cfg["gpc_reject_all"] != true || cfg["config_version"] != s.ConfigVersion {
			t.Fatalf("config for a GPC visitor: gpc %v, gpc_reject_all %v, version %v", cfg["gpc"], cfg["gpc_reject_all"], cfg["config_version"])
		}
		none := map[string]any{"necessary": true, "statistics": false, "marketing": false}
		tests := []struct {
			name      string
			overrides map[string]any
			want      int
			field     string
		}{
			{"GPC applied as Reject all", map[string]any{"action": "gpc", "gpc": true, "choices": none}, http.StatusCreated, ""},
			{"gpc without the signal", map[string]any{"action": "gpc", "gpc": false, "choices": none}, http.StatusUnprocessableEntity, "gpc"},
			{"gpc granting statistics", map[string]any{"action": "gpc", "gpc": true,
				"choices": map[string]any{"necessary": true, "statistics": true, "marketing": false}}, http.StatusUnprocessableEntity, "choices"},
			{"a misspelt action", map[string]any{"action": "GPC", "gpc": true, "choices": none}, http.StatusUnprocessableEntity, "action"},
		}
		for _, tt := range tests {
			r := h.postReceipt(s.ID, mustJSON(receipt(s, tt.overrides)))
			if r.status != tt.want {
				t.Errorf("%s: %d, want %d: %s", tt.name, r.status, tt.want, r.body)
				continue
			}
			if tt.field != "" {
				if fields := r.fields(t); !contains(fields, tt.field) {
					t.Errorf("%s: error names %v, want %q", tt.name, fields, tt.field)
				}
				continue
			}
			var stored consent.Receipt
			mustUnmarshal(t, r.body, &stored)
			if stored.Action != consent.GPC || !stored.GPC || stored.Choices.Statistics || stored.Choices.Marketing || stored.ConfigVersion != s.ConfigVersion {
				t.Errorf("%s: stored %+v", tt.name, stored)
			}
			back := h.do("GET", "/v1/sites/"+s.ID+"/consents/"+stored.ConsentID, "", nil)
			if back.status != http.StatusOK || !strings.Contains(string(back.body), `"action": "gpc"`) {
				t.Errorf("%s: the visitor's receipts: %d %s", tt.name, back.status, back.body)
			}
		}
		// Counted as a decision of its own action, refusing both purposes,
		// from a browser sending GPC; no banner impression goes with it.
		st := h.stats(s.ID).Totals
		if st.Decisions != 1 || st.Actions[consent.GPC] != 1 || st.Actions[consent.RejectAll] != 0 || st.GPC.Decisions != 1 || st.Impressions != 0 {
			t.Errorf("counters: %+v", st)
		}
		for _, p := range consent.OptionalPurposes {
			if pc := st.Purposes[p]; pc.Denied != 1 || pc.Granted != 0 {
				t.Errorf("%s: %+v, want denied once", p, pc)
			}
		}
	})
}
