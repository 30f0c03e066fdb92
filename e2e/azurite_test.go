package e2e

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"projectsync/internal/azurite"
	"projectsync/internal/funchost"
)

var shared struct {
	once   sync.Once
	server *azurite.Server
	err    error
	tables atomic.Int64
}

// withTableLedger keeps the handler's idempotency ledger in Azurite, in a
// table of its own. Without Azurite the test is skipped, except in CI,
// where it fails.
func withTableLedger(t *testing.T) chainOption {
	t.Helper()
	shared.once.Do(func() {
		shared.server, shared.err = azurite.Start(context.Background(), "..")
	})
	if shared.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Azurite is required in CI: %v", shared.err)
		}
		t.Skipf("Azurite not available: %v", shared.err)
	}
	table := fmt.Sprintf("Ledger%d%d", os.Getpid(), shared.tables.Add(1))
	return func(s map[string]string, _ *funchost.Options) {
		s["AzureWebJobsStorage"] = shared.server.ConnectionString()
		s["IDEMPOTENCY_STORE"] = "table"
		s["IDEMPOTENCY_TABLE"] = table
	}
}

// stopAzurite ends the shared Azurite, if one was started.
func stopAzurite() {
	if shared.server != nil {
		shared.server.Close()
	}
}
