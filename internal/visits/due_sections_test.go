package visits

import (
	"testing"
	"time"

	"github.com/shegong/shegong/internal/cst"
)

// The week label names the weekday of the day it shows: on a Sunday the
// week reaches the Monday after, and the label says so.
func TestWeekEndLabel(t *testing.T) {
	for _, c := range []struct{ day, want string }{
		{"2026-11-29", "2026-11-30（周一）"}, // a Sunday
		{"2026-11-30", "2026-12-06（周日）"}, // a Monday
		{"2026-12-05", "2026-12-06（周日）"}, // a Saturday
	} {
		d, _ := time.ParseInLocation(cst.DateLayout, c.day, cst.Loc)
		if got := WeekEndLabel(d); got != c.want {
			t.Errorf("%s: %s, want %s", c.day, got, c.want)
		}
	}
}

// A person assessed 高风险 today is due again in a week, after this
// week's list ends: they are on the next-30-days list, never on none.
// People never visited show when they were registered and how long they
// have waited.
func TestDueSectionsHoldEveryoneDueSoon(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-11-29 10:00") // a Sunday
	high := f.person("赵春花", "1941-01-01", f.stA)
	f.person("钱秋月", "1942-01-01", f.stA)
	if _, _, err := f.record(f.workerA, Input{RecipientID: high.ID, VisitedAt: "2026-11-29 09:00", Method: MethodHome,
		Assessment: assessed(2, 5, 2, 2), RiskTier: TierHigh}); err != nil {
		t.Fatal(err)
	}
	lists := func() map[Window][]DueItem {
		on := map[Window][]DueItem{}
		for _, w := range DueSections {
			items, _, err := DueList(f.ctx, f.db, f.head, DueFilter{Window: w})
			if err != nil {
				t.Fatal(err)
			}
			on[w] = items
		}
		return on
	}
	// The day of the visit: due next Sunday, after this week's list.
	on := lists()
	if len(on[WindowOpen]) != 0 || len(on[WindowNext30]) != 1 || on[WindowNext30][0].Name != "赵春花" {
		t.Errorf("on the day: this week %v, next 30 days %v", on[WindowOpen], on[WindowNext30])
	}
	if len(on[WindowNever]) != 1 || on[WindowNever][0].Name != "钱秋月" || on[WindowNever][0].RegisteredOn != "2026-11-29" {
		t.Errorf("never visited: %+v", on[WindowNever])
	}
	// Four days on: due this week, and still waiting for a first visit.
	fixedNow(t, "2026-12-03 10:00")
	on = lists()
	if len(on[WindowOpen]) != 1 || on[WindowOpen][0].Name != "赵春花" || len(on[WindowNext30]) != 0 {
		t.Errorf("four days on: this week %v, next 30 days %v", on[WindowOpen], on[WindowNext30])
	}
	if len(on[WindowNever]) != 1 || on[WindowNever][0].DaysWaiting != 4 {
		t.Errorf("never visited, four days on: %+v", on[WindowNever])
	}
}
