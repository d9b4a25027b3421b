package figures

import (
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
)

func TestParsePeriodBoundsAndLabels(t *testing.T) {
	for _, c := range []struct {
		in, str, start, end, label, from, to string
	}{
		{"2026-11", "2026-11", "2026-11-01", "2026-11-30", "2026年11月", "2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z"},
		{"2028-02", "2028-02", "2028-02-01", "2028-02-29", "2028年2月", "2028-01-31T16:00:00.000Z", "2028-02-29T16:00:00.000Z"},
		{"2026-Q4", "2026-Q4", "2026-10-01", "2026-12-31", "2026年第四季度", "2026-09-30T16:00:00.000Z", "2026-12-31T16:00:00.000Z"},
		{" 2026-q1 ", "2026-Q1", "2026-01-01", "2026-03-31", "2026年第一季度", "2025-12-31T16:00:00.000Z", "2026-03-31T16:00:00.000Z"},
		{"2026", "2026", "2026-01-01", "2026-12-31", "2026年", "2025-12-31T16:00:00.000Z", "2026-12-31T16:00:00.000Z"},
	} {
		p, err := ParsePeriod(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		from, to := p.Stamps()
		if p.String() != c.str || p.Start() != c.start || p.End() != c.end || p.Label() != c.label || from != c.from || to != c.to {
			t.Errorf("%q: got %s %s…%s %s [%s, %s)", c.in, p, p.Start(), p.End(), p.Label(), from, to)
		}
		if !p.Contains(c.start) || !p.Contains(c.end) || p.Contains(c.to[:10]) && c.to[:10] > c.end {
			t.Errorf("%q: Contains wrong at the bounds", c.in)
		}
	}
	for _, bad := range []string{"", "26", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-1", "2026-11-01", "abcd", "2026/11"} {
		if _, err := ParsePeriod(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q: want a field error, got %v", bad, err)
		}
	}
}

func TestCurrentPeriodInChinaTime(t *testing.T) {
	// 17:00 UTC on New Year's Eve is 01:00 on 1 January in China.
	restore := cst.SetNowForTest(func() time.Time { return time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC) })
	defer restore()
	if m, q, y := Current(Month), Current(Quarter), Current(Year); m.String() != "2027-01" || q.String() != "2027-Q1" || y.String() != "2027" {
		t.Fatalf("current periods %s %s %s, want 2027-01 2027-Q1 2027", m, q, y)
	}
	last, _ := ParsePeriod("2026-12")
	if !last.IsPast() || Current(Month).IsPast() || Current(Month).IsFuture() {
		t.Fatal("2026-12 should be past and 2027-01 current on 1 January 2027 in China")
	}
	next, _ := ParsePeriod("2027-02")
	if !next.IsFuture() {
		t.Fatal("2027-02 should be in the future")
	}
	if p, err := PeriodOf(Quarter, "2026-05-31"); err != nil || p.String() != "2026-Q2" {
		t.Fatalf("PeriodOf: %v %v", p, err)
	}
}
