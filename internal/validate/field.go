package validate

import (
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
)

// EarliestDate is the earliest day any date field accepts. Birth dates of
// the people served go back before 1949 (an elder born in 1930 is a
// typical 特困 recipient), and the other dates (opening, registration,
// hiring, service) are later still, so one bound serves all: an earlier
// date is a typing mistake.
const EarliestDate = "1900-01-01"

// Date checks date field field (label names it in messages) into fe and
// returns the trimmed value, the day it names (midnight China time) and
// whether it is a present, valid date. The rule for every date field:
//   - empty is allowed unless required ("请填写<label>");
//   - the form is exactly YYYY-MM-DD (ISO 8601 calendar date, as date
//     inputs send it) and a real day: 2024-02-30 and 2024-3-5 are refused
//     (roster importers normalise other spellings first);
//   - from EarliestDate to today (China time) inclusive: no future dates.
func Date(fe apperr.Fields, field, label, value string, required bool) (string, time.Time, bool) {
	return dateUpTo(fe, field, label, value, required, cst.Today(), label+"不能晚于今天")
}

// dateUpTo is Date with latest (YYYY-MM-DD) the last day accepted,
// tooLate the message for a later one.
func dateUpTo(fe apperr.Fields, field, label, value string, required bool, latest, tooLate string) (string, time.Time, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		if required {
			fe.Add(field, "请填写"+label)
		}
		return value, time.Time{}, false
	}
	t, err := cst.ParseDate(value)
	switch {
	case err != nil || len(value) != len(cst.DateLayout):
		fe.Add(field, label+"格式应为 年-月-日，如 2024-03-15")
		return value, time.Time{}, false
	case value > latest:
		fe.Add(field, tooLate)
		return value, t, false
	case value < EarliestDate:
		fe.Add(field, label+"不能早于 1900 年")
		return value, t, false
	}
	return value, t, true
}

// AheadYears is how far ahead a planned date (DateAhead) may lie: a
// later one is a typing mistake (2062 for 2026).
const AheadYears = 10

// DateAhead checks a date field that plans ahead (an assignment's start
// or end, a follow-up) as Date does, except that it may lie up to
// AheadYears after today instead of not after today.
func DateAhead(fe apperr.Fields, field, label, value string, required bool) (string, time.Time, bool) {
	latest := cst.Now().AddDate(AheadYears, 0, 0).Format(cst.DateLayout)
	return dateUpTo(fe, field, label, value, required, latest, label+"不能晚于 "+latest)
}

// Text trims text field field (label names it in messages), checks it
// into fe — present when required ("请填写<label>"), at most max
// characters (runes, so a Chinese character counts one) — and returns
// the trimmed value.
func Text(fe apperr.Fields, field, label, value string, max int, required bool) string {
	value = strings.TrimSpace(value)
	switch {
	case value == "" && required:
		fe.Add(field, "请填写"+label)
	case len([]rune(value)) > max:
		fe.Add(field, label+"不能超过 "+strconv.Itoa(max)+" 个字")
	}
	return value
}
