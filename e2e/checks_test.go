package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectsync/internal/funchost"
)

// wantProblem checks a problem answer: its status and code, a detail and a
// fix, whether it is retryable, and for a retryable one a Retry-After header
// that matches the retryAfter member.
func wantProblem(t *testing.T, a answer, status int, code string, retryable bool) {
	t.Helper()
	if a.Status != status || a.str("code") != code {
		t.Fatalf("got %d %.500s, want %d %s", a.Status, a.Body, status, code)
	}
	if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type: got %q, want application/problem+json", ct)
	}
	if a.str("detail") == "" || a.str("fix") == "" {
		t.Errorf("no detail or fix: %s", a.Body)
	}
	got, ok := a.JSON["retryable"].(bool)
	if !ok || got != retryable {
		t.Errorf("retryable: got %v, want %v", a.JSON["retryable"], retryable)
	}
	ra := a.Header.Get("Retry-After")
	switch {
	case retryable:
		n, err := strconv.Atoi(ra)
		if err != nil || n <= 0 {
			t.Errorf("Retry-After: got %q, want a positive number of seconds", ra)
		}
		if a.num("retryAfter") != n {
			t.Errorf("retryAfter member: got %d, want %d as in the header", a.num("retryAfter"), n)
		}
	case ra != "":
		t.Errorf("Retry-After: got %q on a problem that is not retryable", ra)
	}
}

// upstream returns the answer's upstream member, or nil.
func (a answer) upstream() map[string]any {
	up, _ := a.JSON["upstream"].(map[string]any)
	return up
}

// awaitRequestLines waits until the handler has logged n request lines, or
// for at most 10 s, and returns the request lines. An answer can reach the
// caller before its log line has crossed the pipe to the host.
func (c *chain) awaitRequestLines(n int) []map[string]any {
	lines := c.logLines("request")
	deadline := time.Now().Add(10 * time.Second)
	for len(lines) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		lines = c.logLines("request")
	}
	return lines
}

// lastRequestLine returns the edge's log line of the chain's last request.
func (c *chain) lastRequestLine() map[string]any {
	c.t.Helper()
	lines := c.awaitRequestLines(1)
	if len(lines) == 0 {
		c.t.Fatalf("no request log line in:\n%s", strings.Join(c.handlerLines(), "\n"))
	}
	return lines[len(lines)-1]
}

// wantNoLeaks fails when a log line of the chain, of any stream, holds a
// planted value.
func (c *chain) wantNoLeaks() {
	c.t.Helper()
	var texts []string
	for _, l := range c.host.Logs() {
		texts = append(texts, l.Text)
	}
	for _, l := range leaks(texts, c.stack.Planted()) {
		c.t.Errorf("a log line holds a planted value: %s", l)
	}
}

// dump returns every log line of the host and the handler, for a failure
// message.
func (c *chain) dump() string {
	var b strings.Builder
	for _, l := range c.host.Logs() {
		fmt.Fprintf(&b, "%s %s: %s\n", l.Stream, l.Level, l.Text)
	}
	return b.String()
}

// stderrLines returns the lines the handler wrote to standard error.
func (c *chain) stderrLines() []string {
	var out []string
	for _, l := range c.host.Logs() {
		if l.Stream == funchost.StreamStderr {
			out = append(out, l.Text)
		}
	}
	return out
}

// links counts the calls that reached each stand-in.
type links struct {
	Identity    int // managed identity token requests
	VaultReads  int // Key Vault secret reads with a valid token
	EntraTokens int // Entra token requests
	WorkPoint   int // WorkPoint calls on any route
}

func (c *chain) links() links {
	return links{
		Identity:    c.stack.Identity.Requests(),
		VaultReads:  c.stack.Vault.Reads(),
		EntraTokens: c.stack.Entra.TokenRequests(),
		WorkPoint:   c.stack.WorkPoint.Calls(""),
	}
}

// checkJSONObject reports whether line is one JSON object with no member
// named twice, at any depth.
func checkJSONObject(line string) error {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("starts with %v, want an object", tok)
	}
	if err := checkObject(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

// checkObject reads the members of an object whose '{' was read, up to and
// including its '}'.
func checkObject(dec *json.Decoder, path string) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("member name %v is not a string", tok)
		}
		if seen[key] {
			return fmt.Errorf("member %q named twice", path+key)
		}
		seen[key] = true
		if err := checkValue(dec, path+key+"."); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// checkValue reads one value, descending into objects and arrays.
func checkValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return checkObject(dec, path)
	case '[':
		for dec.More() {
			if err := checkValue(dec, path); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return fmt.Errorf("unexpected %v", d)
}
