package mapping

import (
	"testing"
	"time"
)

// TestDateValue_DST checks the date rule across the daylight saving time
// changes of 2025 in Copenhagen (CET, UTC+1, to CEST, UTC+2, on 30 March;
// back on 26 October). SharePoint sends a date-only value as the UTC
// instant of midnight in the site's time zone.
func TestDateValue_DST(t *testing.T) {
	copenhagen, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatalf("load time zone: %v", err)
	}
	tests := []struct {
		name     string
		loc      *time.Location
		value    string
		dateOnly bool
		want     string
	}{
		{"winter midnight", copenhagen, "2025-01-14T23:00:00Z", true, "2025-01-15"},
		{"winter before midnight", copenhagen, "2025-01-14T22:59:59Z", true, "2025-01-14"},
		{"day DST starts", copenhagen, "2025-03-29T23:00:00Z", true, "2025-03-30"},
		{"day after DST starts", copenhagen, "2025-03-30T22:00:00Z", true, "2025-03-31"},
		{"before midnight after DST starts", copenhagen, "2025-03-30T21:59:59Z", true,
			"2025-03-30"},
		{"summer midnight", copenhagen, "2025-03-31T22:00:00Z", true, "2025-04-01"},
		{"day DST ends", copenhagen, "2025-10-25T22:00:00Z", true, "2025-10-26"},
		{"day after DST ends", copenhagen, "2025-10-26T23:00:00Z", true, "2025-10-27"},
		{"before midnight after DST ends", copenhagen, "2025-10-26T22:30:00Z", true,
			"2025-10-26"},
		{"offset given", copenhagen, "2025-04-01T00:00:00+02:00", true, "2025-04-01"},
		{"in UTC", time.UTC, "2025-03-31T22:00:00Z", true, "2025-03-31"},
		{"date alone", copenhagen, "2025-10-26", true, "2025-10-26"},
		{"instant kept", copenhagen, "2025-03-31T22:00:00Z", false, "2025-03-31T22:00:00Z"},
		{"summer local time", copenhagen, "2025-07-01T00:00:00", false, "2025-06-30T22:00:00Z"},
		{"winter local time", copenhagen, "2025-12-01T00:00:00", false, "2025-11-30T23:00:00Z"},
		{"summer date alone", copenhagen, "2025-07-01", false, "2025-06-30T22:00:00Z"},
		{"local minutes", copenhagen, "2025-12-01T08:30", false, "2025-12-01T07:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := dateValue(tt.value, tt.loc, tt.dateOnly)
			if !ok || got != tt.want {
				t.Errorf("dateValue(%q, %s, %t): got %q, %t; want %q", tt.value, tt.loc,
					tt.dateOnly, got, ok, tt.want)
			}
		})
	}
}

func TestDateValue_Invalid(t *testing.T) {
	for _, v := range []string{"", "2025-13-01", "2025-04-31", "1 April 2025", "2025-04-01Z",
		"2025-04-01T25:00:00Z", "20250401"} {
		if got, ok := dateValue(v, time.UTC, true); ok {
			t.Errorf("dateValue(%q): got %q, want it refused", v, got)
		}
	}
}
