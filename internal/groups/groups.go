// Package groups is group work (小组工作) after MZ/T 095-2017: a group
// with its goals, leaders and planned sessions goes through its stages
// (筹备 → 招募 → 进行中 → 结束 → 已评估, or cancelled with a reason);
// members are registered recipients or other participants (name and
// contact only), measured before and after on a scale the county keeps
// (or a single score); each session records its stage of the group
// process (形成, 转折, 成熟, 结束), attendance and volunteers.
//
// Each attendance marked present writes one service record (小组) and
// each volunteer's hours their service log, in the same transaction,
// corrected only through the session. A session record locks a number
// of days (set by the county) after the session; later edits need the
// station head (groups.unlock).
package groups

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the groups schema (after recipients and workforce).
var Module = db.MustLoadModule("groups", migrations, "migrations")

func init() {
	secure.RegisterColumn("grp_members", "id", "contact_enc")
}

// Kind is the type of group.
type Kind string

// Kinds lists the types in display order.
var Kinds = []Kind{"education", "growth", "support", "therapy", "interest", "other"}

var kindLabels = map[Kind]string{"education": "教育", "growth": "成长", "support": "支持", "therapy": "治疗", "interest": "兴趣", "other": "其他"}

// Label is the type's Chinese name.
func (k Kind) Label() string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

// Stage is where a group stands.
type Stage string

const (
	StagePreparing  Stage = "preparing"  // 筹备
	StageRecruiting Stage = "recruiting" // 招募
	StageRunning    Stage = "running"    // 进行中
	StageEnded      Stage = "ended"      // 结束
	StageEvaluated  Stage = "evaluated"  // 已评估
	StageCancelled  Stage = "cancelled"  // 已取消
)

// Stages lists them in order.
var Stages = []Stage{StagePreparing, StageRecruiting, StageRunning, StageEnded, StageEvaluated, StageCancelled}

var stageLabels = map[Stage]string{StagePreparing: "筹备", StageRecruiting: "招募", StageRunning: "进行中", StageEnded: "结束",
	StageEvaluated: "已评估", StageCancelled: "已取消"}

// Label is the stage's Chinese name.
func (s Stage) Label() string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return string(s)
}

// next is the stage after s in the group's course.
var next = map[Stage]Stage{StagePreparing: StageRecruiting, StageRecruiting: StageRunning, StageRunning: StageEnded, StageEnded: StageEvaluated}

// Staff is a leader, co-leader (workers) or volunteer of a group.
type Staff struct {
	Role        string `json:"role"` // leader, co_leader, volunteer
	WorkerID    string `json:"worker_id,omitempty"`
	VolunteerID string `json:"volunteer_id,omitempty"`
	Name        string `json:"name"`
}

// RoleLabel names the staff role.
func (s Staff) RoleLabel() string {
	switch s.Role {
	case "leader":
		return "带领者"
	case "co_leader":
		return "协同带领者"
	}
	return "志愿者"
}

// Group is one group.
type Group struct {
	ID                 string  `json:"id"`
	Version            int     `json:"version"`
	OrgID              string  `json:"org_id"`
	OrgName            string  `json:"org_name"`
	OrgPath            string  `json:"-"`
	Name               string  `json:"name"`
	Kind               Kind    `json:"kind"`
	KindLabel          string  `json:"kind_label"`
	Goals              string  `json:"goals"`
	Target             string  `json:"target"`
	Place              string  `json:"place"`
	PlannedSessions    int     `json:"planned_sessions"`
	Capacity           int     `json:"capacity"`
	CompletionSessions int     `json:"completion_sessions"`
	StartsOn           string  `json:"starts_on"`
	EndsOn             string  `json:"ends_on"`
	ScaleID            string  `json:"scale_id"`
	Stage              Stage   `json:"stage"`
	StageLabel         string  `json:"stage_label"`
	Reason             string  `json:"reason"`
	GoalsAttained      string  `json:"goals_attained"`
	Evaluation         string  `json:"evaluation"`
	Staff              []Staff `json:"staff"`
	SessionsHeld       int     `json:"sessions_held"`
	Members            int     `json:"members"`
	CreatedAt          string  `json:"created_at"`
	UpdatedAt          string  `json:"updated_at"`
}

// GoalList is the goals, one per line.
func (g Group) GoalList() []string { return lines(g.Goals) }

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

const selectGroup = `SELECT g.id, g.version, g.org_id, o.name, o.path, g.name, g.kind, g.goals, g.target, g.place, g.planned_sessions, g.capacity,
	g.completion_sessions, g.starts_on, g.ends_on, g.scale_id, g.stage, g.reason, g.goals_attained, g.evaluation, g.created_at, g.updated_at,
	(SELECT COUNT(*) FROM grp_sessions s WHERE s.group_id = g.id), (SELECT COUNT(*) FROM grp_members m WHERE m.group_id = g.id AND m.left_on = '')
	FROM grp_groups g JOIN org_units o ON o.id = g.org_id`

func scanGroup(row interface{ Scan(...any) error }) (Group, error) {
	var g Group
	err := row.Scan(&g.ID, &g.Version, &g.OrgID, &g.OrgName, &g.OrgPath, &g.Name, &g.Kind, &g.Goals, &g.Target, &g.Place, &g.PlannedSessions,
		&g.Capacity, &g.CompletionSessions, &g.StartsOn, &g.EndsOn, &g.ScaleID, &g.Stage, &g.Reason, &g.GoalsAttained, &g.Evaluation,
		&g.CreatedAt, &g.UpdatedAt, &g.SessionsHeld, &g.Members)
	g.KindLabel, g.StageLabel = g.Kind.Label(), g.Stage.Label()
	g.Staff = []Staff{}
	return g, err
}

func loadGroup(ctx context.Context, q db.Querier, id string) (Group, error) {
	g, err := scanGroup(q.QueryRow(ctx, selectGroup+` WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, apperr.ErrNotFound("小组")
	}
	if err != nil {
		return g, err
	}
	rows, err := q.Query(ctx, `SELECT role, worker_id, volunteer_id, name FROM grp_staff WHERE group_id = ? ORDER BY position`, id)
	staff, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s Staff, err error) {
		err = r.Scan(&s.Role, &s.WorkerID, &s.VolunteerID, &s.Name)
		return s, err
	})
	if staff != nil {
		g.Staff = staff
	}
	return g, err
}

// Get loads a group in scope (groups.read).
func Get(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Group, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return Group{}, err
	}
	g, err := loadGroup(ctx, q, id)
	if err != nil {
		return g, err
	}
	return g, actor.RequireScope(g.OrgPath)
}

// Filter selects groups for List.
type Filter struct {
	OrgID  string
	Stage  Stage
	Year   int // starting that year
	Limit  int
	Offset int
}

// List is a page of groups in scope, newest start first, and the total.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Group, int, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(cond, scopeArgs...)
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return nil, 0, apperr.Fields{"org_id": "站点不存在"}.Err()
		}
		sc, sa := authz.SubtreeCond(q.Dialect(), "o.path", u.Path)
		c.Add(sc, sa...)
	}
	if f.Stage != "" {
		c.Add("g.stage = ?", f.Stage)
	}
	if f.Year > 0 {
		c.Add("g.starts_on >= ? AND g.starts_on <= ?", strconv.Itoa(f.Year)+"-01-01", strconv.Itoa(f.Year)+"-12-31")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*) FROM grp_groups g JOIN org_units o ON o.id = g.org_id`,
		Select: selectGroup, Where: c, Order: "g.starts_on DESC, g.id DESC", Limit: f.Limit, Offset: max(f.Offset, 0)}, scanGroup)
}

// Input is a group as planned (the group plan, 小组计划书). ID may be a
// client-made UUIDv7: a repeat of the same create returns the saved group.
type Input struct {
	ID                 string  `json:"id,omitempty"`
	OrgID              string  `json:"org_id"`
	Name               string  `json:"name"`
	Kind               Kind    `json:"kind"`
	Goals              string  `json:"goals"` // one per line
	Target             string  `json:"target"`
	Place              string  `json:"place,omitempty"`
	PlannedSessions    int     `json:"planned_sessions"`
	Capacity           int     `json:"capacity"`
	CompletionSessions int     `json:"completion_sessions,omitempty"` // 0: two thirds of the planned sessions, rounded up
	StartsOn           string  `json:"starts_on"`
	EndsOn             string  `json:"ends_on"`
	ScaleID            string  `json:"scale_id,omitempty"`
	Staff              []Staff `json:"staff"`
}

func (in *Input) check(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields) (org.Unit, []Staff, error) {
	in.ID = strings.TrimSpace(in.ID)
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "编号应为小写的 UUID，或留空由系统生成")
	}
	in.Name = validate.Text(fe, "name", "小组名称", in.Name, 60, true)
	if _, ok := kindLabels[in.Kind]; !ok {
		fe.Add("kind", "请选择小组类型")
	}
	in.Goals = validate.Text(fe, "goals", "小组目标", in.Goals, 2000, true)
	in.Target = validate.Text(fe, "target", "服务对象群体", in.Target, 100, true)
	in.Place = validate.Text(fe, "place", "活动地点", in.Place, 200, false)
	switch {
	case in.PlannedSessions < 0:
		fe.Add("planned_sessions", "计划节数不能为负数")
	case in.PlannedSessions < 1 || in.PlannedSessions > 100:
		fe.Add("planned_sessions", "计划节数应为 1–100")
	}
	switch {
	case in.Capacity < 0:
		fe.Add("capacity", "招募人数上限不能为负数")
	case in.Capacity < 2 || in.Capacity > 200:
		fe.Add("capacity", "招募人数上限应为 2–200")
	}
	if in.CompletionSessions < 0 {
		fe.Add("completion_sessions", "完成标准（节数）不能为负数")
	} else if in.CompletionSessions == 0 && in.PlannedSessions > 0 {
		in.CompletionSessions = (in.PlannedSessions*2 + 2) / 3
	} else if in.CompletionSessions > in.PlannedSessions && in.PlannedSessions > 0 {
		fe.Add("completion_sessions", "完成标准（节数）不能多于计划节数")
	}
	in.StartsOn, in.EndsOn = strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)
	if !cst.IsDate(in.StartsOn) {
		fe.Add("starts_on", "请填写开始日期（年-月-日）")
	}
	if !cst.IsDate(in.EndsOn) {
		fe.Add("ends_on", "请填写结束日期（年-月-日）")
	} else if cst.IsDate(in.StartsOn) && in.EndsOn < in.StartsOn {
		fe.Add("ends_on", "结束日期不能早于开始日期")
	}
	id := strings.TrimSpace(in.OrgID)
	if id == "" {
		id = actor.OrgID
	}
	u, err := org.Get(ctx, q, id)
	if err != nil || !actor.Covers(u.Path) {
		fe.Add("org_id", "站点不存在或不在您的范围内")
	} else if u.Kind != org.KindStation && u.Kind != org.KindRoom {
		fe.Add("org_id", "请选择社工站或社工室")
	}
	in.ScaleID = strings.TrimSpace(in.ScaleID)
	if in.ScaleID != "" && u.Path != "" {
		if _, err := scaleFor(ctx, q, u.Path, in.ScaleID); err != nil {
			fe.Add("scale_id", "量表不存在或不属于本县")
		}
	}
	staff, err := resolveStaff(ctx, q, actor, fe, in.Staff)
	return u, staff, err
}

// resolveStaff checks leaders and co-leaders (workers in reach) and
// volunteers; at least one leader.
func resolveStaff(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields, in []Staff) ([]Staff, error) {
	var out []Staff
	leaders := 0
	for i, s := range in {
		pos := "第 " + strconv.Itoa(i+1) + " 位工作人员"
		table, id := "", ""
		switch s.Role {
		case "leader", "co_leader":
			table, id = "wf_workers", strings.TrimSpace(s.WorkerID)
		case "volunteer":
			table, id = "wf_volunteers", strings.TrimSpace(s.VolunteerID)
		default:
			fe.Add("staff", pos+"的角色应为带领者、协同带领者或志愿者")
			continue
		}
		if id == "" {
			continue
		}
		var name, path string
		err := q.QueryRow(ctx, `SELECT p.name, o.path FROM `+table+` p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`, id).Scan(&name, &path)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(path) && !strings.HasPrefix(actor.OrgPath, path) {
			fe.Add("staff", pos+"不存在或不在您的范围内")
			continue
		} else if err != nil {
			return nil, err
		}
		st := Staff{Role: s.Role, Name: name}
		if table == "wf_workers" {
			st.WorkerID = id
		} else {
			st.VolunteerID = id
		}
		if s.Role == "leader" {
			leaders++
		}
		out = append(out, st)
	}
	if leaders == 0 {
		fe.Add("staff", "请至少指定一位带领者（社工）")
	}
	return out, nil
}

func writeStaff(ctx context.Context, tx *db.Tx, groupID string, staff []Staff) error {
	if _, err := tx.Exec(ctx, `DELETE FROM grp_staff WHERE group_id = ?`, groupID); err != nil {
		return err
	}
	for i, s := range staff {
		if _, err := tx.Exec(ctx, `INSERT INTO grp_staff (group_id, position, role, worker_id, volunteer_id, name) VALUES (?, ?, ?, ?, ?, ?)`,
			groupID, i+1, s.Role, s.WorkerID, s.VolunteerID, s.Name); err != nil {
			return err
		}
	}
	return nil
}

// Create plans a group (stage 筹备) in a station in scope (groups.write).
func Create(ctx context.Context, tx *db.Tx, actor *authz.Actor, in Input) (Group, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Group{}, err
	}
	if in.ID != "" && ids.Valid(in.ID) {
		if g, err := Get(ctx, tx, actor, in.ID); err == nil {
			return g, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Group{}, err
		}
	}
	fe := apperr.Fields{}
	u, staff, err := in.check(ctx, tx, actor, fe)
	if err != nil {
		return Group{}, err
	}
	if err := fe.Err(); err != nil {
		return Group{}, err
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	now := cst.NowStamp()
	_, err = tx.Exec(ctx, `INSERT INTO grp_groups (id, version, org_id, name, kind, goals, target, place, planned_sessions, capacity, completion_sessions,
		starts_on, ends_on, scale_id, stage, created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, u.ID, in.Name, in.Kind, in.Goals, in.Target, in.Place, in.PlannedSessions, in.Capacity, in.CompletionSessions, in.StartsOn, in.EndsOn,
		in.ScaleID, StagePreparing, actor.UserID, now, now)
	if db.IsUniqueViolation(err) {
		return Group{}, apperr.New(apperr.Conflict, "该小组正在被同时保存，请稍后重试")
	}
	if err != nil {
		return Group{}, err
	}
	if err := writeStaff(ctx, tx, id, staff); err != nil {
		return Group{}, err
	}
	g, err := loadGroup(ctx, tx, id)
	if err != nil {
		return g, err
	}
	return g, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "group", EntityID: id, OrgPath: g.OrgPath,
		Summary: "创建小组：" + g.Name})
}

func forChange(ctx context.Context, q db.Querier, actor *authz.Actor, id string, version int) (Group, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Group{}, err
	}
	g, err := Get(ctx, q, actor, id)
	if err != nil {
		return g, err
	}
	if version != g.Version {
		return g, apperr.ErrStale()
	}
	return g, nil
}

// Update changes the plan of a group not yet ended. The planned sessions
// cannot drop below those already held.
func Update(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, in Input) (Group, error) {
	g, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return g, err
	}
	if g.Stage != StagePreparing && g.Stage != StageRecruiting && g.Stage != StageRunning {
		return g, apperr.New(apperr.BadRequest, "小组%s，计划不能再修改", g.StageLabel)
	}
	in.ID = ""
	fe := apperr.Fields{}
	u, staff, err := in.check(ctx, tx, actor, fe)
	if err != nil {
		return g, err
	}
	if in.PlannedSessions > 0 && in.PlannedSessions < g.SessionsHeld {
		fe.Add("planned_sessions", "已开展 "+strconv.Itoa(g.SessionsHeld)+" 节，计划节数不能更少")
	}
	if err := fe.Err(); err != nil {
		return g, err
	}
	err = db.Versioned(tx.Exec(ctx, `UPDATE grp_groups SET org_id = ?, name = ?, kind = ?, goals = ?, target = ?, place = ?, planned_sessions = ?,
		capacity = ?, completion_sessions = ?, starts_on = ?, ends_on = ?, scale_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		u.ID, in.Name, in.Kind, in.Goals, in.Target, in.Place, in.PlannedSessions, in.Capacity, in.CompletionSessions, in.StartsOn, in.EndsOn,
		in.ScaleID, cst.NowStamp(), id, version))
	if err != nil {
		return g, err
	}
	if err := writeStaff(ctx, tx, id, staff); err != nil {
		return g, err
	}
	after, err := loadGroup(ctx, tx, id)
	if err != nil {
		return after, err
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "group", EntityID: id, OrgPath: g.OrgPath,
		Summary: "修改小组计划：" + after.Name})
}

// Advance moves a group to its next stage (筹备 → 招募 → 进行中 → 结束);
// the last step, 已评估, is Evaluate's. A group ends only after at least
// one session.
func Advance(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int) (Group, error) {
	g, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return g, err
	}
	to, ok := next[g.Stage]
	if !ok || to == StageEvaluated {
		return g, apperr.New(apperr.BadRequest, "小组%s，不能进入下一阶段", g.StageLabel)
	}
	if to == StageEnded && g.SessionsHeld == 0 {
		return g, apperr.New(apperr.BadRequest, "小组还没有开展任何一节，不能结束；如不再开展请取消并说明原因")
	}
	return setStage(ctx, tx, actor, g, to, "", "")
}

// Cancel cancels a group not yet ended; the reason is required.
func Cancel(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, reason string) (Group, error) {
	g, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return g, err
	}
	if g.Stage != StagePreparing && g.Stage != StageRecruiting && g.Stage != StageRunning {
		return g, apperr.New(apperr.BadRequest, "小组%s，不能取消", g.StageLabel)
	}
	fe := apperr.Fields{}
	reason = validate.Text(fe, "reason", "取消原因", reason, 200, true)
	if err := fe.Err(); err != nil {
		return g, err
	}
	return setStage(ctx, tx, actor, g, StageCancelled, reason, "")
}

func setStage(ctx context.Context, tx *db.Tx, actor *authz.Actor, g Group, to Stage, reason, evaluation string) (Group, error) {
	err := db.Versioned(tx.Exec(ctx, `UPDATE grp_groups SET stage = ?, reason = ?, evaluation = CASE WHEN ? = '' THEN evaluation ELSE ? END,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, to, reason, evaluation, evaluation, cst.NowStamp(), g.ID, g.Version))
	if err != nil {
		return g, err
	}
	after, err := loadGroup(ctx, tx, g.ID)
	if err != nil {
		return after, err
	}
	changes := []audit.Change{{Field: "stage", Label: "阶段", Before: g.StageLabel, After: after.StageLabel}}
	if reason != "" {
		changes = append(changes, audit.Change{Field: "reason", Label: "原因", After: reason})
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "group", EntityID: g.ID, OrgPath: g.OrgPath,
		Summary: "小组" + after.StageLabel + "：" + g.Name, Changes: changes})
}

// OfVolunteer lists the groups not yet ended in which a volunteer
// serves, soonest start first: the volunteer's assignments. The actor
// is that volunteer (their linked account) or holds groups.read in
// scope.
func OfVolunteer(ctx context.Context, q db.Querier, actor *authz.Actor, volunteerID string) ([]Group, error) {
	if actor == nil {
		return nil, apperr.ErrForbidden()
	}
	var own int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM wf_volunteers WHERE id = ? AND user_id = ?`, volunteerID, actor.UserID).Scan(&own); err != nil {
		return nil, err
	}
	var c db.Conds
	c.Add(`EXISTS (SELECT 1 FROM grp_staff s WHERE s.group_id = g.id AND s.volunteer_id = ?)`, volunteerID)
	c.Add(`g.stage IN ('preparing', 'recruiting', 'running')`)
	if own == 0 {
		if err := actor.Require(authz.PermGroupsRead); err != nil {
			return nil, err
		}
		cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
		c.Add(cond, scopeArgs...)
	}
	rows, err := q.Query(ctx, selectGroup+c.Where()+` ORDER BY g.starts_on, g.id LIMIT 50`, c.Args()...)
	return db.Collect(rows, err, scanGroup)
}
