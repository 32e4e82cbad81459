package vendors_test

import (
	"encoding/json"
	"fmt"

	"github.com/samtykke/samtykke/server/vendors"
)

func ExampleMatch() {
	rules := vendors.Rules()
	for _, u := range []string{
		"https://www.googletagmanager.com/gtag/js?id=G-XYZ987",
		"https://www.googletagmanager.com/gtag/js?id=AW-123456789",
		"https://www.googletagmanager.com/gtm.js?id=GTM-K9X2ZQ",
		"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1",
		"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
		"https://cdn.example.com/app.js",
	} {
		purposes, vendor, ok := vendors.Match(rules, u)
		fmt.Println(vendor, purposes, ok)
	}
	// Output:
	// google_analytics [statistics] true
	// google_ads [marketing] true
	// google_tag_manager [statistics marketing] true
	// meta_pixel [marketing] true
	// youtube [marketing] true
	//  [] false
}

func ExampleRules() {
	chatly := vendors.Vendor{
		ID: "chatly", Name: "Chatly", Provider: "Chatly AS", ProviderCountry: "NO",
		Purposes: []string{vendors.Marketing}, PrivacyPolicyURL: "https://chatly.example/privacy",
		Hosts: []string{"widget.chatly.example"},
		Cookies: []vendors.Cookie{{Name: "chatly_id", DurationMinutes: 525600, Party: vendors.FirstParty,
			Description: vendors.Text{"en": "Chat visitor id"}}},
	}
	if errs := chatly.Validate(); len(errs) > 0 {
		fmt.Println(errs)
		return
	}
	rules := vendors.Rules(chatly)
	b, _ := json.Marshal(rules[len(rules)-1])
	fmt.Println(string(b))
	// Output:
	// {"vendor":"chatly","purposes":["marketing"],"hosts":["widget.chatly.example"],"cookies":["chatly_id"]}
}
