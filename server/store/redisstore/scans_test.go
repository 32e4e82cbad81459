package redisstore_test

import (
	"testing"

	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/scanner/scannertest"
)

// TestScanConformance runs the scan suite on a real redis-server, and on a
// Redis Cluster, where every key of a scan must share its site's slot.
func TestScanConformance(t *testing.T) {
	t.Run("Server", func(t *testing.T) {
		scannertest.Run(t, func(t *testing.T) scannertest.Stores {
			return open(t, redistest.Start(t).URL())
		})
	})
	t.Run("Cluster", func(t *testing.T) {
		if testing.Short() {
			t.Skip("a cluster takes seconds to start")
		}
		c := redistest.StartCluster(t, 3)
		scannertest.Run(t, func(t *testing.T) scannertest.Stores {
			return open(t, c.URL())
		})
	})
}
