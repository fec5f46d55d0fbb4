package views

import "time"

// timeFormat says how much of a time a <time> element shows; app.js writes
// it in the browser's own zone with the same precision (data-local).
type timeFormat string

// Time formats: the server's UTC text for each, and the data-local value
// app.js reads.
const (
	// timeToSecond is for attempts and other moments worth the second.
	timeToSecond timeFormat = "exact"
	// timeToMinute is for creation times.
	timeToMinute timeFormat = "minute"
	// timeHour is for the hours of the chart's table.
	timeHour timeFormat = "hour"
	// timeDate is for days, such as "member since".
	timeDate timeFormat = "date"
)

// utcText is the text of a time before app.js turns it into local time, and
// without JavaScript: UTC, and saying so.
func (f timeFormat) utcText(t time.Time) string {
	switch f {
	case timeToSecond:
		return timeExact(t)
	case timeHour:
		return t.UTC().Format("2 Jan, 15:04 UTC")
	case timeDate:
		return t.UTC().Format("2 Jan 2006")
	}
	return timeUTC(t)
}
