package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/entra"
	"projectsync/internal/standin/keyvault"
)

// plantAll plants the function key and a client secret of the test's own,
// which replaces the demo secret in Key Vault and at Entra, so that the
// scans look for a secret, the tokens and the key.
func plantAll(secret string) func(*standin.Stack) {
	return func(s *standin.Stack) {
		yearOn := time.Now().AddDate(1, 0, 0)
		s.Plant(functionKey, secret)
		_ = s.Entra.SetSecrets(standin.ClientID, entra.Secret{Value: secret, Expires: yearOn})
		s.Vault.SetSecret(standin.VaultName, standin.SecretName, secret,
			keyvault.Attributes{Expires: &yearOn})
	}
}

// wantCleanLogs checks every line of the handler: no planted value, no
// stderr, and every stdout line one JSON object with no member twice.
func (c *chain) wantCleanLogs() {
	c.t.Helper()
	c.wantNoLeaks()
	for _, l := range c.stderrLines() {
		c.t.Errorf("the handler wrote to stderr, which the host files as an error: %s", l)
	}
	for _, l := range c.handlerLines() {
		if err := checkJSONObject(l); err != nil {
			c.t.Errorf("log line is not one JSON object (%v): %.300s", err, l)
		}
	}
}

// The function key, sent in the x-functions-key header or as ?code=, never
// reaches a log line of the handler.
func TestRedaction_FunctionKey(t *testing.T) {
	c := startChain(t, plantAll("e2eKey8Q~secret.for.the.function.key.test"))
	noKey := func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		return h
	}
	tests := []struct {
		name   string
		path   string
		header http.Header
		body   string
		status int
	}{
		{"header", "/api/ProjectSync", nil, `{"title":"Key in header"}`, 201},
		{"query", "/api/ProjectSync?code=" + functionKey, noKey(), `{"title":"Key in query"}`, 201},
		{"query among others", "/api/ProjectSync?a=1&code=" + functionKey + "&b=2", noKey(),
			`{"title":"Key among others"}`, 201},
		{"query, bad input", "/api/ProjectSync?code=" + functionKey, noKey(), `{"title":7}`, 400},
		{"health, key in query", "/api/Health?code=" + functionKey, noKey(), "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			if tt.header == nil {
				a = c.post([]byte(tt.body))
			} else {
				method := http.MethodPost
				if tt.body == "" {
					method = http.MethodGet
				}
				a = c.do(method, tt.path, []byte(tt.body), tt.header)
			}
			if a.Status != tt.status {
				t.Fatalf("got %d %.300s, want %d", a.Status, a.Body, tt.status)
			}
			if strings.Contains(string(a.Body), functionKey) {
				t.Errorf("the answer holds the function key: %s", a.Body)
			}
		})
	}
	lines := c.awaitRequestLines(len(tests))
	if len(lines) != len(tests) {
		t.Errorf("got %d request lines, want %d", len(lines), len(tests))
	}
	for _, l := range lines {
		if p, _ := l["path"].(string); strings.Contains(p, "code") || strings.Contains(p, "?") {
			t.Errorf("logged path carries the query: %q", p)
		}
	}
	for _, l := range c.host.Logs() {
		if strings.Contains(l.Text, functionKey) {
			t.Errorf("%s line holds the function key: %s", l.Stream, l.Text)
		}
	}
	c.wantCleanLogs()
}

// With LOG_AZURE_SDK=true the SDK's own events appear as JSON debug lines
// (sdk_event), scrubbed like every other line: no token, secret or key,
// whether the chain works or a link refuses.
func TestRedaction_SDKLogs(t *testing.T) {
	const secret = "e2eSdk8Q~secret.for.the.sdk.log.test"
	tests := []struct {
		name   string
		setup  func(*standin.Stack)
		status int
	}{
		{"success", nil, 201},
		{"vault denied", func(s *standin.Stack) {
			s.Vault.SetDeny(standin.VaultName, keyvault.DenyAccessPolicy)
		}, 424},
		{"entra refuses the secret", func(s *standin.Stack) {
			const other = "e2e-not-the-vault-secret"
			_ = s.Entra.SetSecrets(standin.ClientID, entra.Secret{Value: other})
			s.Plant(other)
		}, 424},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startChain(t, func(s *standin.Stack) {
				plantAll(secret)(s)
				if tt.setup != nil {
					tt.setup(s)
				}
			}, withSetting("LOG_AZURE_SDK", "true"), withSetting("LOG_LEVEL", "debug"))
			a := c.post([]byte(`{"title":"SDK logs"}`))
			if a.Status != tt.status {
				t.Fatalf("got %d %.300s, want %d", a.Status, a.Body, tt.status)
			}
			h := http.Header{}
			h.Set("Content-Type", "application/json")
			a = c.do(http.MethodPost, "/api/ProjectSync?code="+functionKey,
				[]byte(`{"title":"SDK logs, key in query"}`), h)
			if a.Status != tt.status {
				t.Fatalf("got %d %.300s, want %d", a.Status, a.Body, tt.status)
			}
			c.awaitRequestLines(2)

			events := 0
			for _, raw := range c.handlerLines() {
				var m map[string]any
				if json.Unmarshal([]byte(raw), &m) != nil {
					continue
				}
				if ev, ok := m["sdk_event"].(string); ok {
					events++
					if ev == "" || m["level"] != "debug" {
						t.Errorf("SDK line: event %q at level %v, want a named debug event: %s",
							ev, m["level"], raw)
					}
					if strings.Contains(strings.ToLower(raw), "bearer ey") {
						t.Errorf("SDK line holds a bearer token: %s", raw)
					}
				}
			}
			if events == 0 {
				t.Errorf("no sdk_event line in:\n%s", strings.Join(c.handlerLines(), "\n"))
			}
			c.wantCleanLogs()
		})
	}
}

// Without LOG_AZURE_SDK the SDK stays silent: no sdk_event line and no
// stderr.
func TestRedaction_SDKLogsOff(t *testing.T) {
	c := startChain(t, plantAll("e2eOff8Q~secret.for.the.sdk.off.test"))
	if a := c.post([]byte(`{"title":"SDK quiet"}`)); a.Status != http.StatusCreated {
		t.Fatalf("got %d %.300s, want 201", a.Status, a.Body)
	}
	c.awaitRequestLines(1)
	for _, raw := range c.handlerLines() {
		if strings.Contains(raw, `"sdk_event"`) {
			t.Errorf("SDK line with LOG_AZURE_SDK unset: %s", raw)
		}
	}
	c.wantCleanLogs()
}

// 200 concurrent requests, successes and bad input mixed: every stdout line
// of the handler is one JSON object with no member twice, and there is
// exactly one request line per request.
func TestRedaction_ConcurrentLogLines(t *testing.T) {
	c := startChain(t, plantAll("e2eCon8Q~secret.for.the.concurrency.test"))
	const n = 200
	bad := []struct{ body, code string }{
		{`{"title":42}`, "invalid_field"},
		{``, "empty_body"},
		{`{"title":"Cut`, "invalid_json"},
		{`{"title":"x"} junk`, "invalid_json"},
	}
	type result struct {
		i      int
		status int
		code   string
		id     int
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"title":"Concurrent %d","sourceId":"concurrent-%d"}`, i, i)
			if i%4 == 3 {
				body = bad[(i/4)%len(bad)].body
			}
			a := c.post([]byte(body))
			results <- result{i, a.Status, a.str("code"), a.num("entityId")}
		}()
	}
	wg.Wait()
	close(results)
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s", c.dump())
		}
	}()
	ids := map[int]bool{}
	for r := range results {
		switch {
		case r.i%4 == 3:
			want := bad[(r.i/4)%len(bad)].code
			if r.status != http.StatusBadRequest || r.code != want {
				t.Errorf("bad request %d: got %d %s, want 400 %s", r.i, r.status, r.code, want)
			}
		case r.status != http.StatusCreated:
			t.Errorf("request %d: got %d %s, want 201", r.i, r.status, r.code)
		default:
			ids[r.id] = true
		}
	}
	if want := n - n/4; len(ids) != want {
		t.Errorf("got %d distinct entities, want %d", len(ids), want)
	}

	// An answer may overtake its log line.
	lines := c.awaitRequestLines(n)
	if len(lines) != n {
		t.Errorf("got %d request lines, want %d", len(lines), n)
	}
	invocations := map[string]bool{}
	for _, l := range lines {
		id, _ := l["invocation_id"].(string)
		if id == "" || invocations[id] {
			t.Errorf("request line with a missing or repeated invocation id: %v", l)
		}
		invocations[id] = true
	}
	c.wantCleanLogs()
}

// The duplicate-member check finds a member named twice at any depth and
// accepts the same name in sibling objects.
func TestCheckJSONObject(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
	}{
		{`{"a":1,"b":"x"}`, true},
		{`{"a":1,"a":2}`, false},
		{`{"a":{"b":1,"b":2}}`, false},
		{`{"a":[{"b":1},{"b":2}],"c":[1,[2,{"d":null}]]}`, true},
		{`{"a":[{"b":1,"b":1}]}`, false},
		{`[1,2]`, false},
		{`{"a":1} {"b":2}`, false},
		{`{"a":`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		err := checkJSONObject(tt.line)
		if (err == nil) != tt.ok {
			t.Errorf("checkJSONObject(%s): got %v, want ok=%v", tt.line, err, tt.ok)
		}
	}
}
