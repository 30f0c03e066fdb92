package funchost

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Streams and levels of a [LogLine].
const (
	StreamStdout = "stdout" // a line the handler wrote to standard output
	StreamStderr = "stderr" // a line the handler wrote to standard error
	StreamHost   = "host"   // an event of the imitated host: exits, restarts, invocations

	LevelInformation = "Information"
	LevelWarning     = "Warning"
	LevelError       = "Error"
)

const (
	maxLogLines   = 10000     // lines kept for [Host.Logs] at most; older ones are dropped
	maxLineLength = 64 * 1024 // longer output is split into several lines
	consolePrefix = "LanguageWorkerConsoleLog"
)

// LogLine is one line of the handler's output, or one event of the host,
// with the level the host files it at.
type LogLine struct {
	Stream string    // StreamStdout, StreamStderr or StreamHost
	Level  string    // LevelInformation, LevelWarning or LevelError
	Text   string    // the line without its line ending
	Time   time.Time // when the host read the line
}

// logBook keeps the host's log lines and copies them to an optional writer.
// It is safe for concurrent use.
type logBook struct {
	mu    sync.Mutex
	lines []LogLine
	tee   io.Writer
}

func (b *logBook) add(stream, level, text string) {
	line := LogLine{Stream: stream, Level: level, Text: text, Time: time.Now()}

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.lines) == maxLogLines {
		// Drop the older half at once, so that keeping the last lines
		// costs O(1) a line rather than a copy of them all.
		b.lines = append(b.lines[:0], b.lines[maxLogLines/2:]...)
	}
	b.lines = append(b.lines, line)
	if b.tee == nil {
		return
	}
	stamp := line.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	if level == LevelInformation {
		fmt.Fprintf(b.tee, "[%s] %s\n", stamp, text)
	} else {
		fmt.Fprintf(b.tee, "[%s] %s: %s\n", stamp, level, text)
	}
}

// hostf records an event of the imitated host.
func (b *logBook) hostf(level, format string, args ...any) {
	b.add(StreamHost, level, fmt.Sprintf(format, args...))
}

func (b *logBook) snapshot() []LogLine {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]LogLine(nil), b.lines...)
}

// lineWriter receives one output stream of a handler process and files
// each complete line. The process's output copier is its only writer;
// flush runs after that copier has finished.
type lineWriter struct {
	book    *logBook
	stream  string
	pending []byte
	last    []string // the last three lines, kept for stderr
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.pending = append(w.pending, p...)
			for len(w.pending) >= maxLineLength {
				w.emit(string(w.pending[:maxLineLength]))
				w.pending = w.pending[maxLineLength:]
			}
			break
		}
		w.pending = append(w.pending, p[:i]...)
		w.emit(string(w.pending))
		w.pending = w.pending[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush files a last line that had no line ending.
func (w *lineWriter) flush() {
	if len(w.pending) > 0 {
		w.emit(string(w.pending))
		w.pending = nil
	}
}

// emit classifies one line: stdout is Information; stderr is Warning when
// it mentions "warn" in any case, else Error. A LanguageWorkerConsoleLog
// prefix marks a worker log line and is removed.
func (w *lineWriter) emit(text string) {
	text = strings.TrimSuffix(text, "\r")
	text = strings.TrimPrefix(text, consolePrefix)

	level := LevelInformation
	if w.stream == StreamStderr {
		level = LevelError
		if strings.Contains(strings.ToLower(text), "warn") {
			level = LevelWarning
		}
		w.last = append(w.last, text)
		if len(w.last) > 3 {
			w.last = w.last[1:]
		}
	}
	w.book.add(w.stream, level, text)
}
