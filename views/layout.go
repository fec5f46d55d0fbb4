package views

// Breadcrumb is one step of the trail above a page title; the last one has no Href.
type Breadcrumb struct {
	Label string
	Href  string
}

// Field describes one labelled input with its error and help text.
type Field struct {
	ID           string
	Name         string
	Label        string
	Type         string
	Value        string
	Error        string
	Help         string
	Placeholder  string
	Autocomplete string
	TestID       string
	Required     bool
	Autofocus    bool
	MaxLength    int
	// RevealToggle adds a Show button to a password field (app.js).
	RevealToggle bool
}

// requestErrorID is where app.js shows the error of a failed htmx request
// whose element is no longer on the page; every other error is shown next to
// what was clicked.
const requestErrorID = "request-error"

// htmxConfig keeps htmx from evaluating script, and marks error answers
// (4xx, 5xx) as errors without swapping them: app.js shows their message
// (ErrorNotice) next to the element that made the request, on
// htmx:responseError, and a network failure's on htmx:sendError. By default
// htmx drops both and the user sees no reaction at all.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":false,"error":true}]}`
