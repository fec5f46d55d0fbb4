package handlers

import (
	"context"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/static"
)

// pathPatterns returns every route pattern the paths package declares (its
// exported string constants that are paths, not prefixes), read from its
// source so that no list has to be kept beside the constants.
func pathPatterns(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("../paths/*.go")
	if err != nil {
		t.Fatal(err)
	}
	// Only the constant declarations are type-checked: they need no imports,
	// so the check stays fast.
	consts := &ast.File{Name: ast.NewIdent("paths")}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				consts.Decls = append(consts.Decls, g)
			}
		}
	}
	pkg, err := new(types.Config).Check("github.com/loadhook/loadhook/paths", fset, []*ast.File{consts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{} // pattern → constant name
	for _, name := range pkg.Scope().Names() {
		c, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok || !c.Exported() || c.Val().Kind() != constant.String {
			continue
		}
		v := constant.StringVal(c.Val())
		if strings.HasPrefix(v, "/") && (v == "/" || !strings.HasSuffix(v, "/")) {
			out[v] = name
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d patterns in the paths package: %v", len(out), out)
	}
	return out
}

// TestRouteTable: every registered route's path is a pattern of the paths
// package (or the static files' prefix), and every pattern is registered,
// so a path string lives in one place and none is dead.
func TestRouteTable(t *testing.T) {
	app := newTestApp(t)
	e := app.server.Routes().(*echo.Echo)
	patterns := pathPatterns(t)
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		registered[r.Path] = true
		if _, ok := patterns[r.Path]; !ok && r.Path != static.Prefix+"*" {
			t.Errorf("%s %s is registered with a path that is not a pattern of the paths package", r.Method, r.Path)
		}
	}
	for p, name := range patterns {
		if !registered[p] {
			t.Errorf("paths.%s (%s) is not registered", name, p)
		}
	}
	if n, want := len(e.Routes()), len(app.server.routes()); n != want {
		t.Errorf("%d routes registered, the table has %d", n, want)
	}
}

// TestLinksReachTheirRoutes: a link built with paths.WithID or
// paths.WithMessageID is routed to the pattern it was built from.
func TestLinksReachTheirRoutes(t *testing.T) {
	app := newTestApp(t)
	e := app.server.Routes().(*echo.Echo)
	for _, r := range app.server.routes() {
		link := r.path
		switch {
		case strings.Contains(r.path, ":"+paths.ParamID):
			link = paths.WithID(r.path, 42)
		case strings.Contains(r.path, ":"+paths.ParamMessageID):
			link = paths.WithMessageID(r.path, "msg_01jz8kq3x5m7n9p1r3t5v7w9y1")
		case strings.HasSuffix(r.path, "*"):
			link = strings.TrimSuffix(r.path, "*") + "abc/app.css"
		}
		c := e.NewContext(httptest.NewRequest(r.method, link, nil), httptest.NewRecorder())
		e.Router().Find(r.method, link, c)
		if c.Path() != r.path {
			t.Errorf("%s %s is routed to %q, want %q", r.method, link, c.Path(), r.path)
		}
		if strings.Contains(link, ":") {
			t.Errorf("%s still has a parameter", link)
		}
	}
}

// TestSignedInRoutes: every route of the table but the public ones sends a
// signed-out visitor to the log-in page.
func TestSignedInRoutes(t *testing.T) {
	app := newTestApp(t)
	anon := app.client()
	for _, r := range app.server.routes() {
		if !r.signedIn || r.method != http.MethodGet {
			continue
		}
		link := r.path
		if strings.Contains(link, ":"+paths.ParamID) {
			link = paths.WithID(link, 1)
		} else if strings.Contains(link, ":"+paths.ParamMessageID) {
			link = paths.WithMessageID(link, "msg_x")
		}
		res := anon.get(link)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), paths.LogIn+"?next=") {
			t.Errorf("signed-out GET %s = %d to %q, want 303 to the log-in page", link, res.status, res.header.Get("Location"))
		}
	}
}

// TestEveryLinkHasARoute renders the app's pages and checks that every
// link, form action and htmx URL on them reaches a route of the table with
// the method it is used with.
func TestEveryLinkHasARoute(t *testing.T) {
	app := newTestApp(t)
	e := app.server.Routes().(*echo.Echo)
	table := map[string]bool{}
	for _, r := range app.server.routes() {
		table[r.method+" "+r.path] = true
	}
	anon := app.client()
	c := app.signUp("links@example.com")
	id := c.createEndpoint(validEndpoint())
	c.post(paths.WithID(paths.EndpointTest, id), url.Values{"event_type": {"TEST_STARTED"}}).wantStatus(http.StatusSeeOther)
	c.post(paths.Tokens, url.Values{"name": {"ci"}}).wantStatus(http.StatusSeeOther)

	deliveries := c.get(paths.WithID(paths.EndpointDeliveries, id)).wantStatus(http.StatusOK)
	detail, ok := deliveries.testid("delivery-link").Attr("href")
	if !ok {
		t.Fatal("no delivery link on the delivery log")
	}
	tokens, err := app.store.APITokens(context.Background(), app.user("links@example.com").ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens = %v, %v", tokens, err)
	}
	tokenID := tokens[0].ID
	pages := []*response{
		anon.get(paths.LogIn), anon.get(paths.SignUp), anon.get("/no/such/page"), anon.get(paths.EventCatalog), anon.get(paths.DeliveryHelp),
		c.get(paths.Account),
		c.get(paths.Webhook), c.get(paths.NewEndpoint), c.get(paths.WithID(paths.Endpoint, id)),
		c.get(paths.WithID(paths.EndpointDelete, id)), c.post(paths.WithID(paths.EndpointSecretReveal, id), nil),
		deliveries, c.get(detail), c.get(paths.Profile), c.post(paths.WithID(paths.TokenRevoke, tokenID), nil),
	}
	checked := 0
	for _, page := range pages {
		page.find("a[href], form[action], [hx-get], [hx-post], [data-copy-secret]").Each(func(_ int, el *goquery.Selection) {
			for attr, method := range map[string]string{"href": http.MethodGet, "action": http.MethodGet, "hx-get": http.MethodGet, "hx-post": http.MethodPost, "data-copy-secret": http.MethodPost} {
				link, ok := el.Attr(attr)
				if !ok || !strings.HasPrefix(link, "/") || strings.HasPrefix(link, static.Prefix) {
					continue
				}
				if attr == "action" && strings.EqualFold(el.AttrOr("method", "get"), "post") {
					method = http.MethodPost
				}
				u, err := url.Parse(link)
				if err != nil {
					t.Errorf("%s=%q: %v", attr, link, err)
					continue
				}
				ctx := e.NewContext(httptest.NewRequest(method, u.Path, nil), httptest.NewRecorder())
				e.Router().Find(method, u.Path, ctx)
				if !table[method+" "+ctx.Path()] {
					t.Errorf("%s %s (%s=%q) reaches no route of the table", method, u.Path, attr, link)
				}
				checked++
			}
		})
	}
	if checked < 30 {
		t.Errorf("checked only %d links", checked)
	}
}
