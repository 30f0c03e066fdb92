// Package openapi ships ProjectSync's OpenAPI 2.0 (Swagger) document: the
// file projectsync.swagger.json, which Power Automate and Logic Apps import
// as a custom connector for the ProjectSync and Health functions.
package openapi

import (
	"bytes"
	_ "embed"
)

// FileName is the name of the document in this folder.
const FileName = "projectsync.swagger.json"

//go:embed projectsync.swagger.json
var document []byte

// Document returns a copy of the OpenAPI 2.0 document.
func Document() []byte { return bytes.Clone(document) }
