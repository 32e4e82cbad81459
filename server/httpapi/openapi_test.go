package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/httpapi"
	"github.com/samtykke/samtykke/server/metrics"
	"github.com/samtykke/samtykke/server/store/boltstore"
	"github.com/samtykke/samtykke/server/vendors"
)

// The tests in this file hold server/httpapi/openapi.json to the server as
// consentd builds it, dashboard mounted: the same routes (all but the
// dashboard UI's private /dashboard API), every $ref resolving, the statuses
// the handlers give, and component schemas with the same JSON fields as the
// Go types.

const openapiAdminToken = "openapi-test-admin-token-0123"

// openapiMethods are the operation keys of an OpenAPI path item.
var openapiMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func openapiDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(httpapi.OpenAPI))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("openapi.json has data after its object")
	}
	return doc
}

// openapiServer is the API as consentd builds it, on an embedded store (which
// is the accounts store too), with the dashboard on so that
// /v1/admin/users is registered, and with the demo enabled so that /demo is.
func openapiServer(t *testing.T) *echo.Echo {
	t.Helper()
	st, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	const publicURL = "https://consent.example.net"
	tokenHash := sha256.Sum256([]byte(openapiAdminToken))
	return httpapi.New(st, httpapi.Options{
		PublicURL:      publicURL,
		AdminTokenHash: tokenHash,
		DemoSiteID:     "demo",
		Metrics:        metrics.New(reg, metrics.Build{Version: "test", Revision: "test"}),
		Gatherer:       reg,
		Accounts:       st,
		// Cheap hashing: the routes are the same, the test is faster.
		PasswordParams: accounts.TestParams,
	})
}

// openapiPrivate reports whether a route is left out of the spec on purpose.
func openapiPrivate(path string) bool {
	// /dashboard is the UI's own API (session cookie + CSRF), changed together with the UI, not public.
	return path == "/dashboard" || strings.HasPrefix(path, "/dashboard/")
}

var openapiEchoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openapiRegistered returns "METHOD /path/{param}" for every route New
// registers, leaving out echo's own catch-all routes (method
// "echo_route_not_found") that group middleware adds, and the dashboard's
// private routes (openapiPrivate).
func openapiRegistered(e *echo.Echo) map[string]bool {
	out := map[string]bool{}
	for _, r := range e.Routes() {
		if !slices.Contains(openapiMethods, strings.ToLower(r.Method)) || openapiPrivate(r.Path) {
			continue
		}
		out[r.Method+" "+openapiEchoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	return out
}

// openapiOperations returns "METHOD /path" for every operation of the spec.
func openapiOperations(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for m, op := range item.(map[string]any) {
			if slices.Contains(openapiMethods, m) {
				out[strings.ToUpper(m)+" "+path] = op.(map[string]any)
			}
		}
	}
	return out
}

func openapiSorted(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIIsJSON31(t *testing.T) {
	doc := openapiDoc(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf(`"openapi" = %v, want "3.1.0"`, doc["openapi"])
	}
	for _, key := range []string{"info", "paths", "components"} {
		if _, ok := doc[key].(map[string]any); !ok {
			t.Errorf("openapi.json has no %q object", key)
		}
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := openapiDoc(t)
	e := openapiServer(t)
	registered := openapiRegistered(e)
	described := map[string]bool{}
	for k := range openapiOperations(doc) {
		described[k] = true
	}
	// Sanity of the filter and of the setup: /demo exists only with a demo
	// site, the admin routes only through their group, and the user routes
	// only with the dashboard mounted.
	for _, r := range []string{"GET /demo", "POST /v1/sites/{site}/receipts", "GET /v1/admin/sites/{site}/stats",
		"POST /v1/admin/users", "DELETE /v1/admin/users/{user}/grants/{site}"} {
		if !registered[r] {
			t.Fatalf("%s is not among the registered routes %v", r, openapiSorted(registered))
		}
	}
	// The dashboard is mounted, and only its /dashboard routes are left out.
	private := 0
	for _, r := range e.Routes() {
		if slices.Contains(openapiMethods, strings.ToLower(r.Method)) && openapiPrivate(r.Path) {
			private++
		}
	}
	if private == 0 {
		t.Fatal("no /dashboard route is registered; is the dashboard mounted?")
	}
	for k := range described {
		if _, path, _ := strings.Cut(k, " "); openapiPrivate(path) {
			t.Errorf("openapi.json describes %s, which is the dashboard's private API", k)
		}
	}
	for _, r := range openapiSorted(registered) {
		if !described[r] {
			t.Errorf("route %s is registered but not in openapi.json", r)
		}
	}
	for _, r := range openapiSorted(described) {
		if !registered[r] {
			t.Errorf("openapi.json describes %s, which the server does not register", r)
		}
	}
}

// openapiResolve follows a local JSON pointer such as
// "#/components/schemas/Site".
func openapiResolve(doc map[string]any, ref string) (any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	if ptr == "" {
		return cur, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			if cur, ok = v[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openapiDoc(t)
	n := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				n++
				s, isString := ref.(string)
				if !isString {
					t.Errorf("%s: $ref is not a string: %v", at, ref)
				} else if _, ok := openapiResolve(doc, s); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, s)
				}
			}
			for k, c := range v {
				walk(at+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(at+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Error("openapi.json has no $ref at all; is the walk broken?")
	}
}

// openapiDeref follows $ref until it reaches an object without one.
func openapiDeref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for i := 0; i < 10; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object: %v", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, ok = openapiResolve(doc, ref); !ok {
			t.Fatalf("$ref %q does not resolve", ref)
		}
	}
	t.Fatal("$ref chain too long")
	return nil
}

func TestOpenAPIPathParameters(t *testing.T) {
	doc := openapiDoc(t)
	brace := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		want := map[string]bool{}
		for _, m := range brace.FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		pi := item.(map[string]any)
		for _, method := range openapiMethods {
			op, ok := pi[method].(map[string]any)
			if !ok {
				continue
			}
			got := map[string]bool{}
			for _, list := range []any{pi["parameters"], op["parameters"]} {
				params, _ := list.([]any)
				for _, p := range params {
					pm := openapiDeref(t, doc, p)
					if pm["in"] != "path" {
						continue
					}
					name, _ := pm["name"].(string)
					got[name] = true
					if pm["required"] != true {
						t.Errorf("%s %s: path parameter %s is not required", method, path, name)
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: path parameters %v, want %v", method, path, openapiSorted(got), openapiSorted(want))
			}
		}
	}
}

// TestOpenAPIStatuses checks the statuses that matter most to clients: those
// a handler can answer must be listed, with the headers that come with them.
func TestOpenAPIStatuses(t *testing.T) {
	doc := openapiDoc(t)
	ops := openapiOperations(doc)
	admin := []string{"401"}
	want := map[string][]string{
		"POST /v1/sites/{site}/receipts":          {"201", "200", "400", "403", "404", "408", "413", "422", "429", "503"},
		"POST /v1/sites/{site}/impressions":       {"204", "400", "403", "404", "408", "413", "422", "429", "503"},
		"OPTIONS /v1/sites/{site}/receipts":       {"204", "403", "404"},
		"OPTIONS /v1/sites/{site}/impressions":    {"204", "403", "404"},
		"GET /v1/sites/{site}/config":             {"200", "304", "404", "503"},
		"GET /v1/sites/{site}/declaration":        {"200", "304", "404", "503"},
		"GET /v1/sites/{site}/consents/{consent}": {"200", "404", "503"},
		"GET /samtykke.js":                        {"200", "304"},
		"GET /readyz":                             {"200", "503"},
		"GET /":                                   {"200", "302"},
		"GET /v1/admin/sites":                     append([]string{"200"}, admin...),
		"POST /v1/admin/sites":                    append([]string{"201", "400", "413", "415", "422"}, admin...),
		"GET /v1/admin/sites/{site}":              append([]string{"200", "404"}, admin...),
		"PUT /v1/admin/sites/{site}":              append([]string{"200", "400", "404", "413", "415", "422"}, admin...),
		"DELETE /v1/admin/sites/{site}":           append([]string{"204", "404"}, admin...),
		"GET /v1/admin/sites/{site}/stats":        append([]string{"200", "404", "422"}, admin...),
		// Tag warnings: the report is checked as receipts are; the list
		// and its clearing are the admin API's.
		"POST /v1/sites/{site}/tag-warnings":         {"202", "400", "403", "404", "408", "413", "422", "429", "503"},
		"OPTIONS /v1/sites/{site}/tag-warnings":      {"204", "403", "404"},
		"GET /v1/admin/sites/{site}/tag-warnings":    append([]string{"200", "404", "503"}, admin...),
		"DELETE /v1/admin/sites/{site}/tag-warnings": append([]string{"204", "404", "503"}, admin...),
		// The user API (users.go): 400 from the strict
		// decoder, 413 from the group's body limit, 409 for a taken address.
		"GET /v1/admin/users":                         append([]string{"200", "503"}, admin...),
		"POST /v1/admin/users":                        append([]string{"201", "400", "409", "413", "422", "503"}, admin...),
		"POST /v1/admin/users/invites":                append([]string{"201", "400", "409", "413", "422", "503"}, admin...),
		"GET /v1/admin/users/{user}":                  append([]string{"200", "404", "503"}, admin...),
		"PATCH /v1/admin/users/{user}":                append([]string{"200", "400", "404", "409", "413", "422", "503"}, admin...),
		"DELETE /v1/admin/users/{user}":               append([]string{"204", "404", "503"}, admin...),
		"PUT /v1/admin/users/{user}/grants/{site}":    append([]string{"200", "400", "404", "413", "422", "503"}, admin...),
		"DELETE /v1/admin/users/{user}/grants/{site}": append([]string{"204", "404", "503"}, admin...),
	}
	for key, statuses := range want {
		op, ok := ops[key]
		if !ok {
			t.Errorf("openapi.json lacks %s", key)
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		for _, s := range statuses {
			if _, ok := responses[s]; !ok {
				t.Errorf("%s does not list status %s", key, s)
			}
		}
	}

	for key, op := range ops {
		responses, _ := op["responses"].(map[string]any)
		for status, r := range responses {
			resp := openapiDeref(t, doc, r)
			if _, ok := resp["description"].(string); !ok {
				t.Errorf("%s %s: response has no description", key, status)
			}
			headers, _ := resp["headers"].(map[string]any)
			if status == "503" && headers["Retry-After"] == nil {
				t.Errorf("%s: 503 without a Retry-After header", key)
			}
			if status == "429" && headers["Retry-After"] == nil {
				t.Errorf("%s: 429 without a Retry-After header", key)
			}
			if status == "401" && headers["WWW-Authenticate"] == nil {
				t.Errorf("%s: 401 without a WWW-Authenticate header", key)
			}
			if n, _ := strconv.Atoi(status); n >= 400 && key != "GET /readyz" {
				content, _ := resp["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				if media == nil || !reflect.DeepEqual(media["schema"], map[string]any{"$ref": "#/components/schemas/Error"}) {
					t.Errorf("%s %s: error response is not application/json with the Error schema", key, status)
				}
			}
		}
		// Admin operations need the bearer token; public ones say they
		// need nothing.
		sec, hasSec := op["security"].([]any)
		isAdmin := strings.Contains(key, " /v1/admin/")
		switch {
		case isAdmin && (!hasSec || len(sec) != 1 || sec[0].(map[string]any)["adminToken"] == nil):
			t.Errorf("%s: security is %v, want the adminToken scheme", key, op["security"])
		case !isAdmin && (!hasSec || len(sec) != 0):
			t.Errorf("%s: security is %v, want [] (public)", key, op["security"])
		}
	}

	scheme := openapiDeref(t, doc, map[string]any{"$ref": "#/components/securitySchemes/adminToken"})
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Errorf("adminToken scheme is %v, want http bearer", scheme)
	}

	// Receipts, impressions and tag warnings take text/plain carrying JSON as well as
	// application/json.
	for _, key := range []string{"POST /v1/sites/{site}/receipts", "POST /v1/sites/{site}/impressions", "POST /v1/sites/{site}/tag-warnings"} {
		body := openapiDeref(t, doc, ops[key]["requestBody"])
		content, _ := body["content"].(map[string]any)
		for _, mt := range []string{"text/plain", "application/json"} {
			if content[mt] == nil {
				t.Errorf("%s: request body lacks %s", key, mt)
			}
		}
	}
}

// openapiSchemaFields returns the property names of a component schema,
// following allOf and $ref.
func openapiSchemaFields(t *testing.T, doc map[string]any, schema any) map[string]bool {
	t.Helper()
	s := openapiDeref(t, doc, schema)
	out := map[string]bool{}
	if props, ok := s["properties"].(map[string]any); ok {
		for k := range props {
			out[k] = true
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			for k := range openapiSchemaFields(t, doc, sub) {
				out[k] = true
			}
		}
	}
	return out
}

// openapiGoFields returns the JSON names of a struct's fields as
// encoding/json writes them, embedded structs flattened.
func openapiGoFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k := range openapiGoFields(f.Type) {
				out[k] = true
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}

// openapiWithout returns fields less drop and plus add.
func openapiWithout(fields map[string]bool, drop []string, add ...string) map[string]bool {
	out := map[string]bool{}
	for k := range fields {
		if !slices.Contains(drop, k) {
			out[k] = true
		}
	}
	for _, k := range add {
		out[k] = true
	}
	return out
}

func TestOpenAPISchemasMirrorGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	site := openapiGoFields(reflect.TypeFor[consent.Site]())
	site["script_tag"] = true // the admin API's view adds the tag to paste
	// The user API's types are the dashboard's own, unexported, built from
	// the accounts types: the view of a user leaves out the hash and adds
	// the grants, the view of a grant names the site instead of the user
	// and drops its time, and the inputs take NewUser's fields (all
	// optional in a PATCH) and a grant's site and role.
	// TestOpenAPIExamplesAccepted checks them against live answers too.
	user := openapiGoFields(reflect.TypeFor[accounts.User]())
	grant := openapiGoFields(reflect.TypeFor[accounts.Grant]())
	newUser := openapiGoFields(reflect.TypeFor[accounts.NewUser]())
	tests := []struct {
		schema string
		fields map[string]bool
	}{
		{"Site", site},
		{"SiteSettings", openapiGoFields(reflect.TypeFor[consent.SiteSettings]())},
		{"Integrations", openapiGoFields(reflect.TypeFor[consent.Integrations]())},
		{"ConfigRevision", openapiGoFields(reflect.TypeFor[consent.ConfigRevision]())},
		{"BannerConfig", openapiGoFields(reflect.TypeFor[consent.BannerConfig]())},
		{"PurposeConfig", openapiGoFields(reflect.TypeFor[consent.PurposeConfig]())},
		{"Vendor", openapiGoFields(reflect.TypeFor[consent.Vendor]())},
		{"Cookie", openapiGoFields(reflect.TypeFor[consent.Cookie]())},
		{"StorageKey", openapiGoFields(reflect.TypeFor[consent.StorageKey]())},
		{"SiteVendor", openapiGoFields(reflect.TypeFor[consent.SiteVendor]())},
		{"SiteCookie", openapiGoFields(reflect.TypeFor[consent.SiteCookie]())},
		{"Rule", openapiGoFields(reflect.TypeFor[vendors.Rule]())},
		{"Declaration", openapiGoFields(reflect.TypeFor[consent.Declaration]())},
		{"Receipt", openapiGoFields(reflect.TypeFor[consent.Receipt]())},
		{"Choices", openapiGoFields(reflect.TypeFor[consent.Choices]())},
		{"Report", openapiGoFields(reflect.TypeFor[consent.Report]())},
		{"Funnel", openapiGoFields(reflect.TypeFor[consent.Funnel]())},
		{"ActionRow", openapiGoFields(reflect.TypeFor[consent.ActionRow]())},
		{"PurposeRow", openapiGoFields(reflect.TypeFor[consent.PurposeRow]())},
		{"GPCRow", openapiGoFields(reflect.TypeFor[consent.GPCRow]())},
		{"ReportPoint", openapiGoFields(reflect.TypeFor[consent.ReportPoint]())},
		{"SegmentRow", openapiGoFields(reflect.TypeFor[consent.SegmentRow]())},
		{"Counts", openapiGoFields(reflect.TypeFor[consent.Counts]())},
		{"Point", openapiGoFields(reflect.TypeFor[consent.Point]())},
		{"SegmentCounts", openapiGoFields(reflect.TypeFor[consent.SegmentCounts]())},
		{"PurposeCounts", openapiGoFields(reflect.TypeFor[consent.PurposeCounts]())},
		{"FieldError", openapiGoFields(reflect.TypeFor[consent.FieldError]())},
		{"TagWarning", openapiGoFields(reflect.TypeFor[consent.TagWarning]())},
		{"TagWarningView", openapiGoFields(reflect.TypeFor[consent.TagWarningView]())},
		{"TagWarningList", openapiGoFields(reflect.TypeFor[consent.TagWarningList]())},
		{"User", openapiWithout(user, []string{"password_hash"}, "grants")},
		{"UserGrant", openapiWithout(grant, []string{"user_id", "created_at"}, "site_name")},
		{"NewUser", openapiWithout(newUser, nil, "grants")},
		{"NewGrant", openapiWithout(grant, []string{"user_id", "created_at"})},
		{"UserPatch", newUser},
		{"GrantInput", openapiWithout(grant, []string{"user_id", "created_at", "site_id"})},
	}
	for _, tt := range tests {
		got := openapiSchemaFields(t, doc, map[string]any{"$ref": "#/components/schemas/" + tt.schema})
		if !reflect.DeepEqual(got, tt.fields) {
			t.Errorf("schema %s has fields %v; the Go type has %v", tt.schema, openapiSorted(got), openapiSorted(tt.fields))
		}
	}
}

// TestOpenAPIExamplesAccepted sends the spec's own examples to a real server:
// a client that copies them must succeed, and the fields the spec calls
// required must be the ones the server asks for.
func TestOpenAPIExamplesAccepted(t *testing.T) {
	doc := openapiDoc(t)
	srv := httptest.NewServer(openapiServer(t))
	t.Cleanup(srv.Close)
	ops := openapiOperations(doc)
	send := func(method, path string, body any, headers map[string]string) (int, []byte) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out
	}
	example := func(key, mediaType string) map[string]any {
		body := openapiDeref(t, doc, ops[key]["requestBody"])
		media := body["content"].(map[string]any)[mediaType].(map[string]any)
		var ex map[string]any
		b, _ := json.Marshal(media["example"])
		if err := json.Unmarshal(b, &ex); err != nil {
			t.Fatalf("%s %s example: %v", key, mediaType, err)
		}
		return ex
	}
	admin := map[string]string{"Authorization": "Bearer " + openapiAdminToken, "Content-Type": "application/json"}

	status, body := send("POST", "/v1/admin/sites", example("POST /v1/admin/sites", "application/json"), admin)
	if status != http.StatusCreated {
		t.Fatalf("creating a site from the spec's example: %d %s", status, body)
	}
	var site consent.Site
	if err := json.Unmarshal(body, &site); err != nil {
		t.Fatal(err)
	}
	origin := map[string]string{"Origin": site.Origins[0], "Content-Type": "text/plain;charset=UTF-8"}

	receiptKey := "POST /v1/sites/{site}/receipts"
	rec := example(receiptKey, "application/json")
	rec["config_version"] = site.ConfigVersion
	if status, body := send("POST", "/v1/sites/"+site.ID+"/receipts", rec, origin); status != http.StatusCreated {
		t.Fatalf("posting the spec's receipt example: %d %s", status, body)
	}
	if status, body := send("POST", "/v1/sites/"+site.ID+"/receipts", rec, origin); status != http.StatusOK {
		t.Errorf("repeating the receipt: %d %s, want 200 as the spec says", status, body)
	}
	receiptInput := openapiDeref(t, doc, map[string]any{"$ref": "#/components/schemas/ReceiptInput"})
	for _, f := range receiptInput["required"].([]any) {
		field := f.(string)
		r := map[string]any{}
		for k, v := range rec {
			r[k] = v
		}
		delete(r, field)
		r["receipt_id"] = "6d0a4b7e-1c2f-4e3a-9b8c-7d6e5f4a3b2c"
		if field == "receipt_id" {
			delete(r, "receipt_id")
		}
		status, body := send("POST", "/v1/sites/"+site.ID+"/receipts", r, origin)
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+field) {
			t.Errorf("receipt without %s, which the spec calls required: %d %s", field, status, body)
		}
	}

	imp := example("POST /v1/sites/{site}/impressions", "application/json")
	imp["config_version"] = site.ConfigVersion
	if status, body := send("POST", "/v1/sites/"+site.ID+"/impressions", imp, origin); status != http.StatusNoContent {
		t.Errorf("posting the spec's impression example: %d %s", status, body)
	}

	// Tag warnings: the spec's report is taken, the fields it calls
	// required are the ones the server asks for, and the list has exactly
	// the schemas' fields.
	tagKey := "POST /v1/sites/{site}/tag-warnings"
	tagPath := "/v1/sites/" + site.ID + "/tag-warnings"
	report := example(tagKey, "application/json")
	report["config_version"] = site.ConfigVersion
	if status, body := send("POST", tagPath, report, origin); status != http.StatusAccepted {
		t.Errorf("posting the spec's tag warnings example: %d %s", status, body)
	}
	tagInput := openapiDeref(t, doc, map[string]any{"$ref": "#/components/schemas/TagWarningReportInput"})
	for _, f := range tagInput["required"].([]any) {
		field := f.(string)
		r := map[string]any{}
		for k, v := range report {
			r[k] = v
		}
		delete(r, field)
		status, body := send("POST", tagPath, r, origin)
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+field+`"`) {
			t.Errorf("tag warnings without %s, which the spec calls required: %d %s", field, status, body)
		}
	}

	// The user API: the spec's examples work, the answers have exactly the
	// schemas' fields, the inputs take every field the schemas name (they
	// are decoded strictly), and the fields the spec calls required are the
	// ones the server asks for.
	schemaFields := func(name string) map[string]bool {
		return openapiSchemaFields(t, doc, map[string]any{"$ref": "#/components/schemas/" + name})
	}
	sameFields := func(what string, raw []byte, schema string) {
		t.Helper()
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v in %s", what, err, raw)
		}
		got := map[string]bool{}
		for k := range m {
			got[k] = true
		}
		if want := schemaFields(schema); !reflect.DeepEqual(got, want) {
			t.Errorf("%s has fields %v; schema %s has %v", what, openapiSorted(got), schema, openapiSorted(want))
		}
	}
	required := func(schema string) []string {
		var out []string
		for _, f := range openapiDeref(t, doc, map[string]any{"$ref": "#/components/schemas/" + schema})["required"].([]any) {
			out = append(out, f.(string))
		}
		return out
	}
	copyOf := func(m map[string]any) map[string]any {
		b, _ := json.Marshal(m)
		var out map[string]any
		json.Unmarshal(b, &out)
		return out
	}

	newUser := example("POST /v1/admin/users", "application/json")
	for k := range schemaFields("NewUser") {
		if _, ok := newUser[k]; !ok {
			t.Errorf("the createUser example lacks %s", k)
		}
	}
	grants, _ := newUser["grants"].([]any)
	if len(grants) == 0 {
		t.Fatal("the createUser example grants no site")
	}
	for k := range schemaFields("NewGrant") {
		if _, ok := grants[0].(map[string]any)[k]; !ok {
			t.Errorf("the createUser example's grant lacks %s", k)
		}
	}
	for _, g := range grants {
		g.(map[string]any)["site_id"] = site.ID
	}
	for _, field := range required("NewUser") {
		u := copyOf(newUser)
		delete(u, field)
		status, body := send("POST", "/v1/admin/users", u, admin)
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+field+`"`) {
			t.Errorf("user without %s, which the spec calls required: %d %s", field, status, body)
		}
	}
	for _, field := range required("NewGrant") {
		u := copyOf(newUser)
		delete(u["grants"].([]any)[0].(map[string]any), field)
		status, body := send("POST", "/v1/admin/users", u, admin)
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"grants[0].`+field+`"`) {
			t.Errorf("grant without %s, which the spec calls required: %d %s", field, status, body)
		}
	}
	status, body = send("POST", "/v1/admin/users", newUser, admin)
	if status != http.StatusCreated {
		t.Fatalf("creating a user from the spec's example: %d %s", status, body)
	}
	sameFields("the created user", body, "User")
	var user struct {
		ID     string            `json:"id"`
		Grants []json.RawMessage `json:"grants"`
	}
	if err := json.Unmarshal(body, &user); err != nil || len(user.Grants) == 0 {
		t.Fatalf("created user %s: %v, want the example's grants", body, err)
	}
	sameFields("a user's grant", user.Grants[0], "UserGrant")
	if status, body := send("POST", "/v1/admin/users", newUser, admin); status != http.StatusConflict {
		t.Errorf("the same address again: %d %s, want 409 as the spec says", status, body)
	}

	status, body = send("GET", "/v1/admin/users", nil, admin)
	var list struct {
		Users []json.RawMessage `json:"users"`
	}
	if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.Users) != 1 {
		t.Fatalf("listing users: %d %s", status, body)
	}
	sameFields("the user list", body, "UserList")
	sameFields("a listed user", list.Users[0], "User")

	userPath := "/v1/admin/users/" + user.ID
	if status, body := send("PATCH", userPath, example("PATCH /v1/admin/users/{user}", "application/json"), admin); status != http.StatusOK {
		t.Errorf("the spec's PATCH example: %d %s", status, body)
	}
	// Null leaves a field as it is, which lets every field be sent alone.
	for field := range schemaFields("UserPatch") {
		if status, body := send("PATCH", userPath, map[string]any{field: nil}, admin); status != http.StatusOK {
			t.Errorf("PATCH with %s null, which the spec allows: %d %s", field, status, body)
		}
	}

	grantKey := "PUT /v1/admin/users/{user}/grants/{site}"
	grantPath := userPath + "/grants/" + site.ID
	role := example(grantKey, "application/json")
	if status, body := send("PUT", grantPath, role, admin); status != http.StatusOK {
		t.Errorf("the spec's grant example: %d %s", status, body)
	} else {
		sameFields("the user after a grant", body, "User")
	}
	for _, field := range required("GrantInput") {
		r := copyOf(role)
		delete(r, field)
		status, body := send("PUT", grantPath, r, admin)
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"`+field+`"`) {
			t.Errorf("grant without %s, which the spec calls required: %d %s", field, status, body)
		}
	}
	if status, body := send("DELETE", grantPath, nil, admin); status != http.StatusNoContent {
		t.Errorf("revoking the grant: %d %s", status, body)
	}
	if status, body := send("DELETE", grantPath, nil, admin); status != http.StatusNotFound {
		t.Errorf("revoking it again: %d %s, want 404 as the spec says", status, body)
	}
	if status, body := send("DELETE", userPath, nil, admin); status != http.StatusNoContent {
		t.Errorf("deleting the user: %d %s", status, body)
	}
	if status, body := send("GET", userPath, nil, admin); status != http.StatusNotFound {
		t.Errorf("the deleted user: %d %s, want 404 as the spec says", status, body)
	}

	// The served description is the embedded file.
	res, err := srv.Client().Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(served, httpapi.OpenAPI) || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/openapi.json: %d %s, not the embedded description", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
