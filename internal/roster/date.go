package roster

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/cst"
)

var (
	looseDateRe = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$`)
	yearMonthRe = regexp.MustCompile(`^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))$`)
)

// halfWidth folds full-width digits, separators and spaces: ２０２４．３．１.
func halfWidth(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		case r == '／':
			return '/'
		case r == '：':
			return ':'
		case r == '\u3000':
			return ' '
		}
		return r
	}, v)
}

// NormDate reads the ways a date arrives from Excel in the 1900 date
// system; see NormDateIn.
func NormDate(v string) string { return NormDateIn(v, false) }

// NormDateIn reads the ways a date arrives from Excel: a date serial
// ("18330", a raw cell value, counted from 1900 or, when date1904 is
// set, from 1904 as the workbook says), 1950/3/8, 1950.3.8,
// 1950年3月8日, 19500308, and returns it as YYYY-MM-DD. A serial or
// text with a time of day is read as its date. Anything else is
// returned as it is, for validation to refuse; so is a bare year
// (1950), which as a serial would silently become a day of 1905. The
// month and day are not checked here (1950-02-30 passes through, for
// validation to name).
//
// A year and month without a day (出生年月: 1950.03, 1948年5月,
// 195511, 1950-03) is returned as YYYY-MM, for SameDate to compare
// with a whole date. Full-width digits are read as digits.
func NormDateIn(v string, date1904 bool) string {
	orig := v
	v = strings.TrimSpace(halfWidth(v))
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 100000 && (f < 1900 || f >= 2101) {
		if t, err := excelize.ExcelDateToTime(math.Floor(f), date1904); err == nil {
			return t.Format(cst.DateLayout)
		}
	}
	if len(v) == 8 && strings.Trim(v, "0123456789") == "" {
		return v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	if m := looseDateRe.FindStringSubmatch(v); m != nil {
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("%s-%02d-%02d", m[1], mo, d)
	}
	if ym := YearMonth(v); ym != "" {
		return ym
	}
	return orig
}

// YearMonth reads a year and month without a day (1950.03, 1950.3,
// 1948年5月, 195511, 1950-03, 1950/3) as YYYY-MM; "" when v is not one.
// A year outside 1800–2199 or a month outside 1–12 is not one.
func YearMonth(v string) string {
	m := yearMonthRe.FindStringSubmatch(strings.TrimSpace(halfWidth(v)))
	if m == nil {
		return ""
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2] + m[3])
	if y < 1800 || y > 2199 || mo < 1 || mo > 12 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", y, mo)
}

// SameDate reports whether a date as NormDateIn returns it agrees with
// a whole date (YYYY-MM-DD): the same date, or, for a year and month
// (YYYY-MM), the same year and month.
func SameDate(v, date string) bool {
	if v == date {
		return true
	}
	return len(v) == len("2006-01") && len(date) == len(cst.DateLayout) && v == date[:len(v)] && YearMonth(v) == v
}
