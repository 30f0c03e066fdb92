package funchost

import "strings"

// queryParam is one name=value pair of a query string, decoded.
type queryParam struct {
	key, value string
}

// parseQuery splits a raw query into decoded pairs in order: "+" is a
// space, percent escapes are decoded where valid, and a name without "="
// has an empty value.
func parseQuery(raw string) []queryParam {
	var params []queryParam
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		params = append(params, queryParam{key: decodeComponent(k), value: decodeComponent(v)})
	}
	return params
}

// rebuildQuery rebuilds a raw query the way the host does before it
// forwards a request: parsed into a dictionary with case-insensitive keys
// in first-seen order, repeated keys joined into one value with ",", and
// every key and value encoded again. It returns "" or "?" plus the query.
func rebuildQuery(raw string) string {
	var (
		order  []string
		values = map[string][]string{}
		names  = map[string]string{} // lower-case key -> first-seen spelling
	)
	for _, p := range parseQuery(raw) {
		lower := strings.ToLower(p.key)
		if _, ok := names[lower]; !ok {
			names[lower] = p.key
			order = append(order, lower)
		}
		values[lower] = append(values[lower], p.value)
	}
	if len(order) == 0 {
		return ""
	}

	var b strings.Builder
	for i, lower := range order {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(encodeComponent(names[lower]))
		b.WriteByte('=')
		b.WriteString(encodeComponent(strings.Join(values[lower], ",")))
	}
	return b.String()
}

// decodeComponent decodes one query component leniently: "+" is a space,
// and an invalid percent escape stays as written.
func decodeComponent(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// encodeComponent percent-encodes every byte except the RFC 3986
// unreserved characters, so a space becomes %20 and a comma %2C.
func encodeComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
