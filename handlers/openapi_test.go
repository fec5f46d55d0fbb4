package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
)

// testBaseURL is the base URL of the test apps, and so the document's server.
const testBaseURL = "http://127.0.0.1"

// apiSpec is the OpenAPI document as the tests check answers against it.
type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
}

var loadSpec = sync.OnceValues(func() (*apiSpec, error) {
	d, err := loadAPIDoc(testBaseURL)
	if err != nil {
		return nil, err
	}
	// Load the served bytes again, as a client would.
	doc, err := openapi3.NewLoader().LoadFromData(d.json)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiSpec{doc: doc, router: router}, nil
})

func testSpec(t *testing.T) *apiSpec {
	t.Helper()
	spec, err := loadSpec()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	return spec
}

// apiCaller calls the API with one token and checks every answer against
// the OpenAPI document with openapi3filter: its status is documented for
// the route, and its body matches the schema.
type apiCaller struct {
	t       *testing.T
	handler http.Handler
	token   string
}

func (a *testApp) api(token string) *apiCaller {
	return &apiCaller{t: a.t, handler: a.srv.Config.Handler, token: token}
}

// apiResult is one checked answer.
type apiResult struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
}

func (r *apiResult) want(status int) *apiResult {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// decode reads the body into v.
func (r *apiResult) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiErr is the error answer.
func (r *apiResult) apiErr() apiError {
	r.t.Helper()
	var e apiError
	r.decode(&e)
	if e.Error == "" {
		r.t.Fatalf("no error message in %s", r.body)
	}
	return e
}

func (c *apiCaller) do(method, path, body string) *apiResult {
	c.t.Helper()
	req := httptest.NewRequest(method, testBaseURL+path, strings.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	res := &apiResult{t: c.t, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checkAgainstSpec(c.t, testSpec(c.t), method, path, res)
	return res
}

func (c *apiCaller) get(path string) *apiResult { c.t.Helper(); return c.do(http.MethodGet, path, "") }

func (c *apiCaller) post(path, body string) *apiResult {
	c.t.Helper()
	return c.do(http.MethodPost, path, body)
}

// checkAgainstSpec fails the test unless the answer is one the document
// describes for the route.
func checkAgainstSpec(t *testing.T, spec *apiSpec, method, path string, res *apiResult) {
	t.Helper()
	if err := specProblem(spec, method, path, res); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %v\nbody: %s", method, path, res.status, err, res.body)
	}
}

// specProblem says how an answer differs from what the document allows:
// a route it lacks, a status it does not list, a body off its schema.
func specProblem(spec *apiSpec, method, path string, res *apiResult) error {
	req := httptest.NewRequest(method, testBaseURL+path, nil)
	route, params, err := spec.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no such route in the document: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(res.body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// The check is not vacuous: answers the document does not describe fail it.
func TestSpecProblemCatchesWrongAnswers(t *testing.T) {
	spec := testSpec(t)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name, method, path string
		status             int
		body               string
		ok                 bool
	}{
		{"a documented answer", http.MethodGet, paths.APIEndpoints, 200, `{"data":[]}`, true},
		{"a documented error", http.MethodGet, paths.WithID(paths.APIEndpoint, 1), 404, `{"error":"gone"}`, true},
		{"an undocumented status", http.MethodGet, paths.APIEndpoints, http.StatusTeapot, `{"error":"tea"}`, false},
		{"a missing field", http.MethodGet, paths.APIEndpoints, 200, `{}`, false},
		{"an extra field", http.MethodGet, paths.WithID(paths.APIEndpointSecret, 1), 200, `{"secret":"whsec_x","previousSecretExpiresAt":null,"key":1}`, false},
		{"a wrong type", http.MethodGet, paths.WithMessageID(paths.APIMessage, "msg_1"), 404, `{"error":7}`, false},
		{"an undocumented path", http.MethodGet, paths.APIPrefix + "v1/nothing", 200, `{}`, false},
		{"an undocumented method", http.MethodPut, paths.APIEndpoints, 200, `{"data":[]}`, false},
	}
	for _, tt := range tests {
		err := specProblem(spec, tt.method, tt.path, &apiResult{t: t, status: tt.status, header: jsonHeader, body: []byte(tt.body)})
		if (err == nil) != tt.ok {
			t.Errorf("%s: problem %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// newManageToken stores a token of the user with the scope and returns it.
func (a *testApp) newToken(userID int64, scope string) string {
	a.t.Helper()
	row, value := models.NewAPIToken(userID, "test "+scope)
	row.Scope = scope
	if err := a.store.CreateAPIToken(context.Background(), row); err != nil {
		a.t.Fatal(err)
	}
	return value
}

// TestOpenAPICoversEveryRoute: every route the server registers under
// /api/ is in the document, with its method, and every operation of the
// document is a route of the table.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	app := newTestApp(t)
	spec := testSpec(t)
	documented := map[string]bool{}
	for p, item := range spec.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+p] = true
		}
	}
	// What Echo registered, so a route added outside the table counts too.
	registered := map[string]bool{}
	for _, r := range app.server.Routes().(*echo.Echo).Routes() {
		if !strings.HasPrefix(r.Path, paths.APIPrefix) {
			continue
		}
		key := r.Method + " " + openAPIPath(r.Path)
		registered[key] = true
		if !documented[key] {
			t.Errorf("%s is registered but not in the OpenAPI document", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("%s is in the OpenAPI document but not registered", key)
		}
	}
	if len(registered) < 15 {
		t.Errorf("only %d API routes registered", len(registered))
	}
}

// TestOpenAPIEventSchemasComeFromTheCatalog: each of the nine event types
// has its metadata schema, with exactly the catalog's keys.
func TestOpenAPIEventSchemasComeFromTheCatalog(t *testing.T) {
	spec := testSpec(t)
	types := catalog.EventTypes()
	if len(types) != 9 {
		t.Fatalf("%d event types", len(types))
	}
	for _, et := range types {
		s := spec.doc.Components.Schemas[metadataSchemaName(et.Name)]
		if s == nil {
			t.Errorf("no schema for %s", et.Name)
			continue
		}
		keys := sortedKeys(s.Value.Properties)
		want := slices.Sorted(slices.Values(et.MetadataKeys))
		if !slices.Equal(keys, want) || !slices.Equal(slices.Sorted(slices.Values(s.Value.Required)), want) {
			t.Errorf("%s: properties %v, required %v, want %v", et.Name, keys, s.Value.Required, want)
		}
		if spec.doc.Webhooks[et.Name] == nil {
			t.Errorf("no webhook entry for %s", et.Name)
		}
	}
	enum := spec.doc.Components.Schemas["EventType"].Value.Enum
	if len(enum) != 9 {
		t.Errorf("EventType enum %v", enum)
	}
}

// TestOpenAPIServed: the document is served as JSON that loads and
// validates, without a token, and the docs page renders every operation.
func TestOpenAPIServed(t *testing.T) {
	app := newTestApp(t)
	res := app.api("").get(paths.OpenAPI).want(http.StatusOK)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(res.body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	operations := 0
	for _, item := range doc.Paths.Map() {
		operations += len(item.Operations())
	}
	page := app.client().get(paths.APIDocs).wantStatus(http.StatusOK)
	if n := page.testid("api-operation").Length(); n != operations {
		t.Errorf("docs page shows %d operations, the document has %d", n, operations)
	}
	routes := page.testid("api-operation-route").Text()
	for _, want := range []string{"GET " + openAPIPath(paths.APIEndpointMessages), "POST " + openAPIPath(paths.Events), "PATCH " + openAPIPath(paths.APIEndpoint)} {
		if !strings.Contains(routes, want) {
			t.Errorf("docs page lacks %s", want)
		}
	}
	if page.testid("api-schema").Length() < 20 || page.testid("api-parameter").Length() < 10 {
		t.Errorf("docs page shows %d schemas and %d parameters", page.testid("api-schema").Length(), page.testid("api-parameter").Length())
	}
	if !bytes.Contains([]byte(page.body), []byte(metadataSchemaName("TEST_FINISH"))) {
		t.Error("docs page lacks the TEST_FINISH metadata schema")
	}
}
