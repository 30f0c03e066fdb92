package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"

	"projectsync/openapi"
)

// TestOpenAPI_Answers checks the built handler's answers against the
// OpenAPI document a custom connector is imported from: each status is
// documented for its operation, and each body is valid against the schema
// documented for that status.
func TestOpenAPI_Answers(t *testing.T) {
	doc, err := loads.Analyzed(json.RawMessage(openapi.Document()), "")
	if err != nil {
		t.Fatalf("load the document: %v", err)
	}
	if doc, err = doc.Expanded(); err != nil {
		t.Fatalf("expand the document: %v", err)
	}
	create := doc.Spec().Paths.Paths["/ProjectSync"].Post
	getHealth := doc.Spec().Paths.Paths["/Health"].Get
	if create == nil || getHealth == nil {
		t.Fatal("the document lacks POST /ProjectSync or GET /Health")
	}

	c := startChain(t, nil)
	composed := []byte(`{"title": "Project Gold", "parent": "WorkPoint A/S",
		"sourceId": "projects-list:1", "fields": {"Budget": 150000}}`)
	tests := []struct {
		name   string
		send   func() answer
		op     *spec.Operation
		status int
	}{
		{"created", func() answer { return c.post(composed) }, create, http.StatusCreated},
		{"repeat", func() answer { return c.post(composed) }, create, http.StatusOK},
		{"sharepoint item", func() answer {
			return c.post(caseFile(t, "project-gold.sharepoint-item.json"))
		}, create, http.StatusCreated},
		{"not JSON", func() answer { return c.post([]byte(`{"title": `)) }, create,
			http.StatusBadRequest},
		{"form body", func() answer {
			return c.post([]byte("title=x"), "Content-Type", "application/x-www-form-urlencoded")
		}, create, http.StatusUnsupportedMediaType},
		{"unknown parent", func() answer {
			return c.post([]byte(`{"title": "Orphan", "parent": "No Such Company"}`))
		}, create, http.StatusUnprocessableEntity},
		{"health", func() answer {
			h := http.Header{}
			h.Set("x-functions-key", functionKey)
			return c.do(http.MethodGet, "/api/Health", nil, h)
		}, getHealth, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.send()
			if a.Status != tt.status {
				t.Fatalf("got %d %.300s, want %d", a.Status, a.Body, tt.status)
			}
			resp, ok := tt.op.Responses.StatusCodeResponses[a.Status]
			if !ok {
				t.Fatalf("%s does not document status %d", tt.op.ID, a.Status)
			}
			if resp.Schema == nil {
				t.Fatalf("%s %d has no schema", tt.op.ID, a.Status)
			}
			var body any
			if err := json.Unmarshal(a.Body, &body); err != nil {
				t.Fatalf("answer is not JSON: %v: %s", err, a.Body)
			}
			if err := validate.AgainstSchema(resp.Schema, body, strfmt.Default); err != nil {
				t.Errorf("answer %s is not valid against %s %d: %v", a.Body, tt.op.ID, a.Status,
					err)
			}
		})
	}
}
