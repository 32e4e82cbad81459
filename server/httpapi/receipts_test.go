package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/samtykke/samtykke/server/consent"
)

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func TestReceiptStoredOnceAndReadBack(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		body := receipt(s, nil)
		first := h.postReceipt(s.ID, mustJSON(body))
		if first.status != http.StatusCreated {
			t.Fatalf("first post: %d %s", first.status, first.body)
		}
		if got := first.header.Get("Access-Control-Allow-Origin"); got != shopOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want the shop's origin", got)
		}
		var stored consent.Receipt
		mustUnmarshal(t, first.body, &stored)
		want := consent.Receipt{
			ReceiptID: body["receipt_id"].(string), ConsentID: body["consent_id"].(string), SiteID: s.ID,
			Action: consent.AcceptAll, Choices: consent.Choices{Necessary: true, Statistics: true, Marketing: true},
			ConfigVersion: s.ConfigVersion, Language: "nb", Surface: consent.SurfaceBanner,
			PageURL:    "https://www.nordicshop.no/produkter/sko", // query and fragment stripped
			ClientTime: time.Date(2026, 11, 23, 9, 59, 58, 123e6, time.UTC),
			ServerTime: h.clock.Now(), ExpiresAt: h.clock.Now().AddDate(0, 0, 182),
			UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
			IP:        "203.0.113.0", Device: consent.Mobile,
		}
		if !stored.ClientTime.Equal(want.ClientTime) {
			t.Errorf("client_time = %v, want %v", stored.ClientTime, want.ClientTime)
		}
		stored.ClientTime = want.ClientTime
		if stored != want {
			t.Errorf("stored receipt:\n got %+v\nwant %+v", stored, want)
		}

		// The snippet retries: a repeat answers 200 with the first receipt
		// and stores and counts nothing new, even if its content differs.
		h.clock.Advance(time.Minute)
		again := receipt(s, map[string]any{"receipt_id": body["receipt_id"], "consent_id": body["consent_id"],
			"action": "reject_all", "choices": map[string]any{"necessary": true, "statistics": false, "marketing": false}})
		second := h.postReceipt(s.ID, mustJSON(again), map[string]string{"Content-Type": "application/json"})
		if second.status != http.StatusOK {
			t.Fatalf("repeat: %d %s", second.status, second.body)
		}
		var repeated consent.Receipt
		mustUnmarshal(t, second.body, &repeated)
		if repeated.Action != consent.AcceptAll || !repeated.ServerTime.Equal(want.ServerTime) {
			t.Errorf("repeat answered %+v, want the first receipt", repeated)
		}
		st := h.stats(s.ID)
		if st.Totals.Decisions != 1 || st.Totals.Actions[consent.AcceptAll] != 1 || st.Totals.Actions[consent.RejectAll] != 0 {
			t.Errorf("counters after a repeat: %+v", st.Totals)
		}
		m := h.metrics()
		for _, line := range []string{`samtykke_receipts_total{outcome="stored"} 1`, `samtykke_receipts_total{outcome="duplicate"} 1`,
			`samtykke_decisions_total{choice="granted",purpose="marketing"} 1`, `samtykke_actions_total{action="accept_all"} 1`} {
			if !strings.Contains(m, line) {
				t.Errorf("metrics lack %q", line)
			}
		}
		if strings.Contains(m, s.ID) || strings.Contains(m, body["consent_id"].(string)) {
			t.Errorf("a metric label carries a site or consent id")
		}

		// A later decision of the same visitor: both are listed, oldest first.
		h.clock.Advance(time.Hour)
		withdraw := receipt(s, map[string]any{"consent_id": body["consent_id"], "action": "withdraw",
			"surface": "settings", "previous_receipt_id": body["receipt_id"],
			"choices": map[string]any{"necessary": true, "statistics": true, "marketing": false}})
		if r := h.postReceipt(s.ID, mustJSON(withdraw)); r.status != http.StatusCreated {
			t.Fatalf("withdraw: %d %s", r.status, r.body)
		}
		rec := h.do("GET", "/v1/sites/"+s.ID+"/consents/"+body["consent_id"].(string), "", nil)
		if rec.status != http.StatusOK {
			t.Fatalf("consent record: %d %s", rec.status, rec.body)
		}
		var record struct {
			ConsentID string            `json:"consent_id"`
			Receipts  []consent.Receipt `json:"receipts"`
		}
		mustUnmarshal(t, rec.body, &record)
		if record.ConsentID != body["consent_id"] || len(record.Receipts) != 2 ||
			record.Receipts[0].Action != consent.AcceptAll || record.Receipts[1].Action != consent.Withdraw ||
			record.Receipts[1].PreviousReceiptID != body["receipt_id"] {
			t.Errorf("consent record: %s", rec.body)
		}
		for _, q := range []string{"?download=1", "?download"} {
			dl := h.do("GET", "/v1/sites/"+s.ID+"/consents/"+body["consent_id"].(string)+q, "", nil)
			if cd := dl.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
				t.Errorf("%s: Content-Disposition %q, want an attachment", q, cd)
			}
		}
		if r := h.do("GET", "/v1/sites/"+s.ID+"/consents/"+uuid.NewString(), "", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown consent id: %d, want 404", r.status)
		}
	})
}

func TestReceiptRefusals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		none := map[string]any{"necessary": true, "statistics": false, "marketing": false}
		tests := []struct {
			name       string
			site       string
			body       string
			headers    map[string]string
			wantStatus int
			wantField  string // "" when the error names no field
		}{
			{"unknown site", "nosuchsite", mustJSON(receipt(s, nil)), nil, 404, ""},
			{"foreign origin", s.ID, mustJSON(receipt(s, nil)), map[string]string{"Origin": "https://evil.example"}, 403, ""},
			{"no origin", s.ID, mustJSON(receipt(s, nil)), map[string]string{"Origin": ""}, 403, ""},
			{"origin with other port", s.ID, mustJSON(receipt(s, nil)), map[string]string{"Origin": shopOrigin + ":8443"}, 403, ""},
			{"malformed JSON", s.ID, `{"receipt_id":`, nil, 400, "body"},
			{"not an object", s.ID, `[1,2]`, nil, 400, "body"},
			{"empty body", s.ID, ``, nil, 400, "body"},
			{"too large", s.ID, `{"page_url":"` + strings.Repeat("a", 17<<10) + `"}`, nil, 413, "body"},
			{"wrong type", s.ID, mustJSON(receipt(s, map[string]any{"gpc": "no"})), nil, 422, "gpc"},
			{"choices not an object", s.ID, mustJSON(receipt(s, map[string]any{"choices": []int{1}})), nil, 422, "choices"},
			{"unknown purpose", s.ID, mustJSON(receipt(s, map[string]any{"choices": map[string]any{"necessary": true, "statistics": true, "marketing": true, "profiling": true}})), nil, 422, "choices.profiling"},
			{"missing purpose", s.ID, mustJSON(receipt(s, map[string]any{"choices": map[string]any{"necessary": true, "statistics": true}})), nil, 422, "choices.marketing"},
			{"necessary refused", s.ID, mustJSON(receipt(s, map[string]any{"action": "custom", "choices": map[string]any{"necessary": false, "statistics": false, "marketing": false}})), nil, 422, "choices.necessary"},
			{"unknown action", s.ID, mustJSON(receipt(s, map[string]any{"action": "maybe"})), nil, 422, "action"},
			{"missing action", s.ID, mustJSON(receipt(s, map[string]any{"action": nil})), nil, 422, "action"},
			{"accept_all that denies", s.ID, mustJSON(receipt(s, map[string]any{"choices": none})), nil, 422, "choices"},
			{"reject_all that grants", s.ID, mustJSON(receipt(s, map[string]any{"action": "reject_all"})), nil, 422, "choices"},
			{"gpc action without gpc", s.ID, mustJSON(receipt(s, map[string]any{"action": "gpc", "choices": none})), nil, 422, "gpc"},
			{"missing receipt id", s.ID, mustJSON(receipt(s, map[string]any{"receipt_id": nil})), nil, 422, "receipt_id"},
			{"receipt id not a UUID", s.ID, mustJSON(receipt(s, map[string]any{"receipt_id": "1234"})), nil, 422, "receipt_id"},
			{"consent id not a UUID", s.ID, mustJSON(receipt(s, map[string]any{"consent_id": "x"})), nil, 422, "consent_id"},
			{"unknown config version", s.ID, mustJSON(receipt(s, map[string]any{"config_version": "0123456789abcdef"})), nil, 422, "config_version"},
			{"unsupported language", s.ID, mustJSON(receipt(s, map[string]any{"language": "xx"})), nil, 422, "language"},
			{"unknown surface", s.ID, mustJSON(receipt(s, map[string]any{"surface": "popup"})), nil, 422, "surface"},
			{"bad client time", s.ID, mustJSON(receipt(s, map[string]any{"client_time": "yesterday"})), nil, 422, "client_time"},
			{"relative page url", s.ID, mustJSON(receipt(s, map[string]any{"page_url": "/produkter"})), nil, 422, "page_url"},
		}
		for _, tt := range tests {
			r := h.postReceipt(tt.site, tt.body, tt.headers)
			if r.status != tt.wantStatus {
				t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.wantStatus, r.body)
				continue
			}
			fields := r.fields(t)
			if tt.wantField != "" && !contains(fields, tt.wantField) {
				t.Errorf("%s: error names %v, want %q: %s", tt.name, fields, tt.wantField, r.body)
			}
			// The snippet must be able to read a refusal, or it would take
			// it for a network error and retry for a week.
			origin := shopOrigin
			if o, ok := tt.headers["Origin"]; ok {
				origin = o
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); origin != "" && got != origin {
				t.Errorf("%s: Access-Control-Allow-Origin = %q, want %q so the page can read the refusal", tt.name, got, origin)
			}
		}
		// Nothing was stored or counted by any of it.
		st := h.stats(s.ID)
		if st.Totals.Decisions != 0 {
			t.Errorf("refused receipts were counted: %+v", st.Totals)
		}
		if !strings.Contains(h.metrics(), `samtykke_receipts_total{outcome="rejected"} `+itoa(len(tests))) {
			t.Errorf("rejected receipts not counted in metrics")
		}
	})
}

// No full client address may reach the store or the logs (GDPR data
// minimisation): only the /24 or /48 network.
func TestIPTruncation(t *testing.T) {
	t.Parallel()
	forEachStoreOwnRedis(t, func(t *testing.T, h *harness) {
		s := h.createSite(siteJSON)
		tests := []struct{ full, want string }{
			{"203.0.113.77", "203.0.113.0"},
			{"2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"},
			{"::ffff:198.51.100.23", "198.51.100.0"},
		}
		for _, tt := range tests {
			r := h.postReceipt(s.ID, mustJSON(receipt(s, nil)), map[string]string{"X-Forwarded-For": tt.full})
			if r.status != http.StatusCreated {
				t.Fatalf("%s: %d %s", tt.full, r.status, r.body)
			}
			if ip := r.json(t)["ip"]; ip != tt.want {
				t.Errorf("%s stored as %v, want %s", tt.full, ip, tt.want)
			}
			// An error path logs too.
			h.postReceipt(s.ID, `{`, map[string]string{"X-Forwarded-For": tt.full})
		}
		if err := h.store.Close(); err != nil { // flush everything to disk
			t.Fatal(err)
		}
		stored := h.storeFiles(t)
		for _, tt := range tests {
			for _, needle := range []string{tt.full, strings.TrimPrefix(tt.full, "::ffff:")} {
				if strings.Contains(h.logs.String(), needle) {
					t.Errorf("the log holds the full address %s", needle)
				}
				if strings.Contains(stored, needle) {
					t.Errorf("the store holds the full address %s", needle)
				}
			}
		}
		if !strings.Contains(h.logs.String(), "203.0.113.0") {
			t.Errorf("the request log does not show the truncated address; is it logging at all?")
		}
	})
}

// storeFiles returns every byte the store wrote to disk: the bbolt file, or
// Redis's append-only file, which holds every write command.
func (h *harness) storeFiles(t *testing.T) string {
	t.Helper()
	dir := h.dataDir
	if h.redis != nil {
		dir = h.redis.Dir()
		h.redis.Client().Do(t.Context(), "BGREWRITEAOF") // harmless; the AOF already has every write
	}
	var all strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		all.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if all.Len() == 0 {
		t.Fatalf("no store files found under %s", dir)
	}
	return all.String()
}

func TestUntrustedForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		// A second API without trusted proxies on the same store: a client
		// must not be able to choose the address that gets recorded.
		s := h.createSite(siteJSON)
		e := newUntrustingServer(t, h)
		r := doAt(t, e, "POST", "/v1/sites/"+s.ID+"/receipts", mustJSON(receipt(s, nil)), map[string]string{
			"Origin": shopOrigin, "X-Forwarded-For": "198.51.100.99", "Content-Type": "text/plain"})
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if ip := r.json(t)["ip"]; ip != "127.0.0.0" {
			t.Errorf("recorded ip %v, want the peer's 127.0.0.0", ip)
		}
	})
}
