package visits

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// Corrections. A visit is corrected or deleted by the person who
// recorded it or by a station head over its station (county
// administrators correct the visits they recorded themselves), always
// with a reason that goes into the audit log. The person's plan is
// recomputed from the visits that remain.

// MaxReason is the longest reason accepted, in characters.
const MaxReason = 200

// CanCorrect reports whether actor may correct or delete v: they
// recorded it, or they head a station whose scope holds it.
func CanCorrect(actor *authz.Actor, v Visit) bool {
	if !actor.Can(authz.PermVisitsCorrect) || !actor.Covers(v.OrgPath) {
		return false
	}
	return v.CreatedBy == actor.UserID || actor.Role == authz.RoleStationHead
}

func requireCorrect(actor *authz.Actor, v Visit) error {
	if !CanCorrect(actor, v) {
		return apperr.New(apperr.Forbidden, "只有记录这次探访的人或本站站长可以修改、删除这条探访记录")
	}
	return nil
}

// checkReason trims a correction reason and requires one.
func checkReason(fe apperr.Fields, reason string) string {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		fe.Add("reason", "请填写修改或删除的原因")
	case len([]rune(reason)) > MaxReason:
		fe.Add("reason", "原因不能超过 200 字")
	}
	return reason
}

// Delete removes a visit the actor may correct, at the version they saw,
// with a reason; the visit's fields go into the audit entry, its id is
// kept so a replayed create cannot bring it back, an unanswered major
// change it answered is open again, and the person's plan is recomputed.
// Errors: Invalid (reason, version), Forbidden, NotFound, Stale.
func Delete(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, id string, version int, reason string) error {
	if err := actor.Require(authz.PermVisitsCorrect); err != nil {
		return err
	}
	v, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return err
	}
	if err := requireCorrect(actor, v); err != nil {
		return err
	}
	fe := apperr.Fields{}
	reason = checkReason(fe, reason)
	if version <= 0 {
		fe.Add("version", "缺少版本号，请刷新页面后重试")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if version != v.Version {
		return apperr.ErrStale()
	}
	person, err := recipientFor(ctx, tx, actor, v.RecipientID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE visit_major_changes SET visit_id = NULL WHERE visit_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM visit_visitors WHERE visit_id = ?`, id); err != nil {
		return err
	}
	if err := db.Versioned(tx.Exec(ctx, `DELETE FROM visits WHERE id = ? AND version = ?`, id, version)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO visit_deletions (id, recipient_id, org_id, reason, deleted_by, deleted_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, v.RecipientID, v.OrgID, reason, actorID(actor), cst.NowStamp()); err != nil {
		return err
	}
	if _, err := replan(ctx, tx, actor, person); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "visit", EntityID: id, OrgPath: v.OrgPath,
		Summary: "删除探访记录：" + v.RecipientName + "（" + v.VisitDate + "），原因：" + reason, Changes: audit.Diff(v.fields(), nil)})
}

// deleted reports whether a visit with this id was deleted.
func deleted(ctx context.Context, q db.Querier, id string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM visit_deletions WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}
