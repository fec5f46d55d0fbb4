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
