package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/samtykke/samtykke/server/consent"
)

// SiteID returns a fresh site id, so tests never share data by accident even
// when they share a database.
func SiteID() string {
	return "st" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
}

// NewSite returns a valid site with the given id, as the API would create it.
func NewSite(t testing.TB, id string) consent.Site {
	t.Helper()
	settings := consent.SiteSettings{
		Name:             "Sykkelbutikken " + id,
		Origins:          []string{"https://www.sykkel.example", "https://shop.sykkel.example"},
		DefaultLanguage:  "nb",
		PrivacyPolicyURL: "https://www.sykkel.example/personvern",
		Integrations: consent.Integrations{
			GoogleAnalytics: &consent.GoogleAnalytics{MeasurementID: "G-ABC123XYZ"},
			Hotjar:          &consent.Hotjar{SiteID: 1234567},
		},
		Texts: map[string]consent.Texts{"nb": {"banner.title": "Vi bruker informasjonskapsler"}},
	}
	settings.Normalize()
	if err := settings.Validate(); err != nil {
		t.Fatalf("storetest: fixture site is invalid: %v", err)
	}
	s := consent.Site{ID: id}
	s.Apply(settings, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	return s
}

// mobileUA is an iPhone Safari User-Agent.
const mobileUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"

// oslo is a fixed +01:00 zone: a browser's clock is kept as the visitor saw
// it, offset included, and must come back unchanged.
var oslo = time.FixedZone("CET", 3600)

// NewReceipt returns a receipt for site with every field set validly, as
// consent.ParseReceipt would produce it, received at serverTime.
func NewReceipt(site consent.Site, serverTime time.Time) consent.Receipt {
	return consent.Receipt{
		ReceiptID:     uuid.NewString(),
		ConsentID:     uuid.NewString(),
		SiteID:        site.ID,
		Action:        consent.Custom,
		Choices:       consent.Choices{Necessary: true, Statistics: true, Marketing: false},
		ConfigVersion: site.ConfigVersion,
		Language:      "nb",
		PageURL:       "https://www.sykkel.example/sykler/terreng",
		Surface:       consent.SurfaceBanner,
		GPC:           false,
		ClientTime:    serverTime.Add(-1500 * time.Millisecond).In(oslo),
		// A change of mind points back to the earlier decision.
		PreviousReceiptID: uuid.NewString(),
		ServerTime:        serverTime.UTC(),
		ExpiresAt:         serverTime.UTC().AddDate(0, 0, site.ConsentLifetimeDays),
		UserAgent:         mobileUA,
		IP:                consent.TruncateIP("203.0.113.77"),
		Device:            consent.DeviceFromUserAgent(mobileUA),
	}
}

// NewImpression returns an impression for site at the given time.
func NewImpression(site consent.Site, at time.Time) consent.Impression {
	return consent.Impression{
		SiteID: site.ID, ConfigVersion: site.ConfigVersion, Language: "nb",
		Device: consent.Mobile, At: at,
	}
}

// jsonOf is how the API shows a value; two values that encode the same are
// the same to every user of the store.
func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameJSON(t testing.TB, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
