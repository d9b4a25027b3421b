package services_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/visits"
	"github.com/shegong/shegong/internal/workforce"
)

type fixture struct {
	t                          *testing.T
	ctx                        context.Context
	db                         *db.DB
	keys                       *secure.Keyring
	county, stA, stB           org.Unit
	admin, head, workerA       *authz.Actor
	workerB, volunteer, leader *authz.Actor
}

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func setNow(t *testing.T, s string) {
	now, err := time.ParseInLocation("2006-01-02 15:04", s, cst.Loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cst.SetNowForTest(func() time.Time { return now }))
}

func newFixture(t *testing.T, modules ...db.Module) *fixture {
	t.Helper()
	ctx := context.Background()
	if len(modules) == 0 {
		modules = []db.Module{audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module}
	}
	d := dbtest.Open(t, modules...)
	keys, err := secure.Parse([]byte("index " + b64(1) + "\nkey 1 " + b64(2) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: d, keys: keys}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		root, err := org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		if err != nil {
			return err
		}
		if f.county, err = org.Create(ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindCounty, Name: "淇县民政局", DivisionCode: "410622"}); err != nil {
			return err
		}
		if f.stA, err = org.Create(ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "朝歌街道社工站", DivisionCode: "410622001"}); err != nil {
			return err
		}
		if f.stB, err = org.Create(ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "桥盟街道社工站", DivisionCode: "410622002"}); err != nil {
			return err
		}
		return recipients.EnsureCategories(ctx, tx, f.county.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	as := &auth.Service{DB: d, Keys: keys}
	mk := func(username, name string, role authz.Role, unit org.Unit) *authz.Actor {
		u, err := as.CreateUser(ctx, nil, auth.UserInput{Username: username, DisplayName: name, Role: role, OrgID: unit.ID, Password: "Abc-12345678"})
		if err != nil {
			t.Fatal(err)
		}
		return &authz.Actor{UserID: u.ID, Username: username, DisplayName: name, Role: role, OrgID: unit.ID, OrgPath: unit.Path, OrgName: unit.Name}
	}
	f.admin = mk("admin", "管理员", authz.RoleAdmin, f.county)
	f.head = mk("head", "王站长", authz.RoleStationHead, f.stA)
	f.workerA = mk("workera", "李社工", authz.RoleWorker, f.stA)
	f.workerB = mk("workerb", "赵社工", authz.RoleWorker, f.stB)
	f.volunteer = mk("vol", "孙志愿", authz.RoleVolunteer, f.stA)
	f.leader = mk("leader", "领导", authz.RoleLeader, f.county)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) person(name, birth string, unit org.Unit) recipients.Recipient {
	f.t.Helper()
	var r recipients.Recipient
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		r, err = recipients.Create(f.ctx, tx, f.keys, nil, recipients.Input{OrgID: unit.ID, Name: name, Sex: "女", BirthDate: birth,
			VillageCode: unit.DivisionCode + "200", GuardianName: "监护人", ConfirmDuplicate: true})
		return err
	})
	if err != nil {
		f.t.Fatalf("register %s: %v", name, err)
	}
	return r
}

func (f *fixture) create(actor *authz.Actor, in services.Input) (services.Record, bool, error) {
	var r services.Record
	var replayed bool
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		r, replayed, err = services.Create(f.ctx, tx, f.keys, actor, in)
		return err
	})
	return r, replayed, err
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Fields[field] == "" {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
}

func TestCreateLinksAccountAndReplays(t *testing.T) {
	setNow(t, "2026-03-10 10:00")
	f := newFixture(t)
	// The worker's registry entry and a namesake elsewhere: only the one
	// at the account's station is linked.
	now := cst.NowStamp()
	f.exec(`INSERT INTO wf_workers (id, org_id, name, sex, birth_date, idcard_enc, idcard_index, created_at, updated_at) VALUES ('w1', ?, '李社工', 'F', '1990-01-01', 'x', 'i1', ?, ?)`, f.stA.ID, now, now)
	f.exec(`INSERT INTO wf_workers (id, org_id, name, sex, birth_date, idcard_enc, idcard_index, created_at, updated_at) VALUES ('w2', ?, '李社工', 'F', '1990-01-01', 'x', 'i2', ?, ?)`, f.stB.ID, now, now)
	f.exec(`INSERT INTO wf_volunteers (id, org_id, name, registered_on, created_at, updated_at) VALUES ('v1', ?, '孙志愿', '2025-01-01', ?, ?)`, f.stA.ID, now, now)
	p := f.person("张大妈", "1950-02-03", f.stA)
	id := ids.New()
	in := services.Input{ID: id, RecipientID: p.ID, Kind: services.KindCase, Category: "comfort", ServedAt: "2026-03-10 09:00", Minutes: 45,
		Place: "家中", Content: "倾听、情绪疏导", Satisfaction: 5, Change: services.ChangeSome,
		Staff: []services.Staff{{UserID: f.workerA.UserID}, {UserID: f.volunteer.UserID}, {Name: "村干部老刘"}}}
	r, replayed, err := f.create(f.workerA, in)
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	if len(r.Staff) != 3 || r.Staff[0].WorkerID != "w1" || r.Staff[1].VolunteerID != "v1" || r.Staff[2].Name != "村干部老刘" {
		t.Fatalf("staff %+v", r.Staff)
	}
	if r.OrgID != f.stA.ID || r.Participants != 1 || r.CategoryLabel != "精神慰藉" || r.Content != "倾听、情绪疏导" {
		t.Fatalf("record %+v", r)
	}
	if f.count(`SELECT COUNT(*) FROM wf_workers WHERE user_id = ?`, f.workerA.UserID) != 1 ||
		f.count(`SELECT COUNT(*) FROM wf_volunteers WHERE id = 'v1' AND user_id = ?`, f.volunteer.UserID) != 1 {
		t.Fatal("accounts not linked")
	}
	if f.count(`SELECT COUNT(*) FROM service_records WHERE content_enc LIKE '%倾听%'`) != 0 {
		t.Fatal("content not sealed")
	}
	again, replayed, err := f.create(f.workerA, in)
	if err != nil || !replayed || again.ID != id || again.Version != 1 {
		t.Fatal("replay", err, replayed)
	}
	in.Minutes = 50
	if _, _, err := f.create(f.workerA, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same id, other content: %v", err)
	}
	// Worker B's station is not in A's scope and vice versa.
	if _, err := get(f, f.workerB, id); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other station read: %v", err)
	}
	if _, err := get(f, f.leader, id); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("leader read: %v", err)
	}
}

func get(f *fixture, actor *authz.Actor, id string) (services.Record, error) {
	return services.Get(f.ctx, f.db, f.keys, actor, id)
}

func TestBadInput(t *testing.T) {
	setNow(t, "2026-03-10 10:00")
	f := newFixture(t)
	pA := f.person("张大妈", "1950-02-03", f.stA)
	pB := f.person("钱大爷", "1948-02-03", f.stB)
	ok := services.Input{RecipientID: pA.ID, Kind: services.KindCase, Category: "comfort", ServedAt: "2026-03-10 09:00", Minutes: 30}
	cases := []struct {
		field  string
		modify func(in *services.Input)
	}{
		{"served_at", func(in *services.Input) { in.ServedAt = "2026-03-11 09:00" }},
		{"served_at", func(in *services.Input) { in.ServedAt = "明天" }},
		{"category", func(in *services.Input) { in.Category = "unknown" }},
		{"kind", func(in *services.Input) { in.Kind = "x" }},
		{"recipient_id", func(in *services.Input) { in.RecipientID = pB.ID }},
		{"recipient_id", func(in *services.Input) { in.RecipientID = "" }},
		{"satisfaction", func(in *services.Input) { in.Satisfaction = 6 }},
		{"minutes", func(in *services.Input) { in.Minutes = -1 }},
		{"org_id", func(in *services.Input) { in.RecipientID, in.Participants, in.OrgID = "", 20, f.stB.ID }},
	}
	for _, c := range cases {
		in := ok
		c.modify(&in)
		_, _, err := f.create(f.workerA, in)
		wantField(t, err, c.field)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records`); n != 0 {
		t.Fatalf("%d records written", n)
	}
	if _, _, err := f.create(f.volunteer, ok); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("volunteer: %v", err)
	}
	// The county's own list replaces the defaults; saves are guarded by
	// the version the edit started from, and a category typed without a
	// code gets one.
	set := func(version int, cats ...services.Category) (int, error) {
		var v int
		err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
			var err error
			v, err = services.SetCategories(f.ctx, tx, f.admin, f.county.ID, version, cats)
			return err
		})
		return v, err
	}
	if l, err := services.CategoriesOf(f.ctx, f.db, f.admin, f.county.ID); err != nil || l.Own || l.Version != 0 || len(l.Items) != len(services.DefaultCategories) {
		t.Fatalf("defaults %+v %v", l, err)
	}
	if v, err := set(0, services.Category{Code: "elder", Label: "养老服务"}, services.Category{Label: "助餐"}); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	if _, err := set(0, services.Category{Code: "elder", Label: "养老"}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a save from a stale page: %v", err)
	}
	_, err := set(1, services.Category{Label: "养老服务"}, services.Category{Label: "养老服务"})
	wantField(t, err, "categories")
	if v, err := set(1, services.Category{Code: "elder", Label: "养老服务"}); err != nil || v != 2 {
		t.Fatal(v, err)
	}
	if l, err := services.CategoriesOf(f.ctx, f.db, f.workerA, f.county.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("a station's worker reads the county's list: %+v %v", l, err)
	}
	if l, _ := services.CategoriesOf(f.ctx, f.db, f.admin, f.county.ID); !l.Own || l.Version != 2 || len(l.Items) != 1 {
		t.Fatalf("after saves %+v", l)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'service_categories'`); n != 2 {
		t.Fatalf("%d saves audited, want 2", n)
	}
	_, _, err = f.create(f.workerA, ok)
	wantField(t, err, "category")
	ok.Category = "elder"
	if r, _, err := f.create(f.workerA, ok); err != nil || r.CategoryLabel != "养老服务" {
		t.Fatal(err, r.CategoryLabel)
	}
}

func TestVisitsDeriveRecordsCorrectedAtSource(t *testing.T) {
	setNow(t, "2026-03-10 10:00")
	f := newFixture(t)
	p := f.person("张大妈", "1950-02-03", f.stA)
	var v visits.Visit
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		v, _, err = visits.Record(f.ctx, tx, f.keys, f.workerA, visits.Input{RecipientID: p.ID, VisitedAt: "2026-03-09 15:00", Method: visits.MethodHome, Findings: "身体尚可"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := get(f, f.head, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "visit" || r.Kind != services.KindVisit || r.RecipientID != p.ID || r.ServedOn != "2026-03-09" || r.SourceLink != "/visits/"+v.ID ||
		len(r.Staff) != 1 || r.Staff[0].UserID != f.workerA.UserID {
		t.Fatalf("derived %+v", r)
	}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := services.Update(f.ctx, tx, f.keys, f.workerA, r.ID, r.Version, services.Input{RecipientID: p.ID, Kind: services.KindVisit, Category: "comfort", ServedAt: "2026-03-09 16:00"})
		return err
	})
	if !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("edit of a derived record: %v", err)
	}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := visits.Update(f.ctx, tx, f.keys, f.workerA, v.ID, v.Version, visits.Input{VisitedAt: "2026-03-08 11:00", Method: visits.MethodPhone, Reason: "时间记错"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = get(f, f.head, v.ID)
	if r.ServedOn != "2026-03-08" || r.Place != "" || r.Version != 2 {
		t.Fatalf("after visit correction %+v", r)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records`); n != 1 {
		t.Fatalf("%d records", n)
	}
}

// Visits stored before service records existed get theirs from the
// migration, with the linked worker named.
func TestBackfillFromVisits(t *testing.T) {
	old := visits.Module
	old.Migrations = old.Migrations[:3]
	f := newFixture(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, old)
	p := f.person("张大妈", "1950-02-03", f.stA)
	now := cst.NowStamp()
	f.exec(`INSERT INTO wf_workers (id, org_id, name, sex, birth_date, idcard_enc, idcard_index, user_id, created_at, updated_at) VALUES ('w1', ?, '李社工', 'F', '1990-01-01', 'x', 'i1', ?, ?, ?)`, f.stA.ID, f.workerA.UserID, now, now)
	f.exec(`INSERT INTO visits (id, recipient_id, org_id, visited_at, visit_date, method, created_by, created_at, updated_at) VALUES ('v1', ?, ?, '2026-01-05T02:00:00.000Z', '2026-01-05', 'home', ?, ?, ?)`, p.ID, f.stA.ID, f.workerA.UserID, now, now)
	f.exec(`INSERT INTO visit_visitors (visit_id, position, user_id, name) VALUES ('v1', 1, ?, '李社工'), ('v1', 2, '', '村干部')`, f.workerA.UserID)
	if _, err := f.db.Migrate(f.ctx, services.Module, visits.Module); err != nil {
		t.Fatal(err)
	}
	r, err := get(f, f.head, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "visit" || r.ServedOn != "2026-01-05" || r.Place != "服务对象家中" || len(r.Staff) != 2 || r.Staff[0].WorkerID != "w1" || r.Staff[1].Name != "村干部" {
		t.Fatalf("backfilled %+v", r)
	}
}

func TestFiguresAndTimeline(t *testing.T) {
	setNow(t, "2026-03-20 10:00")
	f := newFixture(t)
	p1 := f.person("张大妈", "1950-02-03", f.stA)
	p2 := f.person("钱大爷", "1948-02-03", f.stA)
	pB := f.person("孙奶奶", "1945-02-03", f.stB)
	mk := func(actor *authz.Actor, in services.Input) services.Record {
		t.Helper()
		if in.Category == "" {
			in.Category = "support"
		}
		r, _, err := f.create(actor, in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mk(f.workerA, services.Input{RecipientID: p1.ID, Kind: services.KindCase, ServedAt: "2026-03-02 09:00", Minutes: 60})
	mk(f.workerA, services.Input{RecipientID: p1.ID, Kind: services.KindCase, ServedAt: "2026-03-05 09:00", Minutes: 30})
	mk(f.workerA, services.Input{RecipientID: p2.ID, Kind: services.KindResource, ServedAt: "2026-03-06 09:00", ValueFen: 50000})
	mk(f.workerA, services.Input{Participants: 40, OrgID: f.stA.ID, Kind: services.KindPolicy, ServedAt: "2026-03-07 09:00", Minutes: 90, Category: "policy"})
	mk(f.workerA, services.Input{RecipientID: p1.ID, Kind: services.KindCase, ServedAt: "2026-02-27 09:00", Minutes: 30}) // February
	mk(f.workerB, services.Input{RecipientID: pB.ID, Kind: services.KindCase, ServedAt: "2026-03-03 09:00", Minutes: 15})
	march, err := figures.ParsePeriod("2026-03")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		f.stA.ID:    {"services.instances": 43, "services.people": 2, "services.hours": 180, "services.resources": 1, "services.resources_value": 50000},
		f.county.ID: {"services.instances": 44, "services.people": 3, "services.hours": 195, "services.resources": 1, "services.resources_value": 50000},
	}
	for node, figs := range want {
		for key, n := range figs {
			got, err := figures.Compute(f.ctx, f.db, f.admin, key, march, node)
			if err != nil || got != n {
				t.Errorf("%s at %s: %d, %v; want %d", key, node, got, err, n)
			}
			recs, total, err := figures.List(f.ctx, f.db, f.admin, key, march, node, 200, 0)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, r := range recs {
				sum += r.Amount
			}
			if sum != n || total != len(recs) {
				t.Errorf("%s drill-down adds up to %d (%d rows of %d), want %d", key, sum, len(recs), total, n)
			}
		}
	}
	if _, _, err := figures.List(f.ctx, f.db, f.leader, "services.instances", march, f.county.ID, 10, 0); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("leader drill-down: %v", err)
	}
	// The timeline shows the typed records, and a visit once (as a visit).
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, _, err := visits.Record(f.ctx, tx, f.keys, f.workerA, visits.Input{RecipientID: p1.ID, VisitedAt: "2026-03-10 15:00", Method: visits.MethodHome})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	es, _, err := timeline.Page(f.ctx, f.db, f.workerA, p1.ID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range es {
		kinds[e.Kind]++
	}
	if kinds["service"] != 3 || kinds["visit"] != 1 {
		t.Fatalf("timeline kinds %v", kinds)
	}
	list, total, err := services.List(f.ctx, f.db, f.workerA, services.Filter{RecipientID: p1.ID})
	if err != nil || total != 4 || len(list) != 4 || list[0].Kind != services.KindVisit {
		t.Fatalf("list %d %v", total, err)
	}
	// The list names each category from the county's list, as a record's
	// page does.
	for _, r := range list {
		if r.Category != "" && (r.CategoryLabel == r.Category || r.CategoryLabel != services.CategoryLabel(services.DefaultCategories, r.Category)) {
			t.Errorf("list: category %s shown as %q", r.Category, r.CategoryLabel)
		}
	}
}
