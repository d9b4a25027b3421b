package timeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/visits"
	"github.com/shegong/shegong/internal/workforce"
)

func actorAt(t *testing.T, a *app.App, role authz.Role, code string, kind org.Kind) *authz.Actor {
	t.Helper()
	u, err := demo.Unit(context.Background(), a.DB, code, kind)
	if err != nil {
		t.Fatal(err)
	}
	return &authz.Actor{UserID: "u-" + string(role), Role: role, OrgID: u.ID, OrgPath: u.Path, OrgName: u.Name}
}

func one(t *testing.T, q db.Querier, query string, args ...any) string {
	t.Helper()
	var s string
	if err := q.QueryRow(context.Background(), query, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// all reads a timeline page by page.
func all(t *testing.T, q db.Querier, actor *authz.Actor, id string, limit int) ([]timeline.Entry, int) {
	t.Helper()
	var out []timeline.Entry
	before, pages := "", 0
	for {
		page, next, err := timeline.Page(context.Background(), q, actor, id, before, limit)
		if err != nil {
			t.Fatalf("page after %q: %v", before, err)
		}
		pages++
		out = append(out, page...)
		if next == "" {
			return out, pages
		}
		if next >= before && before != "" || len(page) == 0 {
			t.Fatalf("paging does not move on: %q after %q", next, before)
		}
		before = next
	}
}

func TestTimelineOrderPagingAndSources(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	// The demo person with the most visits who lives in a household.
	id := one(t, a.DB, `SELECT r.id FROM recipients r JOIN visits v ON v.recipient_id = r.id WHERE r.household_id IS NOT NULL
		GROUP BY r.id ORDER BY COUNT(*) DESC, r.id LIMIT 1`)
	r, err := recipients.Get(ctx, a.DB, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	// They move away: a status change, written with the edit.
	in := recipients.InputOf(r)
	in.Status, in.StatusReason, in.StatusDate = recipients.StatusMoved, "随子女迁往外省", cst.Today()
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := recipients.Update(ctx, tx, a.Keys, admin, id, r.Version, in)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	full, _, err := timeline.Page(ctx, a.DB, admin, id, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for i, e := range full {
		kinds[e.Kind]++
		if i > 0 && e.At > full[i-1].At {
			t.Fatalf("not newest first at %d: %s after %s", i, e.At, full[i-1].At)
		}
		if e.Title == "" || e.Module == "" || e.Link == "" {
			t.Errorf("incomplete entry %+v", e)
		}
	}
	visits := one(t, a.DB, `SELECT COUNT(*) FROM visits WHERE recipient_id = ?`, id)
	if kinds["registered"] != 1 || kinds["status"] != 1 || kinds["household"] != 1 || itoa(kinds["visit"]) != visits {
		t.Fatalf("entries by kind %v (visits %s)", kinds, visits)
	}
	if full[0].Kind != "status" || full[0].Title != "状态变为“迁出”" {
		t.Fatalf("newest entry %+v, want the move", full[0])
	}
	// Small pages give the same entries, once each.
	paged, pages := all(t, a.DB, admin, id, 2)
	if len(paged) != len(full) || pages < 2 {
		t.Fatalf("paged %d entries in %d pages, want %d", len(paged), pages, len(full))
	}
	for i := range full {
		if paged[i] != full[i] {
			t.Fatalf("entry %d: paged %+v, whole %+v", i, paged[i], full[i])
		}
	}

	// A volunteer sees of a person only the name, the village and their
	// task (recipients.FieldAccess): no timeline at all.
	volunteer := actorAt(t, a, authz.RoleVolunteer, demo.County, org.KindCounty)
	if es, _, err := timeline.Page(ctx, a.DB, volunteer, id, "", 200); !apperr.Is(err, apperr.Forbidden) || len(es) != 0 {
		t.Fatalf("volunteer sees %d entries (%v), want none", len(es), err)
	}
	if _, _, err := timeline.Page(ctx, a.DB, admin, id, "yesterday", 10); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad cursor: %v", err)
	}
}

// Entries of one instant are never split between pages.
func TestTimelineTiesStayTogether(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	id := one(t, a.DB, `SELECT r.id FROM recipients r WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.recipient_id = r.id)
		AND NOT EXISTS (SELECT 1 FROM service_records s WHERE s.recipient_id = r.id)
		AND r.household_id IS NULL ORDER BY r.id LIMIT 1`)
	base := one(t, a.DB, `SELECT created_at FROM recipients WHERE id = ?`, id)
	t0, err := cst.ParseStamp(base)
	if err != nil {
		t.Fatal(err)
	}
	at := func(hours string) string {
		return cst.Stamp(t0.Add(map[string]time.Duration{"55": time.Hour, "58": 2 * time.Hour}[hours]))
	}
	for i, sec := range []string{"55", "55", "55", "58"} {
		if _, err := a.DB.Exec(ctx, `INSERT INTO recipient_status_history (id, recipient_id, at, kind, status) VALUES (?, ?, ?, 'status', ?)`,
			id+"-t"+itoa(i), id, at(sec), []string{"suspended", "active", "closed", "active"}[i]); err != nil {
			t.Fatal(err)
		}
	}
	p1, next, err := timeline.Page(ctx, a.DB, admin, id, "", 2)
	if err != nil || len(p1) != 1 || p1[0].At != at("58") || next != at("58") {
		t.Fatalf("first page %+v next %q %v", p1, next, err)
	}
	p2, next, err := timeline.Page(ctx, a.DB, admin, id, next, 2)
	if err != nil || len(p2) != 3 || next != at("55") {
		t.Fatalf("second page %+v next %q %v", p2, next, err)
	}
	p3, next, err := timeline.Page(ctx, a.DB, admin, id, next, 2)
	if err != nil || len(p3) != 1 || p3[0].Kind != "registered" || next != "" {
		t.Fatalf("third page %+v next %q %v", p3, next, err)
	}
}

func TestTimelineVisibility(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	evaluator := actorAt(t, a, authz.RoleEvaluator, demo.County, org.KindCounty)
	leader := actorAt(t, a, authz.RoleLeader, demo.County, org.KindCounty)
	head := actorAt(t, a, authz.RoleStationHead, "410622001", org.KindStation)
	child := one(t, a.DB, `SELECT id FROM recipients WHERE birth_date > ? ORDER BY id LIMIT 1`, recipients.ChildCutoff())
	adult := one(t, a.DB, `SELECT id FROM recipients WHERE birth_date <> '' AND birth_date <= ? ORDER BY id LIMIT 1`, recipients.ChildCutoff())
	elsewhere := one(t, a.DB, `SELECT r.id FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE o.path NOT LIKE ? ORDER BY r.id LIMIT 1`, head.OrgPath+"%")
	for _, c := range []struct {
		name  string
		actor *authz.Actor
		id    string
		want  apperr.Kind
	}{
		{"admin, child", admin, child, ""},
		{"evaluator, adult", evaluator, adult, ""},
		{"evaluator, child", evaluator, child, apperr.Forbidden},
		{"leader", leader, adult, apperr.Forbidden},
		{"station head, other station", head, elsewhere, apperr.OutOfScope},
		{"nobody", nil, adult, apperr.Forbidden},
		{"unknown person", admin, "01900000-0000-7000-8000-000000000000", apperr.NotFound},
	} {
		es, _, err := timeline.Page(ctx, a.DB, c.actor, c.id, "", 50)
		switch {
		case c.want == "" && (err != nil || len(es) == 0):
			t.Errorf("%s: %d entries, %v", c.name, len(es), err)
		case c.want != "" && !apperr.Is(err, c.want):
			t.Errorf("%s: want %s, got %v", c.name, c.want, err)
		}
	}
}

// Households: joining, a new relation and leaving are each on the
// person's timeline, also when the household is dissolved.
func TestHouseholdHistory(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	admin := actorAt(t, a, authz.RoleAdmin, demo.County, org.KindCounty)
	station := one(t, a.DB, `SELECT org_id FROM recipients WHERE household_id IS NULL GROUP BY org_id HAVING COUNT(*) >= 2 ORDER BY org_id LIMIT 1`)
	var x, y string
	if err := a.DB.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM recipients WHERE org_id = ? AND household_id IS NULL`, station).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	var h recipients.Household
	tx := func(fn func(tx *db.Tx) error) {
		t.Helper()
		if err := a.DB.InTx(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	tx(func(q *db.Tx) (err error) {
		h, err = recipients.CreateHousehold(ctx, q, admin, recipients.HouseholdInput{OrgID: station, Name: "测试户",
			Members: []recipients.MemberInput{{RecipientID: x, Relation: "户主"}, {RecipientID: y, Relation: "配偶"}}})
		return err
	})
	tx(func(q *db.Tx) (err error) {
		h, err = recipients.UpdateHousehold(ctx, q, admin, h.ID, h.Version, nil,
			[]recipients.MemberInput{{RecipientID: x, Relation: "户主"}, {RecipientID: y, Relation: "其他"}})
		return err
	})
	tx(func(q *db.Tx) error {
		_, err := recipients.UpdateHousehold(ctx, q, admin, h.ID, h.Version, nil, []recipients.MemberInput{})
		return err
	})
	titles := func(id string) []string {
		es, _, err := timeline.Page(ctx, a.DB, admin, id, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			if e.Kind == "household" {
				out = append(out, e.Title+"|"+e.Detail)
			}
		}
		return out
	}
	gotY := titles(y)
	if len(gotY) != 3 || gotY[0] != "离开家庭：“测试户”|" || gotY[1] != "与户主关系变更：“测试户”|与户主关系：其他" || gotY[2] != "加入家庭：“测试户”|与户主关系：配偶" {
		t.Fatalf("household entries of a member: %q", gotY)
	}
	if gotX := titles(x); len(gotX) != 2 {
		t.Fatalf("household entries of the head: %q", gotX)
	}
}

// The migration gives people registered before it their registration,
// their status if not in care, and their household.
func TestHistoryBackfill(t *testing.T) {
	ctx := context.Background()
	before := recipients.Module
	for len(before.Migrations) > 0 && before.Migrations[len(before.Migrations)-1].Name != "org_initials" {
		before.Migrations = before.Migrations[:len(before.Migrations)-1]
	}
	if len(before.Migrations) == len(recipients.Module.Migrations) || len(before.Migrations) == 0 {
		t.Fatal("cannot find the migration before the history")
	}
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, before)
	stmts := []string{
		`INSERT INTO org_units (id, kind, name, path, created_at, updated_at) VALUES ('s1', 'station', '站', '/s1/', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`,
		`INSERT INTO households (id, version, org_id, name, created_at, updated_at) VALUES ('h1', 1, 's1', '甲户', '2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z')`,
		`INSERT INTO recipients (id, org_id, name, created_at, updated_at, household_id, household_relation) VALUES ('r1', 's1', '甲', '2025-02-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', 'h1', '户主')`,
		`INSERT INTO recipients (id, org_id, name, status, status_reason, status_date, created_at, updated_at) VALUES ('r2', 's1', '乙', 'deceased', '病故', '2025-05-01', '2025-02-02T00:00:00.000Z', '2025-05-02T00:00:00.000Z')`,
	}
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if _, err := d.Migrate(ctx, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module, casework.Module); err != nil {
		t.Fatal(err)
	}
	system := authz.System()
	system.Role = authz.RoleAdmin // the guard asks for recipients.read
	for id, want := range map[string][]string{
		"r1": {"household|加入家庭：“甲户”|2025-03-01", "registered|登记为服务对象|2025-02-01"},
		"r2": {"status|状态变为“死亡”|2025-05-02", "registered|登记为服务对象|2025-02-02"},
	} {
		es, _, err := timeline.Page(ctx, d, system, id, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Kind+"|"+e.Title+"|"+e.At[:10])
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
