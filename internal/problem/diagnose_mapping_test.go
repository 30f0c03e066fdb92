package problem

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"projectsync/internal/mapping"
)

func TestFromMapping(t *testing.T) {
	const module = "33333333-3333-3333-3333-333333333333"
	tests := []struct {
		name   string
		found  int
		code   Code
		detail string
	}{
		{"not found", 0, LookupNotFound, `No entity titled "Nobody Inc" exists in business ` +
			`module ` + module + `, which the field mapping names for column fields.Customer ` +
			`(WorkPoint field wpCustomer).`},
		{"ambiguous", 2, LookupAmbiguous, `More than one entity titled "Nobody Inc" exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			le := &mapping.LookupError{Column: "fields.Customer", Field: "wpCustomer",
				Module: module, Title: "Nobody Inc", Found: tt.found}
			p, ok := fromMapping(fmt.Errorf("project: sync: %w", le))
			if !ok {
				t.Fatal("got false, want a problem")
			}
			if p.Code != tt.code || p.Status != http.StatusUnprocessableEntity ||
				p.Field != "fields.Customer" || p.Retryable {
				t.Errorf("got %s %d field %q retryable %t, want %s 422 field fields.Customer",
					p.Code, p.Status, p.Field, p.Retryable, tt.code)
			}
			if !strings.HasPrefix(p.Detail, tt.detail) {
				t.Errorf("got detail %q, want it to start with %q", p.Detail, tt.detail)
			}
		})
	}

	if p, ok := fromMapping(fmt.Errorf("other")); ok || p != nil {
		t.Errorf("got %v, %t for another error; want nil, false", p, ok)
	}
}
