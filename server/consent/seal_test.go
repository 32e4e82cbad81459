package consent

import (
	"testing"
	"time"
)

// The canonical encoding and hash of a receipt are a published format: an
// auditor's own tool recomputes them (the expected hash was computed
// independently of this code, as SHA-256 of 0x00 and the text below). A
// change here breaks every checkpoint already signed.
func TestReceiptHashIsStable(t *testing.T) {
	r := Receipt{
		ReceiptID: "3b241101-e2bb-4255-8caf-4136c566a962", ConsentID: "6f1b5d0e-8c1a-4f7e-9a55-2d4c3b1e0f99",
		SiteID: "k5xq2m7vbn4rt3ha", Action: Custom, Choices: Choices{Necessary: true, Statistics: true},
		ConfigVersion: "v1a2b3", Language: "nb", PageURL: "https://www.nordicshop.no/sko", Surface: SurfaceBanner,
		// Kept in the visitor's zone; hashed in UTC.
		ClientTime: time.Date(2026, 11, 23, 10, 59, 58, 123000000, time.FixedZone("CET", 3600)),
		ServerTime: time.Date(2026, 11, 23, 10, 0, 0, 500, time.UTC),
		ExpiresAt:  time.Date(2027, 11, 23, 10, 0, 0, 500, time.UTC),
		UserAgent:  "Mozilla/5.0", IP: "203.0.113.0", Device: "mobile",
	}
	const canonical = "receipt_id:36:3b241101-e2bb-4255-8caf-4136c566a962\nconsent_id:36:6f1b5d0e-8c1a-4f7e-9a55-2d4c3b1e0f99\n" +
		"site_id:16:k5xq2m7vbn4rt3ha\naction:6:custom\nchoices.necessary:4:true\nchoices.statistics:4:true\n" +
		"choices.marketing:5:false\nconfig_version:6:v1a2b3\nlanguage:2:nb\npage_url:29:https://www.nordicshop.no/sko\n" +
		"surface:6:banner\ngpc:5:false\nclient_time:24:2026-11-23T09:59:58.123Z\nprevious_receipt_id:0:\n" +
		"server_time:28:2026-11-23T10:00:00.0000005Z\nexpires_at:28:2027-11-23T10:00:00.0000005Z\n" +
		"user_agent:11:Mozilla/5.0\nip:11:203.0.113.0\ndevice:6:mobile\n"
	if got := string(CanonicalReceipt(r)); got != canonical {
		t.Errorf("CanonicalReceipt =\n%q\nwant\n%q", got, canonical)
	}
	if got := ReceiptHash(r); got != "02c16de5dd0a9e4bbc2d0f652685940e0e397d6cee3669398cfecdcef31f7948" {
		t.Errorf("ReceiptHash = %s", got)
	}
	// Every field counts, and a value cannot borrow from its neighbour.
	moved := r
	moved.UserAgent, moved.IP = "Mozilla/5.0\nip:11:203.0.113.0", ""
	if ReceiptHash(moved) == ReceiptHash(r) {
		t.Error("a user agent that swallows the next field hashes the same")
	}
	changed := r
	changed.Choices.Marketing = true
	if ReceiptHash(changed) == ReceiptHash(r) {
		t.Error("a changed choice hashes the same")
	}
}
