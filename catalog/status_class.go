package catalog

// StatusClass is a kind of answer a delivery got, as the delivery log
// filters by it: a class of HTTP statuses, or no HTTP answer at all.
type StatusClass struct {
	Value string // in URLs and forms: "2xx", or "none"
	Label string // "2xx success"
	// Min and Max bound the last HTTP status, Max excluded; both 0 for
	// "none" (a connection error, a timeout, a blocked address).
	Min, Max int
}

// statusSuccess is the class of the answers that deliver a message.
var statusSuccess = StatusClass{"2xx", "2xx success", 200, 300}

// StatusClasses are the classes in the order the filter lists them.
var StatusClasses = []StatusClass{
	statusSuccess,
	{"3xx", "3xx redirect", 300, 400},
	{"4xx", "4xx client error", 400, 500},
	{"5xx", "5xx server error", 500, 600},
	{"none", "No HTTP answer", 0, 0},
}

// Answered reports whether the class is one of HTTP answers.
func (c StatusClass) Answered() bool { return c.Max > 0 }

// SuccessStatus reports whether an HTTP status delivers a message: 2xx.
func SuccessStatus(status int) bool { return status >= statusSuccess.Min && status < statusSuccess.Max }

func (c StatusClass) value() string { return c.Value }

// LookupStatusClass finds a class by its value.
func LookupStatusClass(v string) (StatusClass, bool) { return lookup(StatusClasses, v) }

// StatusClassValues names the classes' values for a message:
// "2xx, 3xx, 4xx, 5xx or none".
func StatusClassValues() string { return orList(Values(StatusClasses)) }
