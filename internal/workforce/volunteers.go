package workforce

import (
	"context"
	"database/sql"
	"errors"
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

// MaxMinutesPerDay is the most service one person can give in a day.
const MaxMinutesPerDay = 24 * 60

// Volunteer is a registered volunteer with their total service hours.
type Volunteer struct {
	ID           string `json:"id"`
	OrgID        string `json:"org_id"`
	OrgName      string `json:"org_name"`
	OrgPath      string `json:"-"`
	Name         string `json:"name"`
	Phone        string `json:"phone"` // masked
	Skills       string `json:"skills"`
	RegisteredOn string `json:"registered_on"`
	Status       string `json:"status"`
	TotalMinutes int    `json:"total_minutes"`
	TotalHours   string `json:"total_hours"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
	Version      int    `json:"version"`
	// UserID is the volunteer's login account ("" if none), set with
	// LinkVolunteerAccount.
	UserID      string `json:"user_id"`
	phoneSealed string
}

// StatusLabel is the status in Chinese.
func (v Volunteer) StatusLabel() string { return labelOf(VolunteerStatuses, v.Status) }

// VolunteerInput is what a manager submits for a volunteer.
type VolunteerInput struct {
	OrgID        string `json:"org_id"`
	Name         string `json:"name"`
	Phone        string `json:"phone"` // on update, empty keeps the saved number
	Skills       string `json:"skills"`
	RegisteredOn string `json:"registered_on"`
	Status       string `json:"status"`
}

// ServiceLog is one logged stretch of volunteer service.
type ServiceLog struct {
	ID          string `json:"id"`
	VolunteerID string `json:"volunteer_id"`
	ServedOn    string `json:"served_on"`
	Minutes     int    `json:"minutes"`
	Hours       string `json:"hours"`
	Activity    string `json:"activity"`
}

// HoursInput logs service: a date, hours (decimal) and what was done.
type HoursInput struct {
	ServedOn string `json:"served_on"`
	Hours    string `json:"hours"`
	Activity string `json:"activity"`
}

const volunteerColumns = `v.id, v.org_id, o.name, o.path, v.name, v.phone_enc, v.skills, v.registered_on, v.status, v.created_at, v.updated_at, v.version, COALESCE(v.user_id, ''),
	COALESCE((SELECT SUM(h.minutes) FROM wf_volunteer_hours h WHERE h.volunteer_id = v.id), 0)`

const volunteerFrom = ` FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id`

func scanVolunteer(row interface{ Scan(...any) error }) (Volunteer, error) {
	var v Volunteer
	var total int64
	err := row.Scan(&v.ID, &v.OrgID, &v.OrgName, &v.OrgPath, &v.Name, &v.phoneSealed, &v.Skills, &v.RegisteredOn, &v.Status,
		&v.CreatedAt, &v.UpdatedAt, &v.Version, &v.UserID, &total)
	if err != nil {
		return v, err
	}
	v.TotalMinutes = int(total)
	v.TotalHours = FormatHours(v.TotalMinutes)
	return v, nil
}

// maskPhone fills in the masked phone of a volunteer a reader is shown.
func (v *Volunteer) maskPhone(keys *secure.Keyring) {
	if plain, err := keys.Open(v.phoneSealed); err == nil {
		v.Phone = secure.MaskPhone(plain)
	}
}

func getVolunteer(ctx context.Context, q db.Querier, id string) (Volunteer, error) {
	v, err := scanVolunteer(q.QueryRow(ctx, `SELECT `+volunteerColumns+volunteerFrom+` WHERE v.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Volunteer{}, apperr.ErrNotFound("志愿者")
	}
	return v, err
}

// GetVolunteer loads a volunteer the actor may see (phone masked).
func GetVolunteer(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string) (Volunteer, error) {
	v, err := getVolunteer(ctx, q, id)
	if err != nil {
		return v, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return Volunteer{}, err
	}
	v.maskPhone(keys)
	return v, nil
}

func validateVolunteer(ctx context.Context, q db.Querier, actor *authz.Actor, in *VolunteerInput) (org.Unit, error) {
	fe := apperr.Fields{}
	in.Name = validate.Text(fe, "name", "姓名", in.Name, 30, true)
	in.Skills = validate.Text(fe, "skills", "特长技能", in.Skills, 200, false)
	unit := checkUnit(ctx, q, actor, fe, "org_id", strings.TrimSpace(in.OrgID), false)
	in.Phone = validate.NormalizePhone(in.Phone)
	if in.Phone != "" && !validate.Phone(in.Phone) {
		fe.Add("phone", validate.PhoneMessage)
	}
	in.RegisteredOn = normDate(in.RegisteredOn)
	validate.Date(fe, "registered_on", "注册日期", in.RegisteredOn, true)
	if in.Status == "" {
		in.Status = "active"
	} else if code, ok := codeOf(VolunteerStatuses, in.Status); ok {
		in.Status = code
	} else {
		fe.Add("status", "状态不在可选范围内")
	}
	return unit, fe.Err()
}

func (v Volunteer) auditFields(phone string) []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "姓名", Value: v.Name},
		{Name: "phone", Label: "手机号", Value: phone, Sensitive: true},
		{Name: "org", Label: "所属站点", Value: v.OrgName},
		{Name: "skills", Label: "特长技能", Value: v.Skills},
		{Name: "registered_on", Label: "注册日期", Value: v.RegisteredOn},
		{Name: "status", Label: "状态", Value: v.StatusLabel()},
	}
}

// CreateVolunteer registers a volunteer.
func CreateVolunteer(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in VolunteerInput) (Volunteer, error) {
	unit, err := validateVolunteer(ctx, tx, actor, &in)
	if err != nil {
		return Volunteer{}, err
	}
	now, id := cst.NowStamp(), ids.New()
	if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteers (id, org_id, name, phone_enc, phone_index, skills, registered_on, status,
		created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		id, unit.ID, in.Name, keys.Seal(in.Phone), keys.BlindIndex("phone", in.Phone), in.Skills, in.RegisteredOn, in.Status, now, now); err != nil {
		return Volunteer{}, err
	}
	v, err := getVolunteer(ctx, tx, id)
	if err != nil {
		return Volunteer{}, err
	}
	v.maskPhone(keys)
	return v, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_volunteer", EntityID: id, OrgPath: v.OrgPath,
		Summary: "新增志愿者：" + v.Name, Changes: audit.Diff(nil, v.auditFields(in.Phone))})
}

// UpdateVolunteer changes a volunteer's details (version-checked).
func UpdateVolunteer(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int, in VolunteerInput) (Volunteer, error) {
	before, err := getVolunteer(ctx, tx, id)
	if err != nil {
		return Volunteer{}, err
	}
	if err := actor.RequireScope(before.OrgPath); err != nil {
		return Volunteer{}, err
	}
	unit, err := validateVolunteer(ctx, tx, actor, &in)
	if err != nil {
		return Volunteer{}, err
	}
	oldPhone, _ := keys.Open(before.phoneSealed)
	phoneEnc, phone := before.phoneSealed, oldPhone
	if in.Phone != "" && in.Phone != oldPhone {
		phoneEnc, phone = keys.Seal(in.Phone), in.Phone
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE wf_volunteers SET org_id = ?, name = ?, phone_enc = ?, phone_index = ?, skills = ?, registered_on = ?,
		status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		unit.ID, in.Name, phoneEnc, keys.BlindIndex("phone", phone), in.Skills, in.RegisteredOn, in.Status, cst.NowStamp(), id, version)); err != nil {
		return Volunteer{}, err
	}
	v, err := getVolunteer(ctx, tx, id)
	if err != nil {
		return Volunteer{}, err
	}
	v.maskPhone(keys)
	changes := audit.Diff(before.auditFields(oldPhone), v.auditFields(phone))
	if len(changes) == 0 {
		return v, nil
	}
	return v, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_volunteer", EntityID: id, OrgPath: v.OrgPath,
		Summary: "修改志愿者：" + v.Name, Changes: changes})
}

// LogHours records service hours. A day holds at most 24 hours for one
// person, counting what is already logged for that day.
func LogHours(ctx context.Context, tx *db.Tx, actor *authz.Actor, volunteerID string, in HoursInput) (ServiceLog, error) {
	v, err := getVolunteer(ctx, tx, volunteerID)
	if err != nil {
		return ServiceLog{}, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return ServiceLog{}, err
	}
	fe := apperr.Fields{}
	in.ServedOn = normDate(in.ServedOn)
	if _, _, ok := validate.Date(fe, "served_on", "服务日期", in.ServedOn, true); ok && in.ServedOn < v.RegisteredOn {
		fe.Add("served_on", "服务日期早于注册日期（"+v.RegisteredOn+"）")
	}
	minutes := checkHours(fe, "hours", in.Hours, MaxMinutesPerDay)
	in.Activity = validate.Text(fe, "activity", "服务内容", in.Activity, 200, true)
	if fe["served_on"] == "" && fe["hours"] == "" {
		var already int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM wf_volunteer_hours WHERE volunteer_id = ? AND served_on = ?`,
			volunteerID, in.ServedOn).Scan(&already); err != nil {
			return ServiceLog{}, err
		}
		if int(already)+minutes > MaxMinutesPerDay {
			fe.Add("hours", "当天已登记 "+FormatHours(int(already))+" 小时，合计不能超过 24 小时")
		}
	}
	if err := fe.Err(); err != nil {
		return ServiceLog{}, err
	}
	out := ServiceLog{ID: ids.New(), VolunteerID: volunteerID, ServedOn: in.ServedOn, Minutes: minutes, Hours: FormatHours(minutes), Activity: in.Activity}
	if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteer_hours (id, volunteer_id, served_on, minutes, activity, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		out.ID, volunteerID, out.ServedOn, out.Minutes, out.Activity, actor.UserID, cst.NowStamp()); err != nil {
		return ServiceLog{}, err
	}
	return out, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_volunteer", EntityID: volunteerID, OrgPath: v.OrgPath,
		Summary: "登记志愿服务时长：" + v.Name + " " + out.ServedOn + " " + out.Hours + " 小时",
		Changes: []audit.Change{{Field: "hours", Label: "服务时长", After: out.ServedOn + " " + out.Hours + " 小时 " + out.Activity}}})
}

// ServiceLogs lists a volunteer's logged service, newest first.
func ServiceLogs(ctx context.Context, q db.Querier, actor *authz.Actor, volunteerID string) ([]ServiceLog, error) {
	v, err := getVolunteer(ctx, q, volunteerID)
	if err != nil {
		return nil, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, volunteer_id, served_on, minutes, activity FROM wf_volunteer_hours WHERE volunteer_id = ?
		ORDER BY served_on DESC, id DESC`, volunteerID)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (l ServiceLog, err error) {
		err = row.Scan(&l.ID, &l.VolunteerID, &l.ServedOn, &l.Minutes, &l.Activity)
		l.Hours = FormatHours(l.Minutes)
		return l, err
	})
}

// MonthHours is a volunteer's service in one month.
type MonthHours struct {
	Month string `json:"month"`
	Hours string `json:"hours"`
}

// HoursByMonth totals a volunteer's service per month, newest first.
func HoursByMonth(logs []ServiceLog) []MonthHours {
	var out []MonthHours
	sums := map[string]int{}
	for _, l := range logs {
		m := l.ServedOn[:7]
		if _, ok := sums[m]; !ok {
			out = append(out, MonthHours{Month: m})
		}
		sums[m] += l.Minutes
	}
	for i := range out {
		out[i].Hours = FormatHours(sums[out[i].Month])
	}
	return out
}

// VolunteerFilter selects volunteers for a list.
type VolunteerFilter struct {
	Text   string
	OrgID  string
	Status string
	Sort   string // name, registered, hours, org
	Desc   bool
	Offset int
	Limit  int
}

// volunteerOrder is the whitelist of volunteer list orders.
var volunteerOrder = db.Order{
	Keys: map[string]string{"name": "v.name", "registered": "v.registered_on", "org": "o.path",
		"hours": "(SELECT COALESCE(SUM(h.minutes), 0) FROM wf_volunteer_hours h WHERE h.volunteer_id = v.id)"},
	Default: "o.path, v.name", Tie: "v.id",
}

// ListVolunteers returns the volunteers in scope that match f (phones
// masked).
func ListVolunteers(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f VolunteerFilter) ([]Volunteer, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(t) + "%"
		c.Add(`(v.name LIKE ? ESCAPE '\' OR v.skills LIKE ? ESCAPE '\' OR v.phone_index = ?)`, p, p, keys.BlindIndex("phone", validate.NormalizePhone(t)))
	}
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return nil, 0, err
		}
		if err := actor.RequireScope(u.Path); err != nil {
			return nil, 0, err
		}
		c.Add("o.path LIKE ?", u.Path+"%")
	}
	if f.Status != "" {
		c.Add("v.status = ?", f.Status)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	out, total, err := db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + volunteerFrom,
		Select: `SELECT ` + volunteerColumns + volunteerFrom,
		Where:  c,
		Order:  volunteerOrder.By(f.Sort, f.Desc),
		Limit:  f.Limit,
		Offset: max(f.Offset, 0),
	}, scanVolunteer)
	for i := range out {
		out[i].maskPhone(keys)
	}
	return out, total, err
}

// LinkVolunteerAccount links a volunteer in the registry to their login
// account (an active account of role volunteer, in the actor's scope),
// or unlinks it when userID is "". An account belongs to one volunteer at
// most. Recorded in the audit log.
func LinkVolunteerAccount(ctx context.Context, tx *db.Tx, actor *authz.Actor, volunteerID, userID string) (Volunteer, error) {
	if err := actor.Require(authz.PermWorkforceManage); err != nil {
		return Volunteer{}, err
	}
	v, err := getVolunteer(ctx, tx, volunteerID)
	if err != nil {
		return Volunteer{}, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return Volunteer{}, err
	}
	userID = strings.TrimSpace(userID)
	var account string
	if userID != "" {
		var role, path, name string
		err := tx.QueryRow(ctx, `SELECT u.role, o.path, u.display_name FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ? AND u.active = 1`, userID).
			Scan(&role, &path, &name)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (role != string(authz.RoleVolunteer) || !actor.Covers(path)) {
			return Volunteer{}, apperr.Fields{"user_id": "请选择本辖区内角色为志愿者的有效账号"}.Err()
		} else if err != nil {
			return Volunteer{}, err
		}
		var other string
		err = tx.QueryRow(ctx, `SELECT name FROM wf_volunteers WHERE user_id = ? AND id <> ?`, userID, volunteerID).Scan(&other)
		if err == nil {
			return Volunteer{}, apperr.Fields{"user_id": "该账号已关联志愿者“" + other + "”"}.Err()
		} else if !errors.Is(err, sql.ErrNoRows) {
			return Volunteer{}, err
		}
		account = name
	}
	var link any
	if userID != "" {
		link = userID
	}
	if _, err := tx.Exec(ctx, `UPDATE wf_volunteers SET user_id = ?, updated_at = ?, version = version + 1 WHERE id = ?`, link, cst.NowStamp(), volunteerID); err != nil {
		return Volunteer{}, err
	}
	summary := "志愿者“" + v.Name + "”关联登录账号：" + account
	if userID == "" {
		summary = "志愿者“" + v.Name + "”取消关联登录账号"
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_volunteer", EntityID: volunteerID, OrgPath: v.OrgPath,
		Summary: summary, Changes: []audit.Change{{Field: "user_id", Label: "登录账号", Before: v.UserID, After: userID}}}); err != nil {
		return Volunteer{}, err
	}
	return getVolunteer(ctx, tx, volunteerID)
}
