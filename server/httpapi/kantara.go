package httpapi

import (
	"fmt"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/seal"
)

// Kantara Initiative, Consent Receipt Specification v1.1.0 (2018-02-20),
// https://kantarainitiative.org/file-downloads/consent-receipt-specification-v1-1-0/
// (section 5, its JSON fields). A Kantara receipt is one consent
// transaction: we give the visitor's newest receipt, the consent in force.
// What we do not know is left out rather than made up: the controller's
// contact, address, e-mail and phone (the site settings have none), and the
// jurisdiction, which is the GDPR's for every site this server serves.

// KantaraReceipt is a Consent Receipt v1.1 (JSON names as in the spec).
type KantaraReceipt struct {
	Version          string              `json:"version"`
	Jurisdiction     string              `json:"jurisdiction"`
	ConsentTimestamp int64               `json:"consentTimestamp"` // seconds since 1970, UTC
	CollectionMethod string              `json:"collectionMethod"`
	ConsentReceiptID string              `json:"consentReceiptID"`
	PublicKey        string              `json:"publicKey,omitempty"`
	Language         string              `json:"language"`
	PIIPrincipalID   string              `json:"piiPrincipalId"`
	PIIControllers   []KantaraController `json:"piiControllers"`
	PolicyURL        string              `json:"policyUrl"`
	Services         []KantaraService    `json:"services"`
	Sensitive        bool                `json:"sensitive"`
	SPICat           []string            `json:"spiCat"`
}

type KantaraController struct {
	PIIController    string `json:"piiController"`
	PIIControllerURL string `json:"piiControllerUrl,omitempty"`
	OnBehalf         bool   `json:"onBehalf"`
}

type KantaraService struct {
	Service  string           `json:"service"`
	Purposes []KantaraPurpose `json:"purposes"`
}

type KantaraPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"`
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
}

// kantaraPurposes maps our purposes to the spec's purpose categories
// (its appendix: "1 - Core Function", "3 - Improve Performance",
// "6 - Marketing").
var kantaraPurposes = map[consent.Purpose]KantaraPurpose{
	consent.Necessary: {Purpose: "Cookies the website needs to work", PurposeCategory: []string{"1 - Core Function"},
		ConsentType: "NOT_REQUIRED", PrimaryPurpose: true},
	consent.Statistics: {Purpose: "Statistics: measuring how the website is used", PurposeCategory: []string{"3 - Improve Performance"},
		ConsentType: "EXPLICIT", ThirdPartyDisclosure: true},
	consent.Marketing: {Purpose: "Marketing: advertising and its measurement", PurposeCategory: []string{"6 - Marketing"},
		ConsentType: "EXPLICIT", ThirdPartyDisclosure: true},
}

// NewKantaraReceipt maps the newest of a consent id's receipts (receipts
// oldest first, at least one) to a Kantara receipt: only granted purposes
// are listed, each ending at the receipt's expiry or on withdrawal.
func NewKantaraReceipt(site consent.Site, receipts []seal.ProvedReceipt, key seal.PublicKey) KantaraReceipt {
	r := receipts[len(receipts)-1].Receipt
	k := KantaraReceipt{
		Version:          "KI-CR-v1.1.0",
		Jurisdiction:     "EU",
		ConsentTimestamp: r.ServerTime.Unix(),
		CollectionMethod: fmt.Sprintf("Cookie banner of the website (%s, answer %s)", r.Surface, r.Action),
		ConsentReceiptID: r.ReceiptID,
		PublicKey:        key.PublicKey,
		Language:         r.Language,
		PIIPrincipalID:   r.ConsentID,
		PIIControllers:   []KantaraController{{PIIController: site.Name}},
		PolicyURL:        site.PrivacyPolicyURL,
		Services:         []KantaraService{{Service: site.Name + " website", Purposes: []KantaraPurpose{}}},
		SPICat:           []string{},
	}
	if len(site.Origins) > 0 {
		k.PIIControllers[0].PIIControllerURL = site.Origins[0]
	}
	for _, p := range consent.Purposes {
		if !r.Choices.Granted(p) {
			continue
		}
		kp := kantaraPurposes[p]
		kp.PIICategory = []string{"Online identifiers (cookies and similar technologies)"}
		kp.Termination = "Withdrawal, or " + r.ExpiresAt.UTC().Format(time.DateOnly)
		k.Services[0].Purposes = append(k.Services[0].Purposes, kp)
	}
	return k
}
