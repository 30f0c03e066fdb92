package keyvault_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"projectsync/internal/keyvault"
	"projectsync/internal/redact"
	"projectsync/internal/standin"
	skv "projectsync/internal/standin/keyvault"
)

func TestSource_Secret_Latest(t *testing.T) {
	s := startStack(t)
	src := demoSource(t, s, nil)

	cs, err := src.Secret(testContext(t))
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	if got := cs.Value.Reveal(); got != standin.ClientSecret {
		t.Errorf("got value %q, want the demo client secret", got)
	}
	if len(cs.Version) != 32 {
		t.Errorf("got version %q, want a 32-digit Key Vault version id", cs.Version)
	}
	if cs.Expires == nil || !cs.Expires.After(time.Now()) {
		t.Errorf("got expiry %v, want the seeded date a year ahead", cs.Expires)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
	// MSAL shares managed identity tokens across the process, so an earlier
	// test may have fetched this one already.
	if got := s.Identity.Requests(); got > 1 {
		t.Errorf("got %d managed identity requests, want at most 1", got)
	}
	if src.Vault() != standin.VaultName+".vault.azure.net" || src.Name() != standin.SecretName {
		t.Errorf("got vault %q secret %q, want the demo vault and secret", src.Vault(), src.Name())
	}

	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoLeak(t, "fmt "+format, fmt.Sprintf(format, cs), standin.ClientSecret)
	}
}

func TestSource_Secret_LearnsValue(t *testing.T) {
	s := startStack(t)
	known := &redact.Known{}
	src := demoSource(t, s, &keyvault.Options{Known: known})

	if _, err := src.Secret(testContext(t)); err != nil {
		t.Fatalf("Secret: %v", err)
	}
	line := "client_id=x secret " + standin.ClientSecret
	assertNoLeak(t, "scrubbed line", known.Scrub(line), standin.ClientSecret)
}

func TestSource_Secret_CacheHit(t *testing.T) {
	s := startStack(t)
	src := demoSource(t, s, nil)
	ctx := testContext(t)

	for i := range 3 {
		if _, err := src.Secret(ctx); err != nil {
			t.Fatalf("Secret #%d: %v", i+1, err)
		}
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

func TestSource_Secret_TTLExpiry(t *testing.T) {
	s := startStack(t)
	clk := newClock()
	src := demoSource(t, s, &keyvault.Options{TTL: 10 * time.Minute, Now: clk.Now})
	ctx := testContext(t)

	steps := []struct {
		advance time.Duration
		reads   int
	}{
		{0, 1},
		{9 * time.Minute, 1},
		{time.Minute, 2}, // exactly the TTL: stale
		{5 * time.Minute, 2},
		{5 * time.Minute, 3},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if _, err := src.Secret(ctx); err != nil {
			t.Fatalf("step %d: Secret: %v", i, err)
		}
		if got := s.Vault.Reads(); got != st.reads {
			t.Errorf("step %d: got %d Key Vault reads, want %d", i, got, st.reads)
		}
	}
}

func TestSource_Reject(t *testing.T) {
	s := startStack(t)
	src := demoSource(t, s, nil)
	ctx := testContext(t)

	first, err := src.Secret(ctx)
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	const rotated = "rotated8Q~second.client.secret"
	s.Plant(rotated)
	v2 := s.Vault.SetSecret(standin.VaultName, standin.SecretName, rotated, skv.Attributes{})

	src.Reject("0123456789abcdef0123456789abcdef")
	if cs, err := src.Secret(ctx); err != nil || cs.Version != first.Version {
		t.Fatalf("after rejecting another version: got version %q, err %v; want the cached %q",
			cs.Version, err, first.Version)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("after rejecting another version: got %d reads, want 1", got)
	}

	src.Reject(first.Version)
	cs, err := src.Secret(ctx)
	if err != nil {
		t.Fatalf("Secret after Reject: %v", err)
	}
	if cs.Version != v2 || cs.Value.Reveal() != rotated {
		t.Errorf("got version %q, want the new version %q with its value", cs.Version, v2)
	}
	if got := s.Vault.Reads(); got != 2 {
		t.Errorf("got %d Key Vault reads, want 2", got)
	}
}

func TestSource_Secret_ConcurrentColdCallsShareOneRead(t *testing.T) {
	s := startStack(t)
	src := demoSource(t, s, nil)
	// Hold the read back so that every caller arrives while it is under
	// way; a caller that came late would find the cache filled.
	s.Vault.InjectFault(1, skv.Fault{Delay: 300 * time.Millisecond})
	ctx := testContext(t)

	const callers = 50
	start := make(chan struct{})
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			cs, err := src.Secret(ctx)
			if err == nil && cs.Value.Reveal() != standin.ClientSecret {
				err = errors.New("wrong secret value")
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

func TestSource_Secret_CallerGivesUp(t *testing.T) {
	s := startStack(t)
	src := demoSource(t, s, nil)
	s.Vault.InjectFault(1, skv.Fault{Delay: time.Second})
	ctx := testContext(t)

	// The impatient caller starts the read and gives up while it is held.
	impatient, cancel := context.WithCancel(ctx)
	defer cancel()
	impatientErr := make(chan error, 1)
	go func() {
		_, err := src.Secret(impatient)
		impatientErr <- err
	}()
	waitFor(t, "the read to reach Key Vault", func() bool { return s.Vault.Reads() == 1 })

	patient := make(chan error, 1)
	go func() {
		cs, err := src.Secret(ctx)
		if err == nil && cs.Value.Reveal() != standin.ClientSecret {
			err = errors.New("wrong secret value")
		}
		patient <- err
	}()
	cancel()

	if err := <-impatientErr; !errors.Is(err, context.Canceled) {
		t.Errorf("impatient caller: got %v, want context.Canceled", err)
	}
	if err := <-patient; err != nil {
		t.Errorf("patient caller: got %v, want the secret", err)
	}
	if got := s.Vault.Reads(); got != 1 {
		t.Errorf("got %d Key Vault reads, want 1", got)
	}
}

func TestSource_Secret_PinnedVersion(t *testing.T) {
	s := startStack(t)
	const pinnedValue, latestValue = "pinned8Q~first.value", "latest8Q~second.value"
	pinned := s.Vault.SetSecret(standin.VaultName, standin.SecretName, pinnedValue,
		skv.Attributes{})
	s.Vault.SetSecret(standin.VaultName, standin.SecretName, latestValue, skv.Attributes{})

	src := demoSource(t, s, &keyvault.Options{Version: pinned})
	cs, err := src.Secret(testContext(t))
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	if cs.Version != pinned || cs.Value.Reveal() != pinnedValue {
		t.Errorf("got version %q, want the pinned version %q with its value", cs.Version, pinned)
	}
}

// waitFor polls cond until it holds; it fails the test after callTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(callTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
