package funchost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// contentHeaders are the headers .NET keeps on a request's content rather
// than on the request. The host copies the caller's headers onto the
// request, where these cannot live, so they are dropped; Content-Type and
// Content-Length come back only with a body.
var contentHeaders = map[string]bool{
	"Allow":               true,
	"Content-Disposition": true,
	"Content-Encoding":    true,
	"Content-Language":    true,
	"Content-Length":      true,
	"Content-Location":    true,
	"Content-Md5":         true,
	"Content-Range":       true,
	"Content-Type":        true,
	"Expires":             true,
	"Last-Modified":       true,
}

// newForwardClient returns the client that calls the handler: no proxy, no
// cookie jar, no redirect following, no transparent decompression.
func newForwardClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// invoke runs one invocation of fn on the handler process p and logs it as
// the host does.
func (h *Host) invoke(w http.ResponseWriter, r *http.Request, fn *Function, p *process) {
	id := newGUID()
	start := time.Now()
	h.book.hostf(LevelInformation, "Executing 'Functions.%s' (Id=%s)", fn.Name, id)

	err := h.forward(w, r, p, id)
	ms := time.Since(start).Milliseconds()
	if err != nil {
		h.book.hostf(LevelError, "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms): %v",
			fn.Name, id, ms, err)
		return
	}
	h.book.hostf(LevelInformation, "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
		fn.Name, id, ms)
}

// forward sends r to the handler, buffers the handler's whole response and
// copies it to w. On failure it answers 500 with an empty body and returns
// why.
func (h *Host) forward(w http.ResponseWriter, r *http.Request, p *process, id string) error {
	if isChunked(r) && h.opts.ChunkedRequests == ChunkedFail {
		w.WriteHeader(http.StatusInternalServerError)
		return errors.New("a chunked request without Content-Length cannot be forwarded")
	}

	ctx := r.Context()
	if t := h.app.FunctionTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	out, err := newForwardRequest(ctx, r, h.HandlerURL(), id)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return err
	}

	resp, err := h.client.Do(out)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil {
			h.restartAfterTimeout(p)
			return fmt.Errorf("timeout value of %s exceeded; restarting the handler",
				h.app.FunctionTimeout)
		}
		return fmt.Errorf("call the handler: %w", withoutURL(err))
	}

	header := w.Header()
	for k, vv := range resp.Header {
		header[k] = append([]string(nil), vv...)
	}
	for k, v := range h.app.CustomHeaders {
		header.Set(k, v)
	}
	if r.Method != http.MethodHead && bodyAllowed(resp.StatusCode) {
		header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// newForwardRequest builds the request the host sends to the handler for
// r: same method, same path, rebuilt query, the caller's headers and Host,
// and a body only when r had a Content-Length above zero.
func newForwardRequest(ctx context.Context, r *http.Request, base, id string) (
	*http.Request, error) {
	target := base + r.URL.EscapedPath() + rebuildQuery(r.URL.RawQuery)
	out, err := http.NewRequestWithContext(ctx, r.Method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("build the forwarded request: %w", withoutURL(err))
	}
	out.Host = r.Host
	out.Header = forwardHeaders(r.Header, id)

	if r.ContentLength > 0 {
		out.Body = r.Body
		out.ContentLength = r.ContentLength
		if ct := r.Header.Values("Content-Type"); len(ct) > 0 {
			out.Header.Set("Content-Type", strings.Join(ct, ", "))
		}
	}
	return out, nil
}

// forwardHeaders copies the caller's headers without content headers and
// adds the host's own. Repeated headers travel as one line, as .NET sends
// them.
func forwardHeaders(in http.Header, id string) http.Header {
	out := make(http.Header, len(in)+3)
	for k, vv := range in {
		k = http.CanonicalHeaderKey(k)
		if contentHeaders[k] || len(vv) == 0 {
			continue
		}
		out[k] = []string{joinHeader(k, vv)}
	}

	ua := "Azure-Functions-Host/" + HostVersion
	if caller := out.Get("User-Agent"); caller != "" {
		ua = caller + " " + ua
	}
	out.Set("User-Agent", ua)
	appendHeader(out, "X-Azure-Functions-Hostversion", HostVersion)
	appendHeader(out, "X-Azure-Functions-Invocationid", id)
	return out
}

// joinHeader joins the values of a repeated header with the separator .NET
// uses for it.
func joinHeader(name string, values []string) string {
	switch name {
	case "User-Agent":
		return strings.Join(values, " ")
	case "Cookie":
		return strings.Join(values, "; ")
	}
	return strings.Join(values, ", ")
}

// appendHeader adds a value to a header as .NET's Headers.Add does: a value
// the caller already sent stays, and the new one joins it on the same line.
func appendHeader(h http.Header, name, value string) {
	if old := h.Get(name); old != "" {
		value = old + ", " + value
	}
	h.Set(name, value)
}

// isChunked reports whether r came with Transfer-Encoding: chunked.
func isChunked(r *http.Request) bool {
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return true
		}
	}
	return false
}

// bodyAllowed reports whether a response with this status carries a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// withoutURL drops the URL from a client error: its query may hold a
// function key.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// newGUID returns a random (version 4) GUID in its usual text form.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
