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
}

// requestErrorID is the element htmx puts the answer to a failed request
// in (ErrorNotice), above the page's content.
const requestErrorID = "request-error"

// htmxConfig keeps htmx from evaluating script, and shows an error answer
// (4xx, 5xx) in #request-error rather than dropping it: by default htmx
// swaps nothing for an error, and the user would see no reaction at all.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":true,"error":true,"target":"#` + requestErrorID + `","swapOverride":"innerHTML"}]}`
