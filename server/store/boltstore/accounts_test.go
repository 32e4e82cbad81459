package boltstore_test

import (
	"testing"

	"github.com/samtykke/samtykke/server/accounts"
	"github.com/samtykke/samtykke/server/accounts/accountstest"
)

func TestAccountsConformance(t *testing.T) {
	accountstest.Run(t, func(t *testing.T) accounts.Store { return open(t, t.TempDir()) })
}
