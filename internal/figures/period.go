package figures

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
)

// PeriodKind is the length of a period.
type PeriodKind string

const (
	Month   PeriodKind = "month"   // 月
	Quarter PeriodKind = "quarter" // 季度
	Year    PeriodKind = "year"    // 年
)

// Valid reports whether k is a known period length.
func (k PeriodKind) Valid() bool { return k == Month || k == Quarter || k == Year }

// Period is a calendar month, quarter or year in China time: the days
// from Start to End, both included (China dates).
type Period struct {
	Kind PeriodKind
	Year int
	N    int // the month (1–12) or the quarter (1–4); 0 for a year
}

// ParsePeriod reads "2026-11" (a month), "2026-Q4" (a quarter, "q4" too)
// or "2026" (a year). A malformed value is a field error on "period".
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	bad := apperr.Fields{"period": "期间应写作 2026-11（月）、2026-Q4（季度）或 2026（年）"}.Err()
	year := func(y string) (int, bool) {
		n, err := strconv.Atoi(y)
		return n, err == nil && len(y) == 4 && n >= 1900 && n <= 9999
	}
	y, rest, cut := strings.Cut(s, "-")
	yr, ok := year(y)
	if !ok {
		return Period{}, bad
	}
	if !cut {
		return Period{Kind: Year, Year: yr}, nil
	}
	if len(rest) == 2 && (rest[0] == 'Q' || rest[0] == 'q') {
		if q := int(rest[1] - '0'); q >= 1 && q <= 4 {
			return Period{Kind: Quarter, Year: yr, N: q}, nil
		}
		return Period{}, bad
	}
	if m, err := strconv.Atoi(rest); err == nil && len(rest) == 2 && m >= 1 && m <= 12 {
		return Period{Kind: Month, Year: yr, N: m}, nil
	}
	return Period{}, bad
}

// Current is the period of kind k that holds today (China date); an
// unknown kind is taken as a month.
func Current(k PeriodKind) Period { return periodOf(k, cst.Now()) }

// PeriodOf is the period of kind k that holds the China date day
// (YYYY-MM-DD).
func PeriodOf(k PeriodKind, day string) (Period, error) {
	t, err := cst.ParseDate(day)
	if err != nil {
		return Period{}, apperr.Fields{"day": "日期应写作 YYYY-MM-DD"}.Err()
	}
	return periodOf(k, t), nil
}

func periodOf(k PeriodKind, t time.Time) Period {
	t = t.In(cst.Loc)
	switch k {
	case Year:
		return Period{Kind: Year, Year: t.Year()}
	case Quarter:
		return Period{Kind: Quarter, Year: t.Year(), N: (int(t.Month())-1)/3 + 1}
	default:
		return Period{Kind: Month, Year: t.Year(), N: int(t.Month())}
	}
}

// String is the period as ParsePeriod reads it: 2026-11, 2026-Q4, 2026.
func (p Period) String() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	default:
		return fmt.Sprintf("%04d", p.Year)
	}
}

var quarterNames = [...]string{"", "一", "二", "三", "四"}

// Label is the period in Chinese: 2026年11月, 2026年第四季度, 2026年.
func (p Period) Label() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%d年第%s季度", p.Year, quarterNames[p.N])
	default:
		return fmt.Sprintf("%d年", p.Year)
	}
}

// first is the first day of the period and months its length.
func (p Period) first() (time.Time, int) {
	switch p.Kind {
	case Month:
		return time.Date(p.Year, time.Month(p.N), 1, 0, 0, 0, 0, cst.Loc), 1
	case Quarter:
		return time.Date(p.Year, time.Month(3*p.N-2), 1, 0, 0, 0, 0, cst.Loc), 3
	default:
		return time.Date(p.Year, 1, 1, 0, 0, 0, 0, cst.Loc), 12
	}
}

// Start is the first day, YYYY-MM-DD (China date).
func (p Period) Start() string {
	t, _ := p.first()
	return t.Format(cst.DateLayout)
}

// End is the last day, YYYY-MM-DD (China date), included in the period.
func (p Period) End() string {
	t, n := p.first()
	return t.AddDate(0, n, -1).Format(cst.DateLayout)
}

// Stamps are the instants the period spans, as stored (cst.Stamp): from
// the start of its first day in China, included, to the start of the
// day after its last, excluded. Use them on instant columns (created_at,
// visited_at): `col >= from AND col < to`.
func (p Period) Stamps() (from, to string) {
	t, n := p.first()
	return cst.Stamp(t), cst.Stamp(t.AddDate(0, n, 0))
}

// Contains reports whether the China date day lies in the period.
func (p Period) Contains(day string) bool { return day >= p.Start() && day <= p.End() }

// IsPast reports whether the period ended before today (China date).
func (p Period) IsPast() bool { return p.End() < cst.Today() }

// IsFuture reports whether the period starts after today (China date).
func (p Period) IsFuture() bool { return p.Start() > cst.Today() }
