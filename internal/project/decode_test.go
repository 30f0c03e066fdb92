package project

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// casesDir holds the request bodies of /work/shared/cases. The repository's
// clone sits beside a copy of shared/, so the path is relative.
const casesDir = "../../../shared/cases/inputs"

// outcome is what Decode should return. When err is nil, req must match
// exactly. Otherwise the error's Kind and Field must match, and its Got and
// Want must contain the ones given here.
type outcome struct {
	req Request
	err *InputError
}

func ok(req Request) outcome {
	if req.Fields == nil {
		req.Fields = map[string]any{}
	}
	return outcome{req: req}
}

func fails(kind InputKind, field, got, want string) outcome {
	return outcome{err: &InputError{Kind: kind, Field: field, Got: got, Want: want}}
}

func checkOutcome(t *testing.T, req Request, err error, want outcome) {
	t.Helper()

	if want.err == nil {
		if err != nil {
			t.Fatalf("got error %v, want success", err)
		}
		// Columns hold the members as sent; TestDecode_Columns checks them.
		req.Columns = nil
		if !reflect.DeepEqual(req, want.req) {
			t.Errorf("got %#v\nwant %#v", req, want.req)
		}
		return
	}

	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got error %v (%T) and request %#v, want an *InputError", err, err, req)
	}
	if ie.Kind != want.err.Kind {
		t.Errorf("got kind %q, want %q (error: %v)", ie.Kind, want.err.Kind, ie)
	}
	if ie.Field != want.err.Field {
		t.Errorf("got field %q, want %q (error: %v)", ie.Field, want.err.Field, ie)
	}
	if !strings.Contains(ie.Got, want.err.Got) {
		t.Errorf("got Got %q, want it to contain %q", ie.Got, want.err.Got)
	}
	if !strings.Contains(ie.Want, want.err.Want) {
		t.Errorf("got Want %q, want it to contain %q", ie.Want, want.err.Want)
	}
	if ie.Want == "" {
		t.Errorf("got an empty Want in %v", ie)
	}
	if ie.Field != "" && !strings.Contains(ie.Error(), "field "+ie.Field+" ") {
		t.Errorf("got message %q, want it to name field %s", ie.Error(), ie.Field)
	}
}

func TestDecode_Cases(t *testing.T) {
	teamMembers := []string{
		"a@contoso.example",
		"ext_user_fabrikam.example#ext#@contoso.onmicrosoft.com",
	}
	tests := map[string]outcome{
		"project-gold.sharepoint-item.json": ok(Request{
			Title: "Project Gold", SourceID: "Lists%252fProjects%252f1_.000", Shape: ShapeItem,
		}),
		"composed.json": ok(Request{
			Title: "Project Gold", Parent: &ParentRef{Title: "WorkPoint A/S"},
			SourceID: "projects-list:1", Shape: ShapeComposed,
		}),
		"empty.txt": fails(KindEmpty, "", "empty", wantObject),
		"bom.json": ok(Request{
			Title: "Bom Project", SourceID: "item:5", Shape: ShapeItem,
		}),
		"trailing-junk.json": fails(KindNotJSON, "",
			"a JSON object followed by other text at byte 31", wantObject),
		"scalar-drift.json": ok(Request{
			Title: "Alpha", SourceID: "item:42", Shape: ShapeItem,
			Fields: map[string]any{"Budget": int64(150000), "Probability": int64(28)},
		}),
		"id-null.json": fails(KindField, "ID", "null", "positive whole number"),
		"title-number.json": fails(KindField, "Title", "a number (12345)",
			"the item's title as text"),
		"person-choice-lookup.json": ok(Request{
			Title: "Harbour Bridge Refurbishment", SourceID: "item:187", Shape: ShapeItem,
			Fields: map[string]any{
				"Customer":       "Northwind Traders A/S",
				"Status":         "Active",
				"ProjectManager": "pm@contoso.example",
				"TeamMembers":    teamMembers,
			},
		}),
		"person-as-string.json": ok(Request{
			Title: "Pier Survey", SourceID: "item:188", Shape: ShapeItem,
			Fields: map[string]any{"ProjectManager": "pm@contoso.example", "Status": "Active"},
		}),
		"title-255.json": ok(Request{
			Title: strings.Repeat("a", 255), SourceID: "item:300", Shape: ShapeItem,
		}),
		"title-255-multibyte.json": ok(Request{
			Title: strings.Repeat("æ", 255), SourceID: "item:302", Shape: ShapeItem,
		}),
		"title-256.json": fails(KindField, "Title", "256 UTF-16 units long", "255"),
		"title-emoji-128.json": fails(KindField, "Title", "256 UTF-16 units long",
			"UTF-16"),
		"title-blank.json": fails(KindField, "Title", "blank", "not blank"),
	}

	entries, err := os.ReadDir(casesDir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no case files at %s: shared/ is expected beside the repository", casesDir)
	}
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}

	seen := make(map[string]bool)
	for _, e := range entries {
		name := e.Name()
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, found := tests[name]
			if !found {
				t.Fatalf("no expected outcome for case file %s; add one", name)
			}
			body, err := os.ReadFile(filepath.Join(casesDir, name))
			if err != nil {
				t.Fatalf("read case: %v", err)
			}
			req, err := Decode("application/json", body)
			checkOutcome(t, req, err, want)
		})
	}
	for name := range tests {
		if !seen[name] {
			t.Errorf("case file %s is missing from %s", name, casesDir)
		}
	}
}

func TestDecode_ContentType(t *testing.T) {
	const item = `{"ID": 1, "Title": "Demo"}`
	demo := ok(Request{Title: "Demo", SourceID: "item:1", Shape: ShapeItem})
	tests := []struct {
		name        string
		contentType string
		body        string
		want        outcome
	}{
		{"json", "application/json", item, demo},
		{"json charset", "application/json; charset=utf-8", item, demo},
		{"json upper case", "Application/JSON ; charset=UTF-8", item, demo},
		{"json bad parameter", "application/json; charset", item, demo},
		{"text json", "text/json", item, demo},
		{"suffix json", "application/vnd.contoso.project+json; v=2", item, demo},
		{"missing", "", item, demo},
		{"text plain", "text/plain", item, demo},
		{"text plain charset", "text/plain; charset=utf-8", item, demo},
		{"text plain not json", "text/plain", "Title=Demo",
			fails(KindNotJSON, "", "not valid JSON at byte 0", wantObject)},
		{"missing not json", "", "Title=Demo",
			fails(KindNotJSON, "", "not valid JSON", wantObject)},
		{"form", "application/x-www-form-urlencoded", "Title=Demo",
			fails(KindMediaType, "", "application/x-www-form-urlencoded", "application/json")},
		{"form with json body", "application/x-www-form-urlencoded", item,
			fails(KindMediaType, "", "application/x-www-form-urlencoded", "application/json")},
		{"multipart", "multipart/form-data; boundary=xyz", item,
			fails(KindMediaType, "", "multipart/form-data", "application/json")},
		{"xml", "application/xml", "<Title>Demo</Title>",
			fails(KindMediaType, "", "application/xml", "application/json")},
		{"text xml", "text/xml", item,
			fails(KindMediaType, "", "text/xml", "application/json")},
		{"octet stream", "application/octet-stream", item,
			fails(KindMediaType, "", "application/octet-stream", "application/json")},
		{"media type before empty body", "text/html", "",
			fails(KindMediaType, "", "text/html", "application/json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode(tt.contentType, []byte(tt.body))
			checkOutcome(t, req, err, tt.want)
		})
	}
}

func TestDecode_Body(t *testing.T) {
	nested := `{"Title": "Deep", "Deep": ` + strings.Repeat("[", 5000) +
		strings.Repeat("]", 5000) + `}`
	tooDeep := `{"Title": "Deep", "Deep": ` + strings.Repeat("[", 20000) +
		strings.Repeat("]", 20000) + `}`
	tests := []struct {
		name string
		body string
		want outcome
	}{
		{"empty", "", fails(KindEmpty, "", "empty", wantObject)},
		{"white space", " \r\n\t ", fails(KindEmpty, "", "only white space", wantObject)},
		{"byte-order mark only", "\uFEFF", fails(KindEmpty, "", "empty", wantObject)},
		{"byte-order mark and space", "\uFEFF \n", fails(KindEmpty, "", "white space", wantObject)},
		{"byte-order mark", "\uFEFF{\"Title\": \"Demo\"}",
			ok(Request{Title: "Demo", Shape: ShapeItem})},
		{"byte-order mark twice", "\uFEFF\uFEFF{\"Title\": \"Demo\"}",
			fails(KindNotJSON, "", "not valid JSON at byte 3", wantObject)},
		{"UTF-16 byte-order mark", "\xFF\xFE{\x00}\x00",
			fails(KindNotJSON, "", "not valid UTF-8 at byte 0 (0xff)", "UTF-8")},
		{"invalid UTF-8 in string", "{\"Title\": \"a\xffb\"}",
			fails(KindNotJSON, "", "not valid UTF-8 at byte 12", "UTF-8")},
		{"Latin-1 text", "{\"Title\": \"Bl\xe5b\xe6r\"}",
			fails(KindNotJSON, "", "not valid UTF-8 at byte 13", "UTF-8")},
		{"array", `[{"ID": 1, "Title": "Demo"}]`,
			fails(KindNotJSON, "", "a JSON array", wantObject)},
		{"string", `"Demo"`, fails(KindNotJSON, "", "a JSON string", wantObject)},
		{"number", `42`, fails(KindNotJSON, "", "a JSON number", wantObject)},
		{"null", `null`, fails(KindNotJSON, "", "JSON null", wantObject)},
		{"boolean", ` true `, fails(KindNotJSON, "", "a JSON boolean", wantObject)},
		{"cut short", `{"Title": "Demo"`,
			fails(KindNotJSON, "", "ends at byte 16 in the middle of a value", wantObject)},
		{"missing colon", `{"Title" "Demo"}`,
			fails(KindNotJSON, "", "not valid JSON at byte 9: ", wantObject)},
		{"single quotes", `{'Title': 'Demo'}`,
			fails(KindNotJSON, "", "not valid JSON at byte 1", wantObject)},
		{"two objects", `{"Title":"a"}{"Title":"b"}`,
			fails(KindNotJSON, "", "a JSON object followed by other text at byte 13", wantObject)},
		{"array then text", "[1] x",
			fails(KindNotJSON, "", "a JSON array followed by other text at byte 4", wantObject)},
		{"trailing comma", `{"Title": "Demo",}`,
			fails(KindNotJSON, "", "not valid JSON at byte 17", wantObject)},
		{"trailing white space", "{\"Title\": \"Demo\"}\r\n\t ",
			ok(Request{Title: "Demo", Shape: ShapeItem})},
		{"duplicate title", `{"Title": "a", "Title": "b"}`,
			fails(KindField, "Title", "appears twice", "each member once")},
		{"duplicate ID", `{"ID": 1, "Title": "a", "ID": 2}`,
			fails(KindField, "ID", "appears twice", "each member once")},
		{"duplicate column", `{"Title": "a", "Budget": 1, "Budget": null}`,
			fails(KindField, "Budget", "appears twice", "each member once")},
		{"duplicate annotation", `{"Title": "a", "@odata.etag": "1", "@odata.etag": "2"}`,
			fails(KindField, "@odata.etag", "appears twice", "each member once")},
		{"names differ in case", `{"Title": "a", "Status": "x", "status": "y"}`,
			ok(Request{Title: "a", Shape: ShapeItem,
				Fields: map[string]any{"Status": "x", "status": "y"}})},
		{"nested deeply", nested, fails(KindField, "Deep", "an array of arrays", wantColumn)},
		{"nested too deeply", tooDeep, fails(KindNotJSON, "", "not valid JSON at byte", wantObject)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode("application/json", []byte(tt.body))
			checkOutcome(t, req, err, tt.want)
		})
	}
}

func TestDecode_ItemTitleAndID(t *testing.T) {
	tests := []struct {
		name string
		body string
		want outcome
	}{
		{"title trimmed", `{"Title": "  Demo \n"}`, ok(Request{Title: "Demo", Shape: ShapeItem})},
		{"title missing", `{"ID": 3}`, fails(KindField, "Title", "missing", "title as text")},
		{"empty object", `{}`, fails(KindField, "Title", "missing", "title as text")},
		{"title null", `{"Title": null}`, fails(KindField, "Title", "null", "title as text")},
		{"title empty", `{"Title": ""}`, fails(KindField, "Title", "blank", "not blank")},
		{"title tabs", `{"Title": "\t\n"}`, fails(KindField, "Title", "blank", "not blank")},
		{"title yes/no", `{"Title": true}`,
			fails(KindField, "Title", "a yes/no value (true)", "title as text")},
		{"title object", `{"Title": {"Value": "Demo"}}`,
			fails(KindField, "Title", "an object with members Value", "title as text")},
		{"title array", `{"Title": ["Demo"]}`,
			fails(KindField, "Title", "an array of text", "title as text")},
		{"title 255 rockets and one a", `{"Title": "` + strings.Repeat("🚀", 127) + `a"}`,
			ok(Request{Title: strings.Repeat("🚀", 127) + "a", Shape: ShapeItem})},
		{"title long after trimming", `{"Title": "  ` + strings.Repeat("a", 255) + `  "}`,
			ok(Request{Title: strings.Repeat("a", 255), Shape: ShapeItem})},
		{"title 300", `{"Title": "` + strings.Repeat("a", 300) + `"}`,
			fails(KindField, "Title", "300 UTF-16 units long", "255")},
		{"lower-case id is a column", `{"Title": "Demo", "id": 3}`,
			ok(Request{Title: "Demo", Shape: ShapeItem, Fields: map[string]any{"id": int64(3)}})},
		{"ID number", `{"ID": 42, "Title": "Demo"}`,
			ok(Request{Title: "Demo", SourceID: "item:42", Shape: ShapeItem})},
		{"ID string", `{"ID": "42", "Title": "Demo"}`,
			ok(Request{Title: "Demo", SourceID: "item:42", Shape: ShapeItem})},
		{"ID whole float", `{"ID": 28.0, "Title": "Demo"}`,
			ok(Request{Title: "Demo", SourceID: "item:28", Shape: ShapeItem})},
		{"ID exponent", `{"ID": 4.2e1, "Title": "Demo"}`,
			ok(Request{Title: "Demo", SourceID: "item:42", Shape: ShapeItem})},
		{"ID null", `{"ID": null, "Title": "Demo"}`, fails(KindField, "ID", "null", wantItemID)},
		{"ID zero", `{"ID": 0, "Title": "Demo"}`,
			fails(KindField, "ID", "a number (0)", wantItemID)},
		{"ID zero string", `{"ID": "0", "Title": "Demo"}`,
			fails(KindField, "ID", `text ("0")`, wantItemID)},
		{"ID negative", `{"ID": -4, "Title": "Demo"}`,
			fails(KindField, "ID", "a number (-4)", wantItemID)},
		{"ID fraction", `{"ID": 4.5, "Title": "Demo"}`,
			fails(KindField, "ID", "a number (4.5)", wantItemID)},
		{"ID too large", `{"ID": 1e30, "Title": "Demo"}`,
			fails(KindField, "ID", "a number (1e30)", wantItemID)},
		{"ID digits too many", `{"ID": "99999999999999999999", "Title": "Demo"}`,
			fails(KindField, "ID", "text", wantItemID)},
		{"ID word", `{"ID": "abc", "Title": "Demo"}`,
			fails(KindField, "ID", `text ("abc")`, wantItemID)},
		{"ID signed string", `{"ID": "+42", "Title": "Demo"}`,
			fails(KindField, "ID", `text ("+42")`, wantItemID)},
		{"ID padded string", `{"ID": " 42", "Title": "Demo"}`,
			fails(KindField, "ID", `text (" 42")`, wantItemID)},
		{"ID empty string", `{"ID": "", "Title": "Demo"}`,
			fails(KindField, "ID", "blank text", wantItemID)},
		{"ID yes/no", `{"ID": true, "Title": "Demo"}`,
			fails(KindField, "ID", "a yes/no value", wantItemID)},
		{"ID object", `{"ID": {"Value": 4}, "Title": "Demo"}`,
			fails(KindField, "ID", "an object with members Value", wantItemID)},
		{"identifier wins", `{"ID": 4, "Title": "Demo", "{Identifier}": "Lists%252fX%252f4_.000"}`,
			ok(Request{Title: "Demo", SourceID: "Lists%252fX%252f4_.000", Shape: ShapeItem})},
		{"identifier without ID", `{"Title": "Demo", "{Identifier}": "L%252f4_.000"}`,
			ok(Request{Title: "Demo", SourceID: "L%252f4_.000", Shape: ShapeItem})},
		{"identifier empty", `{"ID": 4, "Title": "Demo", "{Identifier}": ""}`,
			ok(Request{Title: "Demo", SourceID: "item:4", Shape: ShapeItem})},
		{"identifier null", `{"ID": 4, "Title": "Demo", "{Identifier}": null}`,
			ok(Request{Title: "Demo", SourceID: "item:4", Shape: ShapeItem})},
		{"identifier number", `{"ID": 4, "Title": "Demo", "{Identifier}": 4}`,
			fails(KindField, "{Identifier}", "a number (4)", "identifier as text")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode("application/json", []byte(tt.body))
			checkOutcome(t, req, err, tt.want)
		})
	}
}

func TestDecode_ItemColumns(t *testing.T) {
	const (
		pat = `{"Claims": "i:0#.f|membership|pat@contoso.example", ` +
			`"Email": "pat@contoso.example"}`
		guest = `{"Claims": "i:0#.f|membership|guest_fabrikam.example#ext#@contoso.example", ` +
			`"Email": null}`
		nobody = `{"Claims": "", "Email": "", "DisplayName": "Nobody"}`
		link   = `{"Description": "Site", "Url": "https://contoso.example/"}`
	)
	tests := []struct {
		name  string
		value string
		want  any // nil: the column is left out
		got   string
	}{
		{"text", `"PRJ-0187"`, "PRJ-0187", ""},
		{"text of spaces", `"  "`, "  ", ""},
		{"empty text", `""`, nil, ""},
		{"null", `null`, nil, ""},
		{"empty array", `[]`, nil, ""},
		{"yes", `true`, true, ""},
		{"no", `false`, false, ""},
		{"whole number", `150000`, int64(150000), ""},
		{"whole float", `150000.0`, int64(150000), ""},
		{"negative whole float", `-28.00`, int64(-28), ""},
		{"exponent whole", `2.8e1`, int64(28), ""},
		{"zero float", `-0.0`, int64(0), ""},
		{"exact beyond float", `9007199254740993.0`, int64(9007199254740993), ""},
		{"fraction", `1250000.5`, 1250000.5, ""},
		{"small exponent", `28e-1`, 2.8, ""},
		{"whole beyond int64", `1e30`, 1e30, ""},
		{"number out of range", `1e400`, nil, "a number out of range (1e400)"},
		{"date", `"2025-04-01T00:00:00Z"`, "2025-04-01T00:00:00Z", ""},
		{"person", pat, "pat@contoso.example", ""},
		{"person without email", guest, "guest_fabrikam.example#ext#@contoso.example", ""},
		{"person claims only", `{"Claims": "pat@contoso.example"}`, "pat@contoso.example", ""},
		{"person empty", nobody, nil, "a person with no Email or Claims"},
		{"person email number", `{"Email": 4}`, nil, "a person whose Email is a number (4)"},
		{"person claims object", `{"Claims": {}}`, nil,
			"a person whose Claims is an empty object"},
		{"choice", `{"Value": "Active"}`, "Active", ""},
		{"lookup", `{"@odata.type": "#X.SPListExpandedReference", "Id": 42, "Value": "Northwind"}`,
			"Northwind", ""},
		{"lookup of a number", `{"Id": 3, "Value": 7.5}`, "7.5", ""},
		{"choice null", `{"Id": 3, "Value": null}`, nil,
			"a choice or lookup whose Value is null"},
		{"choice empty", `{"Id": 3, "Value": ""}`, nil, "a choice or lookup with an empty Value"},
		{"hyperlink", link, nil, "an object with members Description, Url"},
		{"empty object", `{}`, nil, "an empty object"},
		{"only annotations", `{"@odata.type": "#X"}`, nil, "no members but annotations"},
		{"text list", `["a", "b"]`, []string{"a", "b"}, ""},
		{"text list with blanks", `[null, "", "a"]`, []string{"a"}, ""},
		{"list of nulls", `[null, null]`, nil, ""},
		{"choice list", `[{"Value": "Public sector"}, {"Id": 3, "Value": "Priority"}]`,
			[]string{"Public sector", "Priority"}, ""},
		{"person list", "[" + pat + ", " + guest + "]",
			[]string{"pat@contoso.example", "guest_fabrikam.example#ext#@contoso.example"}, ""},
		{"person list with empty person", "[" + pat + ", " + nobody + "]", nil,
			"an array whose element 2 is a person with no Email or Claims"},
		{"mixed list", "[" + pat + `, "x"]`, nil, "an array mixing persons and text"},
		{"persons and choices", "[" + pat + `, {"Value": "x"}]`, nil,
			"an array mixing persons and choices or lookups"},
		{"number list", `[1, 2]`, nil, "an array of numbers"},
		{"yes/no list", `[true]`, nil, "an array of yes/no values"},
		{"list of lists", `[["a"]]`, nil, "an array of arrays"},
		{"hyperlink list", "[" + link + "]", nil,
			"an array of objects with members Description, Url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"ID": 9, "Title": "Demo", "Column": ` + tt.value + `}`
			want := ok(Request{Title: "Demo", SourceID: "item:9", Shape: ShapeItem})
			switch {
			case tt.got != "":
				want = fails(KindField, "Column", tt.got, "")
			case tt.want != nil:
				want.req.Fields["Column"] = tt.want
			}
			req, err := Decode("application/json", []byte(body))
			checkOutcome(t, req, err, want)
		})
	}
}

func TestDecode_ItemSystemMembers(t *testing.T) {
	body := `{
		"@odata.etag": "\"3\"", "ItemInternalId": "9", "ID": 9, "Title": "Demo",
		"Modified": "2025-03-14T09:21:07Z", "Created": "2025-03-14T09:21:07Z",
		"Author": {"Claims": "i:0#.f|membership|a@contoso.example"},
		"Author#Claims": "i:0#.f|membership|a@contoso.example",
		"Editor": {"Claims": "i:0#.f|membership|a@contoso.example"},
		"Attachments": false, "GUID": "5d0c9a5e-1f7b-4c1e-9a62-3b7f0d8e4a11",
		"ComplianceAssetId": null, "FileLeafRef": "9_.000",
		"ContentType": {"Id": "0x01", "Name": "Item"}, "ContentTypeId": "0x01",
		"OData__ColorTag": {"odd": "shape"}, "OData__UIVersionString": "1.0",
		"{Thumbnail}": {"Large": null}, "{ContentType}": {"Id": "0x01", "Name": "Item"},
		"{ContentType}#Id": "0x01", "{Link}": "https://contoso.example/", "@weird": [1],
		"Tags@odata.type": "#Collection(X)", "Tags#Id": [0, 3], "Tags#Id@odata.type": "#C",
		"Customer#Id": 42, "Status": "Active"
	}`
	want := ok(Request{
		Title: "Demo", SourceID: "item:9", Shape: ShapeItem,
		Fields: map[string]any{"Status": "Active"},
	})
	req, err := Decode("application/json", []byte(body))
	checkOutcome(t, req, err, want)
}

func TestDecode_ItemEmptyName(t *testing.T) {
	req, err := Decode("application/json", []byte(`{"Title": "Demo", "": 5}`))
	checkOutcome(t, req, err, fails(KindField, `""`, "empty name", "internal name"))
}

func TestDecode_Composed(t *testing.T) {
	composed := func(r Request) outcome {
		r.Shape = ShapeComposed
		return ok(r)
	}
	long := strings.Repeat("a", 256)
	tests := []struct {
		name string
		body string
		want outcome
	}{
		{"title only", `{"title": "Demo"}`, composed(Request{Title: "Demo"})},
		{"title trimmed", `{"title": " Demo "}`, composed(Request{Title: "Demo"})},
		{"title missing", `{"parent": "WorkPoint A/S"}`,
			fails(KindField, "title", "missing", "the title as text")},
		{"title number", `{"title": 5}`,
			fails(KindField, "title", "a number (5)", "title as text")},
		{"title blank", `{"title": " "}`, fails(KindField, "title", "blank", "not blank")},
		{"title too long", `{"title": "` + long + `"}`,
			fails(KindField, "title", "256 UTF-16 units long", "255")},
		{"parent title", `{"title": "Demo", "parent": "  WorkPoint A/S "}`,
			composed(Request{Title: "Demo", Parent: &ParentRef{Title: "WorkPoint A/S"}})},
		{"parent id", `{"title": "Demo", "parent": 12}`,
			composed(Request{Title: "Demo", Parent: &ParentRef{ID: 12}})},
		{"parent id whole float", `{"title": "Demo", "parent": 12.0}`,
			composed(Request{Title: "Demo", Parent: &ParentRef{ID: 12}})},
		{"parent digits are a title", `{"title": "Demo", "parent": "12"}`,
			composed(Request{Title: "Demo", Parent: &ParentRef{Title: "12"}})},
		{"parent null", `{"title": "Demo", "parent": null}`, composed(Request{Title: "Demo"})},
		{"parent blank", `{"title": "Demo", "parent": " "}`,
			fails(KindField, "parent", "blank", "not blank")},
		{"parent too long", `{"title": "Demo", "parent": "` + long + `"}`,
			fails(KindField, "parent", "256 UTF-16 units long", "255")},
		{"parent zero", `{"title": "Demo", "parent": 0}`,
			fails(KindField, "parent", "a number (0)", wantParent)},
		{"parent fraction", `{"title": "Demo", "parent": 1.5}`,
			fails(KindField, "parent", "a number (1.5)", wantParent)},
		{"parent yes/no", `{"title": "Demo", "parent": false}`,
			fails(KindField, "parent", "a yes/no value (false)", wantParent)},
		{"parent object", `{"title": "Demo", "parent": {"id": 12}}`,
			fails(KindField, "parent", "an object with members id", wantParent)},
		{"source id", `{"title": "Demo", "sourceId": " projects:1 "}`,
			composed(Request{Title: "Demo", SourceID: "projects:1"})},
		{"source id number", `{"title": "Demo", "sourceId": 187}`,
			composed(Request{Title: "Demo", SourceID: "187"})},
		{"source id whole float", `{"title": "Demo", "sourceId": 187.0}`,
			composed(Request{Title: "Demo", SourceID: "187"})},
		{"source id blank", `{"title": "Demo", "sourceId": "  "}`,
			composed(Request{Title: "Demo"})},
		{"source id null", `{"title": "Demo", "sourceId": null}`, composed(Request{Title: "Demo"})},
		{"source id fraction", `{"title": "Demo", "sourceId": 1.5}`,
			fails(KindField, "sourceId", "a number (1.5)", wantSourceID)},
		{"source id array", `{"title": "Demo", "sourceId": ["a"]}`,
			fails(KindField, "sourceId", "an array of text", wantSourceID)},
		{"fields", `{"title": "Demo", "fields": {"Budget": 150000.0,
			"Owner": {"Email": "o@c.example"}, "Tags": ["a"], "Note": null, "Empty": "", "Done": false}}`,
			composed(Request{Title: "Demo", Fields: map[string]any{
				"Budget": int64(150000), "Owner": "o@c.example", "Tags": []string{"a"},
				"Done": false,
			}})},
		{"fields empty", `{"title": "Demo", "fields": {}}`, composed(Request{Title: "Demo"})},
		{"fields null", `{"title": "Demo", "fields": null}`, composed(Request{Title: "Demo"})},
		{"fields text", `{"title": "Demo", "fields": "Budget=5"}`,
			fails(KindField, "fields", `text ("Budget=5")`, "an object of WorkPoint field values")},
		{"fields array", `{"title": "Demo", "fields": [{"Budget": 5}]}`,
			fails(KindField, "fields", "an array of objects with members Budget", "an object")},
		{"fields title", `{"title": "Demo", "fields": {"Title": "Other"}}`,
			fails(KindField, "fields.Title", "not allowed in fields", "top-level title member")},
		{"fields bad value", `{"title": "Demo", "fields": {"Site": {"Url": "https://x.example/"}}}`,
			fails(KindField, "fields.Site", "an object with members Url", wantColumn)},
		{"fields duplicate", `{"title": "Demo", "fields": {"Budget": 1, "Budget": 2}}`,
			fails(KindField, "fields.Budget", "appears twice", "each member once")},
		{"fields empty name", `{"title": "Demo", "fields": {"": 1}}`,
			fails(KindField, `fields.""`, "empty name", "internal name")},
		{"unknown member", `{"title": "Demo", "ID": 5}`,
			fails(KindField, "ID", "an unknown member", wantMembers)},
		{"item title beside composed", `{"Title": "Demo", "sourceId": "x"}`,
			fails(KindField, "Title", "an unknown member", wantMembers)},
		{"annotation in composed", `{"@odata.etag": "1", "title": "Demo"}`,
			fails(KindField, "@odata.etag", "an unknown member", wantMembers)},
		{"duplicate title", `{"title": "Demo", "title": "Other"}`,
			fails(KindField, "title", "appears twice", "each member once")},
		{"capitalised members are an item", `{"Title": "Demo", "Parent": "WorkPoint A/S"}`,
			ok(Request{Title: "Demo", Shape: ShapeItem,
				Fields: map[string]any{"Parent": "WorkPoint A/S"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode("application/json", []byte(tt.body))
			checkOutcome(t, req, err, tt.want)
		})
	}
}

func TestDecode_LongNamesAreShortened(t *testing.T) {
	name := strings.Repeat("n", 5000)
	body := `{"Title": "Demo", "` + name + `": {"Url": "https://x.example/"}}`
	_, err := Decode("application/json", []byte(body))

	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got error %v, want an *InputError", err)
	}
	if got := len(ie.Error()); got > 400 {
		t.Errorf("got a message of %d bytes, want at most 400", got)
	}
	if !strings.HasPrefix(ie.Field, "nnnn") || !strings.HasSuffix(ie.Field, "…") {
		t.Errorf("got field %q, want the name's start and an ellipsis", ie.Field)
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"a", 1},
		{"æ", 1},
		{"🚀", 2},
		{"a🚀æ", 4},
		{strings.Repeat("🚀", 128), 256},
		{"\xff", 1},
	}
	for _, tt := range tests {
		if got := UTF16Len(tt.s); got != tt.want {
			t.Errorf("UTF16Len(%q): got %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestWholeNumber(t *testing.T) {
	tests := []struct {
		lit  string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"28", 28, true},
		{"28.0", 28, true},
		{"-28.000", -28, true},
		{"2.8e1", 28, true},
		{"2.8E+1", 28, true},
		{"280e-1", 28, true},
		{"0.0e5", 0, true},
		{"100e-2", 1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775807.0", 9223372036854775807, true},
		{"-9223372036854775808.0", -9223372036854775808, true},
		{"9223372036854775808.0", 0, false},
		{"9223372036854775807.5", 0, false},
		{"0." + strings.Repeat("0", 1500) + "5e1501", 5, true},
		{"2.85e1", 0, false},
		{"28e-1", 0, false},
		{"1e19", 0, false},
		{"1e18", 1000000000000000000, true},
		{"1e99999999999999999999", 0, false},
		{"1e-99999999999999999999", 0, false},
		{"0e99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, ok := wholeNumber(tt.lit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("wholeNumber(%.40q): got %d, %t, want %d, %t", tt.lit, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(casesDir, "project-gold.sharepoint-item.json"))
	if errors.Is(err, os.ErrNotExist) {
		b.Skipf("no case files at %s: shared/ is expected beside the repository", casesDir)
	}
	if err != nil {
		b.Fatalf("read case: %v", err)
	}

	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Decode("application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}
