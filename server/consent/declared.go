package consent

import "github.com/samtykke/samtykke/server/vendors"

// OutboxStorageKey is the localStorage key where the banner keeps receipts
// until the server has them (snippet/src/outbox.ts).
const OutboxStorageKey = "samtykke_outbox"

// DeclaredVendors are the vendors the site tells its visitors about, in
// the catalogue's form: Samtykke itself first (its cookie and outbox,
// necessary), then those of the integrations, the built-in vendors the
// site declared and its custom vendors. The scanner holds what it finds
// against them.
func (s SiteSettings) DeclaredVendors() []vendors.Vendor {
	self := s.samtykkeVendor().Vendor
	self.Storage = []vendors.StorageKey{{Name: OutboxStorageKey, Party: vendors.FirstParty}}
	out := []vendors.Vendor{self}
	for _, d := range s.declaredVendors() {
		out = append(out, d.Vendor)
	}
	return out
}
