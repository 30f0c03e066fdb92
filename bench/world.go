package bench

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"projectsync/internal/standin"
	"projectsync/internal/standin/workpoint"
)

// handlerSettings are the app settings the benchmark sets over the
// stand-ins' own: production logging, the in-memory ledger, and the
// runtime stats endpoint.
var handlerSettings = []string{
	"LOG_LEVEL=info",
	"IDEMPOTENCY_STORE=memory",
	"DEBUG_RUNTIME_STATS=true",
}

// world is a fresh set of stand-ins with a WorkPoint create latency, and
// the environments under which the handler and the bare proxy use it.
type world struct {
	stack    *standin.Stack
	latency  time.Duration
	env      []string // the handler's
	floorEnv []string
	items    *Items
	parentID int
}

// newWorld starts the stand-ins; close the world when done.
func newWorld(latency time.Duration) (*world, error) {
	stack, err := standin.Start(standin.Options{})
	if err != nil {
		return nil, fmt.Errorf("bench: start stand-ins: %w", err)
	}
	stack.WorkPoint.SetLatency(workpoint.RouteCreate, latency)

	w := &world{stack: stack, latency: latency, items: &Items{Prefix: runPrefix()}}
	for _, e := range stack.Entities(standin.CompaniesModuleID) {
		if e.Title == standin.ParentCompany {
			w.parentID = e.ID
		}
	}
	if w.parentID == 0 {
		stack.Close()
		return nil, fmt.Errorf("bench: start stand-ins: no company %q", standin.ParentCompany)
	}

	env := append(os.Environ(), stack.Env()...)
	settings := stack.Settings()
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		env = append(env, k+"="+settings[k])
	}
	w.env = slices.Clip(append(env, handlerSettings...))

	token, err := floorToken(stack)
	if err != nil {
		stack.Close()
		return nil, err
	}
	w.floorEnv = append(w.env, EnvFloorToken+"="+token)
	return w, nil
}

func (w *world) close() {
	w.stack.Close()
}

// counts reads the stand-ins' counters.
func (w *world) counts() Counts {
	s := w.stack
	return Counts{
		KeyVaultReads:         s.Vault.Reads(),
		ManagedIdentityTokens: s.Identity.Requests(),
		EntraTokens:           s.Entra.TokenRequests(),
		WorkPointCalls:        s.WorkPoint.Calls(""),
	}
}

// floorToken mints the bare proxy's static bearer token: the claims of an
// app-only token Entra would issue to the app registration for WorkPoint,
// valid for longer than any run.
func floorToken(s *standin.Stack) (string, error) {
	now := time.Now()
	issuer := "https://sts.windows.net/" + standin.TenantID + "/"
	token, err := s.Issuer.Mint(jwt.MapClaims{
		"aud":      standin.WorkPointAudience,
		"iss":      issuer,
		"iat":      now.Unix(),
		"nbf":      now.Unix(),
		"exp":      now.Add(3 * time.Hour).Unix(),
		"appid":    standin.ClientID,
		"appidacr": "1",
		"azp":      standin.ClientID,
		"idp":      issuer,
		"idtyp":    "app",
		"oid":      standin.AppPrincipalID,
		"sub":      standin.AppPrincipalID,
		"tid":      standin.TenantID,
		"uti":      randomID(),
		"ver":      "1.0",
		"roles":    []string{standin.WorkPointRole},
	})
	if err != nil {
		return "", fmt.Errorf("bench: mint the bare proxy's token: %w", err)
	}
	return token, nil
}

// runPrefix starts the sourceIds of one world, so that no two worlds of a
// run, or two runs, send the same item.
func runPrefix() string {
	return "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
