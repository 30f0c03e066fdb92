package problem

import (
	"errors"

	"projectsync/internal/entra"
	"projectsync/internal/keyvault"
)

// fromFederated diagnoses a managed identity that gave no client assertion
// to the federated credential. It reports false when err is no such
// failure.
//
// The identity endpoint fails the same way whatever the token is for, so
// the failure is read as the Key Vault identity step is.
func fromFederated(err error) (*Problem, bool) {
	e, ok := errors.AsType[*entra.IdentityError](err)
	if !ok {
		return nil, false
	}
	p := fromIdentity(&keyvault.Error{Step: keyvault.StepIdentity, Status: e.Status,
		Message: e.Message, Err: e.Err})
	if errors.Is(e, entra.ErrEmptyAssertion) {
		p = New(ManagedIdentityUnavailable,
			"The managed identity endpoint answered without a token.")
		p.Upstream = &Upstream{Service: "managed-identity"}
	}
	return p, true
}
