package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const jwtLike = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJlLXBhcnQ"

func TestSecret_NeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	js, _ := json.Marshal(struct{ S Secret }{s})
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s), string(js),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "hunter2-very-secret" {
		t.Errorf("Reveal: got %q", s.Reveal())
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, leak string }{
		{"token " + jwtLike + " end", jwtLike},
		{"Authorization: Bearer abcdefghijk.lmnop", "abcdefghijk"},
		{"client_id=x&client_secret=s3cr3t-value&grant_type=y", "s3cr3t-value"},
		{"/api/ProjectSync?code=fnKey123456==&x=1", "fnKey123456"},
		{`{"access_token":"opaque-token-value","expires_in":3599}`, "opaque-token-value"},
		{`{"value":"the-client-secret","id":"x"}`, "the-client-secret"},
		{"DefaultEndpointsProtocol=https;AccountKey=a2V5a2V5a2V5;", "a2V5a2V5a2V5"},
		// Upper case and non-ASCII text take other paths through Text.
		{"AUTHORIZATION: BEARER abcdefghijk.lmnop", "abcdefghijk"},
		{`{"ACCESS_TOKEN":"opaque-token-value"}`, "opaque-token-value"},
		{"Projekt Ærø: client_secret=s3cr3t-value", "s3cr3t-value"},
		{"Projekt Ærø: Bearer abcdefghijk.lmnop", "abcdefghijk"},
	}
	for _, tt := range tests {
		got := Text(tt.in)
		if strings.Contains(got, tt.leak) {
			t.Errorf("Text(%q) = %q: still holds %q", tt.in, got, tt.leak)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("Text(%q) = %q: no mask", tt.in, got)
		}
	}
	if got := Text("plain words stay"); got != "plain words stay" {
		t.Errorf("plain text changed: %q", got)
	}
}

func TestHeaders_AllowList(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+jwtLike)
	h.Set("x-functions-key", "fnkey")
	h.Set("X-MS-CLIENT-PRINCIPAL", "cHJpbmNpcGFs")
	h.Set("Content-Type", "application/json")
	h.Set("x-ms-workflow-run-id", "0858")
	got := Headers(h)
	if len(got) != 2 || got["Content-Type"] == "" || got["X-Ms-Workflow-Run-Id"] != "0858" {
		t.Errorf("got %v, want only Content-Type and X-Ms-Workflow-Run-Id", got)
	}
}

func TestPathAndURL_DropQuery(t *testing.T) {
	u, _ := url.Parse("https://user:pw@app.azurewebsites.net/api/ProjectSync?code=k#f")
	if got := Path(u); got != "/api/ProjectSync" {
		t.Errorf("Path: got %q", got)
	}
	if got := URL(u); got != "https://app.azurewebsites.net/api/ProjectSync" {
		t.Errorf("URL: got %q", got)
	}
}

func TestBody_Caps(t *testing.T) {
	got := Body(bytes.Repeat([]byte("a"), 10*MaxBody))
	if len(got) > MaxBody+20 {
		t.Errorf("Body kept %d bytes, want at most about %d", len(got), MaxBody)
	}
}

func TestWriter_ScrubsKnownAndConcurrent(t *testing.T) {
	var buf bytes.Buffer
	known := &Known{}
	known.Add("planted-secret-value")
	known.Add("abc") // too short to mask
	w := NewWriter(&buf, known)

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(w, "{\"msg\":\"saw planted-secret-value and %s abc\"}\n", jwtLike)
		}()
	}
	wg.Wait()

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 50 {
		t.Fatalf("got %d lines, want 50", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, "planted-secret-value") || strings.Contains(l, jwtLike) {
			t.Fatalf("line leaks: %s", l)
		}
		if !json.Valid([]byte(l)) {
			t.Fatalf("line is not JSON: %s", l)
		}
		if !strings.Contains(l, "abc") {
			t.Fatalf("short value masked: %s", l)
		}
	}
}
