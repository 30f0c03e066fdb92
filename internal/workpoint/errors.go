package workpoint

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"projectsync/internal/redact"
)

// Step names the WorkPoint call that failed.
type Step string

// The WorkPoint calls.
const (
	StepModules Step = "list business modules"
	StepModule  Step = "read business module"
	StepQuery   Step = "find entity by title"
	StepCreate  Step = "create entity"
	StepRead    Step = "read entity"
)

// Error reports a failed WorkPoint call with WorkPoint's own words,
// capped and scrubbed.
type Error struct {
	Step   Step
	Method string
	// Path is the route called, without query.
	Path string
	// Status is the HTTP status; 0 when no answer arrived.
	Status int
	// Message is WorkPoint's explanation: ExceptionMessage, else
	// MessageDetail, else Message, else the status text.
	Message string
	// RetryAfter is WorkPoint's Retry-After, zero when absent.
	RetryAfter time.Duration
	// NotSent is set when the call failed before it was sent: no token
	// could be had. WorkPoint then certainly did nothing.
	NotSent bool
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workpoint: %s: %s %s", e.Step, e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil && e.Message == "" {
		fmt.Fprintf(&b, ": %s", redact.Text(e.Err.Error()))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Kind classifies a WorkPoint failure by what the admin must change.
type Kind string

// The kinds of WorkPoint failure.
const (
	KindUnauthorized    Kind = "unauthorized"
	KindForbidden       Kind = "forbidden"
	KindSolution        Kind = "solution-not-found"
	KindSolutionMissing Kind = "solution-header-missing"
	KindModule          Kind = "module-not-found"
	KindEntity          Kind = "entity-not-found"
	KindRoute           Kind = "route-not-found"
	KindFields          Kind = "fields-rejected"
	KindSiteCreation    Kind = "site-creation-rejected"
	KindBadRequest      Kind = "bad-request"
	KindThrottled       Kind = "throttled"
	KindUnavailable     Kind = "unavailable"
	KindUnexpected      Kind = "unexpected-answer"
)

// Kind classifies e from its status and WorkPoint's message.
func (e *Error) Kind() Kind {
	msg := strings.ToLower(e.Message)
	switch {
	case e.Status == 0, e.Status >= 500:
		return KindUnavailable
	case e.Status == http.StatusTooManyRequests:
		return KindThrottled
	case e.Status == http.StatusUnauthorized:
		return KindUnauthorized
	case e.Status == http.StatusForbidden:
		return KindForbidden
	case e.Status == http.StatusNotFound && strings.Contains(msg, "solution"):
		return KindSolution
	case e.Status == http.StatusNotFound && strings.Contains(msg, "business module"):
		return KindModule
	case e.Status == http.StatusNotFound && strings.Contains(msg, "item does not exist"):
		return KindEntity
	case e.Status == http.StatusNotFound:
		return KindRoute
	case e.Status == http.StatusBadRequest && strings.Contains(msg, "workpoint365url"):
		return KindSolutionMissing
	case e.Status == http.StatusBadRequest && strings.Contains(msg, "sitecreationbehaviour"):
		return KindSiteCreation
	case e.Status == http.StatusBadRequest && strings.Contains(msg, "field"):
		return KindFields
	case e.Status == http.StatusBadRequest:
		return KindBadRequest
	case e.Status >= 200 && e.Status < 300:
		return KindUnexpected
	}
	return KindBadRequest
}

// newError decodes WorkPoint's error body: ASP.NET Web API's HttpError
// {Message, MessageDetail, ExceptionMessage, ExceptionType}.
func newError(step Step, method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{Step: step, Method: method, Path: path, Status: resp.StatusCode}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))

	var v struct {
		Message          string `json:"Message"`
		MessageDetail    string `json:"MessageDetail"`
		ExceptionMessage string `json:"ExceptionMessage"`
	}
	_ = json.Unmarshal(body, &v)
	switch {
	case v.ExceptionMessage != "":
		e.Message = v.ExceptionMessage
	case v.MessageDetail != "":
		e.Message = v.MessageDetail
	case v.Message != "":
		e.Message = v.Message
	case len(strings.TrimSpace(string(body))) > 0:
		e.Message = string(body)
	default:
		e.Message = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	if v.Message != "" && e.Message != v.Message && !strings.Contains(e.Message, v.Message) {
		e.Message = v.Message + " " + e.Message
	}
	e.Message = redact.Body([]byte(e.Message))
	return e
}

// retryAfter reads a Retry-After value in seconds or as an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
