package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"projectsync/internal/standin"
)

// B1: the raw SharePoint item becomes an entity under the default parent.
func TestProjectSync_SharePointItem(t *testing.T) {
	c := startChain(t, nil)
	a := c.post(caseFile(t, "project-gold.sharepoint-item.json"))
	if a.Status != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", a.Status, a.Body)
	}
	id := a.num("entityId")
	if id <= 0 || a.str("title") != "Project Gold" || a.str("businessModuleId") != standin.ProjectsModuleID {
		t.Fatalf("answer %s", a.Body)
	}
	if a.str("sourceId") != "Lists%252fProjects%252f1_.000" {
		t.Errorf("sourceId: got %q", a.str("sourceId"))
	}
	c.wantEntity(id, "Project Gold", 1)
	c.wantRequestLog(201, "")
}

// B2: a composed body names the parent by title; it is resolved to its id.
func TestProjectSync_ComposedBody(t *testing.T) {
	c := startChain(t, nil, withoutSetting("WORKPOINT_PARENT"))
	a := c.post(caseFile(t, "composed.json"))
	if a.Status != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", a.Status, a.Body)
	}
	if a.num("parentId") != 1 || a.str("parent") != "WorkPoint A/S" {
		t.Errorf("parent: got %s", a.Body)
	}
	c.wantEntity(a.num("entityId"), "Project Gold", 1)
}

// A parent given by id, and one that does not exist.
func TestProjectSync_Parent(t *testing.T) {
	c := startChain(t, nil)
	tests := []struct {
		name, body string
		status     int
		code       string
		parentID   int
	}{
		{"by id", `{"title":"By id","parent":2}`, 201, "", 2},
		{"by title", `{"title":"By title","parent":"Contoso Ltd"}`, 201, "", 2},
		{"unknown title", `{"title":"Orphan","parent":"No Such Company"}`, 422, "parent_not_found", 0},
		{"unknown id", `{"title":"Orphan id","parent":99999}`, 422, "parent_not_found", 0},
		{"default", `{"title":"Default parent"}`, 201, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.post([]byte(tt.body))
			if a.Status != tt.status || a.str("code") != tt.code {
				t.Fatalf("got %d %s, want %d %s", a.Status, a.Body, tt.status, tt.code)
			}
			if tt.parentID != 0 {
				c.wantEntity(a.num("entityId"), a.str("title"), tt.parentID)
			}
		})
	}
}

// U7: a cold burst shares one Key Vault read, one managed identity token
// and one Entra token.
func TestProjectSync_ColdBurst(t *testing.T) {
	c := startChain(t, nil)
	const n = 50
	ids := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := c.post([]byte(fmt.Sprintf(`{"title":"Burst %d","sourceId":"burst-%d"}`, i, i)))
			if a.Status != http.StatusCreated {
				t.Errorf("request %d: got %d %s", i, a.Status, a.Body)
			}
			ids <- a.num("entityId")
		}()
	}
	wg.Wait()
	close(ids)
	seenIDs := map[int]bool{}
	for id := range ids {
		seenIDs[id] = true
	}
	if len(seenIDs) != n {
		t.Errorf("got %d distinct entity ids, want %d", len(seenIDs), n)
	}
	if got := c.stack.Vault.Reads(); got != 1 {
		t.Errorf("Key Vault reads: got %d, want 1", got)
	}
	if got := c.stack.Identity.Requests(); got != 1 {
		t.Errorf("managed identity token requests: got %d, want 1", got)
	}
	if got := c.stack.Entra.TokenRequests(); got != 1 {
		t.Errorf("Entra token requests: got %d, want 1", got)
	}
}

// The handler answers the host's readiness probe and logs one JSON line
// per request with the invocation and flow run ids.
func TestProjectSync_LogLines(t *testing.T) {
	c := startChain(t, nil)
	c.post([]byte(`{"title":"Logged"}`), "x-ms-workflow-run-id", "run-42")
	lines := c.logLines("request")
	if len(lines) != 1 {
		t.Fatalf("got %d request lines, want 1", len(lines))
	}
	l := lines[0]
	if l["flow_run_id"] != "run-42" || l["invocation_id"] == "" || l["status"] != float64(201) {
		t.Errorf("request line: %v", l)
	}
	for _, raw := range c.handlerLines() {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(raw))
		if err := dec.Decode(&m); err != nil {
			t.Errorf("log line is not JSON: %s", raw)
		}
		if strings.Contains(raw, functionKey) || strings.Contains(raw, "code=") {
			t.Errorf("log line carries the function key or a query: %s", raw)
		}
	}
}

// wantEntity checks the entity WorkPoint now holds.
func (c *chain) wantEntity(id int, title string, parentID int) {
	c.t.Helper()
	e, ok := c.stack.Entity(standin.ProjectsModuleID, id)
	if !ok {
		c.t.Fatalf("WorkPoint holds no entity %d", id)
	}
	if e.Title != title || e.ParentID != parentID {
		c.t.Errorf("entity %d: got %q under %d, want %q under %d", id, e.Title, e.ParentID, title, parentID)
	}
}

// wantRequestLog checks the edge's log line of the only request.
func (c *chain) wantRequestLog(status int, code string) {
	c.t.Helper()
	lines := c.logLines("request")
	if len(lines) == 0 {
		c.t.Fatalf("no request log line in:\n%s", strings.Join(c.handlerLines(), "\n"))
	}
	l := lines[len(lines)-1]
	if l["status"] != float64(status) {
		c.t.Errorf("logged status %v, want %d", l["status"], status)
	}
	if got, _ := l["code"].(string); got != code {
		c.t.Errorf("logged code %q, want %q", got, code)
	}
}

// entityFields returns the field values WorkPoint holds for an entity.
func (c *chain) entityFields(id int) map[string]any {
	c.t.Helper()
	e, ok := c.stack.Entity(standin.ProjectsModuleID, id)
	if !ok {
		c.t.Fatalf("WorkPoint holds no entity %d", id)
	}
	return e.Fields
}
