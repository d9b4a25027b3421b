package casework

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
	"github.com/shegong/shegong/internal/recipients"
)

// Approval is a request to approve a plan or a closure, and its answer.
type Approval struct {
	ID            string `json:"id"`
	CaseID        string `json:"case_id"`
	CaseNumber    string `json:"case_number,omitempty"`
	RecipientName string `json:"recipient_name,omitempty"` // the case's client, as the case list shows it
	OrgName       string `json:"org_name,omitempty"`
	Subject       string `json:"subject"` // plan, closure
	SubjectLabel  string `json:"subject_label"`
	Route         string `json:"route"` // station_head, supervisor, admin
	RouteLabel    string `json:"route_label"`
	RequestedBy   string `json:"requested_by"`
	RequesterName string `json:"requester_name"`
	RequestedAt   string `json:"requested_at"`
	Decision      string `json:"decision"` // '' pending, approved, returned
	Reason        string `json:"reason,omitempty"`
	DecidedBy     string `json:"decided_by,omitempty"`
	DeciderName   string `json:"decider_name,omitempty"`
	DecidedAt     string `json:"decided_at,omitempty"`
}

var subjectLabels = map[string]string{"plan": "服务计划", "closure": "结案"}

// RequestedAtLocal is the request time in China.
func (a Approval) RequestedAtLocal() string { return cst.ShowStamp(a.RequestedAt) }

// route decides who answers a request on case c: the county's approver
// (station head or supervisor); when every such person works on the
// case (or there is none), the supervisor, then the county administrator.
func route(ctx context.Context, q db.Querier, c Case) (string, error) {
	s, err := SettingsFor(ctx, q, c.OrgPath)
	if err != nil {
		return "", err
	}
	available := func(role authz.Role) (bool, error) {
		var rows *sql.Rows
		var err error
		if role == authz.RoleStationHead {
			rows, err = q.Query(ctx, `SELECT u.id FROM users u WHERE u.active = 1 AND u.role = ? AND u.org_id = ?`, role, c.OrgID)
		} else {
			nodes := pathIDs(c.OrgPath)
			rows, err = q.Query(ctx, `SELECT DISTINCT u.id FROM users u JOIN supervisor_stations s ON s.user_id = u.id
				WHERE u.active = 1 AND u.role = ? AND s.org_id IN (`+db.Placeholders(len(nodes))+`)`, append([]any{role}, anyArgs(nodes)...)...)
		}
		users, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (id string, err error) {
			err = r.Scan(&id)
			return id, err
		})
		for _, u := range users {
			if !c.WorksOn(u) {
				return true, err
			}
		}
		return false, err
	}
	order := []authz.Role{authz.RoleStationHead, authz.RoleSupervisor}
	if s.Approver == "supervisor" {
		order = []authz.Role{authz.RoleSupervisor}
	}
	for _, r := range order {
		ok, err := available(r)
		if err != nil {
			return "", err
		}
		if ok {
			return string(r), nil
		}
	}
	return string(authz.RoleAdmin), nil
}

func request(ctx context.Context, tx db.Querier, actor *authz.Actor, c Case, subject string) (Approval, error) {
	var pending int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_approvals WHERE case_id = ? AND subject = ? AND decision = ''`, c.ID, subject).Scan(&pending); err != nil {
		return Approval{}, err
	}
	if pending > 0 {
		return Approval{}, apperr.Fields{subject: subjectLabels[subject] + "已提交审批，请等待答复"}.Err()
	}
	r, err := route(ctx, tx, c)
	if err != nil {
		return Approval{}, err
	}
	id := ids.New()
	if _, err := tx.Exec(ctx, `INSERT INTO case_approvals (id, case_id, subject, route, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, c.ID, subject, r, actor.UserID, cst.NowStamp()); err != nil {
		return Approval{}, err
	}
	if err := bump(ctx, tx, c.ID, 0); err != nil {
		return Approval{}, err
	}
	if err := event(ctx, tx, actor, c.ID, "submitted", c.Stage, subjectLabels[subject]+"提交"+authz.Role(r).Label()+"审批"); err != nil {
		return Approval{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "case", EntityID: c.ID, OrgPath: c.OrgPath,
		Summary: "提交审批：" + c.Number + "的" + subjectLabels[subject]}); err != nil {
		return Approval{}, err
	}
	return getApproval(ctx, tx, id)
}

const approvalSelect = `SELECT a.id, a.case_id, c.number, r.name, o.name, a.subject, a.route, a.requested_by, COALESCE(ru.display_name, ''), a.requested_at,
	a.decision, a.reason, a.decided_by, COALESCE(du.display_name, ''), a.decided_at
	FROM case_approvals a JOIN cases c ON c.id = a.case_id JOIN org_units o ON o.id = c.org_id JOIN recipients r ON r.id = c.recipient_id
	LEFT JOIN users ru ON ru.id = a.requested_by LEFT JOIN users du ON du.id = a.decided_by`

func scanApproval(r interface{ Scan(...any) error }) (Approval, error) {
	var a Approval
	err := r.Scan(&a.ID, &a.CaseID, &a.CaseNumber, &a.RecipientName, &a.OrgName, &a.Subject, &a.Route, &a.RequestedBy, &a.RequesterName, &a.RequestedAt,
		&a.Decision, &a.Reason, &a.DecidedBy, &a.DeciderName, &a.DecidedAt)
	a.SubjectLabel, a.RouteLabel = subjectLabels[a.Subject], authz.Role(a.Route).Label()
	return a, err
}

func getApproval(ctx context.Context, q db.Querier, id string) (Approval, error) {
	a, err := scanApproval(q.QueryRow(ctx, approvalSelect+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.ErrNotFound("审批申请")
	}
	return a, err
}

func caseApprovals(ctx context.Context, q db.Querier, caseID string) ([]Approval, error) {
	rows, err := q.Query(ctx, approvalSelect+` WHERE a.case_id = ? ORDER BY a.requested_at, a.id`, caseID)
	return db.Collect(rows, err, scanApproval)
}

// mayAnswer reports why the actor may not answer a request ("" if they
// may): nobody answers for a case they work on; the request's route
// names the role; a station head covers the case, a supervisor is
// assigned to its station, an administrator covers it.
func mayAnswer(ctx context.Context, q db.Querier, actor *authz.Actor, c Case, a Approval) (string, error) {
	if c.WorksOn(actor.UserID) {
		return "您是本个案的社工，不能审批自己的个案", nil
	}
	if string(actor.Role) != a.Route {
		return "该申请应由" + a.RouteLabel + "审批", nil
	}
	switch actor.Role {
	case authz.RoleSupervisor:
		ok, err := supervises(ctx, q, actor.UserID, c.OrgPath)
		if err != nil || !ok {
			return "您未被指派督导该站点", err
		}
	default:
		if !actor.Covers(c.OrgPath) {
			return "该个案不在您的范围内", nil
		}
	}
	return "", nil
}

// Answer approves or returns (with a reason) a pending request. An
// approved plan starts the intervention; an approved closure closes the
// case; a returned one is edited and sent again.
func Answer(ctx context.Context, tx *db.Tx, actor *authz.Actor, approvalID string, approve bool, reason string) (Approval, error) {
	if err := actor.Require(authz.PermCaseworkApprove); err != nil {
		return Approval{}, err
	}
	a, err := getApproval(ctx, tx, approvalID)
	if err != nil {
		return Approval{}, err
	}
	c, err := loadCase(ctx, tx, a.CaseID)
	if err != nil {
		return Approval{}, err
	}
	if err := actor.RequireScope(c.OrgPath); err != nil {
		return Approval{}, err
	}
	fe := apperr.Fields{}
	if a.Decision != "" {
		fe.Add("decision", "该申请已答复")
	}
	why, err := mayAnswer(ctx, tx, actor, c, a)
	if err != nil {
		return Approval{}, err
	}
	if why != "" {
		fe.Add("approver", why)
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		fe.Add("reason", "退回须填写原因")
	}
	if err := fe.Err(); err != nil {
		return Approval{}, err
	}
	decision, status := "returned", "returned"
	if approve {
		decision, status = "approved", "approved"
	}
	now := cst.NowStamp()
	if err := db.Versioned(tx.Exec(ctx, `UPDATE case_approvals SET decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ? AND decision = ''`,
		decision, reason, actor.UserID, now, approvalID)); err != nil {
		return Approval{}, err
	}
	today := cst.Today()
	switch a.Subject {
	case "plan":
		_, err = tx.Exec(ctx, `UPDATE case_plans SET status = ?, approved_on = ? WHERE case_id = ?`, status, map[bool]string{true: today}[approve], c.ID)
	case "closure":
		_, err = tx.Exec(ctx, `UPDATE case_closures SET status = ? WHERE case_id = ?`, status, c.ID)
		if err == nil && approve {
			_, err = tx.Exec(ctx, `UPDATE cases SET closed_on = ?, close_reason = (SELECT reason FROM case_closures WHERE case_id = ?) WHERE id = ?`, today, c.ID, c.ID)
		}
	}
	if err != nil {
		return Approval{}, err
	}
	if err := bump(ctx, tx, c.ID, 0); err != nil {
		return Approval{}, err
	}
	label := map[bool]string{true: "批准", false: "退回"}[approve]
	note := subjectLabels[a.Subject] + label
	if reason != "" {
		note += "：" + reason
	}
	if err := event(ctx, tx, actor, c.ID, decision, c.Stage, note); err != nil {
		return Approval{}, err
	}
	if _, err := afterWrite(ctx, tx, actor, c, note); err != nil {
		return Approval{}, err
	}
	return getApproval(ctx, tx, approvalID)
}

// Pending lists the requests the actor may answer, oldest first.
func Pending(ctx context.Context, q db.Querier, actor *authz.Actor, limit int) ([]Approval, error) {
	if !actor.Can(authz.PermCaseworkApprove) {
		return []Approval{}, nil
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	args := append(append([]any{actor.Role}, scopeArgs...), actor.UserID)
	extra := ""
	if actor.Role == authz.RoleSupervisor {
		extra = ` AND EXISTS (SELECT 1 FROM supervisor_stations s WHERE s.user_id = ? AND o.path LIKE '%/' || s.org_id || '/%')`
		args = append(args, actor.UserID)
	}
	if vc, vargs := recipients.VisibleCond(actor, "r"); vc != "" {
		extra += " AND " + vc
		args = append(args, vargs...)
	}
	rows, err := q.Query(ctx, approvalSelect+`
		WHERE a.decision = '' AND a.route = ? AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM case_workers w WHERE w.case_id = a.case_id AND w.user_id = ?)`+extra+
		` ORDER BY a.requested_at, a.id LIMIT ?`, append(args, limit)...)
	out, err := db.Collect(rows, err, scanApproval)
	if out == nil {
		out = []Approval{}
	}
	return out, err
}

// CanAnswer reports whether the actor may answer a pending request on
// case c (pages show the approve and return buttons only then).
func CanAnswer(ctx context.Context, q db.Querier, actor *authz.Actor, c Case, a Approval) bool {
	if a.Decision != "" || !actor.Can(authz.PermCaseworkApprove) {
		return false
	}
	why, err := mayAnswer(ctx, q, actor, c, a)
	return err == nil && why == ""
}
