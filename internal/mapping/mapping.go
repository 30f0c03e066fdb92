// Package mapping maps the columns of a SharePoint item to the fields of a
// WorkPoint business module, by a field mapping an admin writes as JSON in
// the setting WORKPOINT_FIELD_MAP:
//
//	{"timeZone": "Europe/Copenhagen",
//	 "fields": {
//	   "ProjectManager": {"field": "wpManager", "type": "person"},
//	   "Customer": {"field": "wpCustomer", "type": "lookup", "module": "<GUID>"},
//	   "StartDate": {"type": "date", "dateOnly": true},
//	   "Budget": {"type": "number", "required": true},
//	   "Status": {"type": "choice", "choices": ["Active", "Closed"], "default": "Active"},
//	   "TeamMembers": {"type": "person", "multi": true}}}
//
// Each member of fields names a column by its internal name and says which
// WorkPoint field receives it (field, the column's own name when left out)
// and how its value is read (type). [Parse] checks a mapping once, at
// start-up, and reports every problem in one error; [Map.Apply] converts a
// request's columns by it.
//
// The mapping is the whole contract: columns it does not name are not sent.
package mapping

import (
	"encoding/json"
	"slices"
	"time"
)

// Type says how a column's value is read and what WorkPoint receives.
type Type string

// The column types. What each accepts is described on [Map.Apply].
const (
	Text    Type = "text"
	Number  Type = "number"
	Date    Type = "date"
	Boolean Type = "boolean"
	Choice  Type = "choice"
	Person  Type = "person"
	Lookup  Type = "lookup"
)

// types lists the column types in the order messages name them.
var types = []Type{Text, Number, Date, Boolean, Choice, Person, Lookup}

// Column is the rule for one SharePoint column.
type Column struct {
	// Name is the column's internal name, as the item carries it.
	Name string
	// Field is the internal name of the WorkPoint field that receives the
	// value. It is Name unless the mapping says otherwise.
	Field string
	// Type says how the value is read.
	Type Type
	// Required makes an absent or empty column a bad request.
	Required bool
	// Multi makes a person or choice column a list of values.
	Multi bool
	// DateOnly makes a date column send the calendar date in the mapping's
	// time zone instead of the instant.
	DateOnly bool
	// Choices, when not empty, are the values a choice column may hold.
	Choices []string
	// Module is the GUID of the business module a lookup column refers to.
	Module string
	// Default is the value, as JSON, used when the column is absent or
	// empty. Nil means none.
	Default json.RawMessage

	// def is Default converted as a value of the column.
	def any
}

// Map is a checked field mapping. It is safe for concurrent use; nil means
// no mapping.
type Map struct {
	loc     *time.Location
	zone    string
	columns map[string]*Column
	names   []string // sorted
}

// TimeZone returns the name of the time zone date values are read in:
// the mapping's timeZone, else "UTC".
func (m *Map) TimeZone() string {
	if m.zone == "" {
		return "UTC"
	}
	return m.zone
}

// Column returns the rule for the column name, and whether the mapping
// names that column.
func (m *Map) Column(name string) (Column, bool) {
	c, ok := m.columns[name]
	if !ok {
		return Column{}, false
	}
	return c.clone(), true
}

// Has reports whether the mapping names the column.
func (m *Map) Has(column string) bool {
	_, ok := m.columns[column]
	return ok
}

// Columns returns the rules of every mapped column, by column name.
func (m *Map) Columns() []Column {
	out := make([]Column, 0, len(m.names))
	for _, name := range m.names {
		out = append(out, m.columns[name].clone())
	}
	return out
}

func (c *Column) clone() Column {
	out := *c
	out.Choices = slices.Clone(c.Choices)
	out.Default = slices.Clone(c.Default)
	return out
}

// location returns the time zone date values are read in.
func (m *Map) location() *time.Location {
	if m.loc == nil {
		return time.UTC
	}
	return m.loc
}
