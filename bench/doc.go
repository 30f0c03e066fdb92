// Package bench measures ProjectSync's handler on the local stand-ins:
// start-up, the warm path against a bare reverse proxy in front of the
// same WorkPoint stand-in, identity traffic per 1,000 warm requests, and
// footprint. Command benchrun (make bench) runs it, writes the figures as
// JSON under bench/results/ and renders BENCHMARKS.md.
//
// Nothing here asserts a time: the figures are recorded and compared with
// the targets in the report, never checked by make test.
package bench

import _ "embed"

// Analysis is the hand-written analysis of the latest recorded run
// (bench/findings.md): why a target is missed, what profiles showed and
// what was changed. [Report.WriteMarkdown] appends it.
//
//go:embed findings.md
var Analysis string
