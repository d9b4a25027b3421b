package visits

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
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/workforce"
)

// fixture is a county with two stations, a worker in each, a station
// head of the first and a county administrator.
type fixture struct {
	t                  *testing.T
	ctx                context.Context
	db                 *db.DB
	keys               *secure.Keyring
	county, stA, stB   org.Unit
	room               org.Unit
	admin, head        *authz.Actor
	workerA, workerB   *authz.Actor
	volunteer, leader  *authz.Actor
	workerAID, worker2 string
}

// fixedNow sets the clock to 2026-03-10 10:00 China time (a Tuesday).
func fixedNow(t *testing.T, s string) time.Time {
	t.Helper()
	now, err := time.ParseInLocation("2006-01-02 15:04", s, cst.Loc)
	if err != nil {
		t.Fatal(err)
	}
	restore := cst.SetNowForTest(func() time.Time { return now })
	t.Cleanup(restore)
	return now
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, Module)
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
		f.room, err = org.Create(ctx, tx, nil, org.Input{ParentID: f.stA.ID, Kind: org.KindRoom, Name: "赵庄村社工室", DivisionCode: "410622001200"})
		if err != nil {
			return err
		}
		return recipients.EnsureCategories(ctx, tx, f.county.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	as := &auth.Service{DB: d, Keys: keys}
	mk := func(username string, role authz.Role, unit org.Unit) *authz.Actor {
		u, err := as.CreateUser(ctx, nil, auth.UserInput{Username: username, DisplayName: username + "名", Role: role, OrgID: unit.ID, Password: "Abc12345678"})
		if err != nil {
			t.Fatal(err)
		}
		return &authz.Actor{UserID: u.ID, Username: username, DisplayName: u.DisplayName, Role: role, OrgID: unit.ID, OrgPath: unit.Path, OrgName: unit.Name}
	}
	f.admin = mk("admin", authz.RoleAdmin, f.county)
	f.head = mk("head", authz.RoleStationHead, f.stA)
	f.workerA = mk("workera", authz.RoleWorker, f.stA)
	f.workerB = mk("workerb", authz.RoleWorker, f.stB)
	f.volunteer = mk("vol", authz.RoleVolunteer, f.stA)
	f.leader = mk("leader", authz.RoleLeader, f.county)
	return f
}

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

// person registers a recipient of station A (or the unit given) assigned
// to worker A.
func (f *fixture) person(name, birth string, unit org.Unit, cats ...string) recipients.Recipient {
	f.t.Helper()
	var r recipients.Recipient
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		village := unit.DivisionCode + "200"
		if unit.Kind == org.KindRoom {
			village = unit.DivisionCode
		}
		worker := f.workerA.UserID
		if unit.ID == f.stB.ID {
			worker = f.workerB.UserID
		}
		r, err = recipients.Create(f.ctx, tx, f.keys, nil, recipients.Input{OrgID: unit.ID, Name: name, Sex: "女", BirthDate: birth,
			VillageCode: village, Categories: cats, WorkerID: worker, GuardianName: "监护人", ConfirmDuplicate: true})
		return err
	})
	if err != nil {
		f.t.Fatalf("register %s: %v", name, err)
	}
	return r
}

func (f *fixture) record(actor *authz.Actor, in Input) (Visit, bool, error) {
	var v Visit
	var replayed bool
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		v, replayed, err = Record(f.ctx, tx, f.keys, actor, in)
		return err
	})
	return v, replayed, err
}

func (f *fixture) plan(id string) (tier, last, due string) {
	f.t.Helper()
	if err := f.db.QueryRow(f.ctx, `SELECT risk_tier, last_visit_on, next_visit_due FROM recipients WHERE id = ?`, id).Scan(&tier, &last, &due); err != nil {
		f.t.Fatal(err)
	}
	return
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func assessed(l, s, fam, c int) Assessment {
	return Assessment{Living: Score{Score: l}, Safety: Score{Score: s, Note: "独居，灶台老旧"}, Family: Score{Score: fam}, Care: Score{Score: c}}
}

func TestRecordSetsPlanInChinaDates(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("王秀兰", "1940-05-01", f.stA)
	// 00:30 on 1 February in China is still 31 January in UTC: the visit
	// is dated by the China calendar, and monthly from 02-01 is 03-01.
	v, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-02-01 00:30", Method: MethodHome, Assessment: assessed(2, 3, 2, 2),
		RiskTier: TierFocus, Findings: "独居，身体尚可"})
	if err != nil {
		t.Fatal(err)
	}
	if v.VisitDate != "2026-02-01" || v.NextDue != "2026-03-01" {
		t.Fatalf("date %s due %s", v.VisitDate, v.NextDue)
	}
	if tier, last, due := f.plan(p.ID); tier != "focus" || last != "2026-02-01" || due != "2026-03-01" {
		t.Fatalf("plan %s %s %s", tier, last, due)
	}
	// A later visit at high risk: weekly, across the month end.
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-02-27 15:00", Method: MethodPhone, Assessment: assessed(4, 5, 3, 3)}); err != nil {
		t.Fatal(err)
	}
	if tier, last, due := f.plan(p.ID); tier != "high" || last != "2026-02-27" || due != "2026-03-06" {
		t.Fatalf("after high-risk visit: %s %s %s (the assessment suggests 高风险)", tier, last, due)
	}
	// A visit without assessment keeps the tier and moves the date.
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-02 09:00", Method: MethodPhone}); err != nil {
		t.Fatal(err)
	}
	if tier, last, due := f.plan(p.ID); tier != "high" || last != "2026-03-02" || due != "2026-03-09" {
		t.Fatalf("after unassessed visit: %s %s %s", tier, last, due)
	}
	// An older visit entered late does not move the plan backwards.
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-01-15 09:00", Method: MethodHome, Assessment: assessed(1, 1, 1, 1), RiskTier: TierGeneral}); err != nil {
		t.Fatal(err)
	}
	if tier, last, due := f.plan(p.ID); tier != "high" || last != "2026-03-02" || due != "2026-03-09" {
		t.Fatalf("after a late older visit: %s %s %s", tier, last, due)
	}
	// Findings are sealed at rest and open on the record's page.
	var sealed string
	if err := f.db.QueryRow(f.ctx, `SELECT findings_enc FROM visits WHERE id = ?`, v.ID).Scan(&sealed); err != nil || sealed == "" || sealed == "独居，身体尚可" {
		t.Fatalf("findings at rest: %q %v", sealed, err)
	}
	got, err := Get(f.ctx, f.db, f.keys, f.head, v.ID)
	if err != nil || got.Findings != "独居，身体尚可" || got.Assessment.Safety.Note != "独居，灶台老旧" || got.VisitorNames() != "workera名" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'visit' AND entity_id = ?`, v.ID); n != 1 {
		t.Fatalf("audit entries for the visit: %d", n)
	}
}

func TestRulesConfiguredPerCounty(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	rules := DefaultRules()
	rules.Tiers[TierFocus] = Interval{2, UnitWeek}
	rules.Categories["特困供养人员"] = Interval{10, UnitDay}
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := SaveRules(f.ctx, tx, f.head, rules)
		return err
	})
	if !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a station head set the rules: %v", err)
	}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := SaveRules(f.ctx, tx, f.admin, rules)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := RulesFor(f.ctx, f.db, f.room.Path)
	if err != nil || got.OrgID != f.county.ID || got.IntervalFor(TierFocus) != (Interval{2, UnitWeek}) || got.Categories["特困供养人员"] != (Interval{10, UnitDay}) {
		t.Fatalf("rules under the county: %+v %v", got, err)
	}
	p := f.person("李桂英", "1938-01-01", f.stA)
	q := f.person("赵德明", "1945-01-01", f.stA, "特困供养人员")
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-01 09:00", Method: MethodHome, Assessment: assessed(3, 2, 2, 2), RiskTier: TierFocus}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.record(f.workerA, Input{RecipientID: q.ID, VisitedAt: "2026-03-01 09:00", Method: MethodHome, Assessment: assessed(3, 2, 2, 2), RiskTier: TierFocus}); err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-03-15" {
		t.Errorf("focus every 2 weeks: %s", due)
	}
	if _, _, due := f.plan(q.ID); due != "2026-03-11" {
		t.Errorf("特困 every 10 days: %s", due)
	}
	bad := DefaultRules()
	bad.Tiers[TierHigh] = Interval{0, UnitDay}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := SaveRules(f.ctx, tx, f.admin, bad)
		return err
	})
	if ae, ok := apperr.As(err); !ok || ae.Fields["tier_high"] == "" {
		t.Fatalf("a zero interval: %v", err)
	}
}

func TestBadVisitsRefusedWithFieldAndNothingWritten(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	child := f.person("小明", "2020-06-01", f.stA)
	before := f.count(`SELECT COUNT(*) FROM audit_log`)
	cases := []struct {
		name  string
		in    Input
		field string
	}{
		{"future", Input{RecipientID: child.ID, VisitedAt: "2026-03-11 09:00", Method: MethodHome}, "visited_at"},
		{"later today", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 12:00", Method: MethodHome}, "visited_at"},
		{"before birth", Input{RecipientID: child.ID, VisitedAt: "2020-05-31 09:00", Method: MethodHome}, "visited_at"},
		{"tier without assessment", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome, RiskTier: TierHigh}, "risk_tier"},
		{"tier with half an assessment", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome, RiskTier: TierHigh,
			Assessment: Assessment{Living: Score{Score: 3}, Safety: Score{Score: 4}}}, "risk_tier"},
		{"half an assessment", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome,
			Assessment: Assessment{Living: Score{Score: 3}}}, "score_safety"},
		{"score out of range", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome, Assessment: assessed(6, 1, 1, 1)}, "score_living"},
		{"no method", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00"}, "method"},
		{"no time", Input{RecipientID: child.ID, VisitedAt: "yesterday", Method: MethodHome}, "visited_at"},
		{"no person", Input{VisitedAt: "2026-03-10 09:00", Method: MethodHome}, "recipient_id"},
		{"bad id", Input{ID: "not-a-uuid", RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome}, "id"},
		{"unknown tier", Input{RecipientID: child.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome, Assessment: assessed(1, 1, 1, 1), RiskTier: "urgent"}, "risk_tier"},
		{"new person invalid", Input{NewRecipient: &NewRecipient{OrgID: f.stA.ID, Name: "", VillageCode: "410622001200"},
			VisitedAt: "2026-03-10 09:00", Method: MethodHome}, "new_recipient.name"},
	}
	for _, c := range cases {
		_, _, err := f.record(f.workerA, c.in)
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Fields[c.field] == "" {
			t.Errorf("%s: want a message on %s, got %v", c.name, c.field, err)
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM visits`); n != 0 {
		t.Errorf("%d visits written", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log`); n != before {
		t.Errorf("audit entries written: %d", n-before)
	}
	if tier, last, due := f.plan(child.ID); tier != "" || last != "" || due != "" {
		t.Errorf("plan changed: %s %s %s", tier, last, due)
	}
	if n := f.count(`SELECT COUNT(*) FROM recipients`); n != 1 {
		t.Errorf("a person was registered by a refused visit: %d", n)
	}
}

func TestRegisterOnTheSpot(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	id := ids.New()
	in := Input{ID: ids.New(), NewRecipient: &NewRecipient{ID: id, OrgID: f.room.ID, Name: "新发现", Sex: "男", BirthDate: "1950-01-02",
		WorkerID: f.workerA.UserID}, VisitedAt: "2026-03-10 09:00", Method: MethodHome, Assessment: assessed(2, 2, 2, 2)}
	v, _, err := f.record(f.workerA, in)
	if err != nil {
		t.Fatal(err)
	}
	if v.RecipientID != id || v.RecipientName != "新发现" || v.RiskTier != TierGeneral {
		t.Fatalf("visit %+v", v)
	}
	if tier, last, due := f.plan(id); tier != "general" || last != "2026-03-10" || due != "2026-06-10" {
		t.Fatalf("plan %s %s %s", tier, last, due)
	}
	// Replaying the same submission (offline queue) registers nobody twice.
	again, replayed, err := f.record(f.workerA, in)
	if err != nil || !replayed || again.ID != v.ID {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	if n := f.count(`SELECT COUNT(*) FROM recipients`); n != 1 {
		t.Fatalf("%d recipients", n)
	}
}

func TestOfflineReplayIsIdempotent(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("王秀兰", "1940-05-01", f.stA)
	in := Input{ID: ids.New(), RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome, Findings: "一切正常",
		Visitors: []Visitor{{UserID: f.workerA.UserID}, {Name: "志愿者小李"}}}
	v, replayed, err := f.record(f.workerA, in)
	if err != nil || replayed || v.ID != in.ID {
		t.Fatalf("first: %v %v", replayed, err)
	}
	audits := f.count(`SELECT COUNT(*) FROM audit_log`)
	again, replayed, err := f.record(f.workerA, in)
	if err != nil || !replayed || again.ID != v.ID || again.Version != 1 {
		t.Fatalf("replay: %+v %v %v", again, replayed, err)
	}
	if f.count(`SELECT COUNT(*) FROM visits`) != 1 || f.count(`SELECT COUNT(*) FROM audit_log`) != audits {
		t.Fatal("a replay wrote something")
	}
	changed := in
	changed.Findings = "另一段内容"
	if _, _, err := f.record(f.workerA, changed); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same id, other content: %v", err)
	}
	if got := again.VisitorNames(); got != "workera名、志愿者小李" {
		t.Fatalf("visitors %q", got)
	}
}

func TestVersionCheckOnEdit(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("王秀兰", "1940-05-01", f.stA)
	v, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome})
	if err != nil {
		t.Fatal(err)
	}
	edit := Input{VisitedAt: "2026-03-09 16:20", Method: MethodHome, Assessment: assessed(1, 5, 1, 1), RiskTier: TierHigh, Reason: "补评估"}
	var after Visit
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		after, err = Update(f.ctx, tx, f.keys, f.head, v.ID, v.Version, edit)
		return err
	})
	if err != nil || after.Version != 2 || after.RiskTier != TierHigh {
		t.Fatalf("edit: %+v %v", after, err)
	}
	if tier, _, due := f.plan(p.ID); tier != "high" || due != "2026-03-16" {
		t.Fatalf("replanned: %s %s", tier, due)
	}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := Update(f.ctx, tx, f.keys, f.workerA, v.ID, v.Version, edit)
		return err
	})
	if !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale edit: %v", err)
	}
}

func TestScopeAndRoles(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("王秀兰", "1940-05-01", f.stA)
	v, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.record(f.workerB, Input{RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome}); !apperr.Is(err, apperr.OutOfScope) {
		t.Errorf("another station's worker recorded: %v", err)
	}
	if _, err := Get(f.ctx, f.db, f.keys, f.workerB, v.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Errorf("another station's worker read: %v", err)
	}
	if list, n, err := List(f.ctx, f.db, f.workerB, Filter{}); err != nil || n != 0 || len(list) != 0 {
		t.Errorf("another station's list: %d %v", n, err)
	}
	if _, _, err := f.record(f.volunteer, Input{RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a volunteer recorded: %v", err)
	}
	if _, err := Get(f.ctx, f.db, f.keys, f.volunteer, v.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a volunteer read a visit: %v", err)
	}
	if _, _, err := DueList(f.ctx, f.db, f.leader, DueFilter{}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a leader read names on the due list: %v", err)
	}
	if _, _, err := DueCounts(f.ctx, f.db, f.leader); err != nil {
		t.Errorf("a leader's counts: %v", err)
	}
	// A visitor account from another station cannot be named.
	_, _, err = f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-09 16:20", Method: MethodHome, Visitors: []Visitor{{UserID: f.workerB.UserID}}})
	if ae, ok := apperr.As(err); !ok || ae.Fields["visitors"] == "" {
		t.Errorf("visitor out of scope: %v", err)
	}
}

func TestDueListsAndCounts(t *testing.T) {
	f := newFixture(t)
	// Tuesday 2026-03-10; the week ends Sunday 03-15.
	fixedNow(t, "2026-03-10 10:00")
	overdue := f.person("逾期甲", "1940-01-01", f.room) // high, visited 03-02 → due 03-09
	dueWeek := f.person("本周乙", "1941-01-01", f.stA)  // focus, visited 02-14 → due 03-14
	later := f.person("以后丙", "1942-01-01", f.stA)    // general, visited 03-01 → due 06-01
	never := f.person("未访丁", "1943-01-01", f.stA)    // never visited
	other := f.person("他站戊", "1944-01-01", f.stB)    // station B, overdue
	rec := func(a *authz.Actor, p recipients.Recipient, at string, tier Tier) {
		t.Helper()
		as := Assessment{}
		if tier != "" {
			as = assessed(2, 2, 2, 2)
		}
		if _, _, err := f.record(a, Input{RecipientID: p.ID, VisitedAt: at, Method: MethodHome, Assessment: as, RiskTier: tier}); err != nil {
			t.Fatal(err)
		}
	}
	rec(f.workerA, overdue, "2026-03-02 10:00", TierHigh)
	rec(f.workerA, dueWeek, "2026-02-14 10:00", TierFocus)
	rec(f.workerA, later, "2026-03-01 10:00", TierGeneral)
	rec(f.workerB, other, "2025-11-30 10:00", TierGeneral) // due 2026-02-28: overdue 10 days
	_ = never

	names := func(items []DueItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Name)
		}
		return out
	}
	mine, n, err := DueList(f.ctx, f.db, f.workerA, DueFilter{Window: WindowOpen, WorkerID: f.workerA.UserID})
	if err != nil || n != 2 || names(mine)[0] != "逾期甲" || names(mine)[1] != "本周乙" || mine[0].DaysOverdue != 1 {
		t.Fatalf("worker A's week: %v %d %v", names(mine), n, err)
	}
	station, n, err := DueList(f.ctx, f.db, f.head, DueFilter{Window: WindowOverdue})
	if err != nil || n != 1 || station[0].Name != "逾期甲" {
		t.Fatalf("station A overdue: %v %v", names(station), err)
	}
	nv, _, err := DueList(f.ctx, f.db, f.head, DueFilter{Window: WindowNever})
	if err != nil || len(nv) != 1 || nv[0].Name != "未访丁" {
		t.Fatalf("never visited: %v %v", names(nv), err)
	}
	county, n, err := DueList(f.ctx, f.db, f.admin, DueFilter{Window: WindowOverdue})
	if err != nil || n != 2 || county[0].Name != "他站戊" || county[0].DaysOverdue != 10 {
		t.Fatalf("county overdue, most overdue first: %v %v", names(county), err)
	}
	per, total, err := DueCounts(f.ctx, f.db, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if total.Overdue != 2 || total.DueWeek != 1 || total.Never != 1 || len(per) != 2 {
		t.Fatalf("county totals %+v, %d stations", total, len(per))
	}
	byName := map[string]Counts{}
	for _, c := range per {
		byName[c.OrgName] = c
	}
	// The room's person counts with its station.
	if a := byName["朝歌街道社工站"]; a.Overdue != 1 || a.DueWeek != 1 || a.Never != 1 {
		t.Fatalf("station A counts %+v", a)
	}
	if b := byName["桥盟街道社工站"]; b.Overdue != 1 || b.DueWeek != 0 {
		t.Fatalf("station B counts %+v", b)
	}
	my, err := MyCounts(f.ctx, f.db, f.workerA)
	if err != nil || my.Overdue != 1 || my.DueWeek != 1 || my.Never != 1 {
		t.Fatalf("worker A's counts %+v %v", my, err)
	}
	// On Monday the 16th, the 03-14 visit is overdue too.
	fixedNow(t, "2026-03-16 08:00")
	_, total, _ = DueCounts(f.ctx, f.db, f.head)
	if total.Overdue != 2 {
		t.Fatalf("next Monday: %+v", total)
	}
}
