package consent

import "github.com/samtykke/samtykke/server/vendors"

// BannerStorageKeys names the banner's own localStorage keys: the receipt
// outbox (snippet/src/outbox.ts) and the last choice it keeps.
const BannerStorageKeys = "samtykke_*"

// DeclaredVendors are the vendors the site tells its visitors about, in
// the catalogue's form: Samtykke itself first (its cookie and storage keys,
// necessary), then those of the integrations, the built-in vendors the
// site declared and its custom vendors. The scanner holds what it finds
// against them.
func (s SiteSettings) DeclaredVendors() []vendors.Vendor {
	self := s.samtykkeVendor().Vendor
	self.Storage = []vendors.StorageKey{{Name: BannerStorageKeys, Party: vendors.FirstParty}}
	out := []vendors.Vendor{self}
	for _, d := range s.declaredVendors() {
		out = append(out, d.Vendor)
	}
	return out
}
