package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"projectsync/internal/funchost"
	"projectsync/internal/standin"
)

// cases holds B1 and B2 of the cases from the field: the raw SharePoint
// item of the list Projects, and a body a maker composed.
//
//go:embed cases/*.json
var cases embed.FS

type demoCase struct {
	name, file, explain string
}

var demoCases = []demoCase{
	{"B1", "cases/project-gold.sharepoint-item.json",
		"the SharePoint item as the trigger hands it (@triggerBody())"},
	{"B2", "cases/composed.json", "a body the maker composed, parent named by title " +
		"(its sourceId differs from B1's {Identifier}, so it is another item to ProjectSync)"},
}

// demo runs the chain once per case and checks the outcome.
func demo(ctx context.Context, args []string) error {
	f, err := parseStackFlags("demo", args, 0)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var logs bytes.Buffer
	stack, host, err := startStack(ctx, f, &logs)
	if err != nil {
		return err
	}
	defer stack.Close()
	defer host.Close()
	fmt.Printf("== Stand-ins up; handler ready %s after exec, behind the host imitation at %s\n",
		host.ReadyAfter().Round(time.Millisecond), host.URL())

	var failures []string
	for _, c := range demoCases {
		failures = append(failures, runCase(ctx, stack, host, c)...)
	}

	fmt.Println("\n== Handler log lines")
	fmt.Print(logs.String())

	answers := strings.Join(seenAnswers, "\n")
	for _, planted := range append(stack.Planted(), demoKey) {
		if strings.Contains(logs.String(), planted) || strings.Contains(answers, planted) {
			failures = append(failures,
				"a secret, token or function key appears in the logs or answers")
			break
		}
	}

	fmt.Println()
	if len(failures) > 0 {
		for _, f := range failures {
			fmt.Println("FAIL:", f)
		}
		return fmt.Errorf("demo failed: %d check(s)", len(failures))
	}
	fmt.Println("OK: both cases created Project Gold under WorkPoint A/S; " +
		"no secret, token or key in the logs or answers.")
	return nil
}

var seenAnswers []string

// runCase posts one case the way a flow's HTTP action does and prints the
// answer and the entity WorkPoint now holds.
func runCase(ctx context.Context, stack *standin.Stack, host *funchost.Host, c demoCase) []string {
	body, err := cases.ReadFile(c.file)
	if err != nil {
		return []string{c.name + ": " + err.Error()}
	}
	fmt.Printf("\n== %s: POST /api/ProjectSync with %s\n", c.name, c.explain)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		host.URL()+"/api/ProjectSync?code="+demoKey, bytes.NewReader(body))
	if err != nil {
		return []string{c.name + ": " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "azure-logic-apps/1.0 "+
		"(workflow 3f0c2a9e8b7d4c1e9a6f5b4c3d2e1f00; version 08584712345678901234)")
	req.Header.Set("x-ms-workflow-run-id", "08584712345612345678901234567CU12-"+c.name)
	req.Header.Set("x-ms-workflow-name", "projectsync-demo")

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return []string{c.name + ": " + err.Error()}
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	seenAnswers = append(seenAnswers, string(answer))
	fmt.Printf("-> %s\n%s", resp.Status, indent(answer))

	var got struct {
		EntityID int    `json:"entityId"`
		Title    string `json:"title"`
	}
	_ = json.Unmarshal(answer, &got)
	if resp.StatusCode != http.StatusCreated || got.EntityID <= 0 {
		return []string{fmt.Sprintf("%s: got %s, want 201 with an entityId", c.name, resp.Status)}
	}

	ent, ok := stack.Entity(standin.ProjectsModuleID, got.EntityID)
	if !ok {
		return []string{fmt.Sprintf("%s: WorkPoint holds no entity %d", c.name, got.EntityID)}
	}
	fmt.Printf("WorkPoint now holds, in business module Projects:\n%s", indent(mustJSON(ent)))
	var fails []string
	if ent.Title != "Project Gold" {
		fails = append(fails,
			fmt.Sprintf("%s: entity title %q, want Project Gold", c.name, ent.Title))
	}
	if ent.Parent != "WorkPoint A/S" {
		fails = append(fails,
			fmt.Sprintf("%s: entity parent %q, want WorkPoint A/S", c.name, ent.Parent))
	}
	return fails
}

func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, bytes.TrimSpace(b), "   ", "  ") != nil {
		return "   " + string(b) + "\n"
	}
	return "   " + out.String() + "\n"
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return b
}
