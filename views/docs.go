package views

// EventCatalogProps are the props of the event catalog page.
type EventCatalogProps struct {
	Page   Page
	Groups []CatalogGroup
	// Fields are the payload's top-level keys, the same for every type.
	Fields []CatalogField
}

// CatalogGroup is one group of event types, as the endpoint form groups them.
type CatalogGroup struct {
	Name  string
	Types []CatalogType
}

// CatalogType is one event type with its fields and a sample payload.
type CatalogType struct {
	Name     string
	Title    string
	Message  string
	Severity string
	// Metadata are the type's metadata keys with their sample values, in
	// payload order; none for project events.
	Metadata []CatalogField
	// Sample is a sample payload, pretty-printed.
	Sample string
}

// CatalogField is one key of a payload with what it holds.
type CatalogField struct {
	Name  string
	Value string
}

// DeliveryHelpProps are the props of the delivery-failures page.
type DeliveryHelpProps struct {
	Page     Page
	Failures []FailureHelp
	// Attempts and the rests between them, as the retry schedule says them.
	Schedule string
}

// FailureHelp is one kind of failed attempt: its section id (the anchor the
// delivery log's advice links to), what the log says about it, and what to
// do.
type FailureHelp struct {
	Section string
	Title   string
	Explain string
	Advice  string
}
