package funchost

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// functionFile is the part of function.json the imitation reads.
type functionFile struct {
	Disabled bool      `json:"disabled"`
	Bindings []binding `json:"bindings"`
}

type binding struct {
	Type      string   `json:"type"`
	Direction string   `json:"direction"`
	Name      string   `json:"name"`
	AuthLevel string   `json:"authLevel"`
	Methods   []string `json:"methods"`
	Route     string   `json:"route"`
}

// errNotForwardable explains why a function's bindings are refused.
var errNotForwardable = errors.New("forwarding needs exactly one httpTrigger input and one " +
	"http output; other bindings switch the host to payload mode, which is not imitated")

// parseFunction turns the function.json of the folder name into a Function.
func parseFunction(name string, raw []byte) (Function, error) {
	var ff functionFile
	if err := json.Unmarshal(raw, &ff); err != nil {
		return Function{}, fmt.Errorf("parse function.json: %w", err)
	}

	var trigger *binding
	outputs := 0
	for i := range ff.Bindings {
		b := &ff.Bindings[i]
		switch {
		case strings.EqualFold(b.Type, "httpTrigger") && strings.EqualFold(b.Direction, "in"):
			if trigger != nil {
				return Function{}, errNotForwardable
			}
			trigger = b
		case strings.EqualFold(b.Type, "http") && strings.EqualFold(b.Direction, "out"):
			outputs++
		default:
			return Function{}, errNotForwardable
		}
	}
	if trigger == nil || outputs != 1 {
		return Function{}, errNotForwardable
	}

	fn := Function{Name: name, Route: trigger.Route, Disabled: ff.Disabled}
	if fn.Route == "" {
		fn.Route = name
	}
	if err := checkRoute(fn.Route); err != nil {
		return Function{}, err
	}

	fn.AuthLevel = strings.ToLower(trigger.AuthLevel)
	switch fn.AuthLevel {
	case "":
		fn.AuthLevel = AuthFunction
	case AuthAnonymous, AuthFunction, AuthAdmin:
	default:
		return Function{}, fmt.Errorf("authLevel %q is not anonymous, function or admin",
			trigger.AuthLevel)
	}

	for _, m := range trigger.Methods {
		fn.Methods = append(fn.Methods, strings.ToLower(m))
	}
	return fn, nil
}

// checkRoute applies the host's start-up checks to a route template. The
// reserved-route test is a plain prefix test, so "administrators" is
// refused too, as the host refuses it.
func checkRoute(route string) error {
	lower := strings.ToLower(strings.TrimLeft(route, "/"))
	if strings.HasPrefix(lower, "admin") || strings.HasPrefix(lower, "runtime") {
		return fmt.Errorf("route %q conflicts with the host's built-in admin/runtime routes",
			route)
	}
	if _, err := parseRoute("", route); err != nil {
		return fmt.Errorf("route %q: %w", route, err)
	}
	return nil
}
