package mapping

import (
	"strings"
	"time"
)

// DateLayout is how a date-only value is sent: the calendar date.
const DateLayout = "2006-01-02"

// localLayouts are the ISO 8601 forms without a UTC offset; they are read
// as the time of day in the mapping's time zone.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	DateLayout,
}

// dateValue reads an ISO 8601 date and returns what WorkPoint receives.
//
// The rule: a value with a UTC offset or Z, which is how SharePoint sends
// every date and time column, is an instant. A value without one is a time
// of day in loc, and a date alone is midnight in loc. A date-only field gets
// the calendar date of the instant in loc: SharePoint stores the date-only
// value 1 April 2025 of a site in Copenhagen as 2025-03-31T22:00:00Z, which
// is 2025-04-01 in Copenhagen. Any other date field gets the instant in UTC,
// in RFC 3339 form (2025-03-31T22:00:00Z).
func dateValue(s string, loc *time.Location, dateOnly bool) (string, bool) {
	t, ok := parseDate(strings.TrimSpace(s), loc)
	if !ok {
		return "", false
	}
	if dateOnly {
		return t.In(loc).Format(DateLayout), true
	}
	return t.UTC().Format(time.RFC3339Nano), true
}

// parseDate reads s as an instant, or as a local time in loc.
func parseDate(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
