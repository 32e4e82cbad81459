package consent

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Errors that stores and the domain return; the HTTP layer maps each one to a
// status code in one place.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("already exists")
	ErrUnavailable = errors.New("store unavailable")
)

// ErrUnknownConfigVersion is what the ValidationError of a receipt or
// impression naming a config version its site never had matches
// (errors.Is). The caller's copy of the site may be older than the page's:
// another replica may have changed it moments ago, so it looks again before
// refusing.
var ErrUnknownConfigVersion = errors.New("unknown config version")

// FieldError says what is wrong with one field, named by its JSON path
// ("choices.statistics", "integrations.hotjar.site_id").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError collects every field error of one value, so a client learns
// about all its mistakes in one round trip.
type ValidationError struct {
	Fields []FieldError `json:"fields"`
	// cause, when set, is a sentinel such as ErrUnknownConfigVersion that
	// callers act on, so that none has to look for a field's name.
	cause error
}

// Unwrap returns the sentinel the error matches, if any.
func (v *ValidationError) Unwrap() error { return v.cause }

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// validator accumulates field errors in the style of goatcounter's zvalidate.
type validator struct {
	errs  []FieldError
	cause error // see ValidationError.cause
}

func (v *validator) add(field, msg string) { v.errs = append(v.errs, FieldError{field, msg}) }

func (v *validator) required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		v.add(field, "is required")
		return false
	}
	return true
}

func (v *validator) maxLen(field, value string, n int) {
	if len(value) > n {
		v.add(field, "must be at most "+strconv.Itoa(n)+" bytes long")
	}
}

// err returns nil when nothing was wrong, so callers can `return v.err()`.
func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Field < v.errs[j].Field })
	return &ValidationError{Fields: v.errs, cause: v.cause}
}

// Invalid builds a ValidationError for a single field; the HTTP layer uses it
// for problems found while decoding, before a domain value exists.
func Invalid(field, msg string) error {
	return &ValidationError{Fields: []FieldError{{field, msg}}}
}
