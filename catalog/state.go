package catalog

import "slices"

// Message states: where one event's delivery to one endpoint stands. The
// message rows store them, the engine moves between them and the delivery
// log filters and shows them.
const (
	StatePending   = "pending"
	StateRetrying  = "retrying"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	// StateWaiting is a message held behind an earlier message of its test
	// run to the same endpoint, until that one succeeded or finally failed.
	StateWaiting = "waiting"
)

// MessageState is one state with the words and the badge tone the pages
// show for it.
type MessageState struct {
	Name  string
	Label string
	// Tone is the badge colour: success, danger, warning or info.
	Tone string
}

// MessageStates lists every state, in the order a delivery passes them.
var MessageStates = []MessageState{
	{StateWaiting, "Waiting", "info"},
	{StatePending, "Pending", "info"},
	{StateRetrying, "Retrying", "warning"},
	{StateSucceeded, "Succeeded", "success"},
	{StateFailed, "Failed", "danger"},
}

func (s MessageState) value() string { return s.Name }

// LookupMessageState finds a state by name.
func LookupMessageState(name string) (MessageState, bool) { return lookup(MessageStates, name) }

// MessageStateNames is the states' names for a message that says what to
// choose, e.g. "pending, retrying, succeeded or failed".
func MessageStateNames() string { return orList(Values(MessageStates)) }

// FinishedStates are the states of a message that will not be attempted
// again unless someone asks: delivered, or failed for good.
var FinishedStates = []string{StateSucceeded, StateFailed}

// InFlightStates are the states of a message that may still be attempted
// without anyone asking.
var InFlightStates = []string{StatePending, StateRetrying, StateWaiting}

// InFlight reports whether a message in state may still be attempted
// without anyone asking.
func InFlight(state string) bool { return slices.Contains(InFlightStates, state) }
