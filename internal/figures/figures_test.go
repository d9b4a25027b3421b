package figures_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
)

func actorAt(t *testing.T, a *app.App, role authz.Role, code string, kind org.Kind) *authz.Actor {
	t.Helper()
	u, err := demo.Unit(context.Background(), a.DB, code, kind)
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Actor{UserID: "u-" + string(role), Role: role, OrgID: u.ID, OrgPath: u.Path, OrgName: u.Name}
}

// allRecords reads every page of a drill-down.
// birthOf is a recipient's birth date ("" when none).
func birthOf(t *testing.T, a *app.App, id string) string {
	t.Helper()
	var birth string
	if err := a.DB.QueryRow(context.Background(), `SELECT birth_date FROM recipients WHERE id = ?`, id).Scan(&birth); err != nil {
		t.Fatalf("birth date of %s: %v", id, err)
	}
	return birth
}

func allRecords(t *testing.T, q db.Querier, actor *authz.Actor, key string, p figures.Period, orgID string) ([]figures.Record, int) {
	t.Helper()
	var out []figures.Record
	total := -1
	for offset := 0; ; offset += 7 { // small pages, so paging is exercised
		page, n, err := figures.List(context.Background(), q, actor, key, p, orgID, 7, offset)
		if err != nil {
			t.Fatalf("%s %s: %v", key, p, err)
		}
		if total >= 0 && n != total {
			t.Fatalf("%s: total moved from %d to %d between pages", key, total, n)
		}
		total = n
		out = append(out, page...)
		if len(page) < 7 {
			return out, total
		}
	}
}

func TestRegisteredFigures(t *testing.T) {
	want := map[string]figures.Kind{
		"network.stations": figures.Stock, "network.rooms": figures.Stock,
		"workforce.workers": figures.Stock, "workforce.certified": figures.Stock, "workforce.volunteers": figures.Stock,
		"workforce.training_hours": figures.Flow, "workforce.volunteer_hours": figures.Flow,
		"visits.made": figures.Flow, "visits.people": figures.Flow, "visits.overdue": figures.Stock, "visits.due_week": figures.Stock, "visits.never": figures.Stock,
		"recipients.in_care": figures.Stock, "recipients.registered": figures.Flow,
		"services.instances": figures.Flow, "services.people": figures.Flow, "services.hours": figures.Flow,
		"services.resources": figures.Flow, "services.resources_value": figures.Flow,
		"casework.opened": figures.Flow, "casework.closed": figures.Flow, "casework.open": figures.Stock,
		"casework.plans_approved": figures.Flow, "casework.overdue_tasks": figures.Stock, "casework.goals_attained": figures.Flow,
		"casework.improved": figures.Flow,
		"referrals.sent":    figures.Flow, "referrals.accepted": figures.Flow, "referrals.completed": figures.Flow,
	}
	for _, r := range []string{"goals_met", "moved", "died", "declined", "referred", "other"} {
		want["casework.closed."+r] = figures.Flow
	}
	for _, k := range []string{"planned", "held", "publicity_planned", "publicity_held", "participants", "volunteer_hours", "themes"} {
		want["activities."+k] = figures.Flow
	}
	for _, k := range []string{"planned", "sessions_planned", "held", "sessions_held", "attendance", "attendance_marked", "improved"} {
		want["groups."+k] = figures.Flow
	}
	for key, kind := range want {
		f, ok := figures.Get(key)
		if !ok || f.Kind != kind || f.Records == nil || !strings.HasPrefix(key, f.Module+".") {
			t.Errorf("%s: registered %v as %+v", key, ok, f)
		}
	}
	// A median has no drill-down (its records do not add up to it).
	if f, ok := figures.Get("casework.median_days"); !ok || f.Records != nil {
		t.Error("casework.median_days")
	}
	// A rate has no drill-down either.
	for _, key := range []string{"groups.attendance_rate", "groups.change"} {
		if f, ok := figures.Get(key); !ok || f.Records != nil {
			t.Error(key)
		}
	}
	if len(figures.All()) != len(want)+3 {
		t.Errorf("%d figures registered, want %d", len(figures.All()), len(want))
	}
}

// Every figure's drill-down lists exactly what it counts, on the demo
// county and a station, for the current month and year, also for a role
// the children rule restricts (children counted, not named).
func TestDrillDownEqualsValue(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	evaluator := actorAt(t, a, authz.RoleEvaluator, demo.County, org.KindCounty)
	station := actorAt(t, a, authz.RoleStationHead, "410622001", org.KindStation)
	nonZero := map[string]bool{}
	for _, f := range figures.All() {
		if f.Records == nil {
			continue
		}
		for _, p := range []figures.Period{figures.Current(figures.Month), figures.Current(figures.Year)} {
			for _, c := range []struct {
				actor *authz.Actor
				node  string
			}{{admin, admin.OrgID}, {evaluator, admin.OrgID}, {admin, station.OrgID}} {
				v, err := figures.Compute(ctx, a.DB, c.actor, f.Key, p, c.node)
				if err != nil {
					t.Fatalf("%s %s: %v", f.Key, p, err)
				}
				recs, total := allRecords(t, a.DB, c.actor, f.Key, p, c.node)
				var sum int64
				for _, r := range recs {
					sum += r.Amount
					if r.Amount <= 0 || (r.Link != "" && (!strings.HasPrefix(r.Link, "/") || r.ID == "")) {
						t.Errorf("%s: bad record %+v", f.Key, r)
					}
				}
				if total != len(recs) || sum != v {
					t.Errorf("%s %s as %s at %s: value %d, records %d (total %d, amounts %d)", f.Key, p, c.actor.Role, c.node, v, len(recs), total, sum)
				}
				if v > 0 {
					nonZero[f.Key] = true
				}
			}
		}
	}
	// The demo county has every kind of record, so a figure that is zero
	// everywhere would be a figure that counts nothing.
	for _, key := range []string{"network.stations", "network.rooms", "workforce.workers", "workforce.certified", "workforce.volunteers",
		"visits.made", "visits.people", "visits.overdue", "visits.never", "recipients.in_care", "recipients.registered",
		"services.instances", "services.people", "activities.planned", "activities.held", "activities.participants", "activities.volunteer_hours",
		"activities.themes", "groups.planned", "groups.sessions_held", "groups.attendance"} {
		if !nonZero[key] {
			t.Errorf("%s is zero on the demo county", key)
		}
	}

	// The evaluator may not see children. A figure that counts by the
	// children rule (ChildrenRule: people in care, the due figures) counts
	// and lists only the people the role may see, so its value is the
	// administrator's less the children; any other lists the children it
	// counts without name or link.
	month := figures.Current(figures.Month)
	for _, key := range []string{"recipients.in_care", "visits.overdue", "visits.never", "visits.people"} {
		f, _ := figures.Get(key)
		all, _ := allRecords(t, a.DB, admin, key, month, admin.OrgID)
		masked, _ := allRecords(t, a.DB, evaluator, key, month, admin.OrgID)
		hidden := 0
		for _, r := range masked {
			if r.Link == "" {
				hidden++
				if r.ID != "" || strings.Contains(r.Label, "·") {
					t.Errorf("%s: hidden child shows %+v", key, r)
				}
			}
		}
		children := 0
		for _, r := range all {
			if r.Link == "" {
				t.Errorf("%s: the administrator sees a hidden row %+v", key, r)
			}
			if recipients.Hidden(evaluator, birthOf(t, a, r.ID)) {
				children++
			}
		}
		switch {
		case children == 0:
			t.Errorf("%s: the demo county counts no child", key)
		case f.ChildrenRule && (hidden != 0 || len(masked) != len(all)-children):
			t.Errorf("%s: evaluator lists %d (%d hidden), administrator %d of whom %d children", key, len(masked), hidden, len(all), children)
		case !f.ChildrenRule && (hidden != children || len(masked) != len(all)):
			t.Errorf("%s: %d hidden of %d (administrator %d, %d children)", key, hidden, len(masked), len(all), children)
		}
	}

	// A leader sees the figures, not the people behind them.
	leader := actorAt(t, a, authz.RoleLeader, demo.County, org.KindCounty)
	if _, err := figures.Compute(ctx, a.DB, leader, "recipients.in_care", month, leader.OrgID); err != nil {
		t.Fatalf("leader value: %v", err)
	}
	if _, _, err := figures.List(ctx, a.DB, leader, "recipients.in_care", month, leader.OrgID, 10, 0); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("leader drill-down: want Forbidden, got %v", err)
	}
}

func TestScopeRefusal(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	head := actorAt(t, a, authz.RoleStationHead, "410622001", org.KindStation)
	other, err := demo.Unit(ctx, a.DB, "410622004", org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	county, err := demo.Unit(ctx, a.DB, demo.County, org.KindCounty)
	if err != nil {
		t.Fatal(err)
	}
	month := figures.Current(figures.Month)
	for _, f := range figures.All() {
		for _, node := range []string{other.ID, county.ID} {
			if _, err := figures.Compute(ctx, a.DB, head, f.Key, month, node); !apperr.Is(err, apperr.OutOfScope) {
				t.Errorf("%s for a node out of scope: %v", f.Key, err)
			}
			if _, _, err := figures.List(ctx, a.DB, head, f.Key, month, node, 10, 0); !apperr.Is(err, apperr.OutOfScope) {
				t.Errorf("%s records for a node out of scope: %v", f.Key, err)
			}
			// Called directly, the module's own functions refuse as well.
			if _, err := f.Value(ctx, a.DB, head, month, node); !apperr.Is(err, apperr.OutOfScope) {
				t.Errorf("%s Value for a node out of scope: %v", f.Key, err)
			}
		}
		if _, err := figures.Compute(ctx, a.DB, nil, f.Key, month, head.OrgID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s for no actor: %v", f.Key, err)
		}
		if _, err := f.Value(ctx, a.DB, nil, month, head.OrgID); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s Value for no actor: %v", f.Key, err)
		}
		if _, err := figures.Compute(ctx, a.DB, head, f.Key, month, head.OrgID); err != nil {
			t.Errorf("%s for the head's own station: %v", f.Key, err)
		}
	}
	if _, err := figures.Compute(ctx, a.DB, head, "no.such", month, head.OrgID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown figure: %v", err)
	}
	next, _ := figures.PeriodOf(figures.Month, cst.Now().AddDate(0, 2, 0).Format(cst.DateLayout))
	if _, err := figures.Compute(ctx, a.DB, head, "visits.made", next, head.OrgID); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("future period: %v", err)
	}
}

// A stock for a past period reads the snapshot of its last day; the
// current period reads the live value; a flow is recomputed from the
// records for any period.
func TestFlowAndStockOverTime(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	province, err := demo.Unit(ctx, a.DB, "41", org.KindProvince)
	if err != nil {
		t.Fatal(err)
	}
	room, err := demo.Unit(ctx, a.DB, "410622004200", org.KindRoom)
	if err != nil {
		t.Fatal(err)
	}
	provincial := &authz.Actor{Role: authz.RoleAdmin, OrgID: province.ID, OrgPath: province.Path}
	now := cst.Now()
	current := figures.Current(figures.Month)
	last, _ := figures.PeriodOf(figures.Month, now.AddDate(0, 0, -now.Day()).Format(cst.DateLayout))
	before, _ := figures.PeriodOf(figures.Month, now.AddDate(0, -1, -now.Day()).Format(cst.DateLayout))

	live, err := figures.Compute(ctx, a.DB, admin, "recipients.in_care", current, admin.OrgID)
	if err != nil || live == 0 {
		t.Fatalf("live in care: %d %v", live, err)
	}
	// The evaluator counts without the children (ChildrenRule), last
	// month as this month.
	evaluator := actorAt(t, a, authz.RoleEvaluator, demo.County, org.KindCounty)
	liveVisible, err := figures.Compute(ctx, a.DB, evaluator, "recipients.in_care", current, admin.OrgID)
	if err != nil || liveVisible == 0 || liveVisible >= live {
		t.Fatalf("live in care for the evaluator: %d of %d, %v", liveVisible, live, err)
	}
	// No snapshot for last month yet.
	if _, err := figures.Compute(ctx, a.DB, admin, "recipients.in_care", last, admin.OrgID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("past stock without a snapshot: %v", err)
	}
	snapshot := func(day string) int {
		var n int
		if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			n, err = figures.Snapshot(ctx, tx, day)
			return err
		}); err != nil {
			t.Fatalf("snapshot %s: %v", day, err)
		}
		return n
	}
	if n := snapshot(last.End()); n == 0 {
		t.Fatal("the snapshot wrote nothing")
	}
	// Someone moves away: the live figure drops, last month's does not.
	if _, err := a.DB.Exec(ctx, `UPDATE recipients SET status = 'moved' WHERE id = (SELECT MIN(id) FROM recipients WHERE status = 'active')`); err != nil {
		t.Fatal(err)
	}
	if n := snapshot(last.End()); n != 0 {
		t.Fatalf("a second snapshot of a past day overwrote %d values", n)
	}
	check := func(p figures.Period, node string, actor *authz.Actor, want int64) {
		t.Helper()
		got, err := figures.Compute(ctx, a.DB, actor, "recipients.in_care", p, node)
		if err != nil || got != want {
			t.Fatalf("in care %s at %s: %d %v, want %d", p, node, got, err, want)
		}
	}
	check(last, admin.OrgID, admin, live)
	check(last, admin.OrgID, evaluator, liveVisible)
	check(current, admin.OrgID, admin, live-1)
	check(last, province.ID, provincial, live) // above the county: the counties' snapshots added up
	var quarterWant int64 = live
	if q := figures.Current(figures.Quarter); q.Contains(last.End()) {
		quarterWant = live - 1 // the quarter is still running: live
	} else {
		q, _ = figures.PeriodOf(figures.Quarter, last.End())
		check(q, admin.OrgID, admin, quarterWant)
	}
	if _, err := figures.Compute(ctx, a.DB, admin, "recipients.in_care", before, admin.OrgID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("month before without a snapshot: %v", err)
	}
	if _, err := figures.Compute(ctx, a.DB, admin, "recipients.in_care", last, room.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("room has no snapshots: %v", err)
	}
	if _, _, err := figures.List(ctx, a.DB, admin, "recipients.in_care", last, admin.OrgID, 10, 0); !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("past stock drill-down: %v", err)
	}
	// Today's snapshot is refreshed by a later run, one row per figure and node.
	today := cst.Today()
	first := snapshot(today)
	if again := snapshot(today); again != first {
		t.Fatalf("today's snapshot: %d then %d values", first, again)
	}
	var rows, stocks, nodes int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM figure_snapshots WHERE day = ?`, today).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE active = 1 AND kind IN ('county', 'station')`).Scan(&nodes); err != nil {
		t.Fatal(err)
	}
	for _, f := range figures.All() {
		if f.Kind == figures.Stock {
			stocks++
			if f.ChildrenRule {
				stocks++ // and its value as the children rule counts it
			}
		}
	}
	if stocks == 0 || nodes == 0 || rows != stocks*nodes {
		t.Fatalf("%d snapshot rows today, want %d figures × %d nodes", rows, stocks, nodes)
	}
	if _, err := figures.Snapshot(ctx, nil, now.AddDate(0, 0, 1).Format(cst.DateLayout)); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("a snapshot of tomorrow: %v", err)
	}

	// A flow is counted from the records for a past month too.
	var visits int64
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM visits WHERE visit_date >= ? AND visit_date <= ?`, last.Start(), last.End()).Scan(&visits); err != nil {
		t.Fatal(err)
	}
	got, err := figures.Compute(ctx, a.DB, admin, "visits.made", last, admin.OrgID)
	if err != nil || got != visits || visits == 0 {
		t.Fatalf("visits made in %s: %d %v, want %d (> 0)", last, got, err, visits)
	}
	recs, total := allRecords(t, a.DB, admin, "visits.made", last, admin.OrgID)
	if int64(total) != visits || int64(len(recs)) != visits {
		t.Fatalf("visits made in %s: %d records, want %d", last, total, visits)
	}
	for _, r := range recs {
		if !last.Contains(r.Date) {
			t.Fatalf("record %+v outside %s", r, last)
		}
	}
}
