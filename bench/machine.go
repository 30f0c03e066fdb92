package bench

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ReadMachine describes this machine from /proc; what cannot be read is
// left empty.
func ReadMachine() Machine {
	m := Machine{
		CPUs:      runtime.NumCPU(),
		GoVersion: runtime.Version(),
		OSArch:    runtime.GOOS + "/" + runtime.GOARCH,
	}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		n, _ := strconv.ParseUint(strings.Fields(kb)[0], 10, 64)
		m.MemoryBytes = n * 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.LoadAverage, _ = LoadAverage()
	return m
}

// procField returns the value of the first "name: value" line of a /proc
// file such as /proc/cpuinfo, or "".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// LoadAverage returns the 1, 5 and 15 minute load averages.
func LoadAverage() ([3]float64, error) {
	var la [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return la, fmt.Errorf("bench: read load average: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return la, fmt.Errorf("bench: read load average: unexpected %q", b)
	}
	for i := range la {
		if la[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return la, fmt.Errorf("bench: read load average: %w", err)
		}
	}
	return la, nil
}

// WaitForQuiet waits, checking every step, until the 1 minute load average
// is at most limit or longest has passed, and returns how long it waited.
func WaitForQuiet(ctx context.Context, limit float64, step, longest time.Duration,
	logf func(string, ...any)) time.Duration {
	start := time.Now()
	for {
		la, err := LoadAverage()
		if err != nil || la[0] <= limit || time.Since(start) >= longest {
			return time.Since(start)
		}
		logf("load average %.2f is above %.2f; waiting %s (waited %s of at most %s)",
			la[0], limit, step, time.Since(start).Round(time.Second), longest)
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(step):
		}
	}
}

// Commit returns the short commit of the working tree in dir, and whether
// it has uncommitted changes; "nocommit" when dir is not a git checkout.
func Commit(ctx context.Context, dir string) (string, bool) {
	out, err := gitOutput(ctx, dir, "rev-parse", "--short", "HEAD")
	if err != nil || out == "" {
		return "nocommit", false
	}
	status, err := gitOutput(ctx, dir, "status", "--porcelain", "--untracked-files=no")
	return out, err == nil && status != ""
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// ReadBinary describes the executable at path: its size and the Go version
// it was built with.
func ReadBinary(path string) (Binary, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Binary{}, fmt.Errorf("bench: stat handler: %w", err)
	}
	b := Binary{Path: path, SizeBytes: fi.Size()}
	if info, err := buildinfo.ReadFile(path); err == nil {
		b.GoVersion = info.GoVersion
	}
	return b, nil
}
