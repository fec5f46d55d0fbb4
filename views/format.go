package views

import (
	"strconv"
	"time"
)

// byteSize writes a size the way a limit is stated: "64 KiB", "1.5 KiB",
// "25 bytes".
func byteSize(n int) string {
	switch {
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	default:
		return plural(n, "byte")
	}
}

// hours writes a whole number of hours in words: "24 hours".
func hours(d time.Duration) string { return plural(int(d/time.Hour), "hour") }

// hoursShort writes a whole number of hours tersely: "24 h".
func hoursShort(d time.Duration) string { return itoa(int(d/time.Hour)) + " h" }
