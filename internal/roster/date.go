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

var looseDateRe = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// NormDate reads the ways a date arrives from Excel: a date serial
// ("18330", a raw cell value), 1950/3/8, 1950.3.8, 1950年3月8日, 19500308,
// and returns it as YYYY-MM-DD. Anything else is returned as it is, for
// validation to refuse; so is a bare year (1950), which as a serial
// would silently become a day of 1905, and a serial with a time of day.
// The month and day are not checked here (1950-02-30 passes through, for
// validation to name).
func NormDate(v string) string {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f <= 100000 && f == math.Trunc(f) && (f < 1900 || f > 2100) {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
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
