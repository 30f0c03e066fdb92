package entra

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// stsError is an error answer of Entra ID: an HTTP status, an OAuth 2.0 error
// code and an AADSTS code with its text.
type stsError struct {
	status int
	oauth  string
	code   int
	text   string
}

// errorBody is the JSON body of an error answer, fields in Entra's order.
type errorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	URI           string `json:"error_uri"`
}

// writeError sends e the way Entra does. The correlation ID is the client's
// client-request-id header when it is a GUID, as MSAL sends it.
func writeError(w http.ResponseWriter, r *http.Request, e *stsError) {
	traceID := uuid.NewString()
	correlationID := r.Header.Get("client-request-id")
	if !isGUID(correlationID) {
		correlationID = uuid.NewString()
	}
	stamp := time.Now().UTC().Format("2006-01-02 15:04:05Z")

	body := errorBody{
		Error: e.oauth,
		Description: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"+
			"Timestamp: %s", e.code, e.text, traceID, correlationID, stamp),
		Codes:         []int{e.code},
		Timestamp:     stamp,
		TraceID:       traceID,
		CorrelationID: correlationID,
		URI:           "https://" + hostOf(r) + "/error?code=" + strconv.Itoa(e.code),
	}
	w.Header().Set("x-ms-request-id", traceID)
	writeJSON(w, e.status, body)
}

// writeJSON sends v as JSON with the caching headers of Entra's answers.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "entra: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// hostOf returns the host the client addressed, login.microsoftonline.com
// behind the proxy.
func hostOf(r *http.Request) string {
	if r.Host != "" {
		return strings.ToLower(r.Host)
	}
	return "login.microsoftonline.com"
}

// The errors below are the ones the stand-in sends. Their texts follow Entra
// ID's descriptions; clients should branch on the codes, never on the texts.

func errTenantNotFound(oauth, tenant string) *stsError {
	return &stsError{http.StatusBadRequest, oauth, 90002, fmt.Sprintf("Tenant '%s' not found. "+
		"Check to make sure you have the correct tenant ID and are signing into the correct "+
		"cloud. Check with your subscription administrator, this may happen if there are no "+
		"active subscriptions for the tenant.", tenant)}
}

func errTenantInvalid(oauth, tenant string) *stsError {
	return &stsError{http.StatusBadRequest, oauth, 900023, fmt.Sprintf("Specified tenant "+
		"identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenant)}
}

func errCommonTenant(clientID string) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_request", 50194, fmt.Sprintf("Application "+
		"'%s' is not configured as a multi-tenant application. Usage of the /common endpoint is "+
		"not supported for such applications. Use a tenant-specific endpoint or configure the "+
		"application to be multi-tenant.", clientID)}
}

func errPostOnly(method string) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_request", 900561, fmt.Sprintf("The "+
		"endpoint only accepts POST, OPTIONS requests. Received a %s request.", method)}
}

func errMissingParameter(name string) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_request", 900144, fmt.Sprintf("The "+
		"request body must contain the following parameter: '%s'.", name)}
}

func errGrantType(grant string) *stsError {
	return &stsError{http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The "+
		"app requested an unsupported grant type '%s'.", grant)}
}

func errAppNotFound(clientID string, t *tenant) *stsError {
	return &stsError{http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
		"Application with identifier '%s' was not found in the directory '%s'. This can "+
			"happen if the application has not been installed by the administrator of the "+
			"tenant or consented to by any user in the tenant. You may have sent your "+
			"authentication request to the wrong tenant.", clientID, t.name())}
}

func errNoCredential() *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 7000218, "The request body " +
		"must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errSecretInvalid(clientID string) *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid "+
		"client secret provided. Ensure the secret being sent in the request is the client "+
		"secret value, not the client secret ID, for a secret added to app '%s'.", clientID)}
}

func errSecretExpired(clientID string) *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 7000222, fmt.Sprintf("The "+
		"provided client secret keys for app '%s' are expired. Visit the Azure portal to "+
		"create new keys for your app: https://aka.ms/NewClientSecret, or consider using "+
		"certificate credentials for added security: https://aka.ms/certCreds.", clientID)}
}

func errNoServicePrincipal(clientID string, t *tenant) *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 7000229, fmt.Sprintf("The "+
		"client application %s is missing service principal in the tenant %s. See "+
		"instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", clientID, t.id)}
}

func errAssertionType() *stsError {
	return &stsError{http.StatusBadRequest, "invalid_request", 900144, "The request body " +
		"must contain the following parameter: 'client_assertion_type' with the value " +
		"'" + assertionType + "'."}
}

func errAssertionSignature() *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion " +
		"failed signature validation."}
}

func errAssertionTime() *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 700024, "Client assertion " +
		"is not within its valid time range."}
}

func errNoFederatedRecord(issuer, subject, audience string) *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 70021, fmt.Sprintf("No "+
		"matching federated identity record found for presented assertion. Assertion "+
		"Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.",
		issuer, subject, audience)}
}

func errNoFederatedSubject(subject string) *stsError {
	return &stsError{http.StatusUnauthorized, "invalid_client", 700213, fmt.Sprintf("No "+
		"matching federated identity record found for presented assertion subject '%s'. "+
		"Check your federated identity credential Subject, Audience and Issuer against the "+
		"presented assertion.", subject)}
}

func errScopeMissing() *stsError {
	return errMissingParameter("scope")
}

func errScopeInvalid(scope string) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf("The "+
		"provided value for the input parameter 'scope' is not valid. The scope %s is not "+
		"valid.", scope)}
}

func errScopeNotDefault(scope string) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The "+
		"provided value for scope %s is not valid. Client credential flows must have a scope "+
		"value with /.default suffixed to the resource identifier (application ID URI).",
		scope)}
}

func errResourceNotFound(resource string, t *tenant) *stsError {
	return &stsError{http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf("The "+
		"resource principal named %s was not found in the tenant named %s. This can happen "+
		"if the application has not been installed by the administrator of the tenant or "+
		"consented to by any user in the tenant. You might have sent your authentication "+
		"request to the wrong tenant.", resource, t.name())}
}

func errNotAssigned(a *app, r *Resource) *stsError {
	id := r.AppID
	if id == "" {
		id = r.Audience
	}
	return &stsError{http.StatusBadRequest, "invalid_grant", 501051, fmt.Sprintf("Application "+
		"'%s'(%s) is not assigned to a role for the application '%s'(%s).",
		a.ClientID, a.Name, id, r.Name)}
}
