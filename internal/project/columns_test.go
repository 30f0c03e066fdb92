package project

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecode_Columns(t *testing.T) {
	tests := []struct {
		name, body string
		want       map[string]json.RawMessage
	}{
		{name: "item keeps every member as sent",
			body: `{"ID": 9, "Title": "Demo", "Customer#Id": 42,
				"Customer": {"Id": 42, "Value": "Northwind"}, "Tags": [], "Note": null}`,
			want: map[string]json.RawMessage{
				"ID": json.RawMessage(`9`), "Title": json.RawMessage(`"Demo"`),
				"Customer#Id": json.RawMessage(`42`),
				"Customer":    json.RawMessage(`{"Id": 42, "Value": "Northwind"}`),
				"Tags":        json.RawMessage(`[]`), "Note": json.RawMessage(`null`),
			}},
		{name: "composed keeps the members of fields",
			body: `{"title": "Demo", "parent": 2, "fields": {"Budget": 1.5, "Owner": null}}`,
			want: map[string]json.RawMessage{
				"Budget": json.RawMessage(`1.5`), "Owner": json.RawMessage(`null`),
			}},
		{name: "composed without fields", body: `{"title": "Demo"}`},
		{name: "composed with null fields", body: `{"title": "Demo", "fields": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode("application/json", []byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(req.Columns, tt.want) {
				t.Errorf("got columns %q, want %q", req.Columns, tt.want)
			}
		})
	}
}

func TestDecodeColumns(t *testing.T) {
	const item = `{"ID": 9, "Title": " Demo ", "Budget": 5, "Site": {"Url": "https://x/"}}`
	req, err := DecodeColumns("application/json", []byte(item))
	if err != nil {
		t.Fatalf("DecodeColumns: %v", err)
	}
	want := Request{Title: "Demo", SourceID: "item:9", Shape: ShapeItem,
		Fields: map[string]any{}, deferred: true}
	got := req
	got.Columns = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if len(req.Columns) != 4 {
		t.Errorf("got %d columns, want 4", len(req.Columns))
	}

	// A composed body, and bad input, are read as by Decode.
	for _, body := range []string{
		`{"title": "Demo", "fields": {"Budget": 5}}`,
		`{"ID": null, "Title": "Demo"}`,
		`{"Title": 5}`,
	} {
		a, errA := Decode("application/json", []byte(body))
		b, errB := DecodeColumns("application/json", []byte(body))
		if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(errA, errB) {
			t.Errorf("%s: DecodeColumns got %#v, %v; Decode got %#v, %v", body, b, errB, a, errA)
		}
	}
}
