package boltstore_test

import (
	"testing"

	"github.com/samtykke/samtykke/server/scanner/scannertest"
	"github.com/samtykke/samtykke/server/store/boltstore"
)

func TestScanConformance(t *testing.T) {
	scannertest.Run(t, func(t *testing.T) scannertest.Stores {
		s, err := boltstore.Open(t.TempDir())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
