// Command echohandler is the custom handler that package funchost's tests
// run under the imitated host. It answers every request with a JSON
// description of what it received, and has control paths that exit, sleep,
// redirect and set cookies.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// echo is what the handler saw of one request.
type echo struct {
	Method           string            `json:"method"`
	RequestURI       string            `json:"requestURI"`
	Path             string            `json:"path"`
	RawQuery         string            `json:"rawQuery"`
	Host             string            `json:"host"`
	Header           http.Header       `json:"header"`
	Body             string            `json:"body"`
	ContentLength    int64             `json:"contentLength"`
	TransferEncoding []string          `json:"transferEncoding"`
	PID              int               `json:"pid"`
	Args             []string          `json:"args"`
	Dir              string            `json:"dir"`
	Env              map[string]string `json:"env"`
}

// envNames are the variables the echo reports.
var envNames = []string{
	"FUNCTIONS_CUSTOMHANDLER_PORT",
	"FUNCTIONS_HTTPWORKER_PORT",
	"FUNCTIONS_CUSTOMHANDLER_WORKER_ID",
	"FUNCTIONS_HTTPWORKER_ID",
	"FUNCTIONS_APP_ROOT_PATH",
	"ECHO_SETTING",
}

func main() {
	fmt.Println("echohandler: starting")
	fmt.Fprintln(os.Stderr, "warning: x")
	fmt.Fprintln(os.Stderr, "boom")

	switch os.Getenv("ECHO_MODE") {
	case "crash":
		fmt.Fprintln(os.Stderr, "fatal: crash at start")
		os.Exit(1)
	case "hang":
		time.Sleep(time.Hour)
	}

	// With ECHO_STATE_DIR, a restarted handler starts slowly, so that
	// invocations have to wait for it.
	if dir := os.Getenv("ECHO_STATE_DIR"); dir != "" {
		marker := filepath.Join(dir, "started")
		if _, err := os.Stat(marker); err == nil {
			time.Sleep(200 * time.Millisecond)
		}
		if err := os.WriteFile(marker, nil, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "write marker:", err)
			os.Exit(1)
		}
	}

	port := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		port = os.Getenv("FUNCTIONS_HTTPWORKER_PORT")
	}
	err := http.ListenAndServe("127.0.0.1:"+port, http.HandlerFunc(handle))
	fmt.Fprintln(os.Stderr, "listen:", err)
	os.Exit(1)
}

func handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		http.NotFound(w, r) // readiness must not depend on the status
		return
	}
	fmt.Printf("request %s %s\n", r.Method, r.URL.Path)

	lower := strings.ToLower(r.URL.Path)
	switch {
	case strings.HasSuffix(lower, "/control/exit"):
		fmt.Fprintln(os.Stderr, "exiting with code 1")
		os.Exit(1)
	case strings.HasSuffix(lower, "/control/exit0"):
		os.Exit(0)
	case strings.HasSuffix(lower, "/control/exit200"):
		os.Exit(200)
	case strings.HasSuffix(lower, "/control/sleep"):
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		fmt.Fprintln(w, "slept")
	case strings.HasSuffix(lower, "/control/redirect"):
		w.Header().Set("Location", "/api/anon")
		w.WriteHeader(http.StatusFound)
		fmt.Fprint(w, "moved")
	case strings.HasSuffix(lower, "/control/cookies"):
		w.Header().Add("Set-Cookie", "first=1; Path=/")
		w.Header().Add("Set-Cookie", "second=2; Path=/")
		fmt.Fprint(w, "two cookies")
	default:
		writeEcho(w, r)
	}
}

func writeEcho(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	dir, _ := os.Getwd()
	e := echo{
		Method:           r.Method,
		RequestURI:       r.RequestURI,
		Path:             r.URL.Path,
		RawQuery:         r.URL.RawQuery,
		Host:             r.Host,
		Header:           r.Header,
		Body:             string(body),
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		PID:              os.Getpid(),
		Args:             os.Args[1:],
		Dir:              dir,
		Env:              map[string]string{},
	}
	for _, name := range envNames {
		e.Env[name] = os.Getenv(name)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(e)
}
