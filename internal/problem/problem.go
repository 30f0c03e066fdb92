// Package problem turns every failure into an RFC 9457 problem document
// with a stable code a flow can branch on, the cause and the fix.
//
// The catalogue in codes.go is the single place where a code gets its HTTP
// status; [FromError] is the single place where an error becomes a
// problem.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// Problem is the body of every failure answer.
type Problem struct {
	// Type is a URN naming the code, as RFC 9457 asks for a type URI.
	Type string `json:"type"`
	// Title is the code's one-line summary, the same for every instance.
	Title string `json:"title"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Detail says what went wrong in this instance: the cause.
	Detail string `json:"detail"`
	// Code is the stable machine code, e.g. "keyvault_access_denied".
	Code Code `json:"code"`
	// Fix says what the admin or the flow's maker should do.
	Fix string `json:"fix"`
	// Retryable reports whether sending the same request again can succeed.
	Retryable bool `json:"retryable"`
	// RetryAfter, in seconds, is also sent as the Retry-After header.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Field names the body member a bad-input problem is about.
	Field string `json:"field,omitempty"`
	// Upstream identifies the upstream answer behind the problem.
	Upstream *Upstream `json:"upstream,omitempty"`
	// InvocationID is the Functions invocation, to find the log lines.
	InvocationID string `json:"invocationId,omitempty"`
}

// Upstream describes the answer of Key Vault, Entra ID, the managed
// identity endpoint or WorkPoint that caused a problem. It never holds a
// token, a secret or an unredacted body.
type Upstream struct {
	Service       string `json:"service"`
	Status        int    `json:"status,omitempty"`
	Code          string `json:"code,omitempty"`
	Message       string `json:"message,omitempty"`
	TraceID       string `json:"traceId,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
}

// New returns the problem for code with the given detail.
func New(code Code, detail string) *Problem {
	e := code.entry()
	p := &Problem{
		Type:      "urn:projectsync:problem:" + string(code),
		Title:     e.title,
		Status:    e.status,
		Detail:    detail,
		Code:      code,
		Fix:       e.fix,
		Retryable: e.retryable,
	}
	if e.retryable {
		p.RetryAfter = defaultRetryAfter
	}
	return p
}

// defaultRetryAfter, in seconds, tells callers when to retry a transient
// fault that did not say itself.
const defaultRetryAfter = 10

// Error makes a Problem usable as an error, for code that already knows
// the problem it wants to answer with.
func (p *Problem) Error() string {
	return string(p.Code) + ": " + p.Detail
}

// Write sends p as the answer.
func (p *Problem) Write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
