package workpoint

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// listQuery is the ListQueryParameter body of POST /api/List/{listId}/Items.
type listQuery struct {
	CamlQuery  string
	PageSize   uint
	PagingInfo string
	ViewFields []string
}

type queryResult struct {
	Items      []listItem `json:"Items"`
	PagingInfo *string    `json:"PagingInfo"`
}

// handleQuery answers POST /api/List/{listId}/Items: the module's entities
// that match the CAML query, by ascending id, a page at a time.
func (s *Server) handleQuery(w http.ResponseWriter, c *call) {
	var q listQuery
	if !decodeBody(w, c.body, &q) {
		return
	}
	status, answer := c.sol.query(c.params["listId"], q)
	writeJSON(w, status, answer)
}

// query runs a list query and returns the answer's status and body.
func (s *Solution) query(listID string, q listQuery) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleLocked(listID)
	if m == nil {
		return http.StatusNotFound, moduleNotFound(listID)
	}
	cond, rowLimit, err := compileCAML(s, m, q.CamlQuery)
	if err != nil {
		return camlAnswer(err)
	}

	limit := int(q.PageSize)
	if rowLimit > 0 && (limit == 0 || rowLimit < limit) {
		limit = rowLimit
	}
	after := pagingPosition(q.PagingInfo)
	result := queryResult{Items: []listItem{}}
	for _, e := range m.entities {
		if e.ID <= after || !cond(e) {
			continue
		}
		if limit > 0 && len(result.Items) == limit {
			next := "Paged=TRUE&p_ID=" + strconv.Itoa(result.Items[limit-1].ID)
			result.PagingInfo = &next
			break
		}
		result.Items = append(result.Items, s.renderLocked(m, e, q.ViewFields))
	}
	return http.StatusOK, result
}

// pagingPosition reads the last id of the previous page from a PagingInfo
// token of the form "Paged=TRUE&p_ID=<id>"; 0 means the first page.
func pagingPosition(info string) int {
	for _, part := range strings.Split(info, "&") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, "p_ID") {
			if id, err := strconv.Atoi(v); err == nil {
				return id
			}
		}
	}
	return 0
}

// listItemParameter is the body of POST /api/ListItem/Exists.
type listItemParameter struct {
	ListName              string
	ListItemID            *int
	IdentifierFieldValues []struct {
		InternalFieldName string
		Value             any
	}
}

// handleExists answers POST /api/ListItem/Exists with a bare JSON boolean:
// whether an entity has the given id and every identifier field value.
func (s *Server) handleExists(w http.ResponseWriter, c *call) {
	var p listItemParameter
	if !decodeBody(w, c.body, &p) {
		return
	}
	if p.ListItemID == nil && len(p.IdentifierFieldValues) == 0 {
		writeInvalid(w, "Either ListItemID or IdentifierFieldValues must be given.")
		return
	}
	status, answer := c.sol.exists(p)
	writeJSON(w, status, answer)
}

// exists looks an entity up by id or key fields and returns the answer's
// status and body.
func (s *Solution) exists(p listItemParameter) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleByNameLocked(p.ListName)
	if m == nil {
		return http.StatusNotFound, apiError{Message: fmt.Sprintf(
			"List '%s' does not exist at site with URL '%s'.", p.ListName, s.url)}
	}
	conds := []condition{}
	if p.ListItemID != nil {
		id := *p.ListItemID
		conds = append(conds, func(e Entity) bool { return e.ID == id })
	}
	for _, iv := range p.IdentifierFieldValues {
		cond, err := eqCondition(s, m, iv.InternalFieldName, fmt.Sprint(iv.Value),
			lookupByIDOrTitle)
		if err != nil {
			return camlAnswer(err)
		}
		conds = append(conds, cond)
	}

	for _, e := range m.entities {
		if all(conds, e) {
			return http.StatusOK, true
		}
	}
	return http.StatusOK, false
}

func all(conds []condition, e Entity) bool {
	for _, c := range conds {
		if !c(e) {
			return false
		}
	}
	return true
}

// decodeBody decodes a JSON body into v. An empty body leaves v as it is; a
// body that is not JSON is answered with 400.
func decodeBody(w http.ResponseWriter, body []byte, v any) bool {
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Message: msgInvalid,
			MessageDetail: "The request body is not valid JSON: " + err.Error()})
		return false
	}
	return true
}

// camlNode is any element of a CAML query.
type camlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []camlNode `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *camlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// find returns the first element named name, depth first, or nil.
func (n *camlNode) find(name string) *camlNode {
	for i := range n.Nodes {
		c := &n.Nodes[i]
		if c.XMLName.Local == name {
			return c
		}
		if found := c.find(name); found != nil {
			return found
		}
	}
	return nil
}
