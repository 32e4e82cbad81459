// Package shapes holds the Go shapes the generator's test turns into
// TypeScript (testdata/shapes.ts): every rule of encoding/json it follows.
package shapes

import (
	"encoding/json"
	"net/url"
	"time"
)

// Color is a string type with constants: a union.
type Color string

const (
	Red  Color = "red"
	Blue Color = "blue"
	// A second constant of a value already listed adds nothing.
	Crimson Color = "red"
)

// Name is a string type without constants: a string.
type Name string

// Base is embedded in Outer.
type Base struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Hidden by Outer's own kind.
	Shadowed int `json:"shadowed"`
}

type inner struct {
	Deep bool `json:"deep"`
}

// Outer uses every kind of field.
type Outer struct {
	Base
	inner
	Kind     Color           `json:"kind"`
	Shadowed string          `json:"shadowed"`
	Name     Name            `json:"name,omitempty"`
	Ptr      *int            `json:"ptr"`
	OptPtr   *time.Time      `json:"opt_ptr,omitempty"`
	When     time.Time       `json:"when"`
	Wait     time.Duration   `json:"wait"`
	Tags     []string        `json:"tags"`
	Maybe    []*Color        `json:"maybe"`
	ByColor  map[Color]int   `json:"by_color"`
	ByName   map[string]Leaf `json:"by_name"`
	ByNumber map[int]string  `json:"by_number"`
	Raw      json.RawMessage `json:"raw"`
	Any      any             `json:"any"`
	Bytes    []byte          `json:"bytes"`
	Skipped  string          `json:"-"`
	Untagged float64
	Dash     string `json:"a-b"`
	private  string
	Leaves   [2]Leaf `json:"leaves"`
	Set      Set     `json:"set"`
	Zero     int     `json:"zero,omitzero"`
}

// Leaf is used by Outer only.
type Leaf struct {
	Value uint8 `json:"value"` // a line comment
}

// Set is a named map.
type Set map[string]bool

// Anonymous has a field of an unnamed struct type.
type Anonymous struct {
	A struct{ X int } `json:"a"`
}

// Custom encodes itself.
type Custom struct{ X int }

func (Custom) MarshalJSON() ([]byte, error) { return []byte(`1`), nil }

// Foreign uses a type of a package the generator does not load.
type Foreign struct {
	U url.URL `json:"u"`
}
