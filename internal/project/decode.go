package project

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTitleUnits is the longest title SharePoint accepts, in UTF-16 code
// units as counted by [UTF16Len].
const MaxTitleUnits = 255

// Descriptions of what a body or a member should hold, shared by errors.
const (
	wantObject   = "a JSON object"
	wantItemID   = "the item's ID as a positive whole number, such as 42"
	wantTitleLen = "a title of at most 255 UTF-16 code units, as SharePoint counts them"
	wantColumn   = "text, a number, a yes/no value, a person, a choice or a lookup; " +
		"leave the column out of the body or map it"
	wantParent   = "the parent's title as text or its id as a positive whole number"
	wantMembers  = "one of title, parent, fields, sourceId"
	wantSourceID = "the source item's id as text or a whole number"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// systemMembers are the SharePoint item members that describe the item
// rather than hold a column of the list; they never become fields.
var systemMembers = map[string]bool{
	"ID": true, "ItemInternalId": true, "Title": true, "Modified": true,
	"Created": true, "Author": true, "Editor": true, "Attachments": true,
	"GUID": true, "ComplianceAssetId": true, "FileLeafRef": true,
	"ContentType": true, "ContentTypeId": true,
}

// composedMembers are the members of a body the maker composed.
var composedMembers = map[string]bool{
	"title": true, "parent": true, "fields": true, "sourceId": true,
}

// Decode reads a request body with its Content-Type header value into a
// Request. Every error is an *[InputError]. The rules:
//
//   - Content type: application/json, text/json and application/*+json are
//     JSON, whatever their parameters. A missing content type and text/plain
//     are read as JSON too. Any other type is a [KindMediaType] error.
//   - Body: an empty body or one of only white space is [KindEmpty]. A UTF-8
//     byte-order mark at the start is skipped. The body must be valid UTF-8
//     holding one JSON object and nothing after it but white space, else it
//     is [KindNotJSON]. A member name given twice in the object, or in a
//     composed body's fields, is a [KindField] error.
//   - Shape: a body with a member title, parent, fields or sourceId (exact
//     case) is a composed body; any other is a SharePoint item.
//   - Item: Title is required text, trimmed, not blank, at most
//     [MaxTitleUnits] UTF-16 units. ID is optional: a positive whole number,
//     as a number (28.0 is 28) or a string of digits. SourceID is the
//     {Identifier}, else "item:<ID>". Every other member becomes a field,
//     except system members (ID, ItemInternalId, Title, Modified, Created,
//     Author, Editor, Attachments, GUID, ComplianceAssetId, FileLeafRef,
//     ContentType, ContentTypeId, names starting with OData__, { or @) and
//     annotations (names containing # or @odata).
//   - Composed: title as for an item; parent, if not null, is a title (text,
//     checked as a title) or an id (a positive whole number); fields is an
//     object of field values without Title; sourceId is text (trimmed, left
//     out if blank) or a whole number. Any other member is an error.
//   - Field values: null, "" and [] are left out. Text and yes/no values are
//     kept; a number becomes int64 when whole, else float64. A person becomes
//     its Email, or without one the login after the last | of its Claims; a
//     choice or lookup becomes its Value as text. An array of persons, of
//     choices or lookups, or of text becomes []string. Any other value is an
//     error naming the field: nothing is dropped silently.
//
// Request.Fields is never nil. Request.Columns holds every member of an
// item, or of a composed body's fields, as sent, for a field mapping.
func Decode(contentType string, body []byte) (Request, error) {
	return decode(contentType, body, true)
}

// DecodeColumns reads a body as [Decode] does, but leaves the values of a
// SharePoint item's columns unread: [Service.Sync] reads them, by the
// field mapping when one is set, else by Decode's rules. So with a mapping,
// a column the mapping does not name cannot fail the request, whatever its
// shape (a hyperlink, say). A composed body is read exactly as by Decode.
func DecodeColumns(contentType string, body []byte) (Request, error) {
	return decode(contentType, body, false)
}

// decode reads a body; eager reads an item's column values at once.
func decode(contentType string, body []byte, eager bool) (Request, error) {
	if err := checkMediaType(contentType); err != nil {
		return Request{}, err
	}

	members, err := readBody(body)
	if err != nil {
		return Request{}, err
	}

	for _, m := range members {
		if composedMembers[m.name] {
			return decodeComposed(members)
		}
	}
	return decodeItem(members, eager)
}

// UTF16Len counts s as SharePoint does: UTF-16 code units. Runes outside
// the Basic Multilingual Plane, such as emoji, count twice.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// checkMediaType accepts the content types read as JSON.
func checkMediaType(contentType string) error {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))

	switch {
	case mediaType == "", mediaType == "text/plain":
		return nil
	case mediaType == "application/json", mediaType == "text/json":
		return nil
	case strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json"):
		return nil
	}
	return &InputError{Kind: KindMediaType, Got: clip(mediaType, 80), Want: "application/json"}
}

// member is one member of a JSON object, its value still undecoded.
type member struct {
	name string
	raw  json.RawMessage
}

// readBody checks that body is one JSON object and returns its members.
// Offsets in errors count from the start of body as sent.
func readBody(body []byte) ([]member, error) {
	start := 0
	if bytes.HasPrefix(body, utf8BOM) {
		start = len(utf8BOM)
	}

	if len(body) == start {
		return nil, &InputError{Kind: KindEmpty, Got: "empty", Want: wantObject}
	}
	if skipSpace(body, start) == len(body) {
		return nil, &InputError{Kind: KindEmpty, Got: "only white space", Want: wantObject}
	}

	if off := invalidUTF8(body); off >= 0 {
		got := fmt.Sprintf("not valid UTF-8 at byte %d (0x%02x)", off, body[off])
		return nil, &InputError{Kind: KindNotJSON, Got: got, Want: wantObject + " in UTF-8"}
	}

	// json.Valid checks the whole body in one pass; only a bad body pays
	// for the decoder, which says what is wrong and where.
	raw := body[skipSpace(body, start):]
	if !json.Valid(raw) {
		return nil, invalidJSON(body, start)
	}
	raw = bytes.TrimRight(raw, " \t\r\n")
	if kind := jsonKind(raw); kind != wantObject {
		return nil, &InputError{Kind: KindNotJSON, Got: kind, Want: wantObject}
	}
	return readObject(raw, "")
}

// invalidJSON says what is wrong with a body that is not one JSON value
// between white space. The body's JSON starts at start.
func invalidJSON(body []byte, start int) *InputError {
	dec := json.NewDecoder(bytes.NewReader(body[start:]))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return syntaxError(err, start, len(body))
	}

	junk := skipSpace(body, start+int(dec.InputOffset()))
	if junk == len(body) {
		return &InputError{Kind: KindNotJSON, Got: "not valid JSON", Want: wantObject}
	}
	got := fmt.Sprintf("%s followed by other text at byte %d", jsonKind(raw), junk)
	return &InputError{Kind: KindNotJSON, Got: got, Want: wantObject}
}

// readObject returns the members of raw, a JSON object already found
// valid, in order. A name given twice is an error; prefix is put before the
// name in the error's field. It walks the bytes itself: stepping through
// the object token by token with the decoder made Decode three times slower.
func readObject(raw json.RawMessage, prefix string) ([]member, error) {
	malformed := &InputError{Kind: KindNotJSON, Got: "not valid JSON", Want: wantObject}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, malformed
	}

	var members []member
	seen := make(map[string]bool)
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != '}'; {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		if i >= len(raw) || raw[i] != '"' {
			return nil, malformed
		}
		nameEnd := stringEnd(raw, i)
		name, err := memberName(raw[i:nameEnd])
		colon := skipSpace(raw, nameEnd)
		if err != nil || colon >= len(raw) || raw[colon] != ':' {
			return nil, malformed
		}
		start := skipSpace(raw, colon+1)
		end := valueEnd(raw, start)
		if end == start {
			return nil, malformed
		}

		if seen[name] {
			return nil, &InputError{
				Kind:  KindField,
				Field: fieldName(prefix, name),
				Got:   "a member that appears twice",
				Want:  "each member once",
			}
		}
		seen[name] = true
		members = append(members, member{name: name, raw: raw[start:end]})
		i = skipSpace(raw, end)
	}
	return members, nil
}

// memberName unquotes the JSON string quoted.
func memberName(quoted []byte) (string, error) {
	if len(quoted) >= 2 && bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var name string
	err := json.Unmarshal(quoted, &name)
	return name, err
}

// stringEnd returns the offset just past the JSON string that starts at
// raw[i].
func stringEnd(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(raw)
}

// valueEnd returns the offset just past the JSON value that starts at
// raw[i].
func valueEnd(raw []byte, i int) int {
	depth := 0
	for i < len(raw) {
		switch raw[i] {
		case '"':
			i = stringEnd(raw, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

// decodeValue decodes one valid JSON value, keeping numbers as json.Number.
func decodeValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(err, 0, len(raw))
	}
	return v, nil
}

// syntaxError describes a decoder error for a value that starts at byte base
// of a body of size bytes.
func syntaxError(err error, base, size int) *InputError {
	got := "not valid JSON"
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included.
		at := base + max(int(se.Offset)-1, 0)
		got = fmt.Sprintf("not valid JSON at byte %d: %s", at, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		got = fmt.Sprintf("not valid JSON: it ends at byte %d in the middle of a value", size)
	}
	return &InputError{Kind: KindNotJSON, Got: got, Want: wantObject}
}

// skipSpace returns the offset of the first byte at or after i in b that is
// not JSON white space, or len(b).
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// invalidUTF8 returns the offset of the first byte of b that is not valid
// UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// jsonKind names the kind of the valid JSON value raw.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return wantObject
	case '[':
		return "a JSON array"
	case '"':
		return "a JSON string"
	case 't', 'f':
		return "a JSON boolean"
	case 'n':
		return "JSON null"
	}
	return "a JSON number"
}

// decodeItem reads a SharePoint item as the flow's trigger hands it; eager
// reads the column values into Fields, else leaves them to Sync.
func decodeItem(members []member, eager bool) (Request, error) {
	req := Request{Shape: ShapeItem, Fields: make(map[string]any), deferred: !eager}
	req.Columns = columns(members)
	values := make(map[string]any)
	for _, m := range members {
		if m.name == "Title" || m.name == "ID" || m.name == "{Identifier}" {
			v, err := decodeValue(m.raw)
			if err != nil {
				return Request{}, err
			}
			values[m.name] = v
		}
	}

	title, present := values["Title"]
	t, err := titleValue("Title", "the item's title as text", present, title)
	if err != nil {
		return Request{}, err
	}
	req.Title = t

	sourceID, err := itemSourceID(values)
	if err != nil {
		return Request{}, err
	}
	req.SourceID = sourceID

	if !eager {
		return req, nil
	}
	if err := addColumns(req.Fields, members); err != nil {
		return Request{}, err
	}
	return req, nil
}

// addColumns adds an item's columns to fields by the default rules.
func addColumns(fields map[string]any, members []member) error {
	for _, m := range members {
		if isSystem(m.name) || isAnnotation(m.name) {
			continue
		}
		if err := addField(fields, "", m); err != nil {
			return err
		}
	}
	return nil
}

// columns returns members by name, or nil when there are none.
func columns(members []member) map[string]json.RawMessage {
	if len(members) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		out[m.name] = m.raw
	}
	return out
}

// itemSourceID returns the item's {Identifier}, else "item:<ID>", else "".
// It checks the ID even when the identifier is there.
func itemSourceID(values map[string]any) (string, error) {
	sourceID := ""
	if id, ok := values["ID"]; ok {
		n, ok := itemID(id)
		if !ok {
			return "", &InputError{
				Kind: KindField, Field: "ID", Got: describe(id), Want: wantItemID,
			}
		}
		sourceID = "item:" + strconv.FormatInt(n, 10)
	}

	switch identifier := values["{Identifier}"].(type) {
	case nil:
	case string:
		if identifier != "" {
			sourceID = identifier
		}
	default:
		return "", &InputError{
			Kind: KindField, Field: "{Identifier}", Got: describe(identifier),
			Want: "the item's identifier as text",
		}
	}
	return sourceID, nil
}

// isSystem reports whether an item member describes the item rather than
// holds one of its columns.
func isSystem(name string) bool {
	return systemMembers[name] || strings.HasPrefix(name, "OData__") ||
		strings.HasPrefix(name, "{") || strings.HasPrefix(name, "@")
}

// isAnnotation reports whether an item member annotates another, as in
// "Customer#Id" or "Tags@odata.type".
func isAnnotation(name string) bool {
	return strings.Contains(name, "#") || strings.Contains(name, "@odata")
}

// itemID reads a SharePoint item ID: a positive whole number, given as a
// JSON number or as a string of digits.
func itemID(v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case json.Number:
		w, ok := wholeNumber(string(v))
		if !ok {
			return 0, false
		}
		n = w
	case string:
		if v == "" || strings.Trim(v, "0123456789") != "" {
			return 0, false
		}
		p, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		n = p
	}
	return n, n > 0 && n <= math.MaxInt
}

// decodeComposed reads a body the maker composed.
func decodeComposed(members []member) (Request, error) {
	req := Request{Shape: ShapeComposed, Fields: make(map[string]any)}
	values := make(map[string]any)
	var fieldsRaw json.RawMessage
	for _, m := range members {
		if !composedMembers[m.name] {
			return Request{}, &InputError{
				Kind: KindField, Field: fieldName("", m.name),
				Got: "an unknown member", Want: wantMembers,
			}
		}
		if m.name == "fields" {
			fieldsRaw = m.raw
			continue
		}
		v, err := decodeValue(m.raw)
		if err != nil {
			return Request{}, err
		}
		values[m.name] = v
	}

	title, present := values["title"]
	t, err := titleValue("title", "the title as text", present, title)
	if err != nil {
		return Request{}, err
	}
	req.Title = t

	parent, err := parentRef(values["parent"])
	if err != nil {
		return Request{}, err
	}
	req.Parent = parent

	sourceID, err := composedSourceID(values["sourceId"])
	if err != nil {
		return Request{}, err
	}
	req.SourceID = sourceID

	cols, err := addComposedFields(req.Fields, fieldsRaw)
	if err != nil {
		return Request{}, err
	}
	req.Columns = cols
	return req, nil
}

// titleValue checks a title: text, trimmed, not blank, not too long.
func titleValue(field, want string, present bool, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		got := describe(v)
		if !present {
			got = "missing"
		}
		return "", &InputError{Kind: KindField, Field: field, Got: got, Want: want}
	}
	return checkTitle(field, s)
}

// checkTitle trims a title and checks that it is not blank or too long.
func checkTitle(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &InputError{
			Kind: KindField, Field: field, Got: "blank", Want: "a title that is not blank",
		}
	}
	if n := UTF16Len(s); n > MaxTitleUnits {
		got := fmt.Sprintf("%d UTF-16 units long", n)
		return "", &InputError{Kind: KindField, Field: field, Got: got, Want: wantTitleLen}
	}
	return s, nil
}

// parentRef reads a composed body's parent: a title, an id or null.
func parentRef(v any) (*ParentRef, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		title, err := checkTitle("parent", v)
		if err != nil {
			return nil, err
		}
		return &ParentRef{Title: title}, nil
	case json.Number:
		if n, ok := wholeNumber(string(v)); ok && n > 0 && n <= math.MaxInt {
			return &ParentRef{ID: int(n)}, nil
		}
	}
	return nil, &InputError{Kind: KindField, Field: "parent", Got: describe(v), Want: wantParent}
}

// composedSourceID reads a composed body's sourceId: text or a whole number.
func composedSourceID(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case json.Number:
		if n, ok := wholeNumber(string(v)); ok {
			return strconv.FormatInt(n, 10), nil
		}
	}
	return "", &InputError{
		Kind: KindField, Field: "sourceId", Got: describe(v), Want: wantSourceID,
	}
}

// addComposedFields adds the members of a composed body's fields object,
// which may be absent (raw is empty) or null, and returns them as sent.
func addComposedFields(fields map[string]any, raw json.RawMessage) (
	map[string]json.RawMessage, error) {
	switch jsonKind(raw) {
	case "nothing", "JSON null":
		return nil, nil
	case wantObject:
	default:
		v, err := decodeValue(raw)
		if err != nil {
			return nil, err
		}
		return nil, &InputError{
			Kind: KindField, Field: "fields", Got: describe(v),
			Want: "an object of WorkPoint field values by internal name",
		}
	}

	members, err := readObject(raw, "fields.")
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.name == "Title" {
			return nil, &InputError{
				Kind: KindField, Field: "fields.Title", Got: "not allowed in fields",
				Want: "the title in the top-level title member",
			}
		}
		if err := addField(fields, "fields.", m); err != nil {
			return nil, err
		}
	}
	return columns(members), nil
}

// addField maps one column to a field value and adds it unless it is empty.
func addField(fields map[string]any, prefix string, m member) error {
	if m.name == "" {
		return &InputError{
			Kind: KindField, Field: fieldName(prefix, ""), Got: "a member with an empty name",
			Want: "a column's internal name",
		}
	}

	raw, err := decodeValue(m.raw)
	if err != nil {
		return err
	}
	v, ierr := fieldValue(raw)
	if ierr != nil {
		ierr.Field = fieldName(prefix, m.name)
		return ierr
	}
	if v != nil {
		fields[m.name] = v
	}
	return nil
}

// fieldValue maps a column value to what WorkPoint receives: nil for an
// empty column, else a string, bool, int64, float64 or []string. The
// error's Field is left for the caller to fill in.
func fieldValue(v any) (any, *InputError) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return v, nil
	case bool:
		return v, nil
	case json.Number:
		return numberValue(v)
	case map[string]any:
		s, err := objectText(v)
		if err != nil {
			return nil, err
		}
		return s, nil
	case []any:
		return listValue(v)
	}
	return nil, badColumn(describe(v))
}

// numberValue returns an int64 for a whole number that fits one, else a
// float64.
func numberValue(n json.Number) (any, *InputError) {
	if i, ok := wholeNumber(string(n)); ok {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return nil, &InputError{
			Kind: KindField, Got: "a number out of range (" + clip(string(n), 40) + ")",
			Want: "a number no larger than about 1.7e308, such as 1250000.5",
		}
	}
	return f, nil
}

// wholeNumber returns the value of the JSON number literal lit when it is a
// whole number that fits in an int64, such as 28, 28.0 or 2.8e1. It works
// on the decimal digits, so no rounding can turn a fraction into a whole.
func wholeNumber(lit string) (int64, bool) {
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return i, true
	}

	mantissa, exponent := lit, ""
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mantissa, exponent = lit[:i], lit[i+1:]
	}
	negative := strings.HasPrefix(mantissa, "-")
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(mantissa, "-"), ".")

	// The value is digits × 10^shift.
	digits := strings.TrimLeft(intPart+frac, "0")
	trimmed := strings.TrimRight(digits, "0")
	shift := int64(len(digits) - len(trimmed) - len(frac))
	digits = trimmed
	if digits == "" {
		return 0, true
	}

	if exponent != "" {
		// Beyond ±2^40 no run of digits in a request body can bring the
		// value back into range.
		e, err := strconv.ParseInt(exponent, 10, 64)
		if err != nil || e > 1<<40 || e < -(1<<40) {
			return 0, false
		}
		shift += e
	}
	if shift < 0 || int64(len(digits))+shift > 19 {
		return 0, false
	}

	s := digits + strings.Repeat("0", int(shift))
	if negative {
		s = "-" + s
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return i, true
}

// objectText maps a person, choice or lookup object to its text.
func objectText(obj map[string]any) (string, *InputError) {
	_, hasClaims := obj["Claims"]
	_, hasEmail := obj["Email"]
	if hasClaims || hasEmail {
		return personText(obj)
	}
	if value, ok := obj["Value"]; ok {
		return referenceText(value)
	}
	return "", badColumn(describeObject(obj))
}

// personText returns a person's email, or the login at the end of its
// claims, as in "i:0#.f|membership|anna@contoso.example".
func personText(obj map[string]any) (string, *InputError) {
	switch email := obj["Email"].(type) {
	case nil:
	case string:
		if email != "" {
			return email, nil
		}
	default:
		return "", badColumn("a person whose Email is " + describe(email))
	}

	switch claims := obj["Claims"].(type) {
	case nil:
	case string:
		login := claims[strings.LastIndex(claims, "|")+1:]
		if login != "" {
			return login, nil
		}
	default:
		return "", badColumn("a person whose Claims is " + describe(claims))
	}
	return "", badColumn("a person with no Email or Claims")
}

// referenceText returns the Value of a choice or lookup as text.
func referenceText(value any) (string, *InputError) {
	switch value := value.(type) {
	case string:
		if value != "" {
			return value, nil
		}
	case json.Number:
		return string(value), nil
	case bool:
		return strconv.FormatBool(value), nil
	default:
		return "", badColumn("a choice or lookup whose Value is " + describe(value))
	}
	return "", badColumn("a choice or lookup with an empty Value")
}

// listValue maps an array of text, of persons, or of choices or lookups to
// []string, leaving out null and empty elements. It returns nil when no
// element is left.
func listValue(list []any) (any, *InputError) {
	var out []string
	kind := ""
	for i, e := range list {
		if e == nil {
			continue
		}
		k := elementKind(e)
		if (k != "text" && k != "persons" && k != "choices or lookups") ||
			(kind != "" && k != kind) {
			return nil, badColumn(describeArray(list))
		}
		kind = k

		var s string
		switch e := e.(type) {
		case string:
			s = e
		case map[string]any:
			text, err := objectText(e)
			if err != nil {
				err.Got = fmt.Sprintf("an array whose element %d is %s", i+1, err.Got)
				return nil, err
			}
			s = text
		}
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// badColumn is the error for a column value with no mapping.
func badColumn(got string) *InputError {
	return &InputError{Kind: KindField, Got: got, Want: wantColumn}
}

// elementKind names the kind of an array element, in the plural.
func elementKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "nulls"
	case string:
		return "text"
	case bool:
		return "yes/no values"
	case json.Number:
		return "numbers"
	case []any:
		return "arrays"
	case map[string]any:
		_, hasClaims := v["Claims"]
		_, hasEmail := v["Email"]
		if hasClaims || hasEmail {
			return "persons"
		}
		if _, ok := v["Value"]; ok {
			return "choices or lookups"
		}
	}
	return "objects"
}

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

// describeObject lists an object's members, leaving out annotations.
func describeObject(obj map[string]any) string {
	if len(obj) == 0 {
		return "an empty object"
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		if !strings.Contains(name, "@odata") {
			names = append(names, clip(name, 40))
		}
	}
	if len(names) == 0 {
		return "an object with no members but annotations"
	}
	slices.Sort(names)
	if len(names) > 6 {
		names = append(names[:6], "…")
	}
	return "an object with members " + strings.Join(names, ", ")
}

// describeArray says what kinds of element an array holds.
func describeArray(list []any) string {
	var kinds []string
	var object map[string]any
	for _, e := range list {
		k := elementKind(e)
		if k == "objects" && object == nil {
			object = e.(map[string]any)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	switch {
	case len(kinds) == 0:
		return "an empty array"
	case len(kinds) == 1 && object != nil:
		if members, ok := strings.CutPrefix(describeObject(object), "an object with "); ok {
			return "an array of objects with " + members
		}
		return "an array of objects"
	case len(kinds) == 1:
		return "an array of " + kinds[0]
	}
	return "an array mixing " + strings.Join(kinds, " and ")
}

// fieldName names a member in an error, shortening absurdly long names.
func fieldName(prefix, name string) string {
	if name == "" {
		return prefix + `""`
	}
	return prefix + clip(name, 100)
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
