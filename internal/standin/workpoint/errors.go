package workpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is ASP.NET Web API's HttpError body; empty members are left out,
// as Web API does.
type apiError struct {
	Message          string `json:"Message"`
	MessageDetail    string `json:"MessageDetail,omitempty"`
	ExceptionMessage string `json:"ExceptionMessage,omitempty"`
	ExceptionType    string `json:"ExceptionType,omitempty"`
}

const msgInvalid = "The request is invalid."

// Signatures that Web API names when a route value cannot be bound. The
// controller and method names are the stand-in's; the real ones are not
// published.
const (
	methodCreate = "System.Web.Http.IHttpActionResult CreateEntity(System.Guid, " +
		"WorkPoint.Integration.Common.SiteCreationBehaviourEnum, System.Nullable`1[System.Guid], " +
		"System.String, WorkPoint365.WebAPI.Model.Controllers.Entity.EntityCreateParameter)"
	controllerModules = "WorkPoint365.WebAPI.Controllers.BusinessModulesController"
	methodCreateSite  = "Int32 Create(System.Guid, Boolean, " +
		"WorkPoint365.WebAPI.Model.Controllers.Entity.EntityCreateParameter)"
	methodSchema     = "System.Object GetEntityFieldSchema(System.Guid)"
	controllerEntity = "WorkPoint365.WebAPI.Controllers.EntityController"
	methodItem       = "WorkPoint365.WebAPI.Model.SharePoint.ListItem " +
		"GetListItem(System.String, Int32)"
	controllerList = "WorkPoint365.WebAPI.Controllers.ListController"
)

// writeNullEntry answers 400 as Web API does when a route value cannot be
// converted to its non-nullable parameter type.
func writeNullEntry(w http.ResponseWriter, param, typ, method, controller string) {
	writeJSON(w, http.StatusBadRequest, apiError{
		Message: msgInvalid,
		MessageDetail: fmt.Sprintf("The parameters dictionary contains a null entry for "+
			"parameter '%s' of non-nullable type '%s' for method '%s' in '%s'. An optional "+
			"parameter must be a reference type, a nullable type, or be declared as an "+
			"optional parameter.", param, typ, method, controller),
	})
}

// writeInvalid answers 400 "The request is invalid." with the reason in
// ExceptionMessage.
func writeInvalid(w http.ResponseWriter, reason string) {
	writeJSON(w, http.StatusBadRequest, apiError{Message: msgInvalid, ExceptionMessage: reason})
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Message: msg})
}

func writeModuleNotFound(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, moduleNotFound(id))
}

func moduleNotFound(id string) apiError {
	return apiError{Message: "Business module '" + id + "' does not exist."}
}

// writeJSON answers with v as JSON, with the headers Web API sends. Like
// Json.NET, it leaves &, < and > unescaped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"Message":"An error has occurred."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "-1")
	w.WriteHeader(status)
	w.Write(b)
}
