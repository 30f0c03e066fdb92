package funchost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Authorization levels of an HTTP trigger, as [Function].AuthLevel holds them.
const (
	AuthAnonymous = "anonymous"
	AuthFunction  = "function"
	AuthAdmin     = "admin"
)

const (
	defaultRoutePrefix     = "api"
	defaultFunctionTimeout = 30 * time.Minute // Flex Consumption, Premium, Dedicated
)

// App is a Functions app folder: host.json plus one folder per function.
// [Load] fills it in; a test may adjust fields before calling [Start].
type App struct {
	// Root is the absolute path of the app folder, the one holding host.json.
	Root string

	// Executable is the absolute path of the handler binary:
	// customHandler.description.defaultExecutablePath resolved against Root.
	Executable string

	// Args are the handler's command-line arguments, split from the joined
	// description.arguments the way the host splits its command line.
	Args []string

	// WorkingDir is the handler's working directory: Root, or
	// description.workingDirectory resolved against Root.
	WorkingDir string

	// Forwarding reports whether enableForwardingHttpRequest is on. The old
	// httpWorker section implies it.
	Forwarding bool

	// Proxying reports whether enableProxyingHttpRequest is on, the newer
	// streaming mode that [Start] does not imitate.
	Proxying bool

	// RoutePrefix is extensions.http.routePrefix without surrounding
	// slashes: "api" when host.json does not set it, "" when it is empty.
	RoutePrefix string

	// FunctionTimeout is host.json functionTimeout: how long an invocation
	// may run before the host answers 500 and restarts the handler. It is
	// 30 minutes when host.json does not set it, and zero ("-1" in
	// host.json) means no limit.
	FunctionTimeout time.Duration

	// CustomHeaders are extensions.http.customHeaders, added to every
	// forwarded response.
	CustomHeaders map[string]string

	// Functions are the app's functions in name order.
	Functions []Function
}

// Function is one function folder with an HTTP trigger and an HTTP output.
type Function struct {
	// Name is the folder name.
	Name string

	// Route is the trigger's route template, without the route prefix; the
	// function name when function.json does not set one.
	Route string

	// AuthLevel is AuthAnonymous, AuthFunction (the default) or AuthAdmin.
	AuthLevel string

	// Methods are the accepted HTTP methods in lower case; nil accepts all.
	Methods []string

	// Disabled reports whether function.json sets "disabled": true; the
	// front door then answers 404.
	Disabled bool
}

// hostFile is the part of host.json the imitation reads. Property names
// match case-insensitively, as they do for the host.
type hostFile struct {
	Version       json.RawMessage  `json:"version"`
	CustomHandler *handlerSection  `json:"customHandler"`
	HTTPWorker    *handlerSection  `json:"httpWorker"`
	Extensions    extensionsConfig `json:"extensions"`
	Timeout       *string          `json:"functionTimeout"`
}

type handlerSection struct {
	Description *struct {
		DefaultExecutablePath string   `json:"defaultExecutablePath"`
		Arguments             []string `json:"arguments"`
		DefaultWorkerPath     string   `json:"defaultWorkerPath"`
		WorkerArguments       []string `json:"workerArguments"`
		WorkingDirectory      string   `json:"workingDirectory"`
		WorkerDirectory       string   `json:"workerDirectory"`
	} `json:"description"`
	EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
	EnableProxyingHTTPRequest   bool `json:"enableProxyingHttpRequest"`
}

type extensionsConfig struct {
	HTTP struct {
		RoutePrefix   *string           `json:"routePrefix"`
		CustomHeaders map[string]string `json:"customHeaders"`
	} `json:"http"`
}

// Load reads the Functions app in appRoot: host.json and every direct
// subfolder that holds a function.json. It applies the host's defaults and
// rejects what the host rejects. %NAME% references in the executable path
// and arguments are expanded from this process's environment.
func Load(appRoot string) (*App, error) {
	root, err := filepath.Abs(appRoot)
	if err != nil {
		return nil, fmt.Errorf("funchost: resolve app root %q: %w", appRoot, err)
	}

	raw, err := os.ReadFile(filepath.Join(root, "host.json"))
	if err != nil {
		return nil, fmt.Errorf("funchost: read host.json: %w", err)
	}
	var hf hostFile
	if err := json.Unmarshal(raw, &hf); err != nil {
		return nil, fmt.Errorf("funchost: parse host.json: %w", err)
	}

	app := &App{Root: root}
	if err := app.applyHostFile(&hf); err != nil {
		return nil, err
	}

	app.Functions, err = loadFunctions(root)
	if err != nil {
		return nil, err
	}
	return app, nil
}

// applyHostFile validates host.json and copies its settings into a.
func (a *App) applyHostFile(hf *hostFile) error {
	var version string
	if len(hf.Version) == 0 {
		return errors.New(`funchost: host.json: missing the required "version" property`)
	}
	if err := json.Unmarshal(hf.Version, &version); err != nil || version != "2.0" {
		return fmt.Errorf(`funchost: host.json: version is %s, want "2.0"`, hf.Version)
	}

	section := hf.CustomHandler
	if section == nil && hf.HTTPWorker != nil {
		section = hf.HTTPWorker
		section.EnableForwardingHTTPRequest = true
	}
	if section == nil {
		return errors.New("funchost: host.json: no customHandler section")
	}
	if err := a.applyDescription(section); err != nil {
		return err
	}
	a.Forwarding = section.EnableForwardingHTTPRequest
	a.Proxying = section.EnableProxyingHTTPRequest

	a.RoutePrefix = defaultRoutePrefix
	if p := hf.Extensions.HTTP.RoutePrefix; p != nil {
		a.RoutePrefix = strings.Trim(*p, "/")
	}
	a.CustomHeaders = hf.Extensions.HTTP.CustomHeaders

	a.FunctionTimeout = defaultFunctionTimeout
	if hf.Timeout != nil {
		d, err := parseTimeSpan(*hf.Timeout)
		if err != nil {
			return fmt.Errorf("funchost: host.json: functionTimeout: %w", err)
		}
		a.FunctionTimeout = d
	}
	return nil
}

// applyDescription resolves the executable, arguments and working directory.
func (a *App) applyDescription(section *handlerSection) error {
	d := section.Description
	if d == nil || strings.TrimSpace(d.DefaultExecutablePath) == "" {
		return errors.New("funchost: host.json: customHandler.description." +
			"defaultExecutablePath cannot be empty")
	}

	base := resolve(a.Root, expandEnv(d.WorkerDirectory, false))
	exe := resolve(base, expandEnv(d.DefaultExecutablePath, false))
	info, err := os.Stat(exe)
	if err != nil {
		return fmt.Errorf("funchost: host.json: defaultExecutablePath: %w", err)
	}
	if info.IsDir() {
		return fmt.Errorf("funchost: host.json: defaultExecutablePath %s is a directory", exe)
	}
	a.Executable = exe

	line := expandEnv(strings.Join(d.Arguments, " "), true)
	if d.DefaultWorkerPath != "" {
		line += ` "` + expandEnv(d.DefaultWorkerPath, true) + `"`
	}
	if len(d.WorkerArguments) > 0 {
		line += " " + expandEnv(strings.Join(d.WorkerArguments, " "), true)
	}
	a.Args = splitCommandLine(line)

	a.WorkingDir = resolve(a.Root, expandEnv(d.WorkingDirectory, false))
	return nil
}

// loadFunctions reads every direct subfolder of root with a function.json.
func loadFunctions(root string) ([]Function, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("funchost: list functions: %w", err)
	}

	var fns []Function
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, e.Name(), "function.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("funchost: read %s/function.json: %w", e.Name(), err)
		}
		fn, err := parseFunction(e.Name(), raw)
		if err != nil {
			return nil, fmt.Errorf("funchost: function %s: %w", e.Name(), err)
		}
		fns = append(fns, fn)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	return fns, nil
}

// resolve joins a relative path to base; an empty path is base itself.
func resolve(base, path string) string {
	if path == "" {
		return base
	}
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(base, path)
}
