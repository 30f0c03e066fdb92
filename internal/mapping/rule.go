package mapping

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// entryReader reads the members of one column's rule.
type entryReader struct {
	p     *parser
	where string
	has   map[string]bool // the members read
}

func (r *entryReader) member(c *Column, e member) {
	p, where := r.p, r.where
	if e.dup {
		p.problem("%s: %q appears twice", where, e.name)
		return
	}
	r.has[e.name] = true
	switch e.name {
	case "field":
		if s, ok := r.text(e); ok {
			c.Field = s
		}
	case "type":
		if s, ok := r.text(e); ok {
			c.Type = Type(s)
			if !slices.Contains(types, c.Type) {
				p.problem("%s: type %q is unknown; want one of %s", where, s, typeList())
			}
		}
	case "module":
		if s, ok := r.text(e); ok {
			if !guidRE.MatchString(s) {
				p.problem("%s: \"module\" is %q; want the business module's GUID, such as "+
					"22222222-2222-2222-2222-222222222222", where, s)
			}
			c.Module = strings.ToLower(s)
		}
	case "required":
		c.Required = r.flag(e)
	case "multi":
		c.Multi = r.flag(e)
	case "dateOnly":
		c.DateOnly = r.flag(e)
	case "choices":
		c.Choices = r.choices(e)
	case "default":
		if !bytes.Equal(e.raw, []byte("null")) {
			c.Default = e.raw
		}
	default:
		p.problem("%s: unknown member %q; want one of %s", where, e.name,
			strings.Join(entryMembers, ", "))
	}
}

// text reads a member that must be text that is not blank.
func (r *entryReader) text(e member) (string, bool) {
	var s string
	if err := json.Unmarshal(e.raw, &s); err != nil || strings.TrimSpace(s) == "" {
		r.p.problem("%s: %q is %s; want text that is not blank", r.where, e.name,
			describeRaw(e.raw))
		return "", false
	}
	return strings.TrimSpace(s), true
}

// flag reads a member that must be true or false.
func (r *entryReader) flag(e member) bool {
	var b bool
	if err := json.Unmarshal(e.raw, &b); err != nil {
		r.p.problem("%s: %q is %s; want true or false", r.where, e.name, describeRaw(e.raw))
	}
	return b
}

// choices reads the allowed values of a choice column.
func (r *entryReader) choices(e member) []string {
	var list []string
	if err := json.Unmarshal(e.raw, &list); err != nil {
		r.p.problem("%s: \"choices\" is %s; want an array of the allowed values as text",
			r.where, describeRaw(e.raw))
		return nil
	}
	if len(list) == 0 {
		r.p.problem("%s: \"choices\" is empty; list the allowed values, or leave it out "+
			"to allow any", r.where)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, s := range list {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			r.p.problem("%s: choice %d is blank; want a value", r.where, i+1)
		case slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }):
			r.p.problem("%s: choice %q is listed twice", r.where, s)
		default:
			out = append(out, s)
		}
	}
	return out
}
