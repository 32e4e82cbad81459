package vendors

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// chatly is the custom vendor of the issue's example, valid as it stands.
func chatly() Vendor {
	return Vendor{
		Name: "Chatly", Provider: "Chatly AS, Norway", Purposes: []string{Marketing},
		PrivacyPolicyURL: "https://chatly.example/privacy", Hosts: []string{"widget.chatly.example"},
		Cookies: []Cookie{{Name: "chatly_id", DurationMinutes: 365 * 24 * 60, Party: ThirdParty,
			Description: Text{"en": "Chat visitor id"}}},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(v *Vendor)
		fields []string // the fields with errors, in order; none for a valid vendor
	}{
		{"valid", func(v *Vendor) {}, nil},
		{"valid with id, embeds, storage, session cookie", func(v *Vendor) {
			v.ID, v.ProviderCountry = "chatly", "NO"
			v.Hosts, v.EmbedHosts = nil, []string{"*.chatly.example/embed"}
			v.Cookies = append(v.Cookies, Cookie{Name: "chatly_s*", Party: FirstParty})
			v.Storage = []StorageKey{{Name: "chatly:*", Party: FirstParty, Description: Text{"nb": "Chattens data"}}}
		}, nil},
		{"no name", func(v *Vendor) { v.Name = "  " }, []string{"name"}},
		{"no provider", func(v *Vendor) { v.Provider = "" }, []string{"provider"}},
		{"bad id", func(v *Vendor) { v.ID = "Chatly Widget" }, []string{"id"}},
		{"bad country", func(v *Vendor) { v.ProviderCountry = "Norway" }, []string{"provider_country"}},
		{"no purpose", func(v *Vendor) { v.Purposes = nil }, []string{"purposes"}},
		{"necessary", func(v *Vendor) { v.Purposes = []string{Necessary} }, []string{"purposes[0]"}},
		{"unknown purpose", func(v *Vendor) { v.Purposes = []string{Marketing, "ads"} }, []string{"purposes[1]"}},
		{"purpose twice", func(v *Vendor) { v.Purposes = []string{Marketing, Marketing} }, []string{"purposes[1]"}},
		{"no policy", func(v *Vendor) { v.PrivacyPolicyURL = "" }, []string{"privacy_policy_url"}},
		{"http policy", func(v *Vendor) { v.PrivacyPolicyURL = "http://chatly.example/privacy" }, []string{"privacy_policy_url"}},
		{"relative policy", func(v *Vendor) { v.PrivacyPolicyURL = "/privacy" }, []string{"privacy_policy_url"}},
		{"no hosts", func(v *Vendor) { v.Hosts = nil }, []string{"hosts"}},
		{"wildcard public suffix", func(v *Vendor) { v.Hosts = []string{"*.com"} }, []string{"hosts[0]"}},
		{"wildcard co.uk", func(v *Vendor) { v.Hosts = []string{"widget.chatly.example", "*.co.uk"} }, []string{"hosts[1]"}},
		{"scheme in host", func(v *Vendor) { v.Hosts = []string{"https://widget.chatly.example"} }, []string{"hosts[0]"}},
		{"host twice", func(v *Vendor) { v.Hosts = []string{"a.chatly.example", "a.chatly.example"} }, []string{"hosts[1]"}},
		{"bad embed host", func(v *Vendor) { v.EmbedHosts = []string{"chatly"} }, []string{"embed_hosts[0]"}},
		{"cookie without name", func(v *Vendor) { v.Cookies[0].Name = "" }, []string{"cookies[0].name"}},
		{"cookie only star", func(v *Vendor) { v.Cookies[0].Name = "*" }, []string{"cookies[0].name"}},
		{"cookie star inside", func(v *Vendor) { v.Cookies[0].Name = "chat*_id" }, []string{"cookies[0].name"}},
		{"cookie with space", func(v *Vendor) { v.Cookies[0].Name = "chat id" }, []string{"cookies[0].name"}},
		{"negative lifetime", func(v *Vendor) { v.Cookies[0].DurationMinutes = -1 }, []string{"cookies[0].duration_minutes"}},
		{"absurd lifetime", func(v *Vendor) { v.Cookies[0].DurationMinutes = 100 * 525960 }, []string{"cookies[0].duration_minutes"}},
		{"no party", func(v *Vendor) { v.Cookies[0].Party = "" }, []string{"cookies[0].party"}},
		{"bad party", func(v *Vendor) { v.Cookies[0].Party = "1st" }, []string{"cookies[0].party"}},
		{"unknown language", func(v *Vendor) { v.Cookies[0].Description["de"] = "Chat-Besucher" }, []string{"cookies[0].description"}},
		{"storage without name", func(v *Vendor) {
			v.Storage = []StorageKey{{Party: FirstParty}}
		}, []string{"storage[0].name"}},
		{"several at once", func(v *Vendor) {
			v.Name, v.PrivacyPolicyURL, v.Cookies[0].Party = "", "ftp://x", "none"
		}, []string{"name", "privacy_policy_url", "cookies[0].party"}},
	}
	for _, c := range cases {
		v := chatly()
		c.change(&v)
		errs := v.Validate()
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
			if e.Message == "" || !strings.HasSuffix(e.Message, ".") || e.Error() == "" {
				t.Errorf("%s: %s: message %q is not a sentence", c.name, e.Field, e.Message)
			}
		}
		if !slices.Equal(fields, c.fields) {
			t.Errorf("%s: errors on %v, want %v (%v)", c.name, fields, c.fields, errs)
		}
	}
}

func TestValidateMessagesAreUseful(t *testing.T) {
	v := chatly()
	v.Hosts = []string{"*.com"}
	errs := v.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "public suffix") || !strings.Contains(errs[0].Message, `"*.com"`) {
		t.Errorf("wildcard on .com: %v", errs)
	}
	b, _ := json.Marshal(errs[0])
	if !strings.Contains(string(b), `"field":"hosts[0]"`) || !strings.Contains(string(b), `"message":`) {
		t.Errorf("FieldError JSON = %s", b)
	}
}

// The issue's admin API example decodes into a Vendor that passes.
func TestValidateIssueExample(t *testing.T) {
	const js = `{"name":"Chatly","provider":"Chatly AS, Norway","purposes":["marketing"],
	"privacy_policy_url":"https://chatly.example/privacy","hosts":["widget.chatly.example"],
	"cookies":[{"name":"chatly_id","duration_minutes":525600,"party":"third","description":{"en":"Chat visitor id"}}]}`
	var v Vendor
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	if errs := v.Validate(); len(errs) > 0 {
		t.Errorf("issue example: %v", errs)
	}
}
