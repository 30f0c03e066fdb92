// Package redact keeps secrets, tokens and function keys out of logs,
// errors and answers.
//
// Redaction happens by construction: a [Secret] never prints its value, only
// allow-listed headers are ever logged ([Headers]), URLs are logged as their
// path ([Path]), and upstream bodies pass through [Body], which caps and
// scrubs them. [Text] is the scrubber behind [Body]; [Writer] applies it to
// every log line as a last line of defence.
package redact

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces whatever was removed.
const Mask = "[REDACTED]"

// Secret holds a sensitive value. It prints, formats and marshals as [Mask];
// only [Secret.Reveal] gives the value, and only code that must send the
// value upstream calls it.
type Secret struct{ value string }

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the wrapped value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String returns [Mask].
func (s Secret) String() string { return Mask }

// GoString returns [Mask], so %#v does not leak the value either.
func (s Secret) GoString() string { return Mask }

// MarshalJSON encodes the secret as the JSON string [Mask].
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(Mask) }

// MarshalText encodes the secret as [Mask].
func (s Secret) MarshalText() ([]byte, error) { return []byte(Mask), nil }

// loggedHeaders are the request and response headers that may be logged.
// Everything else (Authorization, x-functions-key, cookies, Easy Auth
// principals, identity headers) is left out.
var loggedHeaders = map[string]bool{
	"Content-Type":                   true,
	"Content-Length":                 true,
	"User-Agent":                     true,
	"Retry-After":                    true,
	"X-Azure-Functions-Invocationid": true,
	"X-Ms-Workflow-Run-Id":           true,
	"X-Ms-Workflow-Name":             true,
	"X-Ms-Client-Tracking-Id":        true,
	"X-Ms-Correlation-Id":            true,
	"X-Ms-Client-Request-Id":         true,
	"X-Ms-Request-Id":                true,
	"X-Ms-Keyvault-Service-Version":  true,
	"Idempotency-Key":                true,
}

// Headers returns the allow-listed headers of h, one value each.
func Headers(h http.Header) map[string]string {
	out := make(map[string]string)
	for k, v := range h {
		ck := http.CanonicalHeaderKey(k)
		if loggedHeaders[ck] && len(v) > 0 {
			out[ck] = Text(v[0])
		}
	}
	return out
}

// Path returns the path of u without its query or fragment, where function
// keys (code=) and SAS signatures travel.
func Path(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.EscapedPath()
}

// URL returns scheme, host and path of u: never its query, user info or
// fragment.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return c.String()
}

// MaxBody is how much of an upstream body [Body] keeps.
const MaxBody = 2048

// Body returns at most [MaxBody] bytes of b as scrubbed text.
func Body(b []byte) string {
	s := string(b)
	cut := len(s) > MaxBody
	if cut {
		s = s[:MaxBody]
	}
	s = Text(s)
	if cut {
		s += "…(cut)"
	}
	return s
}

var patterns = []struct {
	re   *regexp.Regexp
	repl string
	// hints are lower-case words of which an ASCII text holds one,
	// whatever its case, wherever re matches it.
	hints []string
}{
	// JSON Web Tokens: three base64url parts, the first an encoded JSON header.
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), Mask,
		[]string{"eyj"}},
	// Bearer and Basic credentials in header-like text.
	{regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`), "$1 " + Mask,
		[]string{"bearer", "basic"}},
	// key=value pairs whose key names a secret: form bodies, queries, connection strings.
	{regexp.MustCompile(`(?i)\b(client_secret|client_assertion|access_token|refresh_token|` +
		`id_token|code|sig|password|accountkey|sharedaccesskey|x-functions-key|x-identity-header)` +
		`=([^&\s;"',]+)`), "$1=" + Mask, []string{"="}},
	// The same keys as JSON members.
	{regexp.MustCompile(`(?i)"(client_secret|client_assertion|access_token|refresh_token|` +
		`id_token|value|password|secret|token)"\s*:\s*"[^"]*"`), `"$1":"` + Mask + `"`,
		[]string{"secret", "assertion", "token", "value", "password"}},
}

// Text scrubs tokens, bearer credentials and secret-named parameters from s.
func Text(s string) string {
	if s == "" {
		return s
	}
	// Matching every pattern against every log line is costly: it was a
	// sixth of the handler's CPU under load. Case-insensitive matching
	// cannot take an ASCII text beyond ASCII letters, so in ASCII text a
	// pattern none of whose hints occur cannot match and is skipped;
	// other text meets every pattern.
	ascii := isASCII(s)
	var lower string
	if ascii {
		lower = strings.ToLower(s)
	}
	for _, p := range patterns {
		if ascii && !containsAny(lower, p.hints) {
			continue
		}
		if t := p.re.ReplaceAllString(s, p.repl); t != s {
			s = t
			if ascii {
				lower = strings.ToLower(s)
			}
		}
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Known holds exact values that must never be printed, such as the client
// secret once it has been read. It is safe for concurrent use.
type Known struct {
	values atomicStrings
}

// Add registers v; empty and very short values are ignored, since masking
// them would garble ordinary text.
func (k *Known) Add(v string) {
	if len(v) < 6 {
		return
	}
	k.values.add(v)
}

// Scrub replaces every registered value in s.
func (k *Known) Scrub(s string) string {
	for _, v := range k.values.load() {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}
