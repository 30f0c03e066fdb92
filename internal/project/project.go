// Package project is ProjectSync's use case: a project posted by a flow,
// as a SharePoint item or as a body the maker composed, becomes an entity
// in a WorkPoint business module.
package project

import (
	"encoding/json"
	"fmt"
)

// Request is a decoded, validated request to create one entity.
type Request struct {
	// Title is the entity's title, trimmed, at most 255 UTF-16 code units.
	Title string

	// Parent names the parent entity for this request. Nil means the
	// default parent of the settings, if any.
	Parent *ParentRef

	// Fields are WorkPoint field values by internal name, other than Title
	// and the parent relation, read by the default rules of [Decode]
	// (empty for an item read by [DecodeColumns]). Values are string,
	// bool, int64, float64 or []string; empty columns are left out. A
	// field mapping ([Config.Mapping]) reads Columns instead.
	Fields map[string]any

	// Columns are the values as sent, by name, for a field mapping and the
	// parent column: every member of a SharePoint item, or the members of
	// a composed body's fields. Nil when there are none.
	Columns map[string]json.RawMessage

	// SourceID identifies the source item: the item's {Identifier}, else
	// "item:<ID>", else the composed body's sourceId. Empty if the body
	// carries none.
	SourceID string

	// Shape is how the body was recognised.
	Shape Shape

	// IdempotencyKey is the caller's Idempotency-Key header, when it sent
	// one. It wins over SourceID as the key of the request.
	IdempotencyKey string

	// deferred is set by [DecodeColumns]: the item's columns are not in
	// Fields yet, and [Service.Sync] reads them.
	deferred bool
}

// Key returns the request's idempotency key: the Idempotency-Key header,
// else the source item's identity. Empty means the request cannot be
// recognised when repeated. The flow run id is never used: a resubmitted
// run gets a new one.
func (r Request) Key() string {
	if r.IdempotencyKey != "" {
		return "key:" + r.IdempotencyKey
	}
	if r.SourceID != "" {
		return "source:" + r.SourceID
	}
	return ""
}

// Shape tells the two accepted bodies apart.
type Shape string

// The two accepted bodies.
const (
	ShapeItem     Shape = "sharepoint-item"
	ShapeComposed Shape = "composed"
)

// ParentRef names a parent entity by id or by title. Exactly one is set.
type ParentRef struct {
	ID    int
	Title string
}

func (p ParentRef) String() string {
	if p.ID > 0 {
		return fmt.Sprintf("id %d", p.ID)
	}
	return fmt.Sprintf("title %q", p.Title)
}

// InputError says why a request body cannot be used. It names the field,
// what it held and what was expected, so the flow's maker can fix it.
type InputError struct {
	// Kind classifies the fault: one of the Kind constants.
	Kind InputKind
	// Field is the member of the body, e.g. "Title" or "fields.Budget".
	Field string
	// Got describes the value's shape, e.g. "a number (12345)" or "null".
	Got string
	// Want describes what was expected.
	Want string
}

// InputKind classifies an [InputError].
type InputKind string

// The kinds of bad input.
const (
	KindEmpty     InputKind = "empty"
	KindNotJSON   InputKind = "not-json"
	KindMediaType InputKind = "media-type"
	KindField     InputKind = "field"
	KindTooLarge  InputKind = "too-large"
)

func (e *InputError) Error() string {
	switch {
	case e.Field != "" && e.Got != "":
		return fmt.Sprintf("project: field %s is %s; want %s", e.Field, e.Got, e.Want)
	case e.Field != "":
		return fmt.Sprintf("project: field %s: want %s", e.Field, e.Want)
	case e.Got != "":
		return fmt.Sprintf("project: body is %s; want %s", e.Got, e.Want)
	}
	return "project: body: want " + e.Want
}
