package problem

import (
	"errors"
	"fmt"

	"projectsync/internal/mapping"
)

// fromMapping diagnoses a lookup of the field mapping whose title names no
// entity, or more than one, in the business module the mapping names. It
// reports false when err is no such failure.
func fromMapping(err error) (*Problem, bool) {
	e, ok := errors.AsType[*mapping.LookupError](err)
	if !ok {
		return nil, false
	}
	where := fmt.Sprintf("business module %s, which the field mapping names for column %s "+
		"(WorkPoint field %s)", e.Module, e.Column, e.Field)
	var p *Problem
	if e.Found > 1 {
		p = New(LookupAmbiguous, fmt.Sprintf("More than one entity titled %q exists in %s.",
			e.Title, where))
	} else {
		p = New(LookupNotFound, fmt.Sprintf("No entity titled %q exists in %s.", e.Title, where))
	}
	p.Field = e.Column
	return p, true
}
