package views

// APIDocsProps are the props of the API documentation page, filled from the
// OpenAPI document by the handler: views know nothing of OpenAPI itself.
type APIDocsProps struct {
	Page Page
	// DocumentURL is where the JSON document is served.
	DocumentURL string
	Title       string
	Description string
	Groups      []APIGroup
	Schemas     []APISchema
}

// APIGroup is the operations of one tag, e.g. Endpoints.
type APIGroup struct {
	Name       string
	Operations []APIOperation
}

// APIOperation is one route of the API.
type APIOperation struct {
	ID          string
	Method      string
	Path        string
	Summary     string
	Description string
	// Scope is the token scope the route needs; "" for none.
	Scope      string
	Parameters []APIParameter
	// Request is the request body's schema; nil without a body.
	Request   *APISchemaRef
	Responses []APIResponse
}

// APIParameter is one path, query or header parameter.
type APIParameter struct {
	Name        string
	In          string
	Required    bool
	Schema      APISchemaRef
	Description string
}

// APIResponse is one documented answer.
type APIResponse struct {
	Status      string
	Description string
	// Schema is nil for an answer without a body.
	Schema *APISchemaRef
}

// APISchemaRef is a schema as a link to a named one, or written out.
type APISchemaRef struct {
	// Name is set for a named schema of Schemas.
	Name string
	// Inline is the JSON of an unnamed schema.
	Inline string
}

// APISchema is one named schema, as indented JSON.
type APISchema struct {
	Name string
	JSON string
}

// schemaAnchor is the id of a named schema's section.
func schemaAnchor(name string) string { return "schema-" + name }
