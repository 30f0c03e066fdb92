package project

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks that no body makes Decode panic or hand back a request
// that breaks its promises.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"title": "Demo", "parent": 12, "fields": {"Budget": 1.5, "Tags": ["a"]}, "sourceId": 7}`,
		`{"ID": "42", "Title": "x", "Owner": {"Claims": "i:0#.f|membership|a@b"}, ` +
			`"Tags": [{"Value": 1}], "Site": {"Url": "u"}}`,
		`{"Title": "a", "Title": "b"}`,
		`[{"Title": "a"}] x`,
		"\uFEFF{\"Title\": \"a\xff\"}",
	}
	for _, s := range seeds {
		f.Add("application/json", []byte(s))
	}
	f.Add("text/plain", []byte(`{"Title": "Demo"}`))
	f.Add("application/x-www-form-urlencoded", []byte("Title=Demo"))

	entries, _ := os.ReadDir(casesDir) // absent outside this workspace; seeds above remain
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join(casesDir, e.Name()))
		if err != nil {
			f.Fatalf("read case: %v", err)
		}
		f.Add("application/json", body)
	}

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		checkReadObject(t, body)

		req, err := Decode(contentType, body)
		if err != nil {
			ie, ok := err.(*InputError)
			if !ok {
				t.Fatalf("got error %v (%T), want an *InputError", err, err)
			}
			if ie.Kind == "" || ie.Want == "" {
				t.Fatalf("got %#v, want a Kind and a Want", ie)
			}
			return
		}
		checkRequest(t, req)
	})
}

// checkRequest fails t unless req keeps the promises of [Request].
func checkRequest(t *testing.T, req Request) {
	t.Helper()

	if strings.TrimSpace(req.Title) != req.Title || req.Title == "" {
		t.Errorf("got title %q, want it trimmed and not blank", req.Title)
	}
	if n := UTF16Len(req.Title); n > MaxTitleUnits {
		t.Errorf("got a title of %d UTF-16 units, want at most %d", n, MaxTitleUnits)
	}
	if req.Shape != ShapeItem && req.Shape != ShapeComposed {
		t.Errorf("got shape %q", req.Shape)
	}
	if p := req.Parent; p != nil && (p.ID > 0) == (p.Title != "") {
		t.Errorf("got parent %#v, want exactly one of ID and Title", *p)
	}
	if req.Fields == nil {
		t.Fatal("got nil Fields, want a map")
	}
	for name, v := range req.Fields {
		switch v := v.(type) {
		case string:
			if v == "" {
				t.Errorf("got empty text in field %q", name)
			}
		case bool, int64, float64:
		case []string:
			if len(v) == 0 {
				t.Errorf("got an empty list in field %q", name)
			}
		default:
			t.Errorf("got %#v (%T) in field %q, want text, yes/no, number or list", v, v, name)
		}
	}
}

// checkReadObject fails t unless readObject finds in a valid JSON object
// body the same members, with the same values, as the decoder does.
func checkReadObject(t *testing.T, body []byte) {
	t.Helper()

	raw := bytes.Trim(bytes.TrimPrefix(body, utf8BOM), " \t\r\n")
	if !utf8.Valid(raw) || !json.Valid(raw) || raw[0] != '{' {
		return
	}
	members, err := readObject(raw, "")
	if err != nil {
		if ie, ok := err.(*InputError); ok && ie.Got == "a member that appears twice" {
			return
		}
		t.Fatalf("readObject(%q): %v", raw, err)
	}

	var want []member
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("decoder token: %v", err)
	}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			t.Fatalf("decoder token: %v", err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatalf("decoder value: %v", err)
		}
		want = append(want, member{name: name.(string), raw: value})
	}

	if len(members) != len(want) {
		t.Fatalf("readObject(%q): got %d members, want %d", raw, len(members), len(want))
	}
	for i, m := range members {
		if m.name != want[i].name || !bytes.Equal(m.raw, want[i].raw) {
			t.Fatalf("member %d: got %q = %q, want %q = %q",
				i, m.name, m.raw, want[i].name, want[i].raw)
		}
	}
}
