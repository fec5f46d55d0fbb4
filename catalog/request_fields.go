package catalog

// RequestFields are the top-level fields of POST /api/v1/events, in SPEC
// order; `loadhook emit` uses them to tell overrides from metadata keys.
func RequestFields() []string { return requestFields() }
