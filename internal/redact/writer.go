package redact

import (
	"bytes"
	"io"
	"sync"
)

// Writer scrubs every line written through it with [Text] and the values
// of Known before passing it on. Loggers write whole lines in one call, so
// a write is scrubbed as a unit. It is safe for concurrent use: writes are
// serialised, so lines never interleave.
type Writer struct {
	mu    sync.Mutex
	out   io.Writer
	known *Known
}

// NewWriter returns a Writer to out. A nil known scrubs patterns only.
func NewWriter(out io.Writer, known *Known) *Writer {
	return &Writer{out: out, known: known}
}

// Write scrubs p and writes it. It reports len(p) on success so callers
// that check for short writes are satisfied even when masking changed the
// length.
func (w *Writer) Write(p []byte) (int, error) {
	s := Text(string(p))
	if w.known != nil {
		s = w.known.Scrub(s)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.Copy(w.out, bytes.NewBufferString(s)); err != nil {
		return 0, err
	}
	return len(p), nil
}
