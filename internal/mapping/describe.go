package mapping

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// describe says what a decoded JSON value is, for an error's Got.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if strings.TrimSpace(v) == "" {
			return "blank text"
		}
		return "text (" + strconv.Quote(clip(v, 40)) + ")"
	case bool:
		return fmt.Sprintf("a yes/no value (%t)", v)
	case json.Number:
		return "a number (" + clip(string(v), 40) + ")"
	case map[string]any:
		return describeObject(v)
	case []any:
		return describeArray(v)
	}
	return fmt.Sprintf("a value of type %T", v)
}

// describeRaw describes an undecoded JSON value.
func describeRaw(raw []byte) string {
	v, err := decode(raw)
	if err != nil {
		return "not valid JSON"
	}
	return describe(v)
}

// describeObject names a person, a choice or lookup, or lists an object's
// members, leaving out annotations.
func describeObject(obj map[string]any) string {
	if isPerson(obj) {
		return "a person"
	}
	if _, ok := obj["Value"]; ok {
		return "a choice or lookup whose Value is " + describe(obj["Value"])
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		if !strings.Contains(name, "@odata") {
			names = append(names, clip(name, 40))
		}
	}
	if len(names) == 0 {
		return "an object with no members"
	}
	slices.Sort(names)
	if len(names) > 6 {
		names = append(names[:6], "…")
	}
	return "an object with members " + strings.Join(names, ", ")
}

// describeArray says how many elements an array has and what the first is.
func describeArray(list []any) string {
	switch len(list) {
	case 0:
		return "an empty array"
	case 1:
		return "an array of one value, " + describe(list[0])
	}
	return fmt.Sprintf("an array of %d values, the first %s", len(list), describe(list[0]))
}

// clip shortens s to at most n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}
