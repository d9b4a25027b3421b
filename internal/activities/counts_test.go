package activities_test

import (
	"testing"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/db"
)

// Two activities planned at once in one station and month both count:
// each writer counts the month again, and on PostgreSQL, where writers
// run side by side, the second counts only after the first committed
// (otherwise it would store its own stale total over the first's).
func TestMonthCountsOfWritersSideBySide(t *testing.T) {
	f := newFixture(t)
	in := func(title string) activities.PlanInput {
		return activities.PlanInput{OrgID: f.stA.ID, Title: title, Kind: activities.KindActivity, PlannedOn: "2026-03-25",
			StartTime: "09:00", EndTime: "11:00", Place: "村委会"}
	}
	if _, err := f.plan(f.workerA, in("先有的活动")); err != nil { // the count row exists
		t.Fatal(err)
	}
	second := make(chan error, 1)
	err := f.tx(func(tx *db.Tx) error {
		if _, err := activities.Plan(f.ctx, tx, f.workerA, in("甲")); err != nil {
			return err
		}
		go func() {
			_, err := f.plan(f.workerA, in("乙"))
			second <- err
		}()
		time.Sleep(500 * time.Millisecond) // the second writer has counted, or waits to
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	live := f.count(`SELECT COUNT(*) FROM activities WHERE org_id = ? AND planned_month = '2026-03' AND status <> 'cancelled'`, f.stA.ID)
	rolled := f.count(`SELECT COALESCE(SUM(planned), 0) FROM act_month_counts WHERE org_id = ? AND month = '2026-03'`, f.stA.ID)
	if live != 3 || rolled != live {
		t.Fatalf("act_month_counts planned %d, activities %d (want 3)", rolled, live)
	}
}
