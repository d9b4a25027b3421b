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
	ID           string `json:"id,omitempty"` // create only: a client-made UUIDv7 (createID)
	OrgID        string `json:"org_id"`
	Name         string `json:"name"`
	Phone        string `json:"phone"` // on update, empty keeps the saved number
	Skills       string `json:"skills"`
	RegisteredOn string `json:"registered_on"`
	Status       string `json:"status"`
	// UserID links the volunteer's own login account (a 志愿者 account in
	// scope, not linked to another volunteer); set at registration only.
	UserID string `json:"user_id,omitempty"`
}

// ServiceLog is one logged stretch of volunteer service.
type ServiceLog struct {
	ID          string `json:"id"`
	VolunteerID string `json:"volunteer_id"`
	ServedOn    string `json:"served_on"`
	Minutes     int    `json:"minutes"`
	Hours       string `json:"hours"`
	Activity    string `json:"activity"`
	Version     int    `json:"version"`
	CreatedBy   string `json:"created_by"`
	Source      string `json:"source,omitempty"` // "" logged by hand; else the module that wrote it (group session, activity)
	SourceID    string `json:"source_id,omitempty"`
}

// HoursInput logs service: a date, hours (decimal) and what was done.
type HoursInput struct {
	// ID may be made by the client (a UUIDv7, from the form when it is
	// drawn): the same entry sent twice is saved once.
	ID       string `json:"id,omitempty"`
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
	if in.UserID = strings.TrimSpace(in.UserID); in.UserID != "" {
		var path, role, other string
		err := q.QueryRow(ctx, `SELECT o.path, u.role FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, in.UserID).Scan(&path, &role)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fe.Add("user_id", "所选登录账号不存在")
		case err != nil:
			return org.Unit{}, err
		case !actor.Covers(path):
			fe.Add("user_id", "只能关联您负责范围内的账号")
		case role != string(authz.RoleVolunteer):
			fe.Add("user_id", "只能关联志愿者角色的账号")
		default:
			if err := q.QueryRow(ctx, `SELECT name FROM wf_volunteers WHERE user_id = ?`, in.UserID).Scan(&other); err == nil {
				fe.Add("user_id", "该登录账号已关联志愿者“"+other+"”")
			} else if !errors.Is(err, sql.ErrNoRows) {
				return org.Unit{}, err
			}
		}
	}
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
	var v Volunteer
	err := func() error {
		id, exists, err := createID(ctx, tx, "wf_volunteers", in.ID)
		if err != nil {
			return err
		}
		if exists {
			if v, err = getVolunteer(ctx, tx, id); err != nil {
				return err
			}
			return actor.RequireScope(v.OrgPath)
		}
		unit, err := validateVolunteer(ctx, tx, actor, &in)
		if err != nil {
			return err
		}
		now := cst.NowStamp()
		if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteers (id, org_id, name, phone_enc, phone_index, skills, registered_on, status,
			user_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			id, unit.ID, in.Name, keys.Seal(in.Phone), keys.BlindIndex("phone", in.Phone), in.Skills, in.RegisteredOn, in.Status,
			nullable(in.UserID), now, now); err != nil {
			return err
		}
		if v, err = getVolunteer(ctx, tx, id); err != nil {
			return err
		}
		v.maskPhone(keys)
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_volunteer", EntityID: id, OrgPath: v.OrgPath,
			Summary: "新增志愿者：" + v.Name, Changes: audit.Diff(nil, v.auditFields(in.Phone))})
	}()
	return v, err
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
	in.UserID = "" // the account link is set at registration only
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
// person, counting what is already logged for that day. An entry sent
// again with the same id and the same content returns the saved entry
// (replayed = true) and writes nothing; the same id with other content,
// or the id of a deleted entry, is a conflict.
func LogHours(ctx context.Context, tx *db.Tx, actor *authz.Actor, volunteerID string, in HoursInput) (out ServiceLog, replayed bool, err error) {
	err = func() error {
		v, err := getVolunteer(ctx, tx, volunteerID)
		if err != nil {
			return err
		}
		if err := actor.RequireScope(v.OrgPath); err != nil {
			return err
		}
		in.ID = strings.TrimSpace(in.ID)
		if in.ID != "" && !ids.Valid(in.ID) {
			return (apperr.Fields{"id": "记录编号应为小写的 UUID，或留空由系统生成"}).Err()
		}
		if in.ID != "" {
			saved, err := getServiceLog(ctx, tx, in.ID)
			if err == nil {
				minutes, _ := ParseHours(in.Hours)
				if saved.VolunteerID == volunteerID && saved.ServedOn == normDate(in.ServedOn) && saved.Minutes == minutes &&
					saved.Activity == strings.TrimSpace(in.Activity) {
					out, replayed = saved, true
					return nil
				}
				return apperr.New(apperr.Conflict, "编号 %s 已用于另一条服务时长记录，内容不同", in.ID)
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
			var gone int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wf_volunteer_hours_deletions WHERE id = ?`, in.ID).Scan(&gone); err != nil {
				return err
			}
			if gone > 0 {
				return apperr.New(apperr.Conflict, "编号 %s 的服务时长记录已被删除，不能再次保存", in.ID)
			}
		}
		minutes, err := checkHoursEntry(ctx, tx, v, &in, "")
		if err != nil {
			return err
		}
		id := in.ID
		if id == "" {
			id = ids.New()
		}
		actorID := ""
		if actor != nil {
			actorID = actor.UserID
		}
		now := cst.NowStamp()
		out = ServiceLog{ID: id, VolunteerID: volunteerID, ServedOn: in.ServedOn, Minutes: minutes, Hours: FormatHours(minutes), Activity: in.Activity,
			Version: 1, CreatedBy: actorID}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteer_hours (id, volunteer_id, served_on, minutes, activity, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, volunteerID, out.ServedOn, out.Minutes, out.Activity, actorID, now, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_volunteer", EntityID: volunteerID, OrgPath: v.OrgPath,
			Summary: "登记志愿服务时长：" + v.Name + " " + out.ServedOn + " " + out.Hours + " 小时",
			Changes: []audit.Change{{Field: "hours", Label: "服务时长", After: out.ServedOn + " " + out.Hours + " 小时 " + out.Activity}}})
	}()
	return out, replayed, err
}

// checkHoursEntry validates an hours entry for volunteer v, counting
// what is already logged that day except the entry being corrected
// (except); it returns the minutes.
func checkHoursEntry(ctx context.Context, q db.Querier, v Volunteer, in *HoursInput, except string) (int, error) {
	fe := apperr.Fields{}
	in.ServedOn = normDate(in.ServedOn)
	if _, _, ok := validate.Date(fe, "served_on", "服务日期", in.ServedOn, true); ok && in.ServedOn < v.RegisteredOn {
		fe.Add("served_on", "服务日期早于注册日期（"+v.RegisteredOn+"）")
	}
	minutes := checkHours(fe, "hours", in.Hours, MaxMinutesPerDay)
	in.Activity = validate.Text(fe, "activity", "服务内容", in.Activity, 200, true)
	if fe["served_on"] == "" && fe["hours"] == "" {
		var already int64
		if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM wf_volunteer_hours WHERE volunteer_id = ? AND served_on = ? AND id <> ?`,
			v.ID, in.ServedOn, except).Scan(&already); err != nil {
			return 0, err
		}
		if int(already)+minutes > MaxMinutesPerDay {
			fe.Add("hours", "当天已登记 "+FormatHours(int(already))+" 小时，合计不能超过 24 小时")
		}
	}
	return minutes, fe.Err()
}

const serviceLogColumns = `id, volunteer_id, served_on, minutes, activity, version, created_by, source, source_id`

func scanServiceLog(row interface{ Scan(...any) error }) (l ServiceLog, err error) {
	err = row.Scan(&l.ID, &l.VolunteerID, &l.ServedOn, &l.Minutes, &l.Activity, &l.Version, &l.CreatedBy, &l.Source, &l.SourceID)
	l.Hours = FormatHours(l.Minutes)
	return l, err
}

func getServiceLog(ctx context.Context, q db.Querier, id string) (ServiceLog, error) {
	l, err := scanServiceLog(q.QueryRow(ctx, `SELECT `+serviceLogColumns+` FROM wf_volunteer_hours WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.ErrNotFound("服务时长记录")
	}
	return l, err
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
	rows, err := q.Query(ctx, `SELECT `+serviceLogColumns+` FROM wf_volunteer_hours WHERE volunteer_id = ?
		ORDER BY served_on DESC, id DESC`, volunteerID)
	return db.Collect(rows, err, scanServiceLog)
}

// MonthHours is a volunteer's service in one month.
type MonthHours struct {
	Month string `json:"month"`
	Hours string `json:"hours"`
	// Minutes is the same, exact, for sums and spreadsheets.
	Minutes int `json:"minutes"`
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
		out[i].Minutes = sums[out[i].Month]
		out[i].Hours = FormatHours(out[i].Minutes)
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

// VolunteerAccounts lists the active accounts of the volunteer role in
// the actor's scope, which LinkVolunteerAccount accepts, as options
// "姓名（用户名）" in tree order.
func VolunteerAccounts(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Option, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.username FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role = ? ORDER BY o.path, u.username LIMIT 1000`, append(args, string(authz.RoleVolunteer))...)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (Option, error) {
		var id, name, username string
		err := row.Scan(&id, &name, &username)
		return Option{id, name + "（" + username + "）"}, err
	})
}
