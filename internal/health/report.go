package health

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"

	"projectsync/internal/project"
)

func errParent(title, moduleID string, found int) error {
	return &project.ParentError{Parent: project.ParentRef{Title: title}, ModuleID: moduleID,
		Found: found}
}

// Handler serves the report as JSON: 200 when healthy, 503 when not.
func Handler(c *Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := c.Run(r.Context())
		status := http.StatusOK
		if !rep.Healthy() {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	})
}

// WriteText prints the report as a table for a terminal.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ProjectSync health: %s (%s)\n\n", r.Status, stamp(r.CheckedAt))
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark(c.Status), c.Name, c.Detail)
		if c.Code != "" {
			fmt.Fprintf(tw, "\t\tcode: %s\n\t\tfix:  %s\n", c.Code, c.Fix)
		}
	}
	return tw.Flush()
}

func mark(status string) string {
	switch status {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	case Fail:
		return "FAIL"
	}
	return "SKIP"
}
