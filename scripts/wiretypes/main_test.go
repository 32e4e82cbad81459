package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samtykke/samtykke/scripts/wiretypes/testdata/shapes"
)

// The checked-in TypeScript must be what the Go types give today: after
// changing a wire type, run go generate ./scripts/wiretypes.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(root, outputs)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outputs {
		have, err := os.ReadFile(filepath.Join(root, o.File))
		if err != nil {
			t.Errorf("%v: run go generate ./scripts/wiretypes", err)
			continue
		}
		if want := files[o.File]; !bytes.Equal(have, want) {
			t.Errorf("%s is not what the Go types give; run go generate ./scripts/wiretypes\n%s", o.File, firstDifference(have, want))
		}
	}
}

// Every rule of encoding/json the generator follows, on testdata/shapes.
func TestShapes(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	const file = "testdata/shapes.ts"
	files, err := generate(root, []output{{File: file, Types: []string{"scripts/wiretypes/testdata/shapes.Outer"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := files[file]
	if os.Getenv("WIRETYPES_UPDATE") != "" {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (WIRETYPES_UPDATE=1 go test ./scripts/wiretypes rewrites it)\n%s", file, firstDifference(want, got))
	}
}

// What cannot be told from the Go type alone is refused, not guessed.
func TestRefusals(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	u, err := load(root, []string{module + "/scripts/wiretypes/testdata/shapes"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"scripts/wiretypes/testdata/shapes.Anonymous", // a field of an unnamed struct type
		"scripts/wiretypes/testdata/shapes.Custom",    // its own MarshalJSON
		"scripts/wiretypes/testdata/shapes.Foreign",   // a type of a package not loaded
		"scripts/wiretypes/testdata/shapes.NoSuchType",
		"nodot",
	} {
		if _, err := u.file([]string{name}); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// encoding/json writes Outer's members under the names and in the order
// of the generated interface.
func TestShapesMatchEncodingJSON(t *testing.T) {
	ts, err := os.ReadFile("testdata/shapes.ts")
	if err != nil {
		t.Fatal(err)
	}
	body := string(ts)
	body = body[strings.Index(body, "export interface Outer {"):]
	body = body[:strings.Index(body, "\n}")]
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^  '?([\w-]+)'?\??: `).FindAllStringSubmatch(body, -1) {
		want = append(want, m[1])
	}
	now := time.Now()
	b, err := json.Marshal(shapes.Outer{Name: "n", OptPtr: &now, Zero: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		got = append(got, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("encoding/json writes\n  %s\nthe TypeScript says\n  %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

func firstDifference(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(h) || i < len(w); i++ {
		var a, b string
		if i < len(h) {
			a = h[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b || i >= len(h) || i >= len(w) {
			return "line " + strconv.Itoa(i+1) + ":\n  checked in: " + a + "\n  generated:  " + b
		}
	}
	return ""
}
