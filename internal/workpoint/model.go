package workpoint

import (
	"encoding/xml"
	"io"
)

// BusinessModule is a WorkPoint business module: a SharePoint list whose
// items are entities.
type BusinessModule struct {
	ID         string `json:"Id"`
	Title      string `json:"Title"`
	EntityName string `json:"EntityName"`
	ListURL    string `json:"ListUrl"`
	// Parent is the id of the parent business module, empty when none.
	Parent string `json:"Parent"`
	// ParentRelationName is the internal name of the field that points
	// to the parent entity.
	ParentRelationName string `json:"ParentRelationName"`
	SitesEnabled       bool   `json:"SitesEnabled"`
}

// ListItem is an entity as WorkPoint returns it. Field values come back as
// strings.
type ListItem struct {
	ID           int          `json:"ID"`
	Title        string       `json:"Title"`
	ContentType  string       `json:"ContentType"`
	IsEntity     bool         `json:"IsEntity"`
	ParentListID string       `json:"ParentListId"`
	FieldValues  []FieldValue `json:"FieldValues"`
}

// FieldValue is one field of a [ListItem].
type FieldValue struct {
	InternalFieldName string `json:"InternalFieldName"`
	DisplayFieldName  string `json:"DisplayFieldName"`
	Value             string `json:"Value"`
	TextValue         string `json:"TextValue"`
}

// Field returns the value of the field with the internal name, and whether
// the item has it.
func (it ListItem) Field(name string) (FieldValue, bool) {
	for _, f := range it.FieldValues {
		if f.InternalFieldName == name {
			return f, true
		}
	}
	return FieldValue{}, false
}

type listQuery struct {
	CamlQuery  string   `json:"CamlQuery"`
	PageSize   int      `json:"PageSize"`
	ViewFields []string `json:"ViewFields"`
}

type queryResult struct {
	Items      []ListItem `json:"Items"`
	PagingInfo *string    `json:"PagingInfo"`
}

func xmlEscape(w io.Writer, s string) error { return xml.EscapeText(w, []byte(s)) }
