// Command standins runs ProjectSync's local stand-ins for Entra ID, Key
// Vault, the managed identity endpoint and the WorkPoint Web API, and the
// handler behind an imitation of the Functions host.
//
//	standins demo  -app DIR   run cases B1 and B2 end to end, print, stop
//	standins run   -app DIR   keep the stack running on localhost:7071
//	standins serve            only the stand-ins; print the environment
//
// It is a development tool: nothing of it is linked into the handler.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: standins demo|run|serve [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "demo":
		err = demo(ctx, args[1:])
	case "run":
		err = runStack(ctx, args[1:])
	case "serve":
		err = serve(ctx, args[1:])
	default:
		err = fmt.Errorf("unknown command %q: want demo, run or serve", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "standins:", err)
		return 1
	}
	return 0
}
