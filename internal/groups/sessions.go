package groups

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/validate"
	"github.com/shegong/shegong/internal/workforce"
)

// Service sources: each attendance marked present (id = the attendance
// row's id); volunteers' hours come from the session.
const (
	SourceAttendance = "group_attendance"
	SourceSession    = "group_session"
)

func init() {
	services.RegisterSource(services.SourceKind{Name: SourceAttendance, Label: "小组活动记录",
		Link: func(id string) string { return "/group-attendance/" + id }})
}

// ProcessStages are the stages of the group process recorded per
// session (形成, 转折, 成熟, 结束).
var ProcessStages = []string{"forming", "transition", "mature", "ending"}

var processLabels = map[string]string{"forming": "形成期", "transition": "转折期", "mature": "成熟期", "ending": "结束期"}

// ProcessLabel names a process stage.
func ProcessLabel(s string) string { return processLabels[s] }

// Attendance statuses.
var AttendanceStatuses = []string{"present", "absent", "excused"}

var attendanceLabels = map[string]string{"present": "出席", "absent": "缺席", "excused": "请假"}

// AttendanceLabel names an attendance status.
func AttendanceLabel(s string) string { return attendanceLabels[s] }

// Attendance is one member's attendance at a session.
type Attendance struct {
	MemberID string `json:"member_id"`
	Name     string `json:"name,omitempty"`
	Status   string `json:"status"` // present, absent, excused
}

// VolunteerHours is a volunteer's service at a session, in minutes.
type VolunteerHours struct {
	VolunteerID string `json:"volunteer_id"`
	Name        string `json:"name,omitempty"`
	Minutes     int    `json:"minutes"`
}

// Session is one session of a group with its record.
type Session struct {
	ID           string           `json:"id"`
	Version      int              `json:"version"`
	GroupID      string           `json:"group_id"`
	Number       int              `json:"number"`
	HeldOn       string           `json:"held_on"`
	StartTime    string           `json:"start_time"`
	Minutes      int              `json:"minutes"`
	Theme        string           `json:"theme"`
	Content      string           `json:"content"`
	ProcessStage string           `json:"process_stage"`
	Record       string           `json:"record"`
	Attendance   []Attendance     `json:"attendance"`
	Volunteers   []VolunteerHours `json:"volunteers"`
	LocksOn      string           `json:"locks_on"` // the record locks at the start of this day
	Locked       bool             `json:"locked"`
	UpdatedAt    string           `json:"updated_at"`
}

// ProcessLabel names the session's process stage.
func (s Session) ProcessLabel() string { return ProcessLabel(s.ProcessStage) }

// Present counts the members present.
func (s Session) Present() int {
	n := 0
	for _, a := range s.Attendance {
		if a.Status == "present" {
			n++
		}
	}
	return n
}

// SessionInput is a session's record. Number 0 takes the next number; a
// number beyond the planned sessions needs ConfirmExtra.
type SessionInput struct {
	ID           string           `json:"id,omitempty"`
	Number       int              `json:"number,omitempty"`
	HeldOn       string           `json:"held_on"`
	StartTime    string           `json:"start_time"`
	Minutes      int              `json:"minutes"`
	Theme        string           `json:"theme"`
	Content      string           `json:"content"`
	ProcessStage string           `json:"process_stage,omitempty"`
	Record       string           `json:"record,omitempty"`
	Attendance   []Attendance     `json:"attendance"`
	Volunteers   []VolunteerHours `json:"volunteers,omitempty"`
	ConfirmExtra bool             `json:"confirm_extra,omitempty"`
}

const selectSession = `SELECT id, version, group_id, number, held_on, start_time, minutes, theme, content, process_stage, record, updated_at FROM grp_sessions`

func scanSession(r interface{ Scan(...any) error }) (Session, error) {
	var s Session
	err := r.Scan(&s.ID, &s.Version, &s.GroupID, &s.Number, &s.HeldOn, &s.StartTime, &s.Minutes, &s.Theme, &s.Content, &s.ProcessStage, &s.Record, &s.UpdatedAt)
	s.Attendance, s.Volunteers = []Attendance{}, []VolunteerHours{}
	return s, err
}

func fillSession(ctx context.Context, q db.Querier, s *Session, lockDays int) error {
	rows, err := q.Query(ctx, `SELECT a.member_id, m.name, a.status FROM grp_attendance a JOIN grp_members m ON m.id = a.member_id
		WHERE a.session_id = ? ORDER BY m.joined_on, m.created_at, m.id`, s.ID)
	att, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (a Attendance, err error) {
		err = r.Scan(&a.MemberID, &a.Name, &a.Status)
		return a, err
	})
	if err != nil {
		return err
	}
	if att != nil {
		s.Attendance = att
	}
	rows, err = q.Query(ctx, `SELECT sv.volunteer_id, v.name, sv.minutes FROM grp_session_volunteers sv JOIN wf_volunteers v ON v.id = sv.volunteer_id
		WHERE sv.session_id = ? ORDER BY sv.position`, s.ID)
	vols, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (v VolunteerHours, err error) {
		err = r.Scan(&v.VolunteerID, &v.Name, &v.Minutes)
		return v, err
	})
	if vols != nil {
		s.Volunteers = vols
	}
	s.LocksOn, s.Locked = lockState(s.HeldOn, lockDays)
	return err
}

// lockState: a record locks lockDays after the session day.
func lockState(heldOn string, lockDays int) (string, bool) {
	d, err := cst.ParseDate(heldOn)
	if err != nil {
		return "", false
	}
	locks := d.AddDate(0, 0, lockDays+1).Format(cst.DateLayout)
	return locks, cst.Today() >= locks
}

// Sessions lists a group's sessions by number, with attendance.
func Sessions(ctx context.Context, q db.Querier, actor *authz.Actor, groupID string) ([]Session, error) {
	g, err := Get(ctx, q, actor, groupID)
	if err != nil {
		return nil, err
	}
	days, err := LockDays(ctx, q, g.OrgPath)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, selectSession+` WHERE group_id = ? ORDER BY number`, groupID)
	list, err := db.Collect(rows, err, scanSession)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := fillSession(ctx, q, &list[i], days); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// GetSession loads one session in scope, with its group.
func GetSession(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Session, Group, error) {
	s, err := scanSession(q.QueryRow(ctx, selectSession+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, Group{}, apperr.ErrNotFound("小组活动记录")
	} else if err != nil {
		return s, Group{}, err
	}
	g, err := Get(ctx, q, actor, s.GroupID)
	if err != nil {
		return s, g, err
	}
	days, err := LockDays(ctx, q, g.OrgPath)
	if err != nil {
		return s, g, err
	}
	return s, g, fillSession(ctx, q, &s, days)
}

// SessionOfAttendance is the session an attendance row belongs to (the
// link of a service record derived from it).
func SessionOfAttendance(ctx context.Context, q db.Querier, actor *authz.Actor, attendanceID string) (string, error) {
	var sid string
	err := q.QueryRow(ctx, `SELECT session_id FROM grp_attendance WHERE id = ?`, attendanceID).Scan(&sid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrNotFound("出勤记录")
	} else if err != nil {
		return "", err
	}
	_, _, err = GetSession(ctx, q, actor, sid)
	return sid, err
}

var categoryOf = map[Kind]string{"education": "capacity", "growth": "capacity", "support": "support", "therapy": "comfort", "interest": "health", "other": "participation"}

func validTime(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil && len(s) == 5
}

// check validates a session's input against its group and members.
func (in *SessionInput) check(g Group, list []Member, numbers map[int]string, selfID string, fe apperr.Fields) {
	in.HeldOn, in.StartTime = strings.TrimSpace(in.HeldOn), strings.TrimSpace(in.StartTime)
	switch {
	case !cst.IsDate(in.HeldOn):
		fe.Add("held_on", "请填写活动日期（年-月-日）")
	case in.HeldOn > cst.Today():
		fe.Add("held_on", "活动日期不能晚于今天")
	case in.HeldOn < g.StartsOn:
		fe.Add("held_on", "活动日期不能早于小组开始日期（"+g.StartsOn+"）")
	}
	if !validTime(in.StartTime) {
		fe.Add("start_time", "请填写开始时间（时:分）")
	}
	switch {
	case in.Minutes < 0:
		fe.Add("minutes", "时长不能为负数")
	case in.Minutes < 1 || in.Minutes > 600:
		fe.Add("minutes", "时长应为 1–600 分钟")
	}
	switch {
	case in.Number < 0:
		fe.Add("number", "节次不能为负数")
	case numbers[in.Number] != "" && numbers[in.Number] != selfID:
		fe.Add("number", "第 "+strconv.Itoa(in.Number)+" 节已有记录")
	case in.Number > g.PlannedSessions && !in.ConfirmExtra:
		fe.Add("number", "第 "+strconv.Itoa(in.Number)+" 节超出计划节数（"+strconv.Itoa(g.PlannedSessions)+" 节），请确认加节后再保存")
	}
	in.Theme = validate.Text(fe, "theme", "本节主题", in.Theme, 100, true)
	in.Content = validate.Text(fe, "content", "活动内容", in.Content, 4000, true)
	in.Record = validate.Text(fe, "record", "过程记录", in.Record, 8000, false)
	if in.ProcessStage != "" && processLabels[in.ProcessStage] == "" {
		fe.Add("process_stage", "请选择小组发展阶段（形成、转折、成熟、结束）")
	}
	byID := map[string]Member{}
	for _, m := range list {
		byID[m.ID] = m
	}
	seen := map[string]bool{}
	for i, a := range in.Attendance {
		pos := "第 " + strconv.Itoa(i+1) + " 条出勤"
		m, ok := byID[strings.TrimSpace(a.MemberID)]
		switch {
		case !ok:
			fe.Add("attendance", pos+"：该人员不是本小组成员")
		case seen[m.ID]:
			fe.Add("attendance", pos+"：成员“"+m.Name+"”重复")
		case attendanceLabels[a.Status] == "":
			fe.Add("attendance", pos+"：请选择出席、缺席或请假")
		case cst.IsDate(in.HeldOn) && !m.Active(in.HeldOn):
			fe.Add("attendance", pos+"：“"+m.Name+"”在 "+in.HeldOn+" 不是本小组成员（加入 "+m.JoinedOn+"，退出 "+m.LeftOn+"）")
		}
		seen[m.ID] = true
	}
	vseen := map[string]bool{}
	for i, v := range in.Volunteers {
		pos := "第 " + strconv.Itoa(i+1) + " 位志愿者"
		switch {
		case strings.TrimSpace(v.VolunteerID) == "":
			fe.Add("volunteers", pos+"未选择")
		case vseen[v.VolunteerID]:
			fe.Add("volunteers", pos+"重复")
		case v.Minutes <= 0:
			fe.Add("volunteers", pos+"的服务时长应大于 0")
		case in.Minutes > 0 && v.Minutes > in.Minutes:
			fe.Add("volunteers", pos+"的服务时长（"+strconv.Itoa(v.Minutes)+" 分钟）不能长于本节时长（"+strconv.Itoa(in.Minutes)+" 分钟）")
		}
		vseen[v.VolunteerID] = true
	}
}

// RecordSession records a new session of a running group: attendance
// for members only, a number beyond the plan only when confirmed. Each
// member present gets a service record; volunteers' hours go to their
// logs. A repeat of the same create (client id) returns the saved one.
func RecordSession(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, groupID string, in SessionInput) (Session, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Session{}, err
	}
	g, err := Get(ctx, tx, actor, groupID)
	if err != nil {
		return Session{}, err
	}
	in.ID = strings.TrimSpace(in.ID)
	if in.ID != "" {
		if s, _, err := GetSession(ctx, tx, actor, in.ID); err == nil {
			return s, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Session{}, err
		}
		if !ids.Valid(in.ID) {
			return Session{}, apperr.Fields{"id": "编号应为小写的 UUID，或留空由系统生成"}.Err()
		}
	}
	if g.Stage != StageRunning {
		return Session{}, apperr.New(apperr.BadRequest, "小组%s，只有进行中的小组可以记录活动", g.StageLabel)
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	return saveSession(ctx, tx, keys, actor, g, id, 0, in)
}

// UpdateSession corrects a session's record (version-checked). After
// the county's lock period only the station head (groups.unlock) may.
func UpdateSession(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int, in SessionInput) (Session, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Session{}, err
	}
	s, g, err := GetSession(ctx, tx, actor, id)
	if err != nil {
		return s, err
	}
	if version != s.Version {
		return s, apperr.ErrStale()
	}
	if s.Locked && !actor.Can(authz.PermGroupsUnlock) {
		return s, apperr.New(apperr.Forbidden, "本节记录已于 %s 锁定，修改需由站长进行", s.LocksOn)
	}
	if g.Stage == StageCancelled || g.Stage == StageEvaluated {
		return s, apperr.New(apperr.BadRequest, "小组%s，记录不能再修改", g.StageLabel)
	}
	if in.Number == 0 {
		in.Number = s.Number
	}
	return saveSession(ctx, tx, keys, actor, g, id, version, in)
}

func saveSession(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, g Group, id string, version int, in SessionInput) (Session, error) {
	list, err := members(ctx, tx, keys, g.ID)
	if err != nil {
		return Session{}, err
	}
	rows, err := tx.Query(ctx, `SELECT number, id FROM grp_sessions WHERE group_id = ?`, g.ID)
	type num struct {
		n  int
		id string
	}
	nums, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x num, err error) {
		err = r.Scan(&x.n, &x.id)
		return x, err
	})
	if err != nil {
		return Session{}, err
	}
	numbers, last := map[int]string{}, 0
	for _, x := range nums {
		numbers[x.n] = x.id
		last = max(last, x.n)
	}
	if in.Number == 0 {
		in.Number = last + 1
	}
	fe := apperr.Fields{}
	in.check(g, list, numbers, id, fe)
	if err := fe.Err(); err != nil {
		return Session{}, err
	}
	now := cst.NowStamp()
	if version == 0 {
		_, err = tx.Exec(ctx, `INSERT INTO grp_sessions (id, version, group_id, number, held_on, start_time, minutes, theme, content, process_stage, record,
			created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, g.ID, in.Number, in.HeldOn, in.StartTime, in.Minutes, in.Theme, in.Content, in.ProcessStage, in.Record, actor.UserID, now, now)
		if db.IsUniqueViolation(err) {
			return Session{}, apperr.Fields{"number": "第 " + strconv.Itoa(in.Number) + " 节已有记录"}.Err()
		}
	} else {
		err = db.Versioned(tx.Exec(ctx, `UPDATE grp_sessions SET number = ?, held_on = ?, start_time = ?, minutes = ?, theme = ?, content = ?,
			process_stage = ?, record = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			in.Number, in.HeldOn, in.StartTime, in.Minutes, in.Theme, in.Content, in.ProcessStage, in.Record, now, id, version))
	}
	if err != nil {
		return Session{}, err
	}
	// Replace attendance and its service records.
	rows, err = tx.Query(ctx, `SELECT id FROM grp_attendance WHERE session_id = ?`, id)
	old, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s string, err error) {
		err = r.Scan(&s)
		return s, err
	})
	if err != nil {
		return Session{}, err
	}
	for _, aid := range old {
		if err := services.Underive(ctx, tx, SourceAttendance, aid); err != nil {
			return Session{}, err
		}
	}
	for _, q := range []string{`DELETE FROM grp_attendance WHERE session_id = ?`, `DELETE FROM grp_session_volunteers WHERE session_id = ?`} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return Session{}, err
		}
	}
	var staff []services.Staff
	for _, s := range g.Staff {
		if s.WorkerID != "" {
			staff = append(staff, services.Staff{WorkerID: s.WorkerID})
		}
	}
	for _, v := range in.Volunteers {
		staff = append(staff, services.Staff{VolunteerID: v.VolunteerID})
	}
	byID := map[string]Member{}
	for _, m := range list {
		byID[m.ID] = m
	}
	base := services.Input{OrgID: g.OrgID, Kind: services.KindGroup, Category: categoryOf[g.Kind], ServedAt: in.HeldOn + " " + in.StartTime,
		Minutes: in.Minutes, Place: g.Place, Content: g.Name + " 第 " + strconv.Itoa(in.Number) + " 节：" + in.Theme, Staff: staff}
	for i, a := range in.Attendance {
		aid := ids.New()
		if _, err := tx.Exec(ctx, `INSERT INTO grp_attendance (id, session_id, member_id, status) VALUES (?, ?, ?, ?)`, aid, id, a.MemberID, a.Status); err != nil {
			return Session{}, err
		}
		if a.Status != "present" {
			continue
		}
		rec := base
		if m := byID[a.MemberID]; m.RecipientID != "" {
			rec.RecipientID = m.RecipientID
		} else {
			rec.Participants = 1
		}
		if _, err := services.Derive(ctx, tx, keys, actor, SourceAttendance, aid, rec); err != nil {
			if ae, ok := apperr.As(err); ok && len(ae.Fields) > 0 {
				var msgs []string
				for _, m := range ae.Fields {
					msgs = append(msgs, m)
				}
				return Session{}, apperr.Fields{"attendance": "第 " + strconv.Itoa(i+1) + " 条出勤：" + strings.Join(msgs, "；")}.Err()
			}
			return Session{}, err
		}
	}
	var hours []workforce.DerivedHours
	for i, v := range in.Volunteers {
		if _, err := tx.Exec(ctx, `INSERT INTO grp_session_volunteers (session_id, volunteer_id, position, minutes) VALUES (?, ?, ?, ?)`,
			id, v.VolunteerID, i+1, v.Minutes); err != nil {
			if db.IsForeignKeyViolation(err) {
				return Session{}, apperr.Fields{"volunteers": "第 " + strconv.Itoa(i+1) + " 位志愿者不存在"}.Err()
			}
			return Session{}, err
		}
		hours = append(hours, workforce.DerivedHours{VolunteerID: v.VolunteerID, ServedOn: in.HeldOn, Minutes: v.Minutes,
			Activity: "小组：" + g.Name + " 第 " + strconv.Itoa(in.Number) + " 节"})
	}
	if err := workforce.SetDerivedHours(ctx, tx, actor, SourceSession, id, hours); err != nil {
		return Session{}, err
	}
	s, _, err := GetSession(ctx, tx, actor, id)
	if err != nil {
		return s, err
	}
	action, what := audit.ActionCreate, "记录小组活动："
	if version > 0 {
		action, what = audit.ActionUpdate, "修改小组活动记录："
	}
	return s, audit.Record(ctx, tx, actor, audit.Entry{Action: action, Entity: "group", EntityID: g.ID, OrgPath: g.OrgPath,
		Summary: what + g.Name + " 第 " + strconv.Itoa(s.Number) + " 节", Changes: []audit.Change{
			{Field: "held_on", Label: "日期", After: s.HeldOn}, {Field: "present", Label: "出席人数", After: strconv.Itoa(s.Present())}}})
}
