package catalog

// The prefixes of event and message ids: the store makes ids with them and
// the delivery log's search names them.
const (
	EventIDPrefix   = "evt_"
	MessageIDPrefix = "msg_"
)
