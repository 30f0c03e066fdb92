package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"projectsync/internal/standin"
)

// postFrom sends body to ProjectSync as a flow's HTTP action does, like
// [chain.post], but from any goroutine: a call that gets no answer is
// returned as an error instead of ending the test. runID is sent as the
// flow run id, which the handler logs with every line of the request.
func (c *chain) postFrom(ctx context.Context, client *http.Client, body []byte,
	runID string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.host.URL()+"/api/ProjectSync", bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("e2e: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("x-functions-key", functionKey)
	req.Header.Set("x-ms-workflow-run-id", runID)

	resp, err := client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("e2e: post: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("e2e: read answer: %w", err)
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	_ = json.Unmarshal(b, &a.JSON)
	remember(nil, string(b))
	return a, nil
}

// succeeded reports whether the answer says the entity exists: 201 or 200
// with an entity id.
func (a answer) succeeded() bool {
	return (a.Status == http.StatusCreated || a.Status == http.StatusOK) && a.num("entityId") > 0
}

// retryable reports whether the answer is a problem the caller may retry.
func (a answer) retryable() bool {
	r, _ := a.JSON["retryable"].(bool)
	return r
}

// retryAfter returns the answer's Retry-After header as a duration; zero
// when it is missing or not a number of seconds.
func (a answer) retryAfter() time.Duration {
	n, err := strconv.Atoi(a.Header.Get("Retry-After"))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// shapeErrors returns what is wrong with an answer a flow may get: a
// success names its entity and says created exactly when it is 201; a
// problem has a code, the status it was sent with, a fix, and a
// Retry-After header when it is retryable.
func shapeErrors(a answer) []string {
	var errs []string
	if a.Status == http.StatusCreated || a.Status == http.StatusOK {
		if a.num("entityId") <= 0 {
			errs = append(errs, "success without an entityId")
		}
		if created, _ := a.JSON["created"].(bool); created != (a.Status == http.StatusCreated) {
			errs = append(errs, fmt.Sprintf("status %d with created %v",
				a.Status, a.JSON["created"]))
		}
		return errs
	}

	if a.str("code") == "" {
		errs = append(errs, "problem without a code")
	}
	if a.num("status") != a.Status {
		errs = append(errs, fmt.Sprintf("status member %d, sent as %d", a.num("status"), a.Status))
	}
	if a.str("fix") == "" {
		errs = append(errs, "problem without a fix")
	}
	if _, ok := a.JSON["retryable"].(bool); !ok {
		errs = append(errs, "problem without a retryable member")
	}
	if a.retryable() && a.retryAfter() <= 0 {
		errs = append(errs, fmt.Sprintf("retryable problem with Retry-After %q",
			a.Header.Get("Retry-After")))
	}
	return errs
}

// describe returns the answer in one short line for logs and failures.
func (a answer) describe() string {
	if a.succeeded() {
		return fmt.Sprintf("%d entity %d created=%v",
			a.Status, a.num("entityId"), a.JSON["created"])
	}
	return fmt.Sprintf("%d %s Retry-After %q", a.Status, a.str("code"), a.Header.Get("Retry-After"))
}

// sourceField is the text field of the demo Projects module that holds
// the idempotency key (WORKPOINT_SOURCE_FIELD of the demo settings).
const sourceField = "ProjectSyncKey"

// entitiesBySource returns the ids of the Projects entities by the source
// id their key ends with: the part of the key after its last colon, as in
// "<module>|source:<sourceId>".
func entitiesBySource(s *standin.Stack) map[string][]int {
	out := map[string][]int{}
	for _, e := range s.Entities(standin.ProjectsModuleID) {
		key, _ := e.Values[sourceField].(string)
		i := strings.LastIndex(key, ":")
		if i < 0 {
			continue
		}
		out[key[i+1:]] = append(out[key[i+1:]], e.ID)
	}
	return out
}
