package ledger

import (
	"os/exec"
	"syscall"
)

// stopWithTests puts cmd in a process group of its own and has the kernel
// kill it if the test binary dies first, so that no Azurite outlives the
// tests.
func stopWithTests(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killTree kills cmd's process group.
func killTree(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
