package workforce

import (
	"context"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// Editing and deleting training sessions. The same permission and scope
// rules apply as when creating one: the session must lie in the actor's
// scope, and so must the unit it is moved to.

// auditFields lists a training's fields for audit.Diff.
func (t Training) auditFields() []audit.Field {
	return []audit.Field{
		{Name: "org", Label: "举办单位", Value: t.OrgName},
		{Name: "title", Label: "培训主题", Value: t.Title}, {Name: "kind", Label: "形式", Value: t.KindLabel()},
		{Name: "organiser", Label: "主办方", Value: t.Organiser}, {Name: "dates", Label: "日期", Value: t.StartOn + " 至 " + t.EndOn},
		{Name: "hours", Label: "学时", Value: t.Hours}, {Name: "place", Label: "地点", Value: t.Place}}
}

// removedChanges lists every field of a deleted record with its last
// value (audit.Diff only lists the fields present after).
func removedChanges(fields []audit.Field) []audit.Change {
	var out []audit.Change
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		c := audit.Change{Field: f.Name, Label: f.Label, Before: f.Value}
		if f.Sensitive {
			c.Before = "（已加密）"
		}
		out = append(out, c)
	}
	return out
}

// checkTraining validates a training as submitted (the rules of
// CreateTraining) and returns the unit and the minutes credited.
func checkTraining(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields, in *TrainingInput) (org.Unit, int) {
	in.Title = validate.Text(fe, "title", "培训主题", in.Title, 80, true)
	in.Organiser = validate.Text(fe, "organiser", "主办方", in.Organiser, 60, false)
	in.Place = validate.Text(fe, "place", "地点", in.Place, 80, false)
	unit := checkUnit(ctx, q, actor, fe, "org_id", strings.TrimSpace(in.OrgID), true)
	if code, ok := codeOf(TrainingKinds, in.Kind); ok {
		in.Kind = code
	} else {
		fe.Add("kind", "请选择培训形式")
	}
	in.StartOn, in.EndOn = normDate(in.StartOn), normDate(in.EndOn)
	if in.EndOn == "" {
		in.EndOn = in.StartOn
	}
	_, start, okStart := validate.Date(fe, "start_on", "开始日期", in.StartOn, true)
	_, end, okEnd := validate.Date(fe, "end_on", "结束日期", in.EndOn, true)
	days := 1
	if okStart && okEnd {
		if in.EndOn < in.StartOn {
			fe.Add("end_on", "结束日期不能早于开始日期")
		} else {
			days = int(end.Sub(start).Hours()/24+0.5) + 1
		}
	}
	minutes := checkHours(fe, "hours", in.Hours, days*MaxMinutesPerDay)
	return unit, minutes
}

// attendeeRef is an attendee with the org path of the person.
type attendeeRef struct {
	Attendee
	path string
}

func attendeeRefs(ctx context.Context, q db.Querier, trainingID string) ([]attendeeRef, error) {
	rows, err := q.Query(ctx, `SELECT a.person_kind, a.person_id, COALESCE(w.name, v.name, ''), COALESCE(ow.name, ov.name, ''), COALESCE(ow.path, ov.path, '')
		FROM wf_training_attendees a
		LEFT JOIN wf_workers w ON a.person_kind = 'worker' AND w.id = a.person_id LEFT JOIN org_units ow ON ow.id = w.org_id
		LEFT JOIN wf_volunteers v ON a.person_kind = 'volunteer' AND v.id = a.person_id LEFT JOIN org_units ov ON ov.id = v.org_id
		WHERE a.training_id = ? ORDER BY a.person_kind DESC, a.created_at, a.person_id`, trainingID)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (a attendeeRef, err error) {
		err = row.Scan(&a.Kind, &a.PersonID, &a.Name, &a.OrgName, &a.path)
		return a, err
	})
}

// UpdateTraining changes a training session (version-checked). A session
// that already has attendees cannot be moved to another county.
func UpdateTraining(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, in TrainingInput) (Training, error) {
	var t Training
	before, err := getTraining(ctx, tx, id)
	if err != nil {
		return t, err
	}
	if err := actor.RequireScope(before.OrgPath); err != nil {
		return t, err
	}
	fe := apperr.Fields{}
	unit, minutes := checkTraining(ctx, tx, actor, fe, &in)
	if _, bad := fe["org_id"]; !bad && unit.ID != before.OrgID {
		county, err := trainingReach(ctx, tx, unit)
		if err != nil {
			return t, err
		}
		refs, err := attendeeRefs(ctx, tx, id)
		if err != nil {
			return t, err
		}
		var outside []string
		for _, a := range refs {
			if !strings.HasPrefix(a.path, county.Path) {
				outside = append(outside, a.Name)
			}
		}
		if len(outside) > 0 {
			fe.Add("org_id", "已有 "+strconv.Itoa(len(outside))+" 名参训人员（"+strings.Join(outside[:min(len(outside), 3)], "、")+
				"）不属于"+county.Name+"，不能改为该单位举办")
		}
	}
	if err := fe.Err(); err != nil {
		return t, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE wf_trainings SET org_id = ?, title = ?, kind = ?, organiser = ?, start_on = ?, end_on = ?, minutes = ?, place = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		unit.ID, in.Title, in.Kind, in.Organiser, in.StartOn, in.EndOn, minutes, in.Place, cst.NowStamp(), id, version)); err != nil {
		return t, err
	}
	if t, err = getTraining(ctx, tx, id); err != nil {
		return t, err
	}
	return t, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_training", EntityID: id, OrgPath: t.OrgPath,
		Summary: "修改培训：" + t.Title, Changes: audit.Diff(before.auditFields(), t.auditFields())})
}

// DeleteTraining deletes a training session (version-checked) with its
// list of attendees, in one transaction. The attendees' training hours
// for the session go with it.
func DeleteTraining(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int) error {
	t, err := getTraining(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(t.OrgPath); err != nil {
		return err
	}
	refs, err := attendeeRefs(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM wf_training_attendees WHERE training_id = ?`, id); err != nil {
		return err
	}
	// A stale version rolls the transaction back: the attendees stay.
	if err := db.Versioned(tx.Exec(ctx, `DELETE FROM wf_trainings WHERE id = ? AND version = ?`, id, version)); err != nil {
		return err
	}
	names := make([]string, len(refs))
	for i, a := range refs {
		names[i] = a.Name + "（" + a.KindLabel() + "）"
	}
	fields := append(t.auditFields(), audit.Field{Name: "attendee_count", Label: "参训人数", Value: strconv.Itoa(len(refs))},
		audit.Field{Name: "attendees", Label: "参训人员", Value: strings.Join(names, "、")})
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "wf_training", EntityID: id, OrgPath: t.OrgPath,
		Summary: "删除培训：" + t.Title + "（" + strconv.Itoa(len(refs)) + " 名参训人员）", Changes: removedChanges(fields)})
}

// auditAttendeeRemoved records that a person was taken off a training's
// list: who (by name, not id) and the head count before and after.
func auditAttendeeRemoved(ctx context.Context, tx *db.Tx, actor *authz.Actor, t Training, in AttendeeInput) error {
	table := "wf_workers"
	if in.Kind == PersonVolunteer {
		table = "wf_volunteers"
	}
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM `+table+` WHERE id = ?`, in.PersonID).Scan(&name); err != nil {
		name = in.PersonID
	}
	who := name + "（" + Attendee{Kind: in.Kind}.KindLabel() + "）"
	var after int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wf_training_attendees WHERE training_id = ?`, t.ID).Scan(&after); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_training", EntityID: t.ID, OrgPath: t.OrgPath,
		Summary: "移除参训人员：" + t.Title + " · " + name, Changes: audit.Diff(
			[]audit.Field{{Name: "attendee", Label: "参训人员", Value: who}, {Name: "attendee_count", Label: "参训人数", Value: strconv.Itoa(after + 1)}},
			[]audit.Field{{Name: "attendee", Label: "参训人员", Value: ""}, {Name: "attendee_count", Label: "参训人数", Value: strconv.Itoa(after)}})})
}
