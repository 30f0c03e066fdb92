// Package funchost imitates the Azure Functions host running a custom handler
// in forwarding mode (customHandler.enableForwardingHttpRequest = true), so the
// real handler binary can be run and called on a machine where the host
// cannot be installed. End-to-end tests use it, and so does the local front
// door that stands in for `func start` on localhost:7071.
//
// [Load] reads a Functions app folder the way the host does: host.json
// (version "2.0", the customHandler or older httpWorker section, the route
// prefix, functionTimeout, custom response headers) and one function.json per
// function folder, with the host's defaults and validation. [Start] then runs
// the handler as the host does and opens a front door in front of it:
//
//   - Process: a free loopback port chosen once and passed in
//     FUNCTIONS_CUSTOMHANDLER_PORT and FUNCTIONS_HTTPWORKER_PORT, a worker
//     GUID, FUNCTIONS_APP_ROOT_PATH; readiness by polling GET / every 25 ms,
//     where any HTTP status counts; stdout lines logged as Information,
//     stderr lines as Error, or Warning when they contain "warn"; restart on
//     the same port after a non-zero exit, no restart after exit code 0, a
//     restart that is not counted after exit code 200, and a host shutdown
//     at the third counted failure within 30 minutes; SIGKILL on close.
//   - Front door: /admin and /runtime are never forwarded; routes match
//     case-insensitively with a tolerated trailing slash, constraints,
//     optional and catch-all parameters; a method not listed gives 404;
//     function keys are checked when [Options].Auth is set; a body over
//     100 MB gives 413; invocations wait while the handler starts.
//   - Forwarding: the original path, a query rebuilt the way the host
//     rebuilds it (repeated keys merged into one comma-joined value), the
//     original headers minus content headers, the caller's Host, the host's
//     User-Agent suffix, version and invocation-id headers, a body only when
//     the request had a Content-Length above zero, no redirect following, a
//     fully buffered response, 500 when the handler cannot be reached, and
//     500 plus a handler restart when functionTimeout passes.
//
// NOTE: the imitation covers forwarding mode only. It does not imitate:
//
//   - payload mode (no forwarding flag, or a function with bindings other
//     than one httpTrigger and one http output): [Start] refuses such apps;
//   - proxying mode (enableProxyingHttpRequest, the YARP-based streaming
//     forwarder of newer hosts): [Start] refuses it too;
//   - what the Azure front end adds: Easy Auth validation and the injected
//     X-MS-CLIENT-PRINCIPAL* headers, DISGUISED-HOST, X-Forwarded-*, and
//     the 230-second limit after which Azure answers 502 while the function
//     keeps running;
//   - AzureFunctionsJobHost__ setting overrides of host.json, request
//     throttling (429), HSTS, reason phrases other than the standard ones,
//     periodic worker-status pings, master-key-only admin APIs, and
//     local.settings.json (the caller passes the app settings in
//     [Options].Env).
//
// Points of the host's behaviour that are inferred rather than observed are
// switches where the difference matters: what a chunked request without
// Content-Length does is chosen with [Options].ChunkedRequests.
package funchost
