package workforce

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Corrections of volunteer-hours entries: by the person who logged the
// entry or a station head over the volunteer, with a reason that goes
// into the audit log. Training hours are derived from the training and
// corrected there, not here.

// CanCorrectHours reports whether actor may correct or delete entry l of
// a volunteer at orgPath.
func CanCorrectHours(actor *authz.Actor, l ServiceLog, orgPath string) bool {
	if !actor.Can(authz.PermWorkforceHoursCorrect) || !actor.Covers(orgPath) {
		return false
	}
	return l.CreatedBy == actor.UserID || actor.Role == authz.RoleStationHead
}

// hoursEntryFor loads entry id of volunteer volunteerID and checks that
// actor may correct it.
func hoursEntryFor(ctx context.Context, tx db.Querier, actor *authz.Actor, volunteerID, id string) (Volunteer, ServiceLog, error) {
	if err := actor.Require(authz.PermWorkforceHoursCorrect); err != nil {
		return Volunteer{}, ServiceLog{}, err
	}
	v, err := getVolunteer(ctx, tx, volunteerID)
	if err != nil {
		return v, ServiceLog{}, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return v, ServiceLog{}, err
	}
	l, err := getServiceLog(ctx, tx, id)
	if err != nil || l.VolunteerID != volunteerID {
		return v, l, apperr.ErrNotFound("服务时长记录")
	}
	if !CanCorrectHours(actor, l, v.OrgPath) {
		return v, l, apperr.New(apperr.Forbidden, "只有登记这条服务时长的人或本站站长可以修改、删除它")
	}
	return v, l, nil
}

func hoursReason(fe apperr.Fields, reason string) string {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		fe.Add("reason", "请填写修改或删除的原因")
	case len([]rune(reason)) > 200:
		fe.Add("reason", "原因不能超过 200 字")
	}
	return reason
}

// CorrectHours saves a correction of an hours entry at the version the
// editor saw, with a reason. Errors: Invalid, Forbidden, NotFound, Stale.
func CorrectHours(ctx context.Context, tx *db.Tx, actor *authz.Actor, volunteerID, id string, version int, in HoursInput, reason string) (ServiceLog, error) {
	var out ServiceLog
	err := func() error {
		v, before, err := hoursEntryFor(ctx, tx, actor, volunteerID, id)
		if err != nil {
			return err
		}
		fe := apperr.Fields{}
		reason = hoursReason(fe, reason)
		minutes, err := checkHoursEntry(ctx, tx, v, &in, id)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
			for k, m := range ae.Fields {
				fe.Add(k, m)
			}
		} else if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := db.Versioned(tx.Exec(ctx, `UPDATE wf_volunteer_hours SET served_on = ?, minutes = ?, activity = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, in.ServedOn, minutes, in.Activity, cst.NowStamp(), id, version)); err != nil {
			return err
		}
		if out, err = getServiceLog(ctx, tx, id); err != nil {
			return err
		}
		show := func(l ServiceLog) string { return l.ServedOn + " " + l.Hours + " 小时 " + l.Activity }
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_volunteer", EntityID: volunteerID, OrgPath: v.OrgPath,
			Summary: "更正志愿服务时长：" + v.Name + "，原因：" + reason,
			Changes: []audit.Change{{Field: "hours", Label: "服务时长", Before: show(before), After: show(out)}}})
	}()
	return out, err
}

// DeleteHours removes an hours entry at the version the editor saw, with
// a reason; the id is kept so the same form sent again cannot bring it
// back. Errors: Invalid, Forbidden, NotFound, Stale.
func DeleteHours(ctx context.Context, tx *db.Tx, actor *authz.Actor, volunteerID, id string, version int, reason string) error {
	return func() error {
		v, before, err := hoursEntryFor(ctx, tx, actor, volunteerID, id)
		if err != nil {
			return err
		}
		fe := apperr.Fields{}
		reason = hoursReason(fe, reason)
		if err := fe.Err(); err != nil {
			return err
		}
		if err := db.Versioned(tx.Exec(ctx, `DELETE FROM wf_volunteer_hours WHERE id = ? AND version = ?`, id, version)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteer_hours_deletions (id, volunteer_id, reason, deleted_by, deleted_at) VALUES (?, ?, ?, ?, ?)`,
			id, volunteerID, reason, actor.UserID, cst.NowStamp()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "wf_volunteer", EntityID: volunteerID, OrgPath: v.OrgPath,
			Summary: "删除志愿服务时长：" + v.Name + " " + before.ServedOn + " " + before.Hours + " 小时，原因：" + reason,
			Changes: []audit.Change{{Field: "hours", Label: "服务时长", Before: before.ServedOn + " " + before.Hours + " 小时 " + before.Activity}}})
	}()
}
