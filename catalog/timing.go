package catalog

import "time"

// Timing is how long one attempt took, split into the phases of the
// request: the engine measures it, the attempt row stores it in
// milliseconds and the delivery pages show it. Phases a reused connection
// skipped are zero.
type Timing struct {
	Duration  time.Duration
	DNS       time.Duration
	Connect   time.Duration
	TLS       time.Duration
	FirstByte time.Duration
}
