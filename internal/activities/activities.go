// Package activities is community activities and policy publicity
// (社区活动 · 政策宣讲) and the monthly theme calendar of a station
// (月月有主题、周周有活动): a theme per month, set by the county for all
// its stations or by a station for itself, and activities planned by
// week, then held (participants counted by sex and age band, some of
// them named), archived, or cancelled / postponed with a reason.
//
// Holding an activity writes, in the same transaction, one service
// record per named participant and one for the anonymous rest (the
// totals are the activity's 服务人次), and the volunteers' hours into
// their service logs (workforce.SetDerivedHours), both corrected only
// here.
package activities

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the activities schema; it refers to recipients and the
// volunteers of the workforce registry.
var Module = db.MustLoadModule("activities", migrations, "migrations")

// Kind is the type of activity.
type Kind string

const (
	KindActivity  Kind = "activity"  // 活动
	KindPublicity Kind = "publicity" // 宣讲 (policy publicity)
	KindClinic    Kind = "clinic"    // 义诊
	KindFestival  Kind = "festival"  // 节日
	KindTraining  Kind = "training"  // 培训
	KindOther     Kind = "other"     // 其他
)

// Kinds lists the types in display order.
var Kinds = []Kind{KindActivity, KindPublicity, KindClinic, KindFestival, KindTraining, KindOther}

var kindLabels = map[Kind]string{KindActivity: "活动", KindPublicity: "宣讲", KindClinic: "义诊", KindFestival: "节日",
	KindTraining: "培训", KindOther: "其他"}

// Label is the type's Chinese name.
func (k Kind) Label() string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

// Valid reports whether k is a known type.
func (k Kind) Valid() bool { _, ok := kindLabels[k]; return ok }

// Status is where an activity stands.
type Status string

const (
	StatusPlanned   Status = "planned"   // 计划中
	StatusPostponed Status = "postponed" // 已延期 (to a new date, still to be held)
	StatusHeld      Status = "held"      // 已开展
	StatusArchived  Status = "archived"  // 已归档 (no more edits)
	StatusCancelled Status = "cancelled" // 已取消
)

// Statuses lists them in display order.
var Statuses = []Status{StatusPlanned, StatusPostponed, StatusHeld, StatusArchived, StatusCancelled}

var statusLabels = map[Status]string{StatusPlanned: "计划中", StatusPostponed: "已延期", StatusHeld: "已开展", StatusArchived: "已归档", StatusCancelled: "已取消"}

// Label is the status's Chinese name.
func (s Status) Label() string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// open reports whether an activity is still to be held.
func (s Status) open() bool { return s == StatusPlanned || s == StatusPostponed }

// done reports whether an activity took place.
func (s Status) done() bool { return s == StatusHeld || s == StatusArchived }

// Participant is a named participant (a registered recipient).
type Participant struct {
	RecipientID string `json:"recipient_id"`
	Name        string `json:"name,omitempty"`
	birthDate   string
}

// VolunteerHours is a volunteer's service at an activity, in minutes.
type VolunteerHours struct {
	VolunteerID string `json:"volunteer_id"`
	Name        string `json:"name,omitempty"`
	Minutes     int    `json:"minutes"`
}

// Partner is a partner organisation and the resource it brought.
type Partner struct {
	Name     string `json:"name"`
	Resource string `json:"resource,omitempty"`
	ValueFen int64  `json:"value_fen"` // 分
}

// Counts are the participants of a held activity: by sex and by age
// band, each adding up to the total, named participants included.
type Counts struct {
	Male     int `json:"male"`
	Female   int `json:"female"`
	Children int `json:"children"` // 儿童
	Youth    int `json:"youth"`    // 青年
	Middle   int `json:"middle"`   // 中年
	Elders   int `json:"elders"`   // 老年
}

// Total is the number of participants (人次).
func (c Counts) Total() int { return c.Male + c.Female }

// Activity is one activity with its plan and, once held, its record.
type Activity struct {
	ID            string           `json:"id"`
	Version       int              `json:"version"`
	OrgID         string           `json:"org_id"`
	OrgName       string           `json:"org_name"`
	OrgPath       string           `json:"-"`
	Title         string           `json:"title"`
	Theme         string           `json:"theme"`
	Kind          Kind             `json:"kind"`
	KindLabel     string           `json:"kind_label"`
	Target        string           `json:"target"`
	Status        Status           `json:"status"`
	StatusLabel   string           `json:"status_label"`
	Reason        string           `json:"reason"`
	PlannedOn     string           `json:"planned_on"`
	PostponedFrom string           `json:"postponed_from,omitempty"`
	StartTime     string           `json:"start_time"`
	EndTime       string           `json:"end_time"`
	Place         string           `json:"place"`
	VillageCode   string           `json:"village_code"`
	HeldOn        string           `json:"held_on,omitempty"`
	Counts        Counts           `json:"counts"`
	Participants  int              `json:"participants"`
	Named         []Participant    `json:"named"`
	Volunteers    []VolunteerHours `json:"volunteers"`
	Partners      []Partner        `json:"partners"`
	VolunteerMins int              `json:"volunteer_minutes"`
	ResourcesFen  int64            `json:"resources_fen"`
	Content       string           `json:"content"`
	Outcome       string           `json:"outcome"`
	Satisfaction  int              `json:"satisfaction"`
	CreatedBy     string           `json:"created_by"`
	CreatedAt     string           `json:"created_at"`
	UpdatedAt     string           `json:"updated_at"`
}

// Minutes is the planned duration from start to end (0 when unknown).
func (a Activity) Minutes() int { return span(a.StartTime, a.EndTime) }

// Editable reports whether the plan may still change.
func (a Activity) Editable() bool { return a.Status.open() }

// Recordable reports whether the activity may be recorded as held (or
// its record corrected).
func (a Activity) Recordable() bool { return a.Status.open() || a.Status == StatusHeld }

// span is the minutes from "HH:MM" a to b, 0 when either is missing.
func span(a, b string) int {
	ta, err1 := time.Parse("15:04", a)
	tb, err2 := time.Parse("15:04", b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta) / time.Minute)
}

func validTime(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil && len(s) == 5
}

const selectActivity = `SELECT a.id, a.version, a.org_id, o.name, o.path, a.title, a.theme, a.kind, a.target, a.status, a.reason, a.planned_on,
	a.postponed_from, a.start_time, a.end_time, a.place, a.village_code, a.held_on, a.male, a.female, a.children, a.youth, a.middle, a.elders,
	a.participants, a.volunteer_minutes, a.resources_fen, a.content, a.outcome, a.satisfaction, a.created_by, a.created_at, a.updated_at
	FROM activities a JOIN org_units o ON o.id = a.org_id`

func scan(row interface{ Scan(...any) error }) (Activity, error) {
	var a Activity
	c := &a.Counts
	err := row.Scan(&a.ID, &a.Version, &a.OrgID, &a.OrgName, &a.OrgPath, &a.Title, &a.Theme, &a.Kind, &a.Target, &a.Status, &a.Reason, &a.PlannedOn,
		&a.PostponedFrom, &a.StartTime, &a.EndTime, &a.Place, &a.VillageCode, &a.HeldOn, &c.Male, &c.Female, &c.Children, &c.Youth, &c.Middle, &c.Elders,
		&a.Participants, &a.VolunteerMins, &a.ResourcesFen, &a.Content, &a.Outcome, &a.Satisfaction, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt)
	a.KindLabel, a.StatusLabel = a.Kind.Label(), a.Status.Label()
	a.Named, a.Volunteers, a.Partners = []Participant{}, []VolunteerHours{}, []Partner{}
	return a, err
}

func load(ctx context.Context, q db.Querier, id string) (Activity, error) {
	a, err := scan(q.QueryRow(ctx, selectActivity+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Activity{}, apperr.ErrNotFound("活动")
	}
	if err != nil {
		return Activity{}, err
	}
	rows, err := q.Query(ctx, `SELECT p.recipient_id, r.name, r.birth_date FROM act_participants p JOIN recipients r ON r.id = p.recipient_id
		WHERE p.activity_id = ? ORDER BY p.position`, id)
	named, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (p Participant, err error) {
		err = r.Scan(&p.RecipientID, &p.Name, &p.birthDate)
		return p, err
	})
	if err != nil {
		return Activity{}, err
	}
	if named != nil {
		a.Named = named
	}
	rows, err = q.Query(ctx, `SELECT av.volunteer_id, v.name, av.minutes FROM act_volunteers av JOIN wf_volunteers v ON v.id = av.volunteer_id
		WHERE av.activity_id = ? ORDER BY av.position`, id)
	vols, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (v VolunteerHours, err error) {
		err = r.Scan(&v.VolunteerID, &v.Name, &v.Minutes)
		return v, err
	})
	if err != nil {
		return Activity{}, err
	}
	if vols != nil {
		a.Volunteers = vols
	}
	rows, err = q.Query(ctx, `SELECT name, resource, value_fen FROM act_partners WHERE activity_id = ? ORDER BY position`, id)
	parts, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (p Partner, err error) {
		err = r.Scan(&p.Name, &p.Resource, &p.ValueFen)
		return p, err
	})
	if parts != nil {
		a.Partners = parts
	}
	return a, err
}

// Get loads an activity the actor may read (activities.read, scope).
// A named participant the children rule hides from the actor is shown
// as a child without name or id.
func Get(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Activity, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return Activity{}, err
	}
	a, err := load(ctx, q, id)
	if err != nil {
		return Activity{}, err
	}
	for i, p := range a.Named {
		if recipients.Hidden(actor, p.birthDate) {
			a.Named[i] = Participant{Name: recipients.HiddenLabel(p.birthDate)}
		}
	}
	return a, actor.RequireScope(a.OrgPath)
}

// PlanInput is an activity as planned. ID may be a client-made UUIDv7:
// a repeat of the same create returns the saved activity.
type PlanInput struct {
	ID          string `json:"id,omitempty"`
	OrgID       string `json:"org_id"`
	Title       string `json:"title"`
	Theme       string `json:"theme,omitempty"` // empty: the month's theme
	Kind        Kind   `json:"kind"`
	Target      string `json:"target,omitempty"`
	PlannedOn   string `json:"planned_on"`
	StartTime   string `json:"start_time,omitempty"`
	EndTime     string `json:"end_time,omitempty"`
	Place       string `json:"place,omitempty"`
	VillageCode string `json:"village_code,omitempty"`
}

// unit resolves an org node an activity may belong to: a station or a
// room in the actor's scope.
func unit(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields, id string) org.Unit {
	if id == "" {
		id = actor.OrgID
	}
	u, err := org.Get(ctx, q, id)
	if err != nil || !actor.Covers(u.Path) {
		fe.Add("org_id", "站点不存在或不在您的范围内")
		return org.Unit{}
	}
	if u.Kind != org.KindStation && u.Kind != org.KindRoom {
		fe.Add("org_id", "请选择社工站或社工室")
	}
	return u
}

func (in *PlanInput) check(fe apperr.Fields) {
	in.ID = strings.TrimSpace(in.ID)
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "编号应为小写的 UUID，或留空由系统生成")
	}
	in.Title = validate.Text(fe, "title", "活动名称", in.Title, 100, true)
	in.Theme = validate.Text(fe, "theme", "主题", in.Theme, 60, false)
	in.Target = validate.Text(fe, "target", "服务对象群体", in.Target, 100, false)
	in.Place = validate.Text(fe, "place", "地点", in.Place, 200, false)
	in.VillageCode = strings.TrimSpace(in.VillageCode)
	if !in.Kind.Valid() {
		fe.Add("kind", "请选择活动类型")
	}
	in.PlannedOn = strings.TrimSpace(in.PlannedOn)
	if !cst.IsDate(in.PlannedOn) {
		fe.Add("planned_on", "请填写计划日期（年-月-日）")
	}
	in.StartTime, in.EndTime = strings.TrimSpace(in.StartTime), strings.TrimSpace(in.EndTime)
	if in.StartTime != "" && !validTime(in.StartTime) {
		fe.Add("start_time", "开始时间应为 时:分，如 09:30")
	}
	if in.EndTime != "" && !validTime(in.EndTime) {
		fe.Add("end_time", "结束时间应为 时:分，如 11:00")
	}
	if validTime(in.StartTime) && validTime(in.EndTime) && span(in.StartTime, in.EndTime) <= 0 {
		fe.Add("end_time", "结束时间应晚于开始时间")
	}
}

// Plan creates a planned activity in a station in scope
// (activities.write). Without a theme it takes the month's theme.
func Plan(ctx context.Context, tx *db.Tx, actor *authz.Actor, in PlanInput) (Activity, error) {
	if err := actor.Require(authz.PermActivitiesWrite); err != nil {
		return Activity{}, err
	}
	if in.ID != "" && ids.Valid(in.ID) {
		if a, err := Get(ctx, tx, actor, in.ID); err == nil {
			return a, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Activity{}, err
		}
	}
	fe := apperr.Fields{}
	in.check(fe)
	u := unit(ctx, tx, actor, fe, strings.TrimSpace(in.OrgID))
	if err := fe.Err(); err != nil {
		return Activity{}, err
	}
	if in.Theme == "" {
		t, err := ThemeOf(ctx, tx, u.Path, in.PlannedOn[:7])
		if err != nil {
			return Activity{}, err
		}
		in.Theme = t.Theme
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	now := cst.NowStamp()
	_, err := tx.Exec(ctx, `INSERT INTO activities (id, version, org_id, title, theme, kind, target, status, planned_on, planned_month, start_time, end_time,
		place, village_code, created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, u.ID, in.Title, in.Theme, in.Kind, in.Target, StatusPlanned, in.PlannedOn, in.PlannedOn[:7], in.StartTime, in.EndTime,
		in.Place, in.VillageCode, actor.UserID, now, now)
	if db.IsUniqueViolation(err) {
		return Activity{}, apperr.New(apperr.Conflict, "该活动正在被同时保存，请稍后重试")
	}
	if err != nil {
		return Activity{}, err
	}
	a, err := load(ctx, tx, id)
	if err != nil {
		return a, err
	}
	if err := recount(ctx, tx, touched(a)...); err != nil {
		return a, err
	}
	return a, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "activity", EntityID: id, OrgPath: a.OrgPath,
		Summary: "计划活动：" + a.Title + "（" + a.PlannedOn + "）"})
}

// forChange loads an activity for a write: permission, scope, version.
func forChange(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int) (Activity, error) {
	if err := actor.Require(authz.PermActivitiesWrite); err != nil {
		return Activity{}, err
	}
	a, err := Get(ctx, tx, actor, id)
	if err != nil {
		return a, err
	}
	if version != a.Version {
		return a, apperr.ErrStale()
	}
	return a, nil
}

// UpdatePlan changes the plan of an activity still to be held.
func UpdatePlan(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, in PlanInput) (Activity, error) {
	a, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return a, err
	}
	if !a.Editable() {
		return a, apperr.New(apperr.BadRequest, "活动%s，计划不能再修改", a.StatusLabel)
	}
	fe := apperr.Fields{}
	in.ID = ""
	in.check(fe)
	u := unit(ctx, tx, actor, fe, strings.TrimSpace(in.OrgID))
	if err := fe.Err(); err != nil {
		return a, err
	}
	err = db.Versioned(tx.Exec(ctx, `UPDATE activities SET org_id = ?, title = ?, theme = ?, kind = ?, target = ?, planned_on = ?, planned_month = ?,
		start_time = ?, end_time = ?, place = ?, village_code = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		u.ID, in.Title, in.Theme, in.Kind, in.Target, in.PlannedOn, in.PlannedOn[:7], in.StartTime, in.EndTime, in.Place, in.VillageCode,
		cst.NowStamp(), id, version))
	if err != nil {
		return a, err
	}
	after, err := load(ctx, tx, id)
	if err != nil {
		return after, err
	}
	if err := recount(ctx, tx, append(touched(a), touched(after)...)...); err != nil {
		return after, err
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "activity", EntityID: id, OrgPath: after.OrgPath,
		Summary: "修改活动计划：" + after.Title, Changes: planChanges(a, after)})
}

func planChanges(b, a Activity) []audit.Change {
	var out []audit.Change
	add := func(field, label, x, y string) {
		if x != y {
			out = append(out, audit.Change{Field: field, Label: label, Before: x, After: y})
		}
	}
	add("org", "站点", b.OrgName, a.OrgName)
	add("title", "活动名称", b.Title, a.Title)
	add("theme", "主题", b.Theme, a.Theme)
	add("kind", "类型", b.KindLabel, a.KindLabel)
	add("target", "服务对象群体", b.Target, a.Target)
	add("planned_on", "计划日期", b.PlannedOn, a.PlannedOn)
	add("time", "时间", b.StartTime+"–"+b.EndTime, a.StartTime+"–"+a.EndTime)
	add("place", "地点", b.Place, a.Place)
	return out
}

// Cancel cancels an activity still to be held; the reason is required.
func Cancel(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, reason string) (Activity, error) {
	a, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return a, err
	}
	if !a.Status.open() {
		return a, apperr.New(apperr.BadRequest, "活动%s，不能取消", a.StatusLabel)
	}
	fe := apperr.Fields{}
	reason = validate.Text(fe, "reason", "取消原因", reason, 200, true)
	if err := fe.Err(); err != nil {
		return a, err
	}
	return setStatus(ctx, tx, actor, a, StatusCancelled, reason, "", "取消活动")
}

// Postpone moves an activity still to be held to a later date; the
// reason is required. It stays to be held (status postponed) and counts
// as planned in its new month.
func Postpone(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, newDate, reason string) (Activity, error) {
	a, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return a, err
	}
	if !a.Status.open() {
		return a, apperr.New(apperr.BadRequest, "活动%s，不能延期", a.StatusLabel)
	}
	fe := apperr.Fields{}
	reason = validate.Text(fe, "reason", "延期原因", reason, 200, true)
	newDate = strings.TrimSpace(newDate)
	if !cst.IsDate(newDate) {
		fe.Add("planned_on", "请填写延期后的日期（年-月-日）")
	} else if newDate <= a.PlannedOn {
		fe.Add("planned_on", "延期后的日期应晚于原计划日期（"+a.PlannedOn+"）")
	}
	if err := fe.Err(); err != nil {
		return a, err
	}
	return setStatus(ctx, tx, actor, a, StatusPostponed, reason, newDate, "活动延期")
}

// Archive closes the record of a held activity: no more edits.
func Archive(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int) (Activity, error) {
	a, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return a, err
	}
	if a.Status != StatusHeld {
		return a, apperr.New(apperr.BadRequest, "只有已开展的活动可以归档")
	}
	return setStatus(ctx, tx, actor, a, StatusArchived, "", "", "活动归档")
}

func setStatus(ctx context.Context, tx *db.Tx, actor *authz.Actor, a Activity, s Status, reason, newDate, what string) (Activity, error) {
	planned, from := a.PlannedOn, a.PostponedFrom
	if newDate != "" {
		if from == "" {
			from = a.PlannedOn
		}
		planned = newDate
	}
	err := db.Versioned(tx.Exec(ctx, `UPDATE activities SET status = ?, reason = ?, planned_on = ?, planned_month = ?, postponed_from = ?, updated_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`, s, reason, planned, planned[:7], from, cst.NowStamp(), a.ID, a.Version))
	if err != nil {
		return a, err
	}
	after, err := load(ctx, tx, a.ID)
	if err != nil {
		return after, err
	}
	if err := recount(ctx, tx, append(touched(a), touched(after)...)...); err != nil {
		return after, err
	}
	changes := []audit.Change{{Field: "status", Label: "状态", Before: a.StatusLabel, After: after.StatusLabel}}
	if reason != "" {
		changes = append(changes, audit.Change{Field: "reason", Label: "原因", After: reason})
	}
	if newDate != "" {
		changes = append(changes, audit.Change{Field: "planned_on", Label: "计划日期", Before: a.PlannedOn, After: newDate})
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "activity", EntityID: a.ID, OrgPath: a.OrgPath,
		Summary: what + "：" + a.Title, Changes: changes})
}
