package bench

import (
	"encoding/json"
	"testing"
)

func TestItems_HandlerBody(t *testing.T) {
	it := &Items{Prefix: "bench-x-"}
	seen := map[string]bool{}
	for range 3 {
		var body struct {
			Title    string `json:"title"`
			Parent   string `json:"parent"`
			SourceID string `json:"sourceId"`
		}
		raw := it.HandlerBody(it.Next())
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("body %s: %v", raw, err)
		}
		if seen[body.SourceID] {
			t.Errorf("sourceId %q sent twice", body.SourceID)
		}
		seen[body.SourceID] = true
		if body.Parent != "WorkPoint A/S" || body.Title == "" {
			t.Errorf("got %+v, want a title under WorkPoint A/S", body)
		}
	}
	if got, want := string(it.HandlerBody(12)),
		`{"title":"Bench project 00000012","parent":"WorkPoint A/S",`+
			`"sourceId":"bench-x-00000012"}`; got != want {
		t.Errorf("HandlerBody(12) = %s, want %s", got, want)
	}
}

// TestItems_FloorBody checks that the bare proxy is sent what the handler
// sends WorkPoint for the same item: its fields as encoding/json writes a
// map, the idempotency key (module|sourceId) in the source field.
func TestItems_FloorBody(t *testing.T) {
	it := &Items{Prefix: "bench-x-"}
	const module = "22222222-2222-2222-2222-222222222222"
	for _, n := range []uint64{1, 123456789} {
		var handler struct {
			Title    string `json:"title"`
			SourceID string `json:"sourceId"`
		}
		if err := json.Unmarshal(it.HandlerBody(n), &handler); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(map[string]any{
			"Title":          handler.Title,
			"wpCompany":      7,
			"ProjectSyncKey": module + "|" + handler.SourceID,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := it.FloorBody(module, 7, n); string(got) != string(want) {
			t.Errorf("FloorBody(%d) = %s, want %s", n, got, want)
		}
	}
}
