package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// valueError says why a column's value does not fit its rule.
type valueError struct {
	Got, Want string
}

// lookupRef is a lookup value before it is resolved: a title, or an id.
type lookupRef struct {
	title string
	id    int
}

// Descriptions of what each type accepts, for errors.
var wants = map[Type]string{
	Text:    "text, a number, a choice or lookup, or a person",
	Number:  "a number, or text holding one, such as 1250000.5",
	Date:    "a date as ISO 8601 text, such as 2025-04-01T00:00:00Z or 2025-04-01",
	Boolean: "a yes/no value: true or false, or text true, false, yes, no, 1 or 0",
	Choice:  "a choice (an object with Value) or text",
	Person:  "a person (an object with Email or Claims), or an e-mail or login as text",
	Lookup: "a lookup (an object with Value), a title as text, " +
		"or an entity id as a whole number",
}

// want describes what the column accepts.
func (c *Column) want() string {
	w := wants[c.Type]
	if len(c.Choices) > 0 {
		w += ", one of " + strings.Join(c.Choices, ", ")
	}
	if c.Multi {
		w += ", or an array of them"
	}
	return w
}

// convert maps a decoded JSON value to what WorkPoint receives: nil for an
// empty value; else a string, int64, float64, bool or []string, or a
// lookupRef for a lookup still to resolve.
func (c *Column) convert(v any, loc *time.Location) (any, *valueError) {
	if empty(v) {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		out, err := c.convertOne(v, loc)
		if err != nil || !c.Multi {
			return out, err
		}
		return []string{out.(string)}, nil
	}

	if !c.Multi {
		w := c.want()
		if c.Type == Person || c.Type == Choice {
			w += `; the mapping allows one value here (set "multi": true for a ` +
				`multi-value column)`
		}
		return nil, &valueError{Got: describe(v), Want: w}
	}
	var out []string
	for i, e := range list {
		if empty(e) {
			continue
		}
		if _, nested := e.([]any); nested {
			return nil, &valueError{Got: describe(v), Want: c.want()}
		}
		s, err := c.convertOne(e, loc)
		if err != nil {
			err.Got = fmt.Sprintf("an array whose element %d is %s", i+1, err.Got)
			return nil, err
		}
		out = append(out, s.(string))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// convertOne maps one value that is not empty and not an array.
func (c *Column) convertOne(v any, loc *time.Location) (any, *valueError) {
	var out any
	ok := false
	switch c.Type {
	case Text:
		out, ok = textValue(v)
	case Number:
		out, ok = numberValue(v)
	case Date:
		if s, isText := v.(string); isText {
			out, ok = dateValue(s, loc, c.DateOnly)
		}
	case Boolean:
		out, ok = booleanValue(v)
	case Choice:
		var s string
		if s, ok = referenceValue(v); ok && len(c.Choices) > 0 {
			s, ok = c.allowed(s)
		}
		out = s
	case Person:
		out, ok = personValue(v)
	case Lookup:
		out, ok = lookupValue(v)
	}
	if !ok {
		return nil, &valueError{Got: describe(v), Want: c.want()}
	}
	return out, nil
}

// allowed returns the listed choice that s names, ignoring case, in the
// spelling of the list.
func (c *Column) allowed(s string) (string, bool) {
	for _, choice := range c.Choices {
		if strings.EqualFold(choice, s) {
			return choice, true
		}
	}
	return "", false
}

// textValue reads text, a number as its text, a choice or lookup as its
// Value, and a person as its e-mail or login.
func textValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return numberText(v)
	case map[string]any:
		if isPerson(v) {
			return personValue(v)
		}
		return referenceValue(v)
	}
	return "", false
}

// numberRE matches a number as JSON writes it.
var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// numberValue reads a number, or text holding one: int64 when it is whole
// and fits, else float64.
func numberValue(v any) (any, bool) {
	var lit string
	switch v := v.(type) {
	case json.Number:
		lit = string(v)
	case string:
		lit = strings.TrimSpace(v)
		if !numberRE.MatchString(lit) {
			return nil, false
		}
	default:
		return nil, false
	}
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, false
	}
	// Below 2^53 a float64 holds every whole number exactly, so 28.0 is 28.
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), true
	}
	return f, true
}

// numberText writes a number as text: 150000.0 as "150000".
func numberText(n json.Number) (string, bool) {
	v, ok := numberValue(n)
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", ok
}

// booleanValue reads true or false, and the text and numbers that say it.
func booleanValue(v any) (bool, bool) {
	var s string
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		s = strings.ToLower(strings.TrimSpace(v))
	case json.Number:
		s = string(v)
	}
	switch s {
	case "true", "yes", "1":
		return true, true
	case "false", "no", "0":
		return false, true
	}
	return false, false
}

// referenceValue reads a choice or lookup object's Value, or text, as text.
func referenceValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		return s, s != ""
	case json.Number:
		return numberText(v)
	case map[string]any:
		if isPerson(v) {
			return "", false
		}
		if value, ok := v["Value"]; ok && !empty(value) {
			if _, isObject := value.(map[string]any); !isObject {
				return referenceValue(value)
			}
		}
	}
	return "", false
}

// lookupValue reads a lookup's title (its Value, or text) or an entity id
// (a whole number).
func lookupValue(v any) (lookupRef, bool) {
	if n, isNumber := v.(json.Number); isNumber {
		id, ok := numberValue(n)
		if i, whole := id.(int64); ok && whole && i > 0 && i <= math.MaxInt32 {
			return lookupRef{id: int(i)}, true
		}
		return lookupRef{}, false
	}
	title, ok := referenceValue(v)
	return lookupRef{title: title}, ok
}

// personValue reads a person's e-mail, or without one the login at the
// end of its Claims, as in "i:0#.f|membership|anna@contoso.example"; text
// is taken as an e-mail or login.
func personValue(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		return s, s != ""
	case map[string]any:
		if email, ok := v["Email"].(string); ok && strings.TrimSpace(email) != "" {
			return strings.TrimSpace(email), true
		}
		if claims, ok := v["Claims"].(string); ok {
			login := strings.TrimSpace(claims[strings.LastIndex(claims, "|")+1:])
			return login, login != ""
		}
	}
	return "", false
}

func isPerson(obj map[string]any) bool {
	_, hasClaims := obj["Claims"]
	_, hasEmail := obj["Email"]
	return hasClaims || hasEmail
}

// empty reports whether v holds no value: null, blank text, or an array of
// such values.
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		for _, e := range v {
			if !empty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// decode reads one JSON value, numbers kept as json.Number.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("mapping: decode value: %w", err)
	}
	return v, nil
}
