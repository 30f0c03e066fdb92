//go:build !linux

package ledger

import "os/exec"

// stopWithTests does nothing here: only Linux can tie a child's life to
// its parent's.
func stopWithTests(cmd *exec.Cmd) {}

// killTree kills cmd's process.
func killTree(cmd *exec.Cmd) {
	cmd.Process.Kill()
}
