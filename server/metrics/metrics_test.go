package metrics

import "testing"

func TestLabelValuesAreBounded(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": "other", "M1234": "other", "": "other"} {
		if got := Method(in); got != want {
			t.Errorf("Method(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{200: "200", 408: "408", 429: "429", 503: "503", 299: "other", 999: "other", 0: "other"} {
		if got := Code(in); got != want {
			t.Errorf("Code(%d) = %q, want %q", in, got, want)
		}
	}
}
