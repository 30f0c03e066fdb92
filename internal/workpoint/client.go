// Package workpoint is a client of the WorkPoint 365 Web API: business
// modules, entity lookup by title, entity creation and read-back.
//
// Every call carries an app-only bearer token and the WorkPoint365Url
// header naming the solution's root site. Reads are retried on throttling
// and transient faults, honouring Retry-After; a create is never retried
// by the pipeline, since WorkPoint may have carried it out already.
package workpoint

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// HeaderSolutionURL is the header that names the WorkPoint solution.
const HeaderSolutionURL = "WorkPoint365Url"

const (
	moduleName    = "projectsync"
	moduleVersion = "v1.0.0"
)

// ClientOptions configures a [Client]. The zero value is ready to use.
type ClientOptions struct {
	azcore.ClientOptions

	// SiteCreation selects the create route: "false" (the default) or
	// "true" post to /api/Entity/{module}/Create/{false|true};
	// "enum:<value>" posts to
	// /api/BusinessModules/{module}/Entities/Create/<value>.
	SiteCreation string
}

// Client calls the WorkPoint Web API for one solution. It is safe for
// concurrent use.
type Client struct {
	base     string
	solution string
	site     string
	pl       runtime.Pipeline
}

// NewClient returns a Client for the API at apiURL and the solution at
// solutionURL, authorising calls with tokens for scope from cred. Pass nil
// for opts to accept the defaults; without opts.Transport, every Client
// shares one connection pool that keeps up to 256 idle connections. It
// makes no network call.
func NewClient(apiURL, solutionURL string, cred azcore.TokenCredential, scope string,
	opts *ClientOptions) (*Client, error) {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.SiteCreation == "" {
		o.SiteCreation = "false"
	}
	if o.Transport == nil {
		o.Transport = pooledClient
	}
	if o.Retry.MaxRetries == 0 && o.Retry.RetryDelay == 0 {
		o.Retry = policy.RetryOptions{
			MaxRetries:    3,
			RetryDelay:    300 * time.Millisecond,
			MaxRetryDelay: 5 * time.Second,
		}
	}
	if _, err := url.Parse(apiURL); err != nil {
		return nil, fmt.Errorf("workpoint: parse API URL: %w", err)
	}

	bearer := runtime.NewBearerTokenPolicy(markedCredential{cred}, []string{scope}, nil)
	pl := runtime.NewPipeline(moduleName, moduleVersion, runtime.PipelineOptions{
		PerRetry: []policy.Policy{bearer},
	}, &o.ClientOptions)
	return &Client{
		base:     strings.TrimSuffix(apiURL, "/"),
		solution: solutionURL,
		site:     o.SiteCreation,
		pl:       pl,
	}, nil
}

// BusinessModule returns the business module id.
func (c *Client) BusinessModule(ctx context.Context, id string) (BusinessModule, error) {
	var m BusinessModule
	path := "/api/BusinessModules/" + url.PathEscape(id)
	err := c.do(ctx, StepModule, http.MethodGet, path, nil, &m)
	return m, err
}

// FindByTitle returns up to limit entities of the business module whose
// Title equals title.
func (c *Client) FindByTitle(ctx context.Context, moduleID, title string,
	limit int) ([]ListItem, error) {
	return c.FindByField(ctx, moduleID, "Title", title, limit)
}

// FindByField returns up to limit entities of the business module whose
// text field equals value.
func (c *Client) FindByField(ctx context.Context, moduleID, field, value string,
	limit int) ([]ListItem, error) {
	q := listQuery{
		CamlQuery:  camlTextEquals(field, value, limit),
		PageSize:   limit,
		ViewFields: []string{"ID", "Title"},
	}
	if field != "Title" {
		q.ViewFields = append(q.ViewFields, field)
	}
	var r queryResult
	path := "/api/List/" + url.PathEscape(moduleID) + "/Items"
	err := c.do(ctx, StepQuery, http.MethodPost, path, q, &r)
	return r.Items, err
}

// Create creates an entity in the business module with fields (internal
// name to value) and returns its id. The request is sent once: a lost
// answer is reported, never re-sent blindly.
func (c *Client) Create(ctx context.Context, moduleID string, fields map[string]any) (int, error) {
	ctx = policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1})
	var id int
	err := c.do(ctx, StepCreate, http.MethodPost, c.createPath(moduleID), fields, &id)
	if err == nil && id <= 0 {
		err = &Error{Step: StepCreate, Method: http.MethodPost, Path: c.createPath(moduleID),
			Status: http.StatusOK, Message: "answered with entity id " + strconv.Itoa(id)}
	}
	return id, err
}

// Entity reads back one entity of the business module.
func (c *Client) Entity(ctx context.Context, moduleID string, id int) (ListItem, error) {
	var it ListItem
	path := "/api/List/" + url.PathEscape(moduleID) + "/Item/" + strconv.Itoa(id)
	err := c.do(ctx, StepRead, http.MethodGet, path, nil, &it)
	return it, err
}

// BusinessModules lists the solution's business modules.
func (c *Client) BusinessModules(ctx context.Context) ([]BusinessModule, error) {
	var ms []BusinessModule
	err := c.do(ctx, StepModules, http.MethodGet, "/api/BusinessModules", nil, &ms)
	return ms, err
}

func (c *Client) createPath(moduleID string) string {
	m := url.PathEscape(moduleID)
	if v, ok := strings.CutPrefix(c.site, "enum:"); ok {
		return "/api/BusinessModules/" + m + "/Entities/Create/" + url.PathEscape(v)
	}
	return "/api/Entity/" + m + "/Create/" + c.site
}

// markedCredential marks the errors of getting a token, so that a call
// that failed before it was sent is told from one whose answer was lost.
type markedCredential struct{ azcore.TokenCredential }

func (c markedCredential) GetToken(ctx context.Context,
	o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, o)
	if err != nil {
		return tok, &tokenError{err}
	}
	return tok, nil
}

type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// maxIdleConnsPerHost is how many idle connections to WorkPoint are kept
// for reuse. The Azure SDK's default client keeps 10, so with more requests
// than that in flight every further call opened a new connection and paid
// a TLS handshake (over HTTP/1.1, each call in flight needs a connection of
// its own).
const maxIdleConnsPerHost = 256

// pooledClient is the default transport of every Client: Go's default
// transport (proxy from the environment, HTTP/2 when the server offers it)
// with maxIdleConnsPerHost idle connections.
var pooledClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = maxIdleConnsPerHost, maxIdleConnsPerHost
	return &http.Client{Transport: t}
}()
