package keyvault

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Deny selects a 403 that every secret read of a vault gets, whatever the
// caller's role assignments. Each answer has the top-level code Forbidden and
// the inner code named below; the inner code is only in the body.
type Deny int

const (
	// DenyNone applies the normal checks: a caller needs a role assignment.
	DenyNone Deny = iota
	// DenyAccessPolicy answers as a vault that uses access policies, where
	// the caller has no "get" permission on secrets: inner code AccessDenied.
	DenyAccessPolicy
	// DenyRBAC answers as if the caller had no role assignment: inner code
	// ForbiddenByRbac.
	DenyRBAC
	// DenyPolicy answers as if a policy forbade the caller's kind of token:
	// inner code ForbiddenByPolicy.
	DenyPolicy
	// DenyFirewall answers as a vault whose firewall does not allow the
	// client's address: inner code ForbiddenByFirewall.
	DenyFirewall
)

// Figures that Key Vault's messages name and a local vault does not have.
const (
	vaultLocation  = "westeurope"
	subscriptionID = "00000000-0000-0000-0000-000000000000"
	resourceGroup  = "projectsync-local"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	InnerError *innerError `json:"innererror,omitempty"`
}

type innerError struct {
	Code string `json:"code"`
}

// forbidden answers 403 for a read denied by d, or by a missing role
// assignment when d is DenyNone. action is the RBAC data action the request
// needs.
func forbidden(w http.ResponseWriter, r *http.Request, d Deny, v *vaultView, action string) {
	who := caller(v.claims)
	vaultDesc := v.name + ";location=" + vaultLocation
	var inner, msg string
	switch d {
	case DenyAccessPolicy:
		inner = "AccessDenied"
		msg = fmt.Sprintf("The user, group or application '%s' does not have secrets get "+
			"permission on key vault '%s'. For help resolving this issue, please see "+
			"https://go.microsoft.com/fwlink/?linkid=2125287", who, vaultDesc)
	case DenyPolicy:
		inner = "ForbiddenByPolicy"
		msg = fmt.Sprintf("The policy requires the caller '%s' to use on-behalf-of (OBO) "+
			"flow. For more information on OBO, please see "+
			"https://go.microsoft.com/fwlink/?linkid=2152310", who)
	case DenyFirewall:
		inner = "ForbiddenByFirewall"
		msg = "Client address is not authorized and caller is not a trusted service.\r\n" +
			"Client address: " + clientAddress(r) + "\r\n" +
			"Caller: " + who + "\r\n" +
			"Vault: " + vaultDesc
	default:
		inner = "ForbiddenByRbac"
		msg = "Caller is not authorized to perform action on resource.\r\n" +
			"If role assignments, deny assignments or role definitions were changed " +
			"recently, please observe propagation time.\r\n" +
			"Caller: " + who + "\r\n" +
			"Action: '" + action + "'\r\n" +
			"Resource: '" + v.resource() + "'\r\n" +
			"Assignment: (not found)\r\n" +
			"DenyAssignmentId: null\r\n" +
			"DecisionReason: 'DeniedWithNoValidRBAC' \r\n" +
			"Vault: " + vaultDesc + "\r\n"
	}
	writeError(w, r, http.StatusForbidden, "Forbidden", msg, inner)
}

// vaultView is what an error message needs to know about a request.
type vaultView struct {
	name       string
	secretName string
	claims     jwt.MapClaims
}

func (v *vaultView) resource() string {
	return fmt.Sprintf("/subscriptions/%s/resourcegroups/%s/providers/microsoft.keyvault/"+
		"vaults/%s/secrets/%s", subscriptionID, resourceGroup, v.name,
		strings.ToLower(v.secretName))
}

func secretNotFound(w http.ResponseWriter, r *http.Request, name string) {
	writeError(w, r, http.StatusNotFound, "SecretNotFound", fmt.Sprintf(
		"A secret with (name/id) %s was not found in this key vault. If you recently deleted "+
			"this secret you may be able to recover it using the correct recovery command. For "+
			"help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
		name), "")
}

func secretDisabled(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusForbidden, "Forbidden",
		"Operation get is not allowed on a disabled secret.", "SecretDisabled")
}

// writeError answers with Key Vault's error body; inner may be empty.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg, inner string) {
	body := errorBody{Error: errorDetail{Code: code, Message: msg}}
	if inner != "" {
		body.Error.InnerError = &innerError{Code: inner}
	}
	writeJSON(w, r, status, body)
}

// writeJSON answers with v as JSON and the headers Key Vault sends on every
// answer.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalError","message":"The stand-in could not ` +
			`encode its answer."}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "-1")
	h.Set("x-ms-keyvault-region", vaultLocation)
	h.Set("x-ms-request-id", newRequestID())
	if id := r.Header.Get("x-ms-client-request-id"); id != "" {
		h.Set("x-ms-client-request-id", id)
	}
	w.WriteHeader(status)
	w.Write(b)
}

// clientAddress returns the client's IP address as a firewall sees it.
func clientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func newRequestID() string {
	id := newVersionID()
	return id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
}
