package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Receipt is the proof of one visitor decision (GDPR Art. 7(1)). Receipts
// are append-only: a change of mind is a new receipt that points back to the
// previous one.
type Receipt struct {
	ReceiptID         string    `json:"receipt_id"`
	ConsentID         string    `json:"consent_id"`
	SiteID            string    `json:"site_id"`
	Action            Action    `json:"action"`
	Choices           Choices   `json:"choices"`
	ConfigVersion     string    `json:"config_version"`
	Language          string    `json:"language"`
	PageURL           string    `json:"page_url"`
	Surface           Surface   `json:"surface"`
	GPC               bool      `json:"gpc"`
	ClientTime        time.Time `json:"client_time"`
	PreviousReceiptID string    `json:"previous_receipt_id,omitempty"`

	// Added by the server.
	ServerTime time.Time   `json:"server_time"`
	ExpiresAt  time.Time   `json:"expires_at"`
	UserAgent  string      `json:"user_agent"`
	IP         string      `json:"ip"` // truncated, see TruncateIP
	Device     DeviceClass `json:"device"`
}

// receiptInput is what a client sends. Pointers tell a missing field from a
// zero value, so "choices.marketing is required" can be said.
type receiptInput struct {
	ReceiptID         *string          `json:"receipt_id"`
	ConsentID         *string          `json:"consent_id"`
	Action            *string          `json:"action"`
	Choices           *map[string]bool `json:"choices"`
	ConfigVersion     *string          `json:"config_version"`
	Language          *string          `json:"language"`
	PageURL           *string          `json:"page_url"`
	Surface           *string          `json:"surface"`
	GPC               *bool            `json:"gpc"`
	ClientTime        *string          `json:"client_time"`
	PreviousReceiptID *string          `json:"previous_receipt_id"`
}

// Request describes the HTTP request a receipt or impression arrived with;
// the server fills it, never the client.
type Request struct {
	SiteID    string
	IP        string // the full client address; truncated before use
	UserAgent string
	Now       time.Time
}

// ParseReceipt decodes a client's JSON body and checks it against the site.
// Unknown top-level fields are ignored, because snippets cached in browsers
// may be newer or older than the server.
func ParseReceipt(body []byte, site Site, req Request) (Receipt, error) {
	var in receiptInput
	if err := DecodeJSON(body, &in, false); err != nil {
		return Receipt{}, err
	}
	v := &validator{}
	r := Receipt{
		SiteID:     site.ID,
		ServerTime: req.Now.UTC(),
		ExpiresAt:  req.Now.UTC().AddDate(0, 0, site.ConsentLifetimeDays),
		UserAgent:  truncate(req.UserAgent, 512),
		IP:         TruncateIP(req.IP),
		Device:     DeviceFromUserAgent(req.UserAgent),
	}
	r.ReceiptID = parseUUID(v, "receipt_id", in.ReceiptID, true)
	r.ConsentID = parseUUID(v, "consent_id", in.ConsentID, true)
	r.PreviousReceiptID = parseUUID(v, "previous_receipt_id", in.PreviousReceiptID, false)

	if in.Action == nil {
		v.add("action", "is required")
	} else if r.Action = Action(*in.Action); !r.Action.valid() {
		v.add("action", "must be one of accept_all, reject_all, custom, withdraw, gpc")
	}
	if in.Surface == nil {
		v.add("surface", "is required")
	} else if r.Surface = Surface(*in.Surface); !r.Surface.valid() {
		v.add("surface", "must be one of banner, settings, api, embed")
	}
	if in.GPC == nil {
		v.add("gpc", "is required")
	} else {
		r.GPC = *in.GPC
	}
	if in.ConfigVersion == nil || *in.ConfigVersion == "" {
		v.add("config_version", "is required")
	} else if r.ConfigVersion = *in.ConfigVersion; !site.KnowsVersion(r.ConfigVersion) {
		v.add("config_version", "is not a config version this site has ever had")
		v.cause = ErrUnknownConfigVersion
	}
	if in.Language == nil || *in.Language == "" {
		v.add("language", "is required")
	} else if r.Language = *in.Language; !SupportedLanguage(r.Language) {
		v.add("language", "must be one of "+strings.Join(Languages, ", "))
	}
	if in.ClientTime == nil {
		v.add("client_time", "is required")
	} else if t, err := time.Parse(time.RFC3339Nano, *in.ClientTime); err != nil {
		v.add("client_time", "must be an RFC 3339 time such as 2026-01-31T12:00:00Z")
	} else {
		// The client's clock is kept as the visitor saw it; server_time is
		// the authoritative one.
		r.ClientTime = t
	}
	if in.PageURL != nil && *in.PageURL != "" {
		page, err := CleanPageURL(*in.PageURL)
		if err != nil {
			v.add("page_url", err.Error())
		}
		r.PageURL = page
	}
	r.Choices = parseChoices(v, in.Choices)
	if len(v.errs) == 0 {
		checkActionMatchesChoices(v, r)
	}
	return r, v.err()
}

func parseUUID(v *validator, field string, s *string, required bool) string {
	if s == nil || *s == "" {
		if required {
			v.add(field, "is required")
		}
		return ""
	}
	id, err := uuid.Parse(*s)
	if err != nil || len(*s) != 36 {
		v.add(field, "must be a UUID such as 3b241101-e2bb-4255-8caf-4136c566a962")
		return ""
	}
	return id.String()
}

func parseChoices(v *validator, in *map[string]bool) Choices {
	if in == nil {
		v.add("choices", "is required")
		return Choices{}
	}
	m := *in
	for k := range m {
		known := false
		for _, p := range Purposes {
			known = known || k == string(p)
		}
		if !known {
			v.add("choices."+k, "is not a purpose; the purposes are necessary, statistics and marketing")
		}
	}
	for _, p := range Purposes {
		if _, ok := m[string(p)]; !ok {
			v.add("choices."+string(p), "is required (true or false)")
		}
	}
	if ok, present := m[string(Necessary)]; present && !ok {
		v.add("choices.necessary", "must be true: necessary cookies cannot be refused")
	}
	return Choices{Necessary: m["necessary"], Statistics: m["statistics"], Marketing: m["marketing"]}
}

// checkActionMatchesChoices refuses receipts whose action contradicts the
// choices, since such a record would prove nothing.
func checkActionMatchesChoices(v *validator, r Receipt) {
	all := r.Choices.Statistics && r.Choices.Marketing
	none := !r.Choices.Statistics && !r.Choices.Marketing
	switch r.Action {
	case AcceptAll:
		if !all {
			v.add("choices", "must grant every purpose when action is accept_all")
		}
	case RejectAll:
		if !none {
			v.add("choices", "must deny statistics and marketing when action is reject_all")
		}
	case GPC:
		if !none {
			v.add("choices", "must deny statistics and marketing when action is gpc")
		}
		if !r.GPC {
			v.add("gpc", "must be true when action is gpc")
		}
	}
}

// CleanPageURL keeps scheme, host and path: query strings and fragments
// often carry e-mail addresses, tokens or campaign ids.
func CleanPageURL(raw string) (string, error) {
	if len(raw) > 4096 {
		return "", errors.New("must be at most 4096 bytes long")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", errors.New("must be an absolute http(s) URL")
	}
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := truncate(clean.String(), 2048)
	// Nor half a %XX escape: the result must still be a URL.
	if i := strings.LastIndexByte(s, '%'); i >= 0 && i > len(s)-3 {
		s = s[:i]
	}
	return s, nil
}

// Impression is one display of the banner; it carries no personal data.
type Impression struct {
	SiteID        string
	ConfigVersion string
	Language      string
	GPC           bool
	Device        DeviceClass
	At            time.Time
}

type impressionInput struct {
	ConfigVersion *string `json:"config_version"`
	Language      *string `json:"language"`
	GPC           *bool   `json:"gpc"`
}

// ParseImpression decodes and checks an impression body.
func ParseImpression(body []byte, site Site, req Request) (Impression, error) {
	var in impressionInput
	if err := DecodeJSON(body, &in, false); err != nil {
		return Impression{}, err
	}
	v := &validator{}
	imp := Impression{SiteID: site.ID, Device: DeviceFromUserAgent(req.UserAgent), At: req.Now.UTC()}
	if in.ConfigVersion == nil || *in.ConfigVersion == "" {
		v.add("config_version", "is required")
	} else if imp.ConfigVersion = *in.ConfigVersion; !site.KnowsVersion(imp.ConfigVersion) {
		v.add("config_version", "is not a config version this site has ever had")
		v.cause = ErrUnknownConfigVersion
	}
	if in.Language == nil || *in.Language == "" {
		v.add("language", "is required")
	} else if imp.Language = *in.Language; !SupportedLanguage(imp.Language) {
		v.add("language", "must be one of "+strings.Join(Languages, ", "))
	}
	if in.GPC != nil {
		imp.GPC = *in.GPC
	}
	return imp, v.err()
}

// DecodeSiteSettings decodes an admin's JSON body strictly: a misspelt field
// name would otherwise be silently dropped.
func DecodeSiteSettings(body []byte) (SiteSettings, error) {
	var s SiteSettings
	if err := DecodeJSON(body, &s, true); err != nil {
		return SiteSettings{}, err
	}
	s.Normalize()
	return s, s.Validate()
}

// DecodeJSON decodes exactly one JSON object into dst and turns encoding/json's
// errors into field errors a person can act on. Strict decoding refuses
// unknown fields, so a misspelt name is reported rather than dropped.
func DecodeJSON(body []byte, dst any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Invalid("body", "is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(dst)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return Invalid("body", "must hold exactly one JSON object")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Invalid("body", "is not valid JSON: "+syn.Error())
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			return Invalid("body", "must be a JSON object")
		}
		return Invalid(field, "must be "+jsonTypeName(typ.Type.Kind().String())+", not "+typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Invalid("body", "is not valid JSON: it ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return Invalid("body", "has a field with an empty name")
		}
		return Invalid(name, "is not a known field")
	}
	return Invalid("body", "is not valid JSON: "+err.Error())
}

// jsonPath drops the Go type names encoding/json puts in a path for
// embedded structs ("NewUser.email"): our JSON names are all lower case.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && !(p[0] >= 'A' && p[0] <= 'Z') {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Do not leave half a UTF-8 sequence at the end.
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return s
}
