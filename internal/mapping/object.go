package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// member is one member of a JSON object, its value undecoded. dup marks a
// name the object gave before.
type member struct {
	name string
	raw  json.RawMessage
	dup  bool
}

// members returns the members of the JSON object raw, in order, marking
// names given twice (a map would keep only the last).
func members(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(raw, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("it is %s", describeRaw(raw))
	}
	var out []member
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(raw, dec, err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, syntaxError(raw, dec, err)
		}
		out = append(out, member{name: name, raw: v, dup: seen[name]})
		seen[name] = true
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(raw, dec, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("it has more text after the object, at byte %d",
			dec.InputOffset())
	}
	return out, nil
}

// syntaxError says where raw stops being valid JSON.
func syntaxError(raw []byte, dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("it ends early, at byte %d", len(raw))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset,
			strings.TrimPrefix(se.Error(), "json: "))
	}
	return fmt.Errorf("invalid JSON at byte %d", dec.InputOffset())
}
