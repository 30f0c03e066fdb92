package workpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/rs/zerolog"
)

// maxAnswer caps how much of a WorkPoint answer is read.
const maxAnswer = 4 << 20

// do sends one call and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, step Step, method, path string, in, out any) error {
	fail := func(err error) *Error {
		return &Error{Step: step, Method: method, Path: path, Err: err}
	}
	req, err := runtime.NewRequest(ctx, method, c.base+path)
	if err != nil {
		return fail(fmt.Errorf("workpoint: build request: %w", err))
	}
	h := req.Raw().Header
	h.Set(HeaderSolutionURL, c.solution)
	h.Set("Accept", "application/json")
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return fail(fmt.Errorf("workpoint: encode body: %w", err))
		}
		err = req.SetBody(streaming.NopCloser(bytes.NewReader(body)), "application/json")
		if err != nil {
			return fail(fmt.Errorf("workpoint: set body: %w", err))
		}
	}

	resp, err := c.pl.Do(req)
	if err != nil {
		var te *tokenError
		e := fail(err)
		e.NotSent = errors.As(err, &te)
		return e
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &Error{Step: step, Method: method, Path: path, Status: resp.StatusCode,
			Err: fmt.Errorf("workpoint: read answer: %w", err)}
	}
	zerolog.Ctx(ctx).Debug().Str("step", string(step)).Str("method", method).Str("path", path).
		Int("status", resp.StatusCode).Msg("workpoint call")

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(step, method, path, resp, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		e := fail(fmt.Errorf("workpoint: decode answer: %w", err))
		e.Status, e.Message = resp.StatusCode, "answer is not the JSON expected"
		return e
	}
	return nil
}

// IsTransient reports whether err is a fault that may pass: throttling,
// a 5xx, or no answer at all.
func IsTransient(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// escapeXML escapes a value for a CAML query.
func escapeXML(s string) string {
	var b strings.Builder
	_ = xmlEscape(&b, s)
	return b.String()
}

func camlTextEquals(field, value string, limit int) string {
	return fmt.Sprintf("<View><Query><Where><Eq><FieldRef Name='%s'/>"+
		"<Value Type='Text'>%s</Value></Eq></Where></Query><RowLimit>%d</RowLimit></View>",
		escapeXML(field), escapeXML(value), limit)
}
