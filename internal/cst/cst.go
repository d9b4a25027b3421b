// Package cst holds China Standard Time: dates people see and the months
// reports count are in Asia/Shanghai whatever the server's zone.
package cst

import (
	"time"
	_ "time/tzdata" // embed the zone database so a bare server still knows Asia/Shanghai
)

// Loc is Asia/Shanghai.
var Loc = mustLoad()

func mustLoad() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}

// Layouts used across shegong.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04"
	MonthLayout    = "2006-01"
	// StampLayout is how instants are stored: UTC, fixed width so TEXT
	// columns sort in time order on both engines.
	StampLayout = "2006-01-02T15:04:05.000Z"
)

// nowFunc is replaced in tests that need a fixed clock.
var nowFunc = time.Now

// Now is the current instant in China Standard Time.
func Now() time.Time { return nowFunc().In(Loc) }

// Today is today's date in China, as YYYY-MM-DD.
func Today() string { return Now().Format(DateLayout) }

// Stamp formats an instant for storage.
func Stamp(t time.Time) string { return t.UTC().Format(StampLayout) }

// NowStamp is Stamp(Now()).
func NowStamp() string { return Stamp(nowFunc()) }

// ParseStamp reads a stored instant.
func ParseStamp(s string) (time.Time, error) { return time.Parse(StampLayout, s) }

// ShowStamp renders a stored instant for people, in China time; an
// unreadable value is shown as it is.
func ShowStamp(s string) string {
	t, err := ParseStamp(s)
	if err != nil {
		return s
	}
	return t.In(Loc).Format(DateTimeLayout)
}

// ParseDate reads YYYY-MM-DD as a date in China.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(DateLayout, s, Loc) }

// SetNowForTest fixes the clock and returns a function that restores it.
func SetNowForTest(f func() time.Time) (restore func()) {
	old := nowFunc
	nowFunc = f
	return func() { nowFunc = old }
}

// IsDate reports whether s is a real calendar date written YYYY-MM-DD
// (2024-02-30 and 2024-3-5 are not); past or future alike.
func IsDate(s string) bool {
	t, err := ParseDate(s)
	return err == nil && t.Format(DateLayout) == s
}
