// Package casework is casework (个案工作) after MZ/T 094-2017: a case
// runs 接案 (intake) → 预估 (assessment) → 计划 (plan) → 介入
// (intervention) → 评估 (evaluation) → 结案 (closing) → 跟进 (follow-up);
// 不予接案 and 转介 are exits from intake, and a closed or declined case
// may be reopened with a reason. The current stage follows from what has
// been recorded (deriveStage), never from a field typed by hand, so a
// stage out of order (a plan before an assessment) is refused.
//
// Plans and closures are approved by the station head or the station's
// supervisor (a county setting); nobody approves a case they work on.
// Entering a stage schedules the next as a task with a due date (county
// rules), so workers, stations and supervisors see what is overdue.
//
// Confidentiality (保密): case content — the intake notes, history,
// problems, goals, logs, summaries — is sealed at rest and read only by
// the case's workers, their station head and the station's supervisor
// (Open, which audits every opening by anyone else); other readers,
// among them the county administrator and leaders, see a case's
// metadata (Get, List) and its figures. The children rule applies.
package casework

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the casework schema, migrated after services.
var Module = db.MustLoadModule("casework", migrations, "migrations")

func init() {
	for _, c := range [][2]string{{"cases", "intake_enc"}, {"case_assessments", "content_enc"}, {"case_plans", "content_enc"},
		{"case_goals", "text_enc"}, {"case_logs", "content_enc"}, {"case_logs", "next_step_enc"}, {"case_evaluations", "summary_enc"},
		{"case_closures", "summary_enc"}} {
		id := "id"
		if c[0] == "case_plans" || c[0] == "case_closures" {
			id = "case_id"
		}
		secure.RegisterColumn(c[0], id, c[1])
	}
	services.RegisterSource(services.SourceKind{Name: LogSource, Label: "个案服务记录", OwnTimeline: true,
		Link: func(id string) string { return "/case-logs/" + id }})
}

// Stage is where a case stands.
type Stage string

const (
	StageIntake       Stage = "intake"       // 接案
	StageAssessment   Stage = "assessment"   // 预估
	StagePlan         Stage = "plan"         // 计划
	StageIntervention Stage = "intervention" // 介入
	StageEvaluation   Stage = "evaluation"   // 评估
	StageClosed       Stage = "closed"       // 结案
	StageFollowUp     Stage = "followup"     // 跟进
	StageDeclined     Stage = "declined"     // 不予接案
	StageReferred     Stage = "referred"     // 转介
)

// Stages lists them in order.
var Stages = []Stage{StageIntake, StageAssessment, StagePlan, StageIntervention, StageEvaluation, StageClosed, StageFollowUp, StageDeclined, StageReferred}

var stageLabels = map[Stage]string{StageIntake: "接案", StageAssessment: "预估", StagePlan: "计划", StageIntervention: "介入",
	StageEvaluation: "评估", StageClosed: "结案", StageFollowUp: "跟进", StageDeclined: "不予接案", StageReferred: "已转介"}

// Label is the stage's Chinese name.
func (s Stage) Label() string { return stageLabels[s] }

// Open reports whether the case is still being worked.
func (s Stage) Open() bool {
	return s != StageClosed && s != StageFollowUp && s != StageDeclined && s != StageReferred
}

// Sources of a case (接案来源).
var SourceLabels = map[string]string{"self": "主动求助", "outreach": "外展发现", "visit": "探访发现", "referral": "转介"}

// CloseReasons (结案原因).
var CloseReasons = []string{"goals_met", "moved", "died", "declined", "referred", "other"}

var closeReasonLabels = map[string]string{"goals_met": "目标达成", "moved": "迁出", "died": "死亡", "declined": "服务对象拒绝继续服务",
	"referred": "转介其他机构", "other": "其他"}

// CloseReasonLabel names a closing reason.
func CloseReasonLabel(r string) string { return closeReasonLabels[r] }

// Worker is one of a case's workers.
type Worker struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Lead   bool   `json:"lead"`
}

// Case is a case's metadata: what any reader in scope may see.
type Case struct {
	ID              string   `json:"id"`
	Version         int      `json:"version"`
	Number          string   `json:"number"`
	OrgID           string   `json:"org_id"`
	OrgName         string   `json:"org_name"`
	OrgPath         string   `json:"-"`
	RecipientID     string   `json:"recipient_id"`
	RecipientName   string   `json:"recipient_name"`
	RecipientBorn   string   `json:"-"`
	Stage           Stage    `json:"stage"`
	StageLabel      string   `json:"stage_label"`
	Risk            string   `json:"risk"`
	Source          string   `json:"source"`
	SourceVisitID   string   `json:"source_visit_id,omitempty"`
	SourceReferrer  string   `json:"source_referrer,omitempty"`
	OpenedOn        string   `json:"opened_on"`
	Decision        string   `json:"decision"`
	DecidedOn       string   `json:"decided_on"`
	DeclineReason   string   `json:"decline_reason,omitempty"`
	DeclineReferral string   `json:"decline_referral,omitempty"`
	AgreementOn     string   `json:"agreement_on,omitempty"`
	ClosedOn        string   `json:"closed_on,omitempty"`
	CloseReason     string   `json:"close_reason,omitempty"`
	ReopenCount     int      `json:"reopen_count"`
	PlanStatus      string   `json:"plan_status"`
	ClosureStatus   string   `json:"closure_status"`
	Workers         []Worker `json:"workers"`
	MemberIDs       []string `json:"member_ids"`
	CreatedAt       string   `json:"created_at"`
}

// Lead is the lead worker's name.
func (c Case) Lead() string {
	for _, w := range c.Workers {
		if w.Lead {
			return w.Name
		}
	}
	return ""
}

// WorksOn reports whether user is one of the case's workers.
func (c Case) WorksOn(userID string) bool {
	for _, w := range c.Workers {
		if w.UserID == userID {
			return true
		}
	}
	return false
}

const caseSelect = `SELECT c.id, c.version, c.number, c.org_id, o.name, o.path, c.recipient_id, r.name, r.birth_date, c.stage, c.risk, c.source,
	c.source_visit_id, c.source_referrer, c.opened_on, c.decision, c.decided_on, c.decline_reason, c.decline_referral, c.agreement_on,
	c.closed_on, c.close_reason, c.reopen_count, COALESCE(p.status, ''), COALESCE(cl.status, ''), c.created_at
	FROM cases c JOIN org_units o ON o.id = c.org_id JOIN recipients r ON r.id = c.recipient_id
	LEFT JOIN case_plans p ON p.case_id = c.id LEFT JOIN case_closures cl ON cl.case_id = c.id`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	err := row.Scan(&c.ID, &c.Version, &c.Number, &c.OrgID, &c.OrgName, &c.OrgPath, &c.RecipientID, &c.RecipientName, &c.RecipientBorn,
		&c.Stage, &c.Risk, &c.Source, &c.SourceVisitID, &c.SourceReferrer, &c.OpenedOn, &c.Decision, &c.DecidedOn, &c.DeclineReason,
		&c.DeclineReferral, &c.AgreementOn, &c.ClosedOn, &c.CloseReason, &c.ReopenCount, &c.PlanStatus, &c.ClosureStatus, &c.CreatedAt)
	c.StageLabel = c.Stage.Label()
	return c, err
}

func loadCase(ctx context.Context, q db.Querier, id string) (Case, error) {
	c, err := scanCase(q.QueryRow(ctx, caseSelect+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, apperr.ErrNotFound("个案")
	}
	if err != nil {
		return Case{}, err
	}
	rows, err := q.Query(ctx, `SELECT w.user_id, u.display_name, w.lead FROM case_workers w JOIN users u ON u.id = w.user_id WHERE w.case_id = ? ORDER BY w.lead DESC, u.display_name`, id)
	c.Workers, err = db.Collect(rows, err, func(r interface{ Scan(...any) error }) (w Worker, err error) {
		var lead int
		err = r.Scan(&w.UserID, &w.Name, &lead)
		w.Lead = lead == 1
		return w, err
	})
	if err != nil {
		return Case{}, err
	}
	rows, err = q.Query(ctx, `SELECT recipient_id FROM case_members WHERE case_id = ? ORDER BY recipient_id`, id)
	c.MemberIDs, err = db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s string, err error) {
		err = r.Scan(&s)
		return s, err
	})
	if c.MemberIDs == nil {
		c.MemberIDs = []string{}
	}
	return c, err
}

// Get loads a case's metadata for a reader: casework.read, scope, the
// children rule.
func Get(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Case, error) {
	if err := actor.Require(authz.PermCaseworkRead); err != nil {
		return Case{}, err
	}
	c, err := loadCase(ctx, q, id)
	if err != nil {
		return Case{}, err
	}
	if err := actor.RequireScope(c.OrgPath); err != nil {
		return Case{}, err
	}
	if recipients.Hidden(actor, c.RecipientBorn) {
		return Case{}, apperr.New(apperr.Forbidden, "该个案的服务对象是未满 %d 周岁的儿童，您的角色无权查看", recipients.ChildAge)
	}
	return c, nil
}

// supervises reports whether a supervisor covers the node at path (the
// station or a node above it is assigned to them).
func supervises(ctx context.Context, q db.Querier, userID, path string) (bool, error) {
	nodes := pathIDs(path)
	if len(nodes) == 0 {
		return false, nil
	}
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM supervisor_stations WHERE user_id = ? AND org_id IN (`+db.Placeholders(len(nodes))+`)`,
		append([]any{userID}, anyArgs(nodes)...)...).Scan(&n)
	return n > 0, err
}

// CanReadContent reports whether the actor reads the case's content: its
// workers, a station head whose scope covers it, a supervisor assigned
// to its station.
func CanReadContent(ctx context.Context, q db.Querier, actor *authz.Actor, c Case) (bool, error) {
	switch {
	case actor == nil:
		return false, nil
	case c.WorksOn(actor.UserID):
		return true, nil
	case actor.Role == authz.RoleStationHead && actor.Covers(c.OrgPath):
		return true, nil
	case actor.Role == authz.RoleSupervisor:
		return supervises(ctx, q, actor.UserID, c.OrgPath)
	}
	return false, nil
}

// canWrite: the case's workers and the station head record its stages.
func canWrite(actor *authz.Actor, c Case) error {
	if err := actor.Require(authz.PermCaseworkWrite); err != nil {
		return err
	}
	if c.WorksOn(actor.UserID) || actor.Role == authz.RoleStationHead && actor.Covers(c.OrgPath) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "只有本个案的社工或本站站长可以记录个案")
}

// forWrite loads a case for a write by actor, with its version checked
// when version > 0.
func forWrite(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Case, error) {
	c, err := Get(ctx, q, actor, id)
	if err != nil {
		return Case{}, err
	}
	return c, canWrite(actor, c)
}

// Filter selects cases for List.
type Filter struct {
	OrgID         string // a node: its subtree
	Stage         Stage  // "" any; "open" every open stage
	WorkerID      string // cases this user works on
	RecipientID   string // the client or a member
	Returned      bool   // only cases whose plan or closure was returned and awaits an edit
	Limit, Offset int
}

// List is a page of cases (metadata, no workers) the actor may read,
// newest intake first (opened_on, then id, both descending), and the
// total.
//
// The page is chosen on cases alone — scope, stage, filters and the
// children rule all inside one subquery served by cases_list (org_id,
// stage, opened_on, id) — and only the page's rows are joined to their
// station, recipient, plan and closure: a station with thousands of
// cases among millions of records reads its index entries, not every
// case's recipient row.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Case, int, error) {
	if err := actor.Require(authz.PermCaseworkRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	cond, args, err := underNode(ctx, q, actor, f.OrgID, "c.org_id")
	if err != nil {
		return nil, 0, err
	}
	c.Add(cond, args...)
	switch f.Stage {
	case "":
	case "open":
		c.Add("c.stage IN (?, ?, ?, ?, ?)", StageIntake, StageAssessment, StagePlan, StageIntervention, StageEvaluation)
	default:
		c.Add("c.stage = ?", f.Stage)
	}
	if f.WorkerID != "" {
		c.Add("c.id IN (SELECT case_id FROM case_workers WHERE user_id = ?)", f.WorkerID)
	}
	if f.RecipientID != "" {
		c.Add("(c.recipient_id = ? OR c.id IN (SELECT case_id FROM case_members WHERE recipient_id = ?))", f.RecipientID, f.RecipientID)
	}
	if f.Returned {
		c.Add(ReturnedCond("c"))
	}
	if vc, args := recipients.VisibleCond(actor, "r"); vc != "" {
		c.Add("EXISTS (SELECT 1 FROM recipients r WHERE r.id = c.recipient_id AND "+vc+")", args...)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	w, wargs := c.Where(), c.Args()
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM cases c`+w, wargs...).Scan(&total); err != nil {
		return nil, 0, err
	}
	const order = ` ORDER BY c.opened_on DESC, c.id DESC`
	page := `SELECT c.id FROM cases c` + w + order + ` LIMIT ? OFFSET ?`
	rows, err := q.Query(ctx, caseSelect+` WHERE c.id IN (`+page+`)`+order, append(wargs, f.Limit, max(f.Offset, 0))...)
	out, err := db.Collect(rows, err, scanCase)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].Workers, out[i].MemberIDs = []Worker{}, []string{}
	}
	return out, total, nil
}

// ReturnedCond is the one definition of a case that waits for its
// workers' edit after an answer: its plan or its closure request was
// returned (sending it again makes it pending). alias names cases.
func ReturnedCond(alias string) string {
	return "(" + alias + ".id IN (SELECT case_id FROM case_plans WHERE status = 'returned') OR " +
		alias + ".id IN (SELECT case_id FROM case_closures WHERE status = 'returned'))"
}

// underNode restricts column (an org id column) to the subtree of node
// orgID, or of the actor's scope when orgID is "": the org nodes are
// found first through the path index (a byte range on SQLite, whose LIKE
// reads every node), so a station's list reads only its own rows.
// Errors: a field error on org_id for an unknown node, OutOfScope.
func underNode(ctx context.Context, q db.Querier, actor *authz.Actor, orgID, column string) (string, []any, error) {
	path := actor.OrgPath
	if orgID != "" {
		if err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
			return "", nil, apperr.Fields{"org_id": "站点不存在"}.Err()
		}
		if err := actor.RequireScope(path); err != nil {
			return "", nil, err
		}
	}
	sc, sa := authz.SubtreeCond(q.Dialect(), "path", path)
	return column + " IN (SELECT id FROM org_units WHERE " + sc + ")", sa, nil
}

// stationShort is a station's short name for case numbers: 朝歌街道社工站 → 朝歌.
func stationShort(name string) string {
	for _, suffix := range []string{"社会工作服务站", "社工站", "社工室", "街道", "乡", "镇"} {
		name = strings.TrimSuffix(name, suffix)
	}
	return name
}

// nextNumber draws the next case number by the county's pattern; a
// number is never reused (the sequence only grows).
func nextNumber(ctx context.Context, tx db.Querier, s Settings, stationName, openedOn string) (string, error) {
	prefix := strings.NewReplacer("{type}", s.TypeCode, "{year}", openedOn[:4], "{station}", stationShort(stationName)).Replace(s.NumberPattern)
	res, err := tx.Exec(ctx, `UPDATE case_sequences SET last = last + 1 WHERE prefix = ?`, prefix)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO case_sequences (prefix, last) VALUES (?, 1)`, prefix); err != nil {
			return "", err
		}
	}
	var last int
	if err := tx.QueryRow(ctx, `SELECT last FROM case_sequences WHERE prefix = ?`, prefix).Scan(&last); err != nil {
		return "", err
	}
	seq := itoa(last)
	for len(seq) < 4 {
		seq = "0" + seq
	}
	return strings.Replace(prefix, "{seq}", seq, 1), nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// addDays is a China date days later.
func addDays(day string, days int) string {
	t, err := cst.ParseDate(day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, days).Format(cst.DateLayout)
}

// newID checks a client-made id or makes one.
func newID(id string, fe apperr.Fields) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ids.New()
	}
	if !ids.Valid(id) {
		fe.Add("id", "记录编号应为小写的 UUID，或留空由系统生成")
	}
	return id
}

// parseTime reads an instant as typed or sent (China time).
func parseTime(s string) (time.Time, error) { return services.ParseTime(s) }
