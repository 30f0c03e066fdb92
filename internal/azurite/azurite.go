// Package azurite starts Azurite's Table service, the Azure Storage
// emulator installed from npm by the Makefile, for tests. It is never
// linked into the handler.
package azurite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Account and Key are Azurite's documented development account. The key
// is public and grants nothing outside the emulator.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/" +
		"K1SZFPTOtr/KBHBeksoGMGw=="
)

// ErrNotInstalled means no azurite-table binary was found.
var ErrNotInstalled = errors.New("azurite: azurite-table not found; run npm ci in the repository")

// Server is a running Azurite Table service.
type Server struct {
	// Endpoint is the table endpoint, http://127.0.0.1:<port>/devstoreaccount1.
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
}

// ConnectionString returns a connection string for the emulator, in the
// form AzureWebJobsStorage takes.
func (s *Server) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + Account + ";AccountKey=" + Key +
		";TableEndpoint=" + s.Endpoint + ";"
}

// Find returns the path of azurite-table: $AZURITE_TABLE_BIN, else
// node_modules/.bin of the repository root (found from dir upwards), else
// PATH.
func Find(dir string) (string, error) {
	if p := os.Getenv("AZURITE_TABLE_BIN"); p != "" {
		return p, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("azurite: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", ".bin", "azurite-table")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if p, err := exec.LookPath("azurite-table"); err == nil {
		return p, nil
	}
	return "", ErrNotInstalled
}

// Start starts Azurite's Table service on a free loopback port, in memory,
// and waits until it accepts connections. dir is where to start looking
// for node_modules.
func Start(ctx context.Context, dir string) (*Server, error) {
	bin, err := Find(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(port),
		"--inMemoryPersistence", "--skipApiVersionCheck", "--disableProductStyleUrl",
		"--disableTelemetry", "--silent")
	cmd.Dir = os.TempDir()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("azurite: start: %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d/%s", port, Account), cmd: cmd,
		done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, errors.New("azurite: exited before it listened")
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, errors.New("azurite: not listening after 30s")
		}
	}
}

// Close stops Azurite and waits for it to exit.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-s.done
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("azurite: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
