package catalog

import (
	"slices"
	"strings"
)

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

// LookupMessageState finds a state by name.
func LookupMessageState(name string) (MessageState, bool) {
	for _, s := range MessageStates {
		if s.Name == name {
			return s, true
		}
	}
	return MessageState{}, false
}

// MessageStateNames is the states' names for a message that says what to
// choose, e.g. "pending, retrying, succeeded or failed".
func MessageStateNames() string {
	names := make([]string, len(MessageStates))
	for i, s := range MessageStates {
		names[i] = s.Name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// InFlightStates are the states of a message that may still be attempted
// without anyone asking.
var InFlightStates = []string{StatePending, StateRetrying, StateWaiting}

// InFlight reports whether a message in state may still be attempted
// without anyone asking.
func InFlight(state string) bool { return slices.Contains(InFlightStates, state) }
