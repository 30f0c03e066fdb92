package workpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// moduleJSON is a BusinessModuleOnline, with the members the project's
// reference notes show.
type moduleJSON struct {
	ID                 string  `json:"Id"`
	Title              string  `json:"Title"`
	EntityName         string  `json:"EntityName"`
	ListURL            string  `json:"ListUrl"`
	Parent             *string `json:"Parent"`
	ParentRelationName *string `json:"ParentRelationName"`
	SitesEnabled       bool    `json:"SitesEnabled"`
}

// listItem is a SharePoint ListItem as WorkPoint returns it; every field
// value is a string.
type listItem struct {
	ID            int          `json:"ID"`
	UniqueID      string       `json:"UniqueId"`
	Title         string       `json:"Title"`
	ContentType   string       `json:"ContentType"`
	ContentTypeID string       `json:"ContentTypeId"`
	IsEntity      bool         `json:"IsEntity"`
	Site          *string      `json:"Site"`
	URL           string       `json:"Url"`
	ParentList    string       `json:"ParentList"`
	ParentListID  string       `json:"ParentListId"`
	FieldValues   []fieldValue `json:"FieldValues"`
	Icons         any          `json:"Icons"`
	FileInfo      any          `json:"FileInfo"`
}

type fieldValue struct {
	InternalFieldName string `json:"InternalFieldName"`
	DisplayFieldName  string `json:"DisplayFieldName"`
	Value             string `json:"Value"`
	TextValue         string `json:"TextValue"`
}

// handleModules answers GET /api/BusinessModules.
func (s *Server) handleModules(w http.ResponseWriter, c *call) {
	modules := c.sol.Modules()
	out := make([]moduleJSON, len(modules))
	for i, m := range modules {
		out[i] = renderModule(m)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleModule answers GET /api/BusinessModules/{id}.
func (s *Server) handleModule(w http.ResponseWriter, c *call) {
	id := c.params["id"]
	g, _ := parseGUID(id)
	for _, m := range c.sol.Modules() {
		if g != "" && m.ID == g {
			writeJSON(w, http.StatusOK, renderModule(m))
			return
		}
	}
	writeModuleNotFound(w, id)
}

func renderModule(m Module) moduleJSON {
	out := moduleJSON{ID: m.ID, Title: m.Title, EntityName: m.EntityName, ListURL: m.ListURL,
		SitesEnabled: m.SitesEnabled}
	if m.ParentID != "" {
		parent, relation := m.ParentID, m.ParentRelationName
		out.Parent, out.ParentRelationName = &parent, &relation
	}
	return out
}

// handleSchema answers GET /api/Entity/{bm}/GetEntityFieldSchema with the
// JSON schema of a create body under jsonItems.
func (s *Server) handleSchema(w http.ResponseWriter, c *call) {
	bm, ok := parseGUID(c.params["bm"])
	if !ok {
		writeNullEntry(w, "businessModuleId", "System.Guid", methodSchema, controllerEntity)
		return
	}
	var module *Module
	for _, m := range c.sol.Modules() {
		if m.ID == bm {
			module = &m
			break
		}
	}
	if module == nil {
		writeModuleNotFound(w, bm)
		return
	}

	required := []string{}
	props := make(schemaProperties, 0, len(module.Fields))
	for _, f := range module.Fields {
		props = append(props, schemaProperty{f.Name, fieldSchema(f)})
		if f.Required {
			required = append(required, f.Name)
		}
	}
	var out fieldSchemaJSON
	out.JSONItems.Type, out.JSONItems.Properties, out.JSONItems.Required = "object", props,
		required
	writeJSON(w, http.StatusOK, out)
}

// fieldSchemaJSON is the answer of GetEntityFieldSchema.
type fieldSchemaJSON struct {
	JSONItems struct {
		Type       string           `json:"type"`
		Properties schemaProperties `json:"properties"`
		Required   []string         `json:"required"`
	} `json:"jsonItems"`
}

type propertySchema struct {
	Type    string          `json:"type"`
	Format  string          `json:"format,omitempty"`
	Items   *propertySchema `json:"items,omitempty"`
	Summary string          `json:"x-ms-summary,omitempty"`
}

func fieldSchema(f Field) propertySchema {
	p := propertySchema{Type: "string", Summary: displayName(f)}
	switch f.Type {
	case FieldNumber:
		p.Type = "number"
	case FieldBoolean:
		p.Type = "boolean"
	case FieldDate:
		p.Format = "date-time"
	case FieldLookup:
		p.Type, p.Format = "integer", "int32"
	case FieldUserMulti, FieldMultiChoice:
		p.Type, p.Items = "array", &propertySchema{Type: "string"}
	}
	return p
}

// schemaProperties encodes as a JSON object that keeps the schema's order.
type schemaProperties []schemaProperty

type schemaProperty struct {
	name   string
	schema propertySchema
}

// MarshalJSON encodes the properties in order.
func (p schemaProperties) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, prop := range p {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := json.Marshal(prop.name)
		if err != nil {
			return nil, err
		}
		schema, err := json.Marshal(prop.schema)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(schema)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// handleItem answers GET /api/List/{listId}/Item/{itemId}.
func (s *Server) handleItem(w http.ResponseWriter, c *call) {
	itemID, err := strconv.ParseInt(c.params["itemId"], 10, 32)
	if err != nil {
		writeNullEntry(w, "itemId", "System.Int32", methodItem, controllerList)
		return
	}

	sol := c.sol
	sol.mu.Lock()
	m := sol.moduleLocked(c.params["listId"])
	var item listItem
	var found bool
	if m != nil {
		var e Entity
		if e, found = m.entityLocked(int(itemID)); found {
			item = sol.renderLocked(m, e, nil)
		}
	}
	sol.mu.Unlock()

	switch {
	case m == nil:
		writeModuleNotFound(w, c.params["listId"])
	case !found:
		writeMessage(w, http.StatusNotFound,
			"Item does not exist. It may have been deleted by another user.")
	default:
		writeJSON(w, http.StatusOK, item)
	}
}

// renderLocked turns an entity into a ListItem. If viewFields is not empty,
// only those fields appear among the FieldValues. s.mu must be held.
func (s *Solution) renderLocked(m *moduleState, e Entity, viewFields []string) listItem {
	item := listItem{
		ID:            e.ID,
		UniqueID:      e.UniqueID,
		Title:         e.Title,
		ContentType:   m.EntityName,
		ContentTypeID: contentTypeID(m.ID),
		IsEntity:      true,
		URL:           s.url + "/" + m.ListURL + "/DispForm.aspx?ID=" + strconv.Itoa(e.ID),
		ParentList:    m.Title,
		ParentListID:  m.ID,
		FieldValues:   []fieldValue{},
	}
	wanted := func(name string) bool {
		return len(viewFields) == 0 || slices.ContainsFunc(viewFields, func(v string) bool {
			return strings.EqualFold(v, name)
		})
	}
	for _, f := range m.Fields {
		v, ok := e.Values[f.Name]
		if !ok || !wanted(f.Name) {
			continue
		}
		value, text := s.formatLocked(f, v)
		item.FieldValues = append(item.FieldValues, fieldValue{f.Name, displayName(f), value,
			text})
	}
	// The real form of an entity site's URL depends on the solution's
	// settings; the stand-in's is <solution>/<module title>/<id>. WorkPoint
	// also reports it in the wpSite field.
	if m.SitesEnabled && siteRequested(e.SiteCreation) {
		site := s.url + "/" + strings.ReplaceAll(m.Title, " ", "") + "/" + strconv.Itoa(e.ID)
		item.Site = &site
		if wanted("wpSite") {
			item.FieldValues = append(item.FieldValues, fieldValue{"wpSite", "Site", site, site})
		}
	}
	return item
}

// siteRequested reports whether a create asked for a site: connector route
// "true", or a behaviour other than 0 on the other route.
func siteRequested(siteCreation string) bool {
	switch siteCreation {
	case "", "false", "0":
		return false
	}
	return true
}

// formatLocked returns a stored value as the Value and TextValue strings of
// a ListItem. s.mu must be held.
func (s *Solution) formatLocked(f Field, v any) (string, string) {
	switch v := v.(type) {
	case float64:
		str := strconv.FormatFloat(v, 'f', -1, 64)
		return str, str
	case bool:
		if v {
			return "True", "True"
		}
		return "False", "False"
	case time.Time:
		str := v.UTC().Format("2006-01-02T15:04:05Z")
		return str, str
	case []string:
		return strings.Join(v, ";#"), strings.Join(v, "; ")
	case int: // lookup
		title := ""
		if target := s.moduleLocked(f.LookupModuleID); target != nil {
			if e, ok := target.entityLocked(v); ok {
				title = e.Title
			}
		}
		return strconv.Itoa(v), title
	case string:
		return v, v
	}
	return "", ""
}

func displayName(f Field) string {
	if f.DisplayName != "" {
		return f.DisplayName
	}
	return f.Name
}

// contentTypeID derives a stable content type id from the module id.
func contentTypeID(moduleID string) string {
	return "0x0100" + strings.ToUpper(strings.ReplaceAll(moduleID, "-", ""))
}
