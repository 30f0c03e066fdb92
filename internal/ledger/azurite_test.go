package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The storage emulator's well-known account, with the key it publishes.
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// azuriteStartTimeout bounds the wait for Azurite to accept connections.
const azuriteStartTimeout = 30 * time.Second

// azurite is the Azurite Table service the tests share. It starts on first
// use and stops in TestMain.
var azurite struct {
	once     sync.Once
	endpoint string // the Table service URL
	missing  string // why no azurite-table binary was found
	err      error  // why it did not start

	cmd    *exec.Cmd
	exited chan struct{}
	dir    string
	out    *capped
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := stopAzurite(); err != nil {
		fmt.Fprintln(os.Stderr, "stop azurite-table:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// azuriteConnectionString returns a connection string of the test Azurite,
// starting it on first use. Without an azurite-table binary the test is
// skipped, or fails if the environment variable CI is "true".
func azuriteConnectionString(t *testing.T) string {
	t.Helper()
	azurite.once.Do(startAzurite)
	switch {
	case azurite.missing != "" && os.Getenv("CI") == "true":
		t.Fatalf("azurite-table is needed in CI: %s", azurite.missing)
	case azurite.missing != "":
		t.Skipf("skipping the Table tests: %s", azurite.missing)
	case azurite.err != nil:
		t.Fatalf("start azurite-table: %v", azurite.err)
	}
	return "DefaultEndpointsProtocol=http;AccountName=" + azuriteAccount +
		";AccountKey=" + azuriteKey + ";TableEndpoint=" + azurite.endpoint + ";"
}

// findAzurite returns the path of azurite-table: $AZURITE_TABLE_BIN, else
// node_modules/.bin of the nearest directory above that has one (npm ci
// installs it from the repository's package.json), else from PATH.
func findAzurite() (string, error) {
	if bin := os.Getenv("AZURITE_TABLE_BIN"); bin != "" {
		return bin, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		bin := filepath.Join(dir, "node_modules", ".bin", "azurite-table")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return exec.LookPath("azurite-table")
}

func startAzurite() {
	bin, err := findAzurite()
	if err != nil {
		azurite.missing = "no azurite-table in AZURITE_TABLE_BIN, node_modules/.bin " +
			"or PATH; run npm ci in the repository root"
		return
	}
	// A port found free may be taken before Azurite binds it: try again.
	for range 3 {
		var retry bool
		retry, azurite.err = runAzurite(bin)
		if !retry {
			return
		}
	}
}

// runAzurite starts Azurite on a free port and waits until it accepts
// connections. It reports retry if the port was taken meanwhile.
func runAzurite(bin string) (retry bool, err error) {
	port, err := freePort()
	if err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "ledger-azurite-")
	if err != nil {
		return false, err
	}
	out := &capped{max: 64 << 10}
	cmd := exec.Command(bin, "--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(port),
		"--inMemoryPersistence", "--skipApiVersionCheck", "--disableProductStyleUrl",
		"--disableTelemetry", "--silent")
	cmd.Dir = dir // Azurite's working files, if any, go here
	cmd.Stdout, cmd.Stderr = out, out
	stopWithTests(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return false, err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	azurite.cmd, azurite.exited, azurite.dir, azurite.out = cmd, exited, dir, out

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(azuriteStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			stopAzurite()
			return strings.Contains(out.String(), "EADDRINUSE"),
				fmt.Errorf("azurite-table exited: %s", out.String())
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, 250*time.Millisecond); err == nil {
			conn.Close()
			azurite.endpoint = "http://" + addr + "/" + azuriteAccount
			return false, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopAzurite()
	return false, fmt.Errorf("azurite-table did not listen on %s within %v: %s",
		addr, azuriteStartTimeout, out.String())
}

// stopAzurite ends the Azurite process, if one runs, and removes its
// directory.
func stopAzurite() error {
	if azurite.cmd == nil {
		return nil
	}
	cmd, exited, dir := azurite.cmd, azurite.exited, azurite.dir
	azurite.cmd = nil
	defer os.RemoveAll(dir)

	killTree(cmd)
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("azurite-table did not exit")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// capped keeps the first max bytes written to it, for error messages.
type capped struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSpace(c.buf.String())
}
