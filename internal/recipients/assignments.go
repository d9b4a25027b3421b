package recipients

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
	"github.com/shegong/shegong/internal/validate"
)

// Assignment gives a recipient to a volunteer for a task over a span of
// days (StartsOn to EndsOn, China dates; EndsOn "" is open). While it
// runs, the volunteer linked to the registry person sees the recipient:
// the name, the village and the task (FieldAccess).
type Assignment struct {
	ID            string `json:"id"`
	Version       int    `json:"version"`
	RecipientID   string `json:"recipient_id"`
	VolunteerID   string `json:"volunteer_id"`
	VolunteerName string `json:"volunteer_name"`
	Task          string `json:"task"`
	StartsOn      string `json:"starts_on"`
	EndsOn        string `json:"ends_on"`
	Current       bool   `json:"current"` // today lies within the dates
	CreatedAt     string `json:"created_at"`
}

// AssignmentInput assigns a recipient: the volunteer (a wf_volunteers
// id), the task (at most 100 characters), from (default today) and to
// (optional, not before from).
type AssignmentInput struct {
	ID          string `json:"id"` // optional client-made UUIDv7
	VolunteerID string `json:"volunteer_id"`
	Task        string `json:"task"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
}

const assignmentColumns = `a.id, a.version, a.recipient_id, a.volunteer_id, COALESCE(v.name, ''), a.task, a.starts_on, a.ends_on, a.created_at`

func scanAssignment(row interface{ Scan(...any) error }) (Assignment, error) {
	var a Assignment
	err := row.Scan(&a.ID, &a.Version, &a.RecipientID, &a.VolunteerID, &a.VolunteerName, &a.Task, &a.StartsOn, &a.EndsOn, &a.CreatedAt)
	today := cst.Today()
	a.Current = a.StartsOn <= today && (a.EndsOn == "" || a.EndsOn >= today)
	return a, err
}

// Assignments lists a recipient's assignments, newest first, for an
// actor who may assign (authz.PermRecipientsAssign) and see the record.
func Assignments(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID string) ([]Assignment, error) {
	if err := actor.Require(authz.PermRecipientsAssign); err != nil {
		return nil, err
	}
	if _, err := Get(ctx, q, actor, recipientID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+assignmentColumns+` FROM recipient_assignments a LEFT JOIN wf_volunteers v ON v.id = a.volunteer_id
		WHERE a.recipient_id = ? ORDER BY a.starts_on DESC, a.id DESC`, recipientID)
	return db.Collect(rows, err, scanAssignment)
}

// Assign gives a recipient to a volunteer of the recipient's station (or
// a node above it in the actor's scope) for a task. Refused: a role
// without recipients.assign, a record the actor may not see, a child's
// record (a volunteer may never see one), a volunteer out of scope or no
// longer active, bad dates. Recorded in the audit log.
func Assign(ctx context.Context, tx *db.Tx, actor *authz.Actor, recipientID string, in AssignmentInput) (Assignment, error) {
	if err := actor.Require(authz.PermRecipientsAssign); err != nil {
		return Assignment{}, err
	}
	r, err := Get(ctx, tx, actor, recipientID)
	if err != nil {
		return Assignment{}, err
	}
	fe := apperr.Fields{}
	if Hidden(&authz.Actor{Role: authz.RoleVolunteer}, r.BirthDate) {
		fe.Add("volunteer_id", "未满 14 周岁儿童（或出生日期不详者）的信息不向志愿者提供，不能分派给志愿者")
	}
	in.Task = validate.Text(fe, "task", "任务", in.Task, 100, true)
	in.StartsOn = strings.TrimSpace(in.StartsOn)
	if in.StartsOn == "" {
		in.StartsOn = cst.Today()
	}
	in.EndsOn = strings.TrimSpace(in.EndsOn)
	validate.DateAhead(fe, "starts_on", "开始日期", in.StartsOn, true) // a pairing set up in advance
	if _, _, ok := validate.DateAhead(fe, "ends_on", "结束日期", in.EndsOn, false); ok && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		fe.Add("ends_on", "结束日期不能早于开始日期")
	}
	var vName, vPath, vStatus string
	err = tx.QueryRow(ctx, `SELECT v.name, o.path, v.status FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id WHERE v.id = ?`,
		strings.TrimSpace(in.VolunteerID)).Scan(&vName, &vPath, &vStatus)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(vPath):
		fe.Add("volunteer_id", "请选择本辖区志愿者名册中的志愿者")
	case err != nil:
		return Assignment{}, err
	case vStatus != "active":
		fe.Add("volunteer_id", "该志愿者已不在服务状态")
	}
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "记录编号格式不正确")
	}
	if err := fe.Err(); err != nil {
		return Assignment{}, err
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	now := cst.NowStamp()
	if _, err := tx.Exec(ctx, `INSERT INTO recipient_assignments (id, version, recipient_id, volunteer_id, task, starts_on, ends_on, assigned_by, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`, id, recipientID, strings.TrimSpace(in.VolunteerID), in.Task, in.StartsOn, in.EndsOn, actor.UserID, now, now); err != nil {
		if db.IsUniqueViolation(err) {
			return Assignment{}, apperr.New(apperr.Conflict, "该记录编号已存在（可能已提交过）")
		}
		return Assignment{}, err
	}
	span := in.StartsOn + " 起"
	if in.EndsOn != "" {
		span = in.StartsOn + " 至 " + in.EndsOn
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "recipient", EntityID: recipientID, OrgPath: r.OrgPath,
		Summary: "分派服务对象 " + r.Name + " 给志愿者 " + vName + "：" + in.Task + "（" + span + "）"}); err != nil {
		return Assignment{}, err
	}
	return getAssignment(ctx, tx, id)
}

func getAssignment(ctx context.Context, q db.Querier, id string) (Assignment, error) {
	a, err := scanAssignment(q.QueryRow(ctx, `SELECT `+assignmentColumns+` FROM recipient_assignments a LEFT JOIN wf_volunteers v ON v.id = a.volunteer_id WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.ErrNotFound("分派")
	}
	return a, err
}

// EndAssignment ends an assignment with endsOn as its last day (default
// yesterday: at once; a day before its start withdraws it) — the
// volunteer no longer sees the person after that day.
// Version-checked and recorded in the audit log.
func EndAssignment(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, endsOn string) (Assignment, error) {
	if err := actor.Require(authz.PermRecipientsAssign); err != nil {
		return Assignment{}, err
	}
	a, err := getAssignment(ctx, tx, id)
	if err != nil {
		return a, err
	}
	r, err := Get(ctx, tx, actor, a.RecipientID)
	if err != nil {
		return Assignment{}, err
	}
	if endsOn = strings.TrimSpace(endsOn); endsOn == "" {
		// Ending takes effect at once: yesterday was the last day.
		endsOn = cst.Now().AddDate(0, 0, -1).Format(cst.DateLayout)
	}
	fe := apperr.Fields{}
	validate.Date(fe, "ends_on", "结束日期", endsOn, true)
	if err := fe.Err(); err != nil {
		return Assignment{}, err
	}
	// A last day before the first withdraws the assignment altogether.
	if err := db.Versioned(tx.Exec(ctx, `UPDATE recipient_assignments SET ends_on = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		endsOn, cst.NowStamp(), id, version)); err != nil {
		return Assignment{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: a.RecipientID, OrgPath: r.OrgPath,
		Summary: "结束志愿者 " + a.VolunteerName + " 对 " + r.Name + " 的任务：" + a.Task + "（至 " + endsOn + "）",
		Changes: []audit.Change{{Field: "ends_on", Label: "结束日期", Before: a.EndsOn, After: endsOn}}}); err != nil {
		return Assignment{}, err
	}
	return getAssignment(ctx, tx, id)
}

// volunteerTasks fills in, for a volunteer, the task of each listed
// recipient from their current assignments (several joined by "；").
func volunteerTasks(ctx context.Context, q db.Querier, actor *authz.Actor, items []Recipient) error {
	if actor == nil || actor.Role != authz.RoleVolunteer || len(items) == 0 {
		return nil
	}
	args := []any{actor.UserID, cst.Today(), cst.Today()}
	byID := map[string]*Recipient{}
	for i := range items {
		byID[items[i].ID] = &items[i]
		args = append(args, items[i].ID)
	}
	rows, err := q.Query(ctx, `SELECT ra.recipient_id, ra.task FROM recipient_assignments ra JOIN wf_volunteers rv ON rv.id = ra.volunteer_id
		WHERE rv.user_id = ? AND ra.starts_on <= ? AND (ra.ends_on = '' OR ra.ends_on >= ?) AND ra.recipient_id IN (`+db.Placeholders(len(items))+`)
		ORDER BY ra.starts_on, ra.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, task string
		if err := rows.Scan(&id, &task); err != nil {
			return err
		}
		if r := byID[id]; r != nil {
			if r.Task != "" {
				r.Task += "；"
			}
			r.Task += task
		}
	}
	return rows.Err()
}
