package config

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// The seal key file: unset by default (a key kept in the store), a file
// that is not there stops the start naming the variable.
func TestLoadSealKeyFile(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil || c.SealKeyFile != "" {
		t.Fatalf("default SealKeyFile %q, %v; want empty", c.SealKeyFile, err)
	}
	missing := filepath.Join(t.TempDir(), "seal.pem")
	if _, err := Load(nil, env(map[string]string{"SAMTYKKE_SEAL_KEY_FILE": missing}), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "SAMTYKKE_SEAL_KEY_FILE") {
		t.Errorf("a missing key file: %v; want an error naming SAMTYKKE_SEAL_KEY_FILE", err)
	}
	here := filepath.Join("config_test.go")
	if c, err := Load([]string{"-seal-key-file", here}, env(nil), io.Discard); err != nil || c.SealKeyFile != here {
		t.Errorf("-seal-key-file %s: %q, %v", here, c.SealKeyFile, err)
	}
}
