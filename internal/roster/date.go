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

var looseDateRe = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$`)

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
func NormDateIn(v string, date1904 bool) string {
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
	return v
}
