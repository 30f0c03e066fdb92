package mapping

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	// The time zone database is built in, so that a time zone resolves the
	// same on every host, whether or not it ships the zoneinfo files.
	_ "time/tzdata"
)

// ParseError lists every problem found in a field mapping.
type ParseError struct {
	Problems []string
}

func (e *ParseError) Error() string {
	return "mapping: " + strings.Join(e.Problems, "; ")
}

var guidRE = regexp.MustCompile(
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// entryMembers are the members a column's rule may have.
var entryMembers = []string{
	"field", "type", "required", "multi", "dateOnly", "choices", "module", "default",
}

// Parse reads and checks a field mapping. Blank raw means no mapping: it
// returns nil and no error. Otherwise the error, a [*ParseError], names
// every problem and the column it is in.
func Parse(raw string) (*Map, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	p := &parser{}
	m := p.parse([]byte(raw))
	if len(p.problems) > 0 {
		return nil, &ParseError{Problems: p.problems}
	}
	return m, nil
}

// parser collects the problems of one mapping.
type parser struct {
	problems []string
	// zoneGiven is set when the mapping names a time zone, even a bad one.
	zoneGiven bool
}

func (p *parser) problem(format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// parse reads the top level: timeZone and fields.
func (p *parser) parse(raw []byte) *Map {
	top, err := members(raw)
	if err != nil {
		p.problem("the mapping is not a JSON object: %v", err)
		return nil
	}

	m := &Map{columns: make(map[string]*Column)}
	var fields json.RawMessage
	for _, mb := range top {
		switch mb.name {
		case "timeZone":
			p.zoneGiven = true
			m.loc, m.zone = p.timeZone(mb.raw)
		case "fields":
			fields = mb.raw
		default:
			p.problem("unknown member %q; want timeZone or fields", mb.name)
		}
	}

	if fields == nil {
		p.problem(`"fields" is missing; map at least one column, ` +
			`or leave the setting empty to send the item's own columns`)
		return m
	}
	cols, err := members(fields)
	if err != nil {
		p.problem(`"fields" is not a JSON object of columns: %v`, err)
		return m
	}
	if len(cols) == 0 {
		p.problem(`"fields" is empty; map at least one column, ` +
			`or leave the setting empty to send the item's own columns`)
	}
	for _, mb := range cols {
		if c := p.column(mb, m); c != nil {
			m.columns[c.Name] = c
		}
	}
	p.checkTargets(cols, m)
	m.names = slices.Sorted(maps.Keys(m.columns))
	return m
}

// timeZone reads the timeZone member.
func (p *parser) timeZone(raw json.RawMessage) (*time.Location, string) {
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		p.problem(`"timeZone" is %s; want the name of a time zone, such as Europe/Copenhagen`,
			describeRaw(raw))
		return nil, ""
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "Local") {
		p.problem(`"timeZone" is %q; want the name of a time zone, such as Europe/Copenhagen `+
			`or UTC`, name)
		return nil, ""
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.problem(`"timeZone" %q is not a known time zone; want an IANA name such as `+
			`Europe/Copenhagen, or UTC`, name)
		return nil, ""
	}
	return loc, name
}

// column reads and checks one column's rule. It returns nil when the rule
// cannot be used at all.
func (p *parser) column(mb member, m *Map) *Column {
	where := fmt.Sprintf("column %q", mb.name)
	if strings.TrimSpace(mb.name) == "" {
		p.problem(`a column has an empty name; want the column's internal name`)
		return nil
	}
	if mb.dup {
		p.problem("%s is mapped twice; map each column once", where)
		return nil
	}
	entry, err := members(mb.raw)
	if err != nil {
		p.problem("%s: want an object such as {\"type\": \"text\"}; got %s", where,
			describeRaw(mb.raw))
		return nil
	}

	c := &Column{Name: mb.name, Field: mb.name}
	r := entryReader{p: p, where: where, has: make(map[string]bool)}
	for _, e := range entry {
		r.member(c, e)
	}
	if !r.has["type"] {
		p.problem("%s: \"type\" is missing; want one of %s", where, typeList())
		return nil
	}
	if !slices.Contains(types, c.Type) {
		return nil // reported by the reader
	}
	p.checkOptions(where, c, m, r.has)
	if c.Default != nil {
		p.checkDefault(where, c, m)
	}
	return c
}

// checkOptions checks the members that only some types may have; has
// tells which members the rule gave.
func (p *parser) checkOptions(where string, c *Column, m *Map, has map[string]bool) {
	if c.Field == "Title" {
		p.problem("%s: field \"Title\" is reserved: the entity's title is always the "+
			"item's Title; map the column to another field", where)
	}
	if has["multi"] && c.Type != Person && c.Type != Choice {
		p.problem("%s: \"multi\" applies to person and choice columns only, not %s",
			where, c.Type)
	}
	if has["dateOnly"] && c.Type != Date {
		p.problem("%s: \"dateOnly\" applies to date columns only, not %s", where, c.Type)
	}
	if c.DateOnly && !p.zoneGiven {
		p.problem("%s: a date-only column needs \"timeZone\" at the top of the mapping "+
			"(such as Europe/Copenhagen, or UTC): SharePoint sends dates in UTC, and the "+
			"calendar date depends on the time zone", where)
	}
	if has["choices"] && c.Type != Choice {
		p.problem("%s: \"choices\" applies to choice columns only, not %s", where, c.Type)
	}
	switch {
	case c.Type == Lookup && c.Module == "":
		p.problem("%s: a lookup needs \"module\", the GUID of the business module "+
			"whose entities it refers to", where)
	case c.Type != Lookup && has["module"]:
		p.problem("%s: \"module\" applies to lookup columns only, not %s", where, c.Type)
	}
	if c.Required && c.Default != nil {
		p.problem("%s: \"required\" and \"default\" together: the default always fills "+
			"an empty column, so required never applies; keep one", where)
	}
}

// checkDefault converts the default as a value of the column.
func (p *parser) checkDefault(where string, c *Column, m *Map) {
	v, err := decode(c.Default)
	if err != nil {
		p.problem("%s: \"default\" is not valid JSON", where)
		return
	}
	if empty(v) {
		p.problem("%s: \"default\" is %s; give a value, or leave default out", where,
			describe(v))
		return
	}
	def, verr := c.convert(v, m.location())
	if verr != nil {
		p.problem("%s: \"default\" is %s; want %s", where, verr.Got, verr.Want)
		return
	}
	c.def = def
}

// checkTargets reports WorkPoint fields that more than one column fills.
func (p *parser) checkTargets(order []member, m *Map) {
	byField := make(map[string][]string)
	var fields []string
	for _, mb := range order {
		c, ok := m.columns[mb.name]
		if !ok || mb.dup {
			continue
		}
		if len(byField[c.Field]) == 0 {
			fields = append(fields, c.Field)
		}
		byField[c.Field] = append(byField[c.Field], strconv.Quote(c.Name))
	}
	for _, f := range fields {
		if cols := byField[f]; len(cols) > 1 {
			p.problem("columns %s all map to field %q; a field takes one column",
				strings.Join(cols, ", "), f)
		}
	}
}

func typeList() string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
