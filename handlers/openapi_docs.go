package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/views"
)

// showAPIDocs renders the OpenAPI document as a page; it needs no account.
func (s *Server) showAPIDocs(c echo.Context) error {
	d, err := s.openAPI()
	if err != nil {
		return err
	}
	props := apiDocsProps(d.doc)
	props.Page = s.page(c, "API", views.NavProfile)
	return s.render(c, http.StatusOK, views.APIDocsPage(props))
}

// schemaPrefix starts a reference to a named schema.
const schemaPrefix = "#/components/schemas/"

// apiDocsProps turns the loaded document into the page's props, in the
// document's order of tags and, within one, of paths and methods.
func apiDocsProps(doc *openapi3.T) views.APIDocsProps {
	props := views.APIDocsProps{DocumentURL: paths.OpenAPI, Title: doc.Info.Title, Description: doc.Info.Description}
	groups := map[string]*views.APIGroup{}
	var order []string
	for _, p := range sortedKeys(doc.Paths.Map()) {
		item := doc.Paths.Value(p)
		ops := item.Operations()
		for _, method := range sortedKeys(ops) {
			op := ops[method]
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				g = &views.APIGroup{Name: tag}
				groups[tag] = g
				order = append(order, tag)
			}
			g.Operations = append(g.Operations, apiOperation(doc, method, p, op))
		}
	}
	for _, tag := range order {
		props.Groups = append(props.Groups, *groups[tag])
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		props.Schemas = append(props.Schemas, views.APISchema{Name: name, JSON: indentJSON(doc.Components.Schemas[name].Value)})
	}
	return props
}

func apiOperation(doc *openapi3.T, method, path string, op *openapi3.Operation) views.APIOperation {
	out := views.APIOperation{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		for _, scopes := range req {
			out.Scope = strings.Join(scopes, ", ")
			if out.Scope == "" {
				out.Scope = "any"
			}
		}
	}
	for _, p := range op.Parameters {
		v := p.Value
		out.Parameters = append(out.Parameters, views.APIParameter{Name: v.Name, In: v.In, Required: v.Required, Schema: schemaRefOf(v.Schema), Description: v.Description})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
			r := schemaRefOf(mt.Schema)
			out.Request = &r
		}
	}
	for _, status := range sortedKeys(op.Responses.Map()) {
		resp := op.Responses.Value(status).Value
		r := views.APIResponse{Status: status}
		if resp.Description != nil {
			r.Description = *resp.Description
		}
		if mt := resp.Content.Get("application/json"); mt != nil {
			ref := schemaRefOf(mt.Schema)
			r.Schema = &ref
		}
		out.Responses = append(out.Responses, r)
	}
	return out
}

// schemaRefOf names a referenced schema, or writes an inline one out.
func schemaRefOf(s *openapi3.SchemaRef) views.APISchemaRef {
	if s == nil {
		return views.APISchemaRef{}
	}
	if name, ok := strings.CutPrefix(s.Ref, schemaPrefix); ok {
		return views.APISchemaRef{Name: name}
	}
	b, err := json.Marshal(s.Value)
	if err != nil {
		return views.APISchemaRef{Inline: fmt.Sprint(s.Value)}
	}
	return views.APISchemaRef{Inline: string(b)}
}

func indentJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
