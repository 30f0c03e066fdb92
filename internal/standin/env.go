package standin

// blankEnv lists the variables that would steer the Azure SDK away from the
// stand-ins: other managed identity sources, the SDK's own service principal
// settings, and regional Entra endpoints. Env sets them empty, which the SDK
// treats as unset.
var blankEnv = []string{
	"MSI_ENDPOINT",
	"MSI_SECRET",
	"IMDS_ENDPOINT",
	"IDENTITY_SERVER_THUMBPRINT",
	"AZURE_CLIENT_ID",
	"AZURE_TENANT_ID",
	"AZURE_CLIENT_SECRET",
	"AZURE_REGIONAL_AUTHORITY_NAME",
}

// Env returns the environment, as KEY=value pairs, under which a process
// such as the handler reaches the stand-ins with production URLs: the proxy
// (HTTPS_PROXY, with loopback exempt through NO_PROXY), trust in the CA
// (SSL_CERT_FILE) and the managed identity endpoint (IDENTITY_ENDPOINT,
// IDENTITY_HEADER). Append it to a child's environment after the inherited
// variables, so that it wins.
func (s *Stack) Env() []string {
	env := []string{
		"HTTPS_PROXY=" + s.Proxy.URL(),
		"NO_PROXY=127.0.0.1,localhost",
		"SSL_CERT_FILE=" + s.CAFile,
		"IDENTITY_ENDPOINT=" + s.Identity.Endpoint(),
		"IDENTITY_HEADER=" + s.Identity.Header(),
	}
	for _, name := range blankEnv {
		env = append(env, name+"=")
	}
	return env
}

// Settings returns the handler's app settings (the Values of
// local.settings.json) for the demo world: the app registration, the
// solution, the Projects module under ParentCompany, and the vault secret.
// Settings with a production default, such as WORKPOINT_AUDIENCE, are left
// out.
func (s *Stack) Settings() map[string]string {
	return map[string]string{
		"WORKPOINT_TENANT_ID":          TenantID,
		"WORKPOINT_CLIENT_ID":          ClientID,
		"WORKPOINT_SOLUTION_URL":       SolutionURL,
		"WORKPOINT_BUSINESS_MODULE_ID": ProjectsModuleID,
		"WORKPOINT_PARENT":             ParentCompany,
		"KEY_VAULT_URL":                VaultURL,
		"KEY_VAULT_SECRET_NAME":        SecretName,
		"WORKPOINT_SOURCE_FIELD":       "ProjectSyncKey",
		"LOG_LEVEL":                    "debug",
	}
}
