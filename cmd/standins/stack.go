package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"projectsync/internal/funchost"
	"projectsync/internal/standin"
)

// stackFlags are the flags of demo and run.
type stackFlags struct {
	app     string
	port    int
	auth    bool
	timeout time.Duration
}

func parseStackFlags(name string, args []string, defPort int) (stackFlags, error) {
	var f stackFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&f.app, "app", ".", "the Functions app folder: host.json, ProjectSync/, handler")
	fs.IntVar(&f.port, "port", defPort, "front door port; 0 picks a free one")
	fs.BoolVar(&f.auth, "auth", name == "demo", "check function keys, as Azure does")
	fs.DurationVar(&f.timeout, "ready-timeout", 30*time.Second,
		"how long the handler may take to start")
	return f, fs.Parse(args)
}

// demoKey is the function key of the local stack. It is planted so that
// the demo can show it never reaches a log line.
const demoKey = "local-function-key-7f3a9c2e1b"

// startStack starts the stand-ins and the handler behind the host
// imitation. The caller closes both.
func startStack(ctx context.Context, f stackFlags,
	logs io.Writer) (*standin.Stack, *funchost.Host, error) {
	stack, err := standin.Start(standin.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("start stand-ins: %w", err)
	}
	app, err := funchost.Load(f.app)
	if err != nil {
		stack.Close()
		return nil, nil, fmt.Errorf("load app %s: %w (run make build first)", f.app, err)
	}

	addr := "127.0.0.1:0"
	if f.port != 0 {
		addr = fmt.Sprintf("127.0.0.1:%d", f.port)
	}
	host, err := funchost.Start(ctx, app, funchost.Options{
		Env:          handlerEnv(stack),
		Addr:         addr,
		Auth:         f.auth,
		Keys:         []string{demoKey},
		Logs:         logs,
		ReadyTimeout: f.timeout,
	})
	if err != nil {
		stack.Close()
		return nil, nil, fmt.Errorf("start handler: %w", err)
	}
	return stack, host, nil
}

// handlerEnv is the handler's environment: this process's, the stand-ins'
// network settings, and the app settings of the local world, except those
// this process's environment sets itself (LOG_LEVEL=info make run).
func handlerEnv(stack *standin.Stack) []string {
	env := append(os.Environ(), stack.Env()...)
	settings := stack.Settings()
	keys := make([]string, 0, len(settings))
	for k := range settings {
		if _, set := os.LookupEnv(k); set {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+settings[k])
	}
	return env
}

// runStack keeps the stack up on the front door port until interrupted.
func runStack(ctx context.Context, args []string) error {
	f, err := parseStackFlags("run", args, 7071)
	if err != nil {
		return err
	}
	stack, host, err := startStack(ctx, f, os.Stdout)
	if err != nil {
		return err
	}
	defer stack.Close()
	defer host.Close()

	key := ""
	if f.auth {
		key = "?code=" + demoKey
	}
	fmt.Printf("\nProjectSync is running at %s (handler ready after %s).\n", host.URL(),
		host.ReadyAfter().Round(time.Millisecond))
	fmt.Printf("Try:\n  curl -sS -X POST '%s/api/ProjectSync%s' \\\n"+
		"    -H 'Content-Type: application/json' \\\n"+
		"    -d '{\"title\": \"Website relaunch\", \"parent\": \"WorkPoint A/S\", "+
		"\"sourceId\": \"demo-1\"}'\n",
		host.URL(), key)
	fmt.Println("Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// serve starts only the stand-ins and prints how to point a handler, or
// the real Functions host, at them.
func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", ".demo", "folder for the stand-ins' CA certificate")
	proxyAddr := fs.String("proxy", "127.0.0.1:7080", "address of the HTTPS proxy")
	identityAddr := fs.String("identity", "127.0.0.1:7081",
		"address of the managed identity endpoint")
	header := fs.String("identity-header", "local-identity-header",
		"the X-IDENTITY-HEADER value the identity endpoint expects")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	stack, err := standin.Start(standin.Options{Dir: *dir, ProxyAddr: *proxyAddr,
		IdentityAddr: *identityAddr, IdentityHeader: *header})
	if err != nil {
		return err
	}
	defer stack.Close()

	fmt.Println("# The stand-ins are running. Environment for the handler (or func start):")
	for _, kv := range stack.Env() {
		fmt.Println("export " + shellQuote(kv))
	}
	settings := stack.Settings()
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Println("export " + shellQuote(k+"="+settings[k]))
	}
	fmt.Println("# Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

func shellQuote(kv string) string {
	k, v, _ := strings.Cut(kv, "=")
	return k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
