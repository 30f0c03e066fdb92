package funchost

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// expandEnv replaces %NAME% references with the values of environment
// variables. Unknown references stay as written, or are removed when drop
// is set, which is what the host does to arguments.
func expandEnv(s string, drop bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		b.WriteString(s[:i])
		if v, ok := os.LookupEnv(name); ok && name != "" {
			b.WriteString(v)
			s = s[i+j+2:]
			continue
		}
		if drop && name != "" && !strings.ContainsAny(name, " \t") {
			s = s[i+j+2:]
			continue
		}
		b.WriteByte('%')
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}

// splitCommandLine splits a command line into arguments with the rules the
// host's process start uses: white space separates, double quotes group,
// "" inside quotes is a quote, and backslashes escape only a quote.
func splitCommandLine(line string) []string {
	var (
		args    []string
		cur     strings.Builder
		inArg   bool
		quoted  bool
		slashes int
	)
	flushSlashes := func() {
		cur.WriteString(strings.Repeat(`\`, slashes))
		slashes = 0
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\':
			slashes++
			inArg = true
		case c == '"':
			cur.WriteString(strings.Repeat(`\`, slashes/2))
			odd := slashes%2 == 1
			slashes = 0
			inArg = true
			switch {
			case odd:
				cur.WriteByte('"')
			case quoted && i+1 < len(line) && line[i+1] == '"':
				cur.WriteByte('"')
				i++
			default:
				quoted = !quoted
			}
		case (c == ' ' || c == '\t') && !quoted:
			flushSlashes()
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			flushSlashes()
			cur.WriteByte(c)
			inArg = true
		}
	}
	flushSlashes()
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// parseTimeSpan reads a .NET time span as host.json writes functionTimeout:
// "hh:mm:ss", "hh:mm:ss.fff" or "d.hh:mm:ss". "-1" means no limit and
// yields zero.
func parseTimeSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "-1" {
		return 0, nil
	}

	var days int
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("%q is not hh:mm:ss", s)
	}
	if d, h, ok := strings.Cut(parts[0], "."); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q has a bad day count", s)
		}
		days, parts[0] = n, h
	}
	h, errH := strconv.Atoi(parts[0])
	m, errM := strconv.Atoi(parts[1])
	sec, errS := strconv.ParseFloat(parts[2], 64)
	if errH != nil || errM != nil || errS != nil || h < 0 || m < 0 || m > 59 ||
		sec < 0 || sec >= 60 {
		return 0, fmt.Errorf("%q is not hh:mm:ss", s)
	}

	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour +
		time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second))
	if d == 0 {
		return 0, fmt.Errorf("%q is zero", s)
	}
	return d, nil
}
