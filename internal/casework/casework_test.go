package casework_test

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
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
	t                              *testing.T
	ctx                            context.Context
	db                             *db.DB
	keys                           *secure.Keyring
	county, stA, stB               org.Unit
	admin, head, workerA, workerA2 *authz.Actor
	workerB, supervisor, leader    *authz.Actor
	now                            time.Time
}

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func (f *fixture) setNow(s string) {
	now, err := time.ParseInLocation("2006-01-02 15:04", s, cst.Loc)
	if err != nil {
		f.t.Fatal(err)
	}
	f.now = now
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module, casework.Module)
	keys, err := secure.Parse([]byte("index " + b64(1) + "\nkey 1 " + b64(2) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: d, keys: keys}
	f.setNow("2026-03-10 10:00")
	t.Cleanup(cst.SetNowForTest(func() time.Time { return f.now }))
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
	f.workerA2 = mk("workera2", "周社工", authz.RoleWorker, f.stA)
	f.workerB = mk("workerb", "赵社工", authz.RoleWorker, f.stB)
	f.supervisor = mk("sup", "吴督导", authz.RoleSupervisor, f.county)
	f.leader = mk("leader", "领导", authz.RoleLeader, f.county)
	return f
}

func (f *fixture) tx(fn func(tx *db.Tx) error) error { return f.db.InTx(f.ctx, fn) }

func (f *fixture) person(name, birth string, unit org.Unit) recipients.Recipient {
	f.t.Helper()
	var r recipients.Recipient
	err := f.tx(func(tx *db.Tx) error {
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

func (f *fixture) get(actor *authz.Actor, id string) casework.Case {
	f.t.Helper()
	c, err := casework.Get(f.ctx, f.db, actor, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) open(actor *authz.Actor, in casework.IntakeInput) (casework.Case, error) {
	var c casework.Case
	err := f.tx(func(tx *db.Tx) error {
		var err error
		c, _, err = casework.OpenCase(f.ctx, tx, f.keys, actor, in)
		return err
	})
	return c, err
}

// file opens a case's full record as actor.
func (f *fixture) file(actor *authz.Actor, id string) casework.File {
	f.t.Helper()
	var file casework.File
	if err := f.tx(func(tx *db.Tx) error {
		var err error
		file, err = casework.Open(f.ctx, tx, f.keys, actor, id)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return file
}

func (f *fixture) accept(actor *authz.Actor, c casework.Case) casework.Case {
	f.t.Helper()
	err := f.tx(func(tx *db.Tx) error {
		var err error
		c, err = casework.Decide(f.ctx, tx, actor, c.ID, c.Version, casework.DecisionInput{Decision: "accept", AgreementOn: c.OpenedOn})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func scores(settings casework.Settings, v int) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, d := range settings.Domains {
		out[d.Key] = map[string]int{}
		for _, item := range d.Items {
			out[d.Key][item] = v
		}
	}
	return out
}

func (f *fixture) assess(actor *authz.Actor, id, day string, v int) (casework.Assessment, error) {
	var a casework.Assessment
	err := f.tx(func(tx *db.Tx) error {
		var err error
		a, _, err = casework.AddAssessment(f.ctx, tx, f.keys, actor, id, casework.AssessmentInput{AssessedOn: day, History: "独居多年", Problems: "情绪低落，照料不足",
			Strengths: "邻里关系好", Family: []casework.FamilyMember{{Relation: "儿子", Age: 45, Situation: "外出务工"}}, Scores: scores(casework.DefaultSettings(), v)})
		return err
	})
	return a, err
}

var plan = casework.PlanInput{Strategy: "增能、链接支持网络", Roles: "社工：陪伴与链接；家属：每周电话", Steps: "1. 每周面谈 2. 链接助餐",
	Goals: []casework.Goal{{Domain: "self", Text: "情绪改善", Measures: "每周面谈", DueOn: "2026-05-31"}, {Domain: "social", Text: "参加社区活动", Measures: "每月一次", DueOn: "2026-06-30"}}}

func (f *fixture) answer(actor *authz.Actor, approvalID string, approve bool, reason string) (casework.Approval, error) {
	var a casework.Approval
	err := f.tx(func(tx *db.Tx) error {
		var err error
		a, err = casework.Answer(f.ctx, tx, actor, approvalID, approve, reason)
		return err
	})
	return a, err
}

func (f *fixture) log(actor *authz.Actor, id string, in casework.LogInput) (casework.Log, error) {
	var l casework.Log
	err := f.tx(func(tx *db.Tx) error {
		var err error
		l, _, err = casework.AddLog(f.ctx, tx, f.keys, actor, id, in)
		return err
	})
	return l, err
}

// One case from a visit's finding to closure and follow-up, every
// stage refused out of order, with approvals by the station head.
func TestCaseLifecycle(t *testing.T) {
	f := newFixture(t)
	p := f.person("张大妈", "1950-02-03", f.stA)
	var visit visits.Visit
	err := f.tx(func(tx *db.Tx) error {
		var err error
		visit, _, err = visits.Record(f.ctx, tx, f.keys, f.workerA, visits.Input{RecipientID: p.ID, VisitedAt: "2026-03-02 10:00", Method: visits.MethodHome})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	id := ids.New()
	c, err := f.open(f.workerA, casework.IntakeInput{ID: id, RecipientID: p.ID, Source: "visit", SourceVisitID: visit.ID, OpenedOn: "2026-03-03",
		Intake: "探访发现老人情绪低落、独居无人照料"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Number != "GA-2026-朝歌-0001" || c.Stage != casework.StageIntake || c.Lead() != "李社工" || c.OrgID != f.stA.ID {
		t.Fatalf("opened %+v", c)
	}
	// Replayed create: the same case, no second number.
	again, err := f.open(f.workerA, casework.IntakeInput{ID: id, RecipientID: p.ID, Source: "visit", SourceVisitID: visit.ID, OpenedOn: "2026-03-03", Intake: "x"})
	if err != nil || again.Number != c.Number || f.count(`SELECT last FROM case_sequences`) != 1 {
		t.Fatal("replay", err)
	}
	// Out of order: an assessment, a plan or a log before acceptance.
	_, err = f.assess(f.workerA, c.ID, "2026-03-05", 2)
	wantField(t, err, "stage")
	_, err = f.log(f.workerA, c.ID, casework.LogInput{LoggedAt: "2026-03-05 10:00", Kind: "interview", Minutes: 30, Content: "面谈"})
	wantField(t, err, "stage")
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.Decide(f.ctx, tx, f.workerA, c.ID, c.Version, casework.DecisionInput{Decision: "decline"})
		return err
	})
	wantField(t, err, "reason")
	c = f.accept(f.workerA, c)
	if c.Stage != casework.StageAssessment {
		t.Fatalf("after accept: %s", c.Stage)
	}
	_, h, _ := casework.GetHistory(f.ctx, f.db, f.workerA, c.ID)
	if len(h.Tasks) != 1 || h.Tasks[0].Kind != "assessment" || h.Tasks[0].DueOn != "2026-03-10" {
		t.Fatalf("tasks %+v", h.Tasks)
	}
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.SavePlan(f.ctx, tx, f.keys, f.workerA, c.ID, 0, plan)
		return err
	})
	wantField(t, err, "stage")
	// Logs: not in the future, not before intake.
	_, err = f.log(f.workerA, c.ID, casework.LogInput{LoggedAt: "2026-03-11 10:00", Kind: "interview", Minutes: 30, Content: "面谈"})
	wantField(t, err, "logged_at")
	_, err = f.log(f.workerA, c.ID, casework.LogInput{LoggedAt: "2026-03-02 10:00", Kind: "interview", Minutes: 30, Content: "面谈"})
	wantField(t, err, "logged_at")
	if n := f.count(`SELECT COUNT(*) FROM case_logs`); n != 0 {
		t.Fatalf("%d logs written", n)
	}
	// Assessment: every item scored.
	err = f.tx(func(tx *db.Tx) error {
		_, _, err := casework.AddAssessment(f.ctx, tx, f.keys, f.workerA, c.ID, casework.AssessmentInput{AssessedOn: "2026-03-05", Problems: "x",
			Scores: map[string]map[string]int{"self": {"身体健康": 3}}})
		return err
	})
	wantField(t, err, "score.family.家庭关系")
	if _, err := f.assess(f.workerA, c.ID, "2026-03-05", 2); err != nil {
		t.Fatal(err)
	}
	if c = f.get(f.workerA, c.ID); c.Stage != casework.StagePlan {
		t.Fatalf("after assessment: %s", c.Stage)
	}
	// Plan, returned once with a reason, then approved by the head.
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.SavePlan(f.ctx, tx, f.keys, f.workerA, c.ID, 0, plan)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var req casework.Approval
	err = f.tx(func(tx *db.Tx) error {
		var err error
		req, err = casework.SubmitPlan(f.ctx, tx, f.workerA, c.ID)
		return err
	})
	if err != nil || req.Route != "station_head" {
		t.Fatal(err, req.Route)
	}
	if _, err := f.answer(f.workerA, req.ID, true, ""); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("worker approves: %v", err)
	}
	if pend, _ := casework.Pending(f.ctx, f.db, f.head, 10); len(pend) != 1 || pend[0].ID != req.ID || pend[0].RecipientName != c.RecipientName || c.RecipientName == "" {
		t.Fatalf("head's pending %+v", pend)
	}
	if got := f.file(f.workerA, c.ID).PlanApproval(); got != "待审批" {
		t.Fatalf("pending plan prints %q", got)
	}
	_, err = f.answer(f.head, req.ID, false, "")
	wantField(t, err, "reason")
	if _, err := f.answer(f.head, req.ID, false, "目标须可测量"); err != nil {
		t.Fatal(err)
	}
	if c = f.get(f.workerA, c.ID); c.PlanStatus != "returned" || c.Stage != casework.StagePlan {
		t.Fatalf("returned plan: %+v", c)
	}
	if got := f.file(f.workerA, c.ID).PlanApproval(); got != "已退回（目标须可测量）" {
		t.Fatalf("returned plan prints %q", got)
	}
	// The worker's returned cases: this one, and only for its workers.
	if items, n, err := casework.List(f.ctx, f.db, f.workerA, casework.Filter{WorkerID: f.workerA.UserID, Returned: true}); err != nil || n != 1 || len(items) != 1 || items[0].ID != c.ID {
		t.Fatalf("returned cases: %d %+v %v", n, items, err)
	}
	err = f.tx(func(tx *db.Tx) error {
		p := plan
		p.Goals[0].Measures = "每周面谈一次，情绪量表提高 2 分"
		if _, err := casework.SavePlan(f.ctx, tx, f.keys, f.workerA, c.ID, 1, p); err != nil {
			return err
		}
		req, err = casework.SubmitPlan(f.ctx, tx, f.workerA, c.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.answer(f.head, req.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if c = f.get(f.workerA, c.ID); c.Stage != casework.StageIntervention {
		t.Fatalf("after approval: %s", c.Stage)
	}
	if got := f.file(f.workerA, c.ID).PlanApproval(); !strings.HasSuffix(got, " 批准") || strings.ContainsAny(got, "abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("approved plan prints %q", got)
	}
	if _, n, _ := casework.List(f.ctx, f.db, f.workerA, casework.Filter{WorkerID: f.workerA.UserID, Returned: true}); n != 0 {
		t.Fatalf("%d returned cases after approval", n)
	}
	// A log entry is a service record.
	logIn := casework.LogInput{ID: ids.New(), LoggedAt: "2026-03-09 15:00", Kind: "home", Minutes: 60, Content: "家访，情绪疏导", NextStep: "链接助餐"}
	l, err := f.log(f.workerA, c.ID, logIn)
	if err != nil {
		t.Fatal(err)
	}
	// Sent again: the same entry, no second service record; other
	// content under the id is a conflict.
	err = f.tx(func(tx *db.Tx) error {
		again, resent, err := casework.AddLog(f.ctx, tx, f.keys, f.workerA, c.ID, logIn)
		if err == nil && (!resent || again.ID != l.ID) {
			t.Errorf("log resend %+v %v", again, resent)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	otherLog := logIn
	otherLog.Content = "电话回访"
	if _, err := f.log(f.workerA, c.ID, otherLog); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("other log content under the id: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records WHERE source_id = ?`, l.ID); n != 1 {
		t.Fatalf("%d service records for one log entry", n)
	}
	sr, err := services.Get(f.ctx, f.db, f.keys, f.head, l.ID)
	if err != nil || sr.Source != casework.LogSource || sr.Minutes != 60 || sr.Kind != services.KindCase || sr.RecipientID != p.ID {
		t.Fatalf("service record %+v %v", sr, err)
	}
	// Reassessment: change is a number. Sent twice (a double tap) with
	// its client id: one assessment, the resend answered with it; other
	// content under the id, or the id on another case, is a conflict.
	reassess := casework.AssessmentInput{ID: ids.New(), AssessedOn: "2026-03-10", Problems: "情绪好转", Scores: scores(casework.DefaultSettings(), 4)}
	addAssessment := func(caseID string, in casework.AssessmentInput) (a casework.Assessment, again bool, err error) {
		err = f.tx(func(tx *db.Tx) error {
			a, again, err = casework.AddAssessment(f.ctx, tx, f.keys, f.workerA, caseID, in)
			return err
		})
		return a, again, err
	}
	a2, resent, err := addAssessment(c.ID, reassess)
	if err != nil || resent || a2.ID != reassess.ID || a2.Seq != 2 || a2.Change["self"] != 8 || a2.Change["family"] != 6 {
		t.Fatalf("change %+v %v", a2, err)
	}
	a2r, resent, err := addAssessment(c.ID, reassess)
	if err != nil || !resent || a2r.ID != a2.ID || a2r.Seq != 2 || a2r.Change["self"] != 8 || a2r.Problems != "情绪好转" {
		t.Fatalf("resent assessment %+v %v %v", a2r, resent, err)
	}
	other := reassess
	other.Problems = "另一份预估"
	if _, _, err := addAssessment(c.ID, other); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("other content under the id: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM case_assessments WHERE case_id = ?`, c.ID); n != 2 {
		t.Fatalf("%d assessments, want 2", n)
	}
	// Closing: a reason; goals met only after an evaluation.
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.RequestClosure(f.ctx, tx, f.keys, f.workerA, c.ID, casework.ClosureInput{Summary: "x"})
		return err
	})
	wantField(t, err, "reason")
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.RequestClosure(f.ctx, tx, f.keys, f.workerA, c.ID, casework.ClosureInput{Reason: "goals_met", Summary: "x"})
		return err
	})
	wantField(t, err, "reason")
	var file casework.File
	err = f.tx(func(tx *db.Tx) error {
		var err error
		file, err = casework.Open(f.ctx, tx, f.keys, f.workerA, c.ID)
		return err
	})
	if err != nil || len(file.Plan.Goals) != 2 || file.Intake == "" || len(file.Logs) != 1 {
		t.Fatal(err)
	}
	// An evaluation sent twice is stored once; other content under its
	// id is a conflict.
	eval := casework.EvaluationInput{ID: ids.New(), EvaluatedOn: "2026-03-10", Summary: "情绪明显改善",
		Attainment: map[string]int{file.Plan.Goals[0].ID: 5, file.Plan.Goals[1].ID: 3}}
	evaluate := func(in casework.EvaluationInput) (e casework.Evaluation, again bool, err error) {
		err = f.tx(func(tx *db.Tx) error {
			e, again, err = casework.AddEvaluation(f.ctx, tx, f.keys, f.workerA, c.ID, in)
			return err
		})
		return e, again, err
	}
	for i, wantAgain := range []bool{false, true} {
		e, resent, err := evaluate(eval)
		if err != nil || resent != wantAgain || e.ID != eval.ID || e.Summary != "情绪明显改善" || e.Attainment[file.Plan.Goals[0].ID] != 5 {
			t.Fatalf("evaluation %d: %+v %v %v", i, e, resent, err)
		}
	}
	otherEval := eval
	otherEval.Summary = "另一份评估"
	if _, _, err := evaluate(otherEval); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("other evaluation under the id: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM case_evaluations WHERE case_id = ?`, c.ID); n != 1 {
		t.Fatalf("%d evaluations, want 1", n)
	}
	err = f.tx(func(tx *db.Tx) error {
		req, err = casework.RequestClosure(f.ctx, tx, f.keys, f.workerA, c.ID, casework.ClosureInput{Reason: "goals_met", Summary: "目标基本达成", FollowUps: []string{"2026-04-10"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.file(f.workerA, c.ID).ClosureApproval(); got != "待审批" {
		t.Fatalf("pending closure prints %q", got)
	}
	// Returned once: printed with the reason, listed among the worker's
	// returned cases; sent again it leaves that list.
	if _, err := f.answer(f.head, req.ID, false, "补充跟进安排"); err != nil {
		t.Fatal(err)
	}
	if got := f.file(f.workerA, c.ID).ClosureApproval(); got != "已退回（补充跟进安排）" {
		t.Fatalf("returned closure prints %q", got)
	}
	if _, n, _ := casework.List(f.ctx, f.db, f.workerA, casework.Filter{WorkerID: f.workerA.UserID, Returned: true}); n != 1 {
		t.Fatalf("%d returned cases after a returned closure", n)
	}
	err = f.tx(func(tx *db.Tx) error {
		req, err = casework.RequestClosure(f.ctx, tx, f.keys, f.workerA, c.ID, casework.ClosureInput{Reason: "goals_met", Summary: "目标基本达成", FollowUps: []string{"2026-04-10"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, n, _ := casework.List(f.ctx, f.db, f.workerA, casework.Filter{WorkerID: f.workerA.UserID, Returned: true}); n != 0 {
		t.Fatalf("%d returned cases after sending the closure again", n)
	}
	if _, err := f.answer(f.head, req.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.file(f.workerA, c.ID).ClosureApproval(); got != "2026-03-10 批准" {
		t.Fatalf("approved closure prints %q", got)
	}
	if c = f.get(f.workerA, c.ID); c.Stage != casework.StageFollowUp || c.ClosedOn != "2026-03-10" || c.CloseReason != "goals_met" {
		t.Fatalf("after closure: %+v", c)
	}
	f.setNow("2026-04-10 09:00")
	if _, err := f.log(f.workerA, c.ID, casework.LogInput{LoggedAt: "2026-04-10 08:30", Kind: "followup", Minutes: 20, Content: "电话回访，情况稳定"}); err != nil {
		t.Fatal(err)
	}
	if c = f.get(f.workerA, c.ID); c.Stage != casework.StageClosed {
		t.Fatalf("after follow-up: %s", c.Stage)
	}
	_, err = f.log(f.workerA, c.ID, casework.LogInput{LoggedAt: "2026-04-10 08:40", Kind: "phone", Minutes: 20, Content: "x"})
	wantField(t, err, "stage")
	// Reopen needs a reason.
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.Reopen(f.ctx, tx, f.workerA, c.ID, c.Version, "")
		return err
	})
	wantField(t, err, "reason")
	err = f.tx(func(tx *db.Tx) error {
		c, err = casework.Reopen(f.ctx, tx, f.workerA, c.ID, c.Version, "老人再次跌倒，需继续服务")
		return err
	})
	if err != nil || c.Stage != casework.StageEvaluation || c.ClosedOn != "" || c.ReopenCount != 1 {
		t.Fatalf("reopened %+v %v", c, err)
	}
	_, h, _ = casework.GetHistory(f.ctx, f.db, f.admin, c.ID)
	if len(h.Approvals) != 4 || h.Approvals[0].Decision != "returned" || h.Approvals[0].Reason != "目标须可测量" {
		t.Fatalf("approvals %+v", h.Approvals)
	}
	// The timeline shows stage changes and log entries.
	es, _, err := timeline.Page(f.ctx, f.db, f.workerA, p.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range es {
		kinds[e.Kind]++
	}
	if kinds["case_stage"] < 6 || kinds["case_log"] != 2 || kinds["service"] != 0 {
		t.Fatalf("timeline %v", kinds)
	}
}

// Content is read by the case's workers, the station head and the
// station's supervisor; others see metadata; openings are audited.
func TestConfidentiality(t *testing.T) {
	f := newFixture(t)
	p := f.person("张大妈", "1950-02-03", f.stA)
	c, err := f.open(f.workerA, casework.IntakeInput{RecipientID: p.ID, Source: "self", OpenedOn: "2026-03-03", Intake: "家庭矛盾"})
	if err != nil {
		t.Fatal(err)
	}
	if f.count(`SELECT COUNT(*) FROM cases WHERE intake_enc LIKE '%家庭%'`) != 0 {
		t.Fatal("intake not sealed")
	}
	open := func(a *authz.Actor) error {
		return f.tx(func(tx *db.Tx) error {
			_, err := casework.Open(f.ctx, tx, f.keys, a, c.ID)
			return err
		})
	}
	for _, a := range []*authz.Actor{f.admin, f.leader, f.workerA2, f.supervisor} {
		if err := open(a); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("%s opens: %v", a.Username, err)
		}
	}
	if got := f.get(f.admin, c.ID); got.Number == "" || got.Lead() != "李社工" {
		t.Fatal("admin metadata")
	}
	if _, err := casework.Get(f.ctx, f.db, f.workerB, c.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other station: %v", err)
	}
	before := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'case'`)
	if err := open(f.workerA); err != nil {
		t.Fatal(err)
	}
	if err := open(f.head); err != nil {
		t.Fatal(err)
	}
	err = f.tx(func(tx *db.Tx) error {
		return casework.AssignSupervisor(f.ctx, tx, f.admin, f.supervisor.UserID, f.stA.ID, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := open(f.supervisor); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'case'`) - before; n != 2 {
		t.Fatalf("%d openings audited, want 2 (head, supervisor)", n)
	}
	// A person outside one's scope: refused, nothing written.
	pB := f.person("钱大爷", "1948-02-03", f.stB)
	_, err = f.open(f.workerA, casework.IntakeInput{RecipientID: pB.ID, Source: "self", OpenedOn: "2026-03-03", Intake: "x"})
	wantField(t, err, "recipient_id")
	// A child, for a role the children rule restricts.
	child := f.person("小明", "2018-05-01", f.stA)
	if _, err := f.open(f.workerA, casework.IntakeInput{RecipientID: child.ID, Source: "self", OpenedOn: "2026-03-03", Intake: "x"}); err != nil {
		t.Fatal(err)
	}
	evaluator := &authz.Actor{UserID: "e", Role: authz.RoleLeader, OrgPath: f.county.Path}
	list, total, err := casework.List(f.ctx, f.db, evaluator, casework.Filter{})
	if err != nil || total != 1 || list[0].ID != c.ID {
		t.Fatalf("leader list %d %v", total, err)
	}
	if f.count(`SELECT COUNT(*) FROM cases`) != 2 {
		t.Fatal("cases written")
	}
}

// Nobody approves a case they work on: the station head's own case goes
// to the station's supervisor, and without one to the administrator.
func TestApprovalRouting(t *testing.T) {
	f := newFixture(t)
	p := f.person("张大妈", "1950-02-03", f.stA)
	c, err := f.open(f.head, casework.IntakeInput{RecipientID: p.ID, Source: "outreach", OpenedOn: "2026-03-03", Intake: "x", Risk: "high"})
	if err != nil {
		t.Fatal(err)
	}
	c = f.accept(f.head, c)
	_, h, _ := casework.GetHistory(f.ctx, f.db, f.head, c.ID)
	if h.Tasks[0].DueOn != "2026-03-06" {
		t.Fatalf("high-risk assessment due %s", h.Tasks[0].DueOn)
	}
	if _, err := f.assess(f.head, c.ID, "2026-03-04", 3); err != nil {
		t.Fatal(err)
	}
	_, h, _ = casework.GetHistory(f.ctx, f.db, f.head, c.ID)
	for _, task := range h.Tasks {
		if task.Kind == "plan" && task.DueOn != "2026-03-10" {
			t.Fatalf("high-risk plan due %s", task.DueOn)
		}
	}
	var req casework.Approval
	err = f.tx(func(tx *db.Tx) error {
		if _, err := casework.SavePlan(f.ctx, tx, f.keys, f.head, c.ID, 0, plan); err != nil {
			return err
		}
		req, err = casework.SubmitPlan(f.ctx, tx, f.head, c.ID)
		return err
	})
	if err != nil || req.Route != "admin" {
		t.Fatalf("route %q %v", req.Route, err)
	}
	_, err = f.answer(f.head, req.ID, true, "")
	if !apperr.Is(err, apperr.Forbidden) {
		wantField(t, err, "approver")
	}
	if _, err := f.answer(f.admin, req.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	// With a supervisor assigned, the next request goes to them.
	err = f.tx(func(tx *db.Tx) error {
		return casework.AssignSupervisor(f.ctx, tx, f.admin, f.supervisor.UserID, f.stA.ID, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = f.tx(func(tx *db.Tx) error {
		req, err = casework.RequestClosure(f.ctx, tx, f.keys, f.head, c.ID, casework.ClosureInput{Reason: "moved", Summary: "迁往外地"})
		return err
	})
	if err != nil || req.Route != "supervisor" {
		t.Fatalf("route %q %v", req.Route, err)
	}
	_, err = f.answer(f.admin, req.ID, true, "")
	wantField(t, err, "approver")
	if pend, _ := casework.Pending(f.ctx, f.db, f.supervisor, 10); len(pend) != 1 {
		t.Fatalf("supervisor's pending %d", len(pend))
	}
	if _, err := f.answer(f.supervisor, req.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if c = f.get(f.head, c.ID); c.Stage != casework.StageClosed {
		t.Fatalf("stage %s", c.Stage)
	}
}

func TestTasksOverdueAndFigures(t *testing.T) {
	f := newFixture(t)
	p1 := f.person("张大妈", "1950-02-03", f.stA)
	p2 := f.person("钱大爷", "1948-02-03", f.stA)
	c1, err := f.open(f.workerA, casework.IntakeInput{RecipientID: p1.ID, Source: "self", OpenedOn: "2026-03-01", Intake: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.accept(f.workerA, c1)
	c2, err := f.open(f.workerA, casework.IntakeInput{RecipientID: p2.ID, Source: "referral", SourceReferrer: "镇卫生院", OpenedOn: "2026-03-02", Intake: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Number != "GA-2026-朝歌-0002" {
		t.Fatalf("number %s", c2.Number)
	}
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.Decide(f.ctx, tx, f.workerA, c2.ID, c2.Version, casework.DecisionInput{Decision: "refer", Referral: "县精神卫生中心"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tasks, total, err := casework.Tasks(f.ctx, f.db, f.head, casework.TaskFilter{OrgID: f.stA.ID, OverdueOnly: true})
	if err != nil || total != 1 || tasks[0].CaseID != c1.ID || !tasks[0].Overdue {
		t.Fatalf("overdue %+v %v", tasks, err)
	}
	march, _ := figures.ParsePeriod("2026-03")
	for key, want := range map[string]int64{"casework.opened": 2, "casework.open": 1, "casework.overdue_tasks": 1, "casework.closed": 0} {
		got, err := figures.Compute(f.ctx, f.db, f.admin, key, march, f.county.ID)
		if err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", key, got, err, want)
		}
		recs, _, err := figures.List(f.ctx, f.db, f.admin, key, march, f.county.ID, 100, 0)
		if err != nil || int64(len(recs)) != want {
			t.Errorf("%s drill-down %d %v", key, len(recs), err)
		}
	}
}

// The case list: newest intake first, ties broken by id (descending),
// pages that neither skip nor repeat, the stage and worker filters, and
// the children rule (a leader sees neither a child's case nor it in the
// total).
func TestListOrderPagingChildren(t *testing.T) {
	f := newFixture(t)
	type want struct{ id, opened string }
	var all []want
	for i, day := range []string{"2026-03-01", "2026-03-05", "2026-03-05", "2026-03-05", "2026-02-20", "2026-03-08"} {
		p := f.person("对象"+itoa(i), "1950-01-0"+itoa(i+1), f.stA)
		c, err := f.open(f.workerA, casework.IntakeInput{RecipientID: p.ID, Source: "self", OpenedOn: day, Intake: "x"})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, want{c.ID, day})
	}
	child := f.person("小明", "2018-05-01", f.stA)
	cc, err := f.open(f.workerA2, casework.IntakeInput{RecipientID: child.ID, Source: "self", OpenedOn: "2026-03-06", Intake: "x"})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, want{cc.ID, "2026-03-06"})
	pB := f.person("钱大爷", "1948-02-03", f.stB)
	if _, err := f.open(f.workerB, casework.IntakeInput{RecipientID: pB.ID, Source: "self", OpenedOn: "2026-03-09", Intake: "x"}); err != nil {
		t.Fatal(err)
	}
	// The first case is declined: no longer open.
	declined := all[0].id
	err = f.tx(func(tx *db.Tx) error {
		_, err := casework.Decide(f.ctx, tx, f.workerA, declined, 1, casework.DecisionInput{Decision: "decline", Reason: "不符合条件", Referral: "民政所"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].opened != all[j].opened {
			return all[i].opened > all[j].opened
		}
		return all[i].id > all[j].id
	})
	expect := func(actor *authz.Actor, flt casework.Filter, keep func(w want) bool) {
		t.Helper()
		var ids []string
		for _, w := range all {
			if keep(w) {
				ids = append(ids, w.id)
			}
		}
		var got []string
		for off := 0; ; off += 2 {
			flt.Limit, flt.Offset = 2, off
			page, total, err := casework.List(f.ctx, f.db, actor, flt)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(ids) {
				t.Fatalf("%s %+v: total %d, want %d", actor.Username, flt, total, len(ids))
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				if c.RecipientName == "" || c.OrgName == "" || c.Number == "" {
					t.Fatalf("page row without its joined fields: %+v", c)
				}
				got = append(got, c.ID)
			}
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("%s %+v:\n got %v\nwant %v", actor.Username, flt, got, ids)
		}
	}
	everyone := func(want) bool { return true }
	expect(f.head, casework.Filter{OrgID: f.stA.ID}, everyone)
	expect(f.head, casework.Filter{OrgID: f.stA.ID, Stage: "open"}, func(w want) bool { return w.id != declined })
	expect(f.head, casework.Filter{WorkerID: f.workerA2.UserID}, func(w want) bool { return w.id == cc.ID })
	leader := &authz.Actor{UserID: "l", Username: "leader", Role: authz.RoleLeader, OrgPath: f.stA.Path}
	expect(leader, casework.Filter{}, func(w want) bool { return w.id != cc.ID })
	expect(leader, casework.Filter{Stage: "open"}, func(w want) bool { return w.id != cc.ID && w.id != declined })
}

func itoa(n int) string { return strconv.Itoa(n) }

// A county's rules are saved against the version read (a stale save is
// a conflict), a new domain gets a code, bad values name their field;
// supervisors are listed with the stations they cover, and only a
// supervisor account and a station may be assigned.
func TestSettingsVersionAndSupervisions(t *testing.T) {
	f := newFixture(t)
	r, err := casework.SettingsOf(f.ctx, f.db, f.admin, f.county.ID)
	if err != nil || r.Own || r.Version != 0 || r.Approver != "station_head" {
		t.Fatalf("defaults %+v %v", r, err)
	}
	set := func(version int, s casework.Settings) (int, error) {
		var v int
		err := f.tx(func(tx *db.Tx) error {
			var err error
			v, err = casework.SetSettings(f.ctx, tx, f.admin, f.county.ID, version, s)
			return err
		})
		return v, err
	}
	s := r.Settings
	s.AssessDays = 0
	_, err = set(0, s)
	wantField(t, err, "assess_days")
	s = r.Settings
	s.Approver = "supervisor"
	s.Domains = append(s.Domains, casework.Domain{Label: "居住环境", Items: []string{"住房", " 安全 "}})
	if v, err := set(0, s); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	if _, err := set(0, s); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a stale save: %v", err)
	}
	got, err := casework.SettingsFor(f.ctx, f.db, f.stA.Path)
	if err != nil || got.Approver != "supervisor" || len(got.Domains) != 4 || got.Domains[3].Key != "d1" || got.Domains[3].Items[1] != "安全" {
		t.Fatalf("in force at the station: %+v %v", got, err)
	}
	if r, _ = casework.SettingsOf(f.ctx, f.db, f.admin, f.county.ID); !r.Own || r.Version != 1 {
		t.Fatalf("after a save: %+v", r)
	}
	if _, err := casework.SettingsOf(f.ctx, f.db, f.workerA, f.county.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("a station's worker reads the county's row: %v", err)
	}

	assign := func(actor *authz.Actor, user, station string, remove bool) error {
		return f.tx(func(tx *db.Tx) error { return casework.AssignSupervisor(f.ctx, tx, actor, user, station, remove) })
	}
	wantField(t, assign(f.admin, f.workerA.UserID, f.stA.ID, false), "user_id")
	wantField(t, assign(f.admin, f.supervisor.UserID, f.county.ID, false), "station_id")
	if err := assign(f.head, f.supervisor.UserID, f.stA.ID, false); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a station head assigns: %v", err)
	}
	for i := 0; i < 2; i++ { // the second is a no-op
		if err := assign(f.admin, f.supervisor.UserID, f.stB.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	sups, err := casework.Supervisions(f.ctx, f.db, f.admin)
	if err != nil || len(sups) != 1 || sups[0].Name != "吴督导" || len(sups[0].Stations) != 1 || sups[0].Stations[0].ID != f.stB.ID {
		t.Fatalf("supervisions %+v %v", sups, err)
	}
	if err := assign(f.admin, f.supervisor.UserID, f.stB.ID, true); err != nil {
		t.Fatal(err)
	}
	if sups, _ = casework.Supervisions(f.ctx, f.db, f.admin); len(sups[0].Stations) != 0 {
		t.Fatalf("after removal %+v", sups)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity IN ('case_settings', 'supervisor_stations')`); n != 3 {
		t.Fatalf("%d changes audited, want 3 (a save, an assignment, a removal)", n)
	}
}

// The task list: the earliest due first, ties broken by id, pages that
// neither skip nor repeat, the worker and overdue filters, and the
// children rule (a leader sees neither a child's task nor it in the
// total).
func TestTaskListOrderPagingChildren(t *testing.T) {
	f := newFixture(t)
	type want struct{ id, due, user string }
	var all []want
	add := func(worker *authz.Actor, birth, opened string) {
		p := f.person("对象"+itoa(len(all)), birth, f.stA)
		c, err := f.open(worker, casework.IntakeInput{RecipientID: p.ID, Source: "self", OpenedOn: opened, Intake: "x"})
		if err != nil {
			t.Fatal(err)
		}
		f.accept(worker, c)
		_, h, err := casework.GetHistory(f.ctx, f.db, worker, c.ID)
		if err != nil || len(h.Tasks) != 1 {
			t.Fatalf("tasks %+v %v", h.Tasks, err)
		}
		all = append(all, want{h.Tasks[0].ID, h.Tasks[0].DueOn, worker.UserID})
	}
	for _, day := range []string{"2026-03-01", "2026-03-05", "2026-03-05", "2026-02-20", "2026-03-08", "2026-03-05"} {
		add(f.workerA, "1950-01-01", day)
	}
	add(f.workerA2, "2018-05-01", "2026-03-02") // a child's case
	child := all[len(all)-1].id
	sort.Slice(all, func(i, j int) bool {
		if all[i].due != all[j].due {
			return all[i].due < all[j].due
		}
		return all[i].id < all[j].id
	})
	expect := func(actor *authz.Actor, flt casework.TaskFilter, keep func(w want) bool) {
		t.Helper()
		var ids, got []string
		for _, w := range all {
			if keep(w) {
				ids = append(ids, w.id)
			}
		}
		for off := 0; ; off += 2 {
			flt.Limit, flt.Offset = 2, off
			page, total, err := casework.Tasks(f.ctx, f.db, actor, flt)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(ids) {
				t.Fatalf("%s %+v: total %d, want %d", actor.Username, flt, total, len(ids))
			}
			if len(page) == 0 {
				break
			}
			for _, x := range page {
				if x.CaseNumber == "" || x.OrgName == "" || x.WorkerName == "" {
					t.Fatalf("page row without its joined fields: %+v", x)
				}
				got = append(got, x.ID)
			}
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("%s %+v:\n got %v\nwant %v", actor.Username, flt, got, ids)
		}
	}
	today := cst.Today()
	expect(f.head, casework.TaskFilter{OrgID: f.stA.ID}, func(want) bool { return true })
	expect(f.head, casework.TaskFilter{OverdueOnly: true}, func(w want) bool { return w.due < today })
	expect(f.head, casework.TaskFilter{UserID: f.workerA2.UserID}, func(w want) bool { return w.user == f.workerA2.UserID })
	leader := &authz.Actor{UserID: "l", Username: "leader", Role: authz.RoleLeader, OrgPath: f.county.Path}
	expect(leader, casework.TaskFilter{}, func(w want) bool { return w.id != child })
	expect(f.workerB, casework.TaskFilter{}, func(want) bool { return false })
}
