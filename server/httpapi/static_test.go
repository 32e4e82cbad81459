package httpapi

import (
	"strings"
	"testing"

	"github.com/samtykke/samtykke/server/vendors"
)

// The rules are written into a script that a site may also inline in its
// page: nothing in them may end the script element or the statement.
func TestRulesScriptEscaping(t *testing.T) {
	rules := []vendors.Rule{{Vendor: "x</script><script>alert(1)</script>", Purposes: []string{"marketing"},
		Hosts: []string{"a\u2028b\u2029c.example"}, Cookies: []string{"<!--", "a&b"}}}
	got := string(newRulesScript(rules).prefix)
	if !strings.HasPrefix(got, "window.samtykkeRules=[") || !strings.HasSuffix(got, "];\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("prefix: %q", got)
	}
	for _, bad := range []string{"</", "<script", "<!--", "\u2028", "\u2029"} {
		if strings.Contains(got, bad) {
			t.Errorf("the rules contain %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, `\u003c/script\u003e`) || !strings.Contains(got, `a\u2028b\u2029c`) {
		t.Errorf("not escaped as JSON: %s", got)
	}
	if newRulesScript(rules).etag == catalogueScript.etag {
		t.Error("different rules, one ETag")
	}
}
