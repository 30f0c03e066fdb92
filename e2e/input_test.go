package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// Bad input (cases B3 to B11) is refused with a 4xx problem that names the
// field, before Key Vault or WorkPoint is called.
func TestProjectSync_BadInput(t *testing.T) {
	c := startChain(t, nil)
	big := append([]byte(`{"Title":"Big","Description":"`),
		append(bytes.Repeat([]byte("a"), 5_000_000), `"}`...)...)
	tests := []struct {
		name        string
		body        []byte
		contentType string
		status      int
		code, field string
	}{
		{"B3 empty", caseFile(t, "empty.txt"), "", 400, "empty_body", ""},
		{"B4 5 MB", big, "", 413, "body_too_large", ""},
		{"B6 trailing junk", caseFile(t, "trailing-junk.json"), "", 400, "invalid_json", ""},
		{"B7 form", []byte("Title=Demo"), "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"B9 ID null", caseFile(t, "id-null.json"), "", 400, "invalid_field", "ID"},
		{"B9 title number", caseFile(t, "title-number.json"), "", 400, "invalid_field", "Title"},
		{"B11 256 units", caseFile(t, "title-256.json"), "", 400, "invalid_field", "Title"},
		{"B11 128 rockets", caseFile(t, "title-emoji-128.json"), "", 400, "invalid_field", "Title"},
		{"B11 blank", caseFile(t, "title-blank.json"), "", 400, "invalid_field", "Title"},
		{"array", []byte(`[{"Title":"x"}]`), "", 400, "invalid_json", ""},
		{"hyperlink column", []byte(`{"Title":"x","Site":{"Url":"https://x","Description":"d"}}`), "", 400, "invalid_field", "Site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{}
			if tt.contentType != "" {
				h = append(h, "Content-Type", tt.contentType)
			}
			a := c.post(tt.body, h...)
			if a.Status != tt.status || a.str("code") != tt.code {
				t.Fatalf("got %d %.300s, want %d %s", a.Status, a.Body, tt.status, tt.code)
			}
			if a.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type: %q", a.Header.Get("Content-Type"))
			}
			if a.str("field") != tt.field {
				t.Errorf("field: got %q, want %q", a.str("field"), tt.field)
			}
			if a.str("detail") == "" || a.str("fix") == "" {
				t.Errorf("no detail or fix: %s", a.Body)
			}
			if tt.field != "" && !strings.Contains(a.str("detail"), tt.field) {
				t.Errorf("detail does not name %s: %s", tt.field, a.str("detail"))
			}
		})
	}
	if n := c.stack.Vault.Reads() + c.stack.Vault.Challenges(); n != 0 {
		t.Errorf("Key Vault was called %d times for bad input", n)
	}
	if n := c.stack.WorkPoint.Calls(""); n != 0 {
		t.Errorf("WorkPoint was called %d times for bad input", n)
	}
}

// Inputs that look odd but are good (B5, B7, B8, B10, B11) are accepted,
// and what WorkPoint receives follows the documented rules.
func TestProjectSync_TolerantInput(t *testing.T) {
	c := startChain(t, nil)
	tests := []struct {
		name, file, contentType string
		want                    map[string]any
		absent                  []string
	}{
		{name: "B5 byte-order mark", file: "bom.json"},
		{name: "B7 JSON as text/plain", file: "composed.json", contentType: "text/plain; charset=utf-8"},
		{name: "B8 scalar drift", file: "scalar-drift.json",
			want:   map[string]any{"Budget": float64(150000), "Probability": float64(28)},
			absent: []string{"ProjectManager", "StartDate"}},
		{name: "B10 person, choice, lookup", file: "person-choice-lookup.json",
			want: map[string]any{"Customer": "Northwind Traders A/S", "Status": "Active",
				"ProjectManager": "pm@contoso.example"},
			absent: []string{"Tags"}},
		{name: "B10 person as text", file: "person-as-string.json",
			want: map[string]any{"ProjectManager": "pm@contoso.example", "Status": "Active"}},
		{name: "B11 255 units", file: "title-255.json"},
		{name: "B11 255 æ", file: "title-255-multibyte.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{}
			if tt.contentType != "" {
				h = append(h, "Content-Type", tt.contentType)
			}
			a := c.post(caseFile(t, tt.file), h...)
			if a.Status != http.StatusCreated {
				t.Fatalf("got %d %.300s, want 201", a.Status, a.Body)
			}
			e := c.entityFields(a.num("entityId"))
			for k, v := range tt.want {
				if e[k] != v {
					t.Errorf("field %s: got %#v, want %#v", k, e[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := e[k]; ok {
					t.Errorf("field %s was sent: %#v", k, e[k])
				}
			}
		})
	}
}

// B3: a chunked body is read in full, straight from the handler (the
// Functions host itself refuses chunked requests).
func TestProjectSync_ChunkedBody(t *testing.T) {
	c := startChain(t, nil)
	send := func(body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, c.host.HandlerURL()+"/api/ProjectSync",
			struct{ *bytes.Reader }{bytes.NewReader(body)})
		// An unknown length makes the client send the body chunked.
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(nil); got != http.StatusBadRequest {
		t.Errorf("empty chunked body: got %d, want 400", got)
	}
	if got := send(caseFile(t, "project-gold.sharepoint-item.json")); got != http.StatusCreated {
		t.Errorf("chunked item: got %d, want 201", got)
	}
}
