package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/scanner"
	"github.com/samtykke/samtykke/server/scanner/browser"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

// chatNetwork answers for the one third-party host of the scan tests' page
// (this machine reaches no other) and sends the rest to the local servers.
type chatNetwork struct{}

func (chatNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() == "widget.chatbuddy.example" {
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(rec, `document.cookie = "cb_visitor=42; path=/; max-age=31536000";`)
		return rec.Result(), nil
	}
	if r.URL.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("no route to %s", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestScanAPI starts a scan of a one-page site through the admin API,
// reads it back, and declares its unknown cookie as a new custom vendor.
func TestScanAPI(t *testing.T) {
	if _, err := os.Stat(browser.DefaultChromium); err != nil {
		t.Skip("no Chromium")
	}
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runner := &scanner.Runner{Store: st, Sites: st,
		Crawler: &browser.Crawler{Network: chatNetwork{}, PageInterval: time.Millisecond, PageLimit: 1}}
	t.Cleanup(runner.Close)
	h := newHarnessWith(t, st, func(o *httpapi.Options) { o.Scanner = runner })

	var siteID string
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><script src="%s/samtykke.js?site=%s"></script><script src="https://widget.chatbuddy.example/w.js"></script><p>Shop</p>`, h.srv.URL, siteID)
	}))
	t.Cleanup(page.Close)
	site := h.createSite(`{"name":"Chat Shop","origins":["` + page.URL + `"],"default_language":"en","privacy_policy_url":"` + page.URL + `/privacy"}`)
	siteID = site.ID
	base := "/v1/admin/sites/" + site.ID + "/scans"

	if r := h.admin("GET", "/v1/admin/sites/nosuchsite/scans", ""); r.status != http.StatusNotFound {
		t.Errorf("scans of an unknown site: %d", r.status)
	}
	r := h.admin("POST", base, "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST scans: %d %s", r.status, r.body)
	}
	var started scanner.Scan
	if err := json.Unmarshal(r.body, &started); err != nil || started.Status != scanner.Running || started.ID == "" {
		t.Fatalf("started scan %s (%v)", r.body, err)
	}
	if r := h.admin("POST", base, ""); r.status != http.StatusConflict || !strings.Contains(string(r.body), "scan_running") {
		t.Errorf("second POST while running: %d %s; want 409 scan_running", r.status, r.body)
	}
	runner.Wait()

	r = h.admin("GET", base, "")
	var list httpapi.ScanList
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 || len(list.Scans) != 1 ||
		list.Scans[0].Status != scanner.Done || list.Scans[0].Cookies != nil || list.Scans[0].Report.Counts.Unknown != 2 {
		t.Fatalf("GET scans: %d %s", r.status, r.body)
	}
	r = h.admin("GET", base+"/"+started.ID+"?download=1", "")
	var full scanner.Scan
	if err := json.Unmarshal(r.body, &full); err != nil || r.status != 200 || len(full.Cookies) == 0 ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET scan: %d %s", r.status, r.body)
	}
	if r := h.admin("GET", base+"/nosuchscan", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown scan: %d", r.status)
	}

	declare := base + "/" + started.ID + "/declare"
	newVendor := `"new_vendor":{"name":"ChatBuddy","provider":"ChatBuddy AS","purpose":"marketing","privacy_policy_url":"https://chatbuddy.example/privacy"}`
	// Without a description the cookie cannot be declared: 422 naming the
	// field, and the site stays as it was.
	r = h.admin("POST", declare, `{"kind":"cookie","name":"cb_visitor",`+newVendor+`}`)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"vendors[0].cookies[0].description"`) {
		t.Errorf("declare without a description: %d %s", r.status, r.body)
	}
	if r := h.admin("POST", declare, `{"kind":"cookie","name":"not_found",`+newVendor+`}`); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.body), `"name"`) {
		t.Errorf("declare of a cookie the scan did not find: %d %s", r.status, r.body)
	}
	if r := h.admin("POST", declare, `{"kind":"cookie",`); r.status != http.StatusBadRequest {
		t.Errorf("malformed declare: %d %s", r.status, r.body)
	}
	r = h.admin("GET", "/v1/admin/sites/"+site.ID, "")
	if strings.Contains(string(r.body), "ChatBuddy") {
		t.Fatalf("a refused declaration changed the site: %s", r.body)
	}
	r = h.admin("POST", declare, `{"kind":"cookie","name":"cb_visitor",`+newVendor+`,"description":{"en":"Recognises a returning chat visitor"}}`)
	var changed struct {
		Vendors []struct {
			ID      string `json:"id"`
			Cookies []struct {
				Name         string `json:"name"`
				LifetimeDays int    `json:"lifetime_days"`
			} `json:"cookies"`
		} `json:"vendors"`
		ConfigVersion string `json:"config_version"`
	}
	if err := json.Unmarshal(r.body, &changed); err != nil || r.status != 200 || len(changed.Vendors) != 1 ||
		changed.Vendors[0].ID != "custom_chatbuddy" || changed.Vendors[0].Cookies[0].Name != "cb_visitor" ||
		changed.Vendors[0].Cookies[0].LifetimeDays != 365 || changed.ConfigVersion == site.ConfigVersion {
		t.Fatalf("declare: %d %s", r.status, r.body)
	}
	// The scan reads the site as it is now: the cookie is declared, and
	// the widget's host with it (the script that set the cookie).
	r = h.admin("GET", base+"/"+started.ID, "")
	if err := json.Unmarshal(r.body, &full); err != nil || full.Report.Counts.Undeclared != 0 || len(full.Report.Undeclared) != 0 {
		t.Errorf("after declaring the cookie, the scan's undeclared = %+v", full.Report.Undeclared)
	}
	// The host goes to the same vendor.
	r = h.admin("POST", declare, `{"kind":"request","name":"widget.chatbuddy.example","vendor":"custom_chatbuddy"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"hosts":["widget.chatbuddy.example"]`) {
		t.Errorf("declare the host: %d %s", r.status, r.body)
	}
}

// TestScanAPIWithoutScanner: a consentd without Chromium answers a start
// with 503, and still lists the stored scans.
func TestScanAPIWithoutScanner(t *testing.T) {
	h := newHarnessBolt(t)
	site := h.createSite(gaSiteJSON)
	if r := h.admin("POST", "/v1/admin/sites/"+site.ID+"/scans", ""); r.status != http.StatusServiceUnavailable ||
		!strings.Contains(string(r.body), "scanner_off") {
		t.Errorf("start without a scanner: %d %s", r.status, r.body)
	}
	if r := h.admin("GET", "/v1/admin/sites/"+site.ID+"/scans", ""); r.status != 200 || string(r.body) != `{"scans":[]}`+"\n" {
		t.Errorf("list: %d %q", r.status, r.body)
	}
}

// TestOpenAPIScanSchemas holds the scan schemas to the Go types.
func TestOpenAPIScanSchemas(t *testing.T) {
	doc := openapiDoc(t)
	for name, typ := range map[string]reflect.Type{
		"Scan": reflect.TypeFor[scanner.Scan](), "ScanReport": reflect.TypeFor[scanner.Report](),
		"DeclareInput": reflect.TypeFor[scanner.DeclareInput](),
	} {
		got := openapiSchemaFields(t, doc, map[string]any{"$ref": "#/components/schemas/" + name})
		if want := openapiGoFields(typ); !reflect.DeepEqual(got, want) {
			t.Errorf("schema %s has fields %v; the Go type has %v", name, openapiSorted(got), openapiSorted(want))
		}
	}
}

// TestScanAccess: the dashboard's scan routes follow the site's grants:
// a site not granted is a 404, a viewer reads scans but neither starts one
// nor declares, an owner starts one (503 here: no scanner).
func TestScanAccess(t *testing.T) {
	h := newHarnessBolt(t)
	mine, theirs := h.createNamedSite("Mine"), h.createNamedSite("Theirs")
	h.createUser("owner@example.no", [2]string{mine.ID, "owner"})
	h.createUser("viewer@example.no", [2]string{mine.ID, "viewer"})
	owner, viewer := h.browser(), h.browser()
	owner.mustLogin("owner@example.no")
	viewer.mustLogin("viewer@example.no")
	for _, c := range []struct {
		who            *client
		method, path   string
		status         int
		body, wantCode string
	}{
		{owner, "GET", "/dashboard/api/sites/" + theirs.ID + "/scans", 404, "", "not_found"},
		{owner, "POST", "/dashboard/api/sites/" + theirs.ID + "/scans", 404, "", "not_found"},
		{owner, "GET", "/dashboard/api/sites/" + mine.ID + "/scans", 200, "", ""},
		{owner, "POST", "/dashboard/api/sites/" + mine.ID + "/scans", 503, "", "scanner_off"},
		{owner, "GET", "/dashboard/api/sites/" + mine.ID + "/scans/nosuchscan", 404, "", "unknown_scan"},
		{owner, "POST", "/dashboard/api/sites/" + mine.ID + "/scans/nosuchscan/declare", 404, `{"kind":"cookie","name":"x","vendor":"hotjar"}`, "unknown_scan"},
		{viewer, "GET", "/dashboard/api/sites/" + mine.ID + "/scans", 200, "", ""},
		{viewer, "POST", "/dashboard/api/sites/" + mine.ID + "/scans", 403, "", "forbidden"},
		{viewer, "POST", "/dashboard/api/sites/" + mine.ID + "/scans/x/declare", 403, `{}`, "forbidden"},
	} {
		r := c.who.call(c.method, c.path, c.body)
		if r.status != c.status || (c.wantCode != "" && !strings.Contains(string(r.body), `"code":"`+c.wantCode+`"`)) {
			t.Errorf("%s %s: %d %s; want %d %s", c.method, c.path, r.status, r.body, c.status, c.wantCode)
		}
	}
}
