package visits

import (
	"testing"
	"time"

	"github.com/shegong/shegong/internal/cst"
)

func TestIntervalAcrossMonthAndYearEnds(t *testing.T) {
	week, month, quarter := Interval{1, UnitWeek}, Interval{1, UnitMonth}, Interval{3, UnitMonth}
	cases := []struct {
		iv         Interval
		from, want string
	}{
		{week, "2025-12-29", "2026-01-05"}, // across a year end
		{week, "2024-02-26", "2024-03-04"}, // across a leap February
		{Interval{10, UnitDay}, "2023-12-25", "2024-01-04"},
		{month, "2025-01-31", "2025-02-28"}, // clamped to February's end
		{month, "2024-01-31", "2024-02-29"}, // leap year
		{month, "2024-01-30", "2024-02-29"},
		{month, "2025-03-31", "2025-04-30"},
		{month, "2025-12-31", "2026-01-31"}, // across a year end
		{month, "2025-12-15", "2026-01-15"},
		{month, "2025-02-28", "2025-03-28"},   // the same day of the month, not the month's end
		{quarter, "2024-11-30", "2025-02-28"}, // across a year end, clamped
		{quarter, "2023-11-30", "2024-02-29"},
		{quarter, "2025-10-31", "2026-01-31"},
		{quarter, "2025-05-31", "2025-08-31"},
		{Interval{12, UnitMonth}, "2024-02-29", "2025-02-28"},
	}
	for _, c := range cases {
		got, err := c.iv.After(c.from)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s after %s = %s, want %s", c.iv, c.from, got, c.want)
		}
	}
}

func TestDefaultRulesAndCategoryOverride(t *testing.T) {
	r := DefaultRules()
	cases := []struct {
		tier       Tier
		categories []string
		last, want string
	}{
		{TierHigh, nil, "2025-12-30", "2026-01-06"},
		{TierFocus, nil, "2025-01-31", "2025-02-28"},
		{TierGeneral, nil, "2025-11-30", "2026-02-28"},
		{"", nil, "2025-11-30", "2026-02-28"}, // not assessed: the 一般 rate
	}
	for _, c := range cases {
		got, _, err := r.NextDue(c.last, c.tier, c.categories)
		if err != nil || got != c.want {
			t.Errorf("%s from %s = %s (%v), want %s", c.tier.Label(), c.last, got, err, c.want)
		}
	}
	// A category rule that visits more often wins; one that visits less
	// often never relaxes the tier's.
	r.Categories["事实无人抚养儿童"] = Interval{1, UnitMonth}
	r.Categories["低保对象"] = Interval{6, UnitMonth}
	got, why, _ := r.NextDue("2025-01-31", TierGeneral, []string{"低保对象", "事实无人抚养儿童"})
	if got != "2025-02-28" || why != "事实无人抚养儿童：每月" {
		t.Errorf("override: %s (%s)", got, why)
	}
	got, _, _ = r.NextDue("2025-01-31", TierHigh, []string{"事实无人抚养儿童", "低保对象"})
	if got != "2025-02-07" {
		t.Errorf("high tier with a slower category: %s, want weekly", got)
	}
}

func TestWeekEnd(t *testing.T) {
	for day, want := range map[string]string{
		"2026-11-23": "2026-11-29", // Monday
		"2026-11-28": "2026-11-29", // Saturday
		"2026-11-29": "2026-11-30", // on a Sunday the list reaches Monday
		"2025-12-30": "2026-01-04", // across a year end
	} {
		d, _ := cst.ParseDate(day)
		if got := WeekEnd(d).Format(cst.DateLayout); got != want {
			t.Errorf("week of %s ends %s, want %s", day, got, want)
		}
	}
}

func TestSuggestTier(t *testing.T) {
	a := Assessment{Living: Score{Score: 1}, Safety: Score{Score: 1}, Family: Score{Score: 2}, Care: Score{Score: 1}}
	if a.SuggestTier() != TierGeneral {
		t.Error("all low should be 一般")
	}
	a.Care.Score = 3
	if a.SuggestTier() != TierFocus {
		t.Error("a 3 should be 重点")
	}
	a.Safety.Score = 4
	if a.SuggestTier() != TierHigh {
		t.Error("safety 4 should be 高风险")
	}
}

func TestParseVisitedAt(t *testing.T) {
	want := time.Date(2026, 1, 1, 0, 30, 0, 0, cst.Loc)
	for _, s := range []string{"2026-01-01 00:30", "2026-01-01T00:30", "2025-12-31T16:30:00Z"} {
		got, err := ParseVisitedAt(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	// Stored as UTC but dated by the China calendar.
	got, _ := ParseVisitedAt("2026-01-01 00:30")
	if cst.Stamp(got) != "2025-12-31T16:30:00.000Z" || got.In(cst.Loc).Format(cst.DateLayout) != "2026-01-01" {
		t.Errorf("stamp %s", cst.Stamp(got))
	}
}
