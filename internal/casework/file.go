package casework

import (
	"context"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// Event is a stage change or milestone of a case.
type Event struct {
	At         string `json:"at"`
	Kind       string `json:"kind"` // stage, submitted, approved, returned, reopened
	Stage      Stage  `json:"stage"`
	StageLabel string `json:"stage_label"`
	Note       string `json:"note"`
	ActorName  string `json:"actor_name"`
}

// AtLocal is the event's time in China.
func (e Event) AtLocal() string { return cst.ShowStamp(e.At) }

// History is what any reader of a case sees besides its metadata: the
// stage changes, the approval requests and answers, the tasks.
type History struct {
	Events    []Event    `json:"events"`
	Approvals []Approval `json:"approvals"`
	Tasks     []Task     `json:"tasks"`
	// Scores are the assessments' domain totals and change (numbers, no
	// content), for figures and supervisors.
	Scores []Assessment `json:"scores"`
}

// File is a case's full record, content included.
type File struct {
	Case        Case           `json:"case"`
	History     History        `json:"history"`
	Settings    Settings       `json:"settings"`
	Intake      string         `json:"intake"`
	Family      []FamilyMember `json:"household_family"`
	Assessments []Assessment   `json:"assessments"`
	Plan        *Plan          `json:"plan"`
	Logs        []Log          `json:"logs"`
	Evaluations []Evaluation   `json:"evaluations"`
	Closure     *Closure       `json:"closure"`
	Worker      bool           `json:"-"` // the reader works on the case
}

// GetHistory reads a case's metadata and history (no content).
func GetHistory(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Case, History, error) {
	c, err := Get(ctx, q, actor, id)
	if err != nil {
		return Case{}, History{}, err
	}
	h, err := history(ctx, q, c)
	return c, h, err
}

func history(ctx context.Context, q db.Querier, c Case) (History, error) {
	var h History
	rows, err := q.Query(ctx, `SELECT e.at, e.kind, e.stage, e.note, COALESCE(u.display_name, '') FROM case_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.case_id = ? ORDER BY e.at, e.id`, c.ID)
	h.Events, err = db.Collect(rows, err, func(r interface{ Scan(...any) error }) (e Event, err error) {
		err = r.Scan(&e.At, &e.Kind, &e.Stage, &e.Note, &e.ActorName)
		e.StageLabel = e.Stage.Label()
		return e, err
	})
	if err != nil {
		return h, err
	}
	if h.Approvals, err = caseApprovals(ctx, q, c.ID); err != nil {
		return h, err
	}
	if h.Tasks, err = caseTasks(ctx, q, c.ID); err != nil {
		return h, err
	}
	h.Scores, err = assessments(ctx, q, nil, c.ID)
	return h, err
}

// Open reads a case's full record for one who may read its content (its
// workers, the station head, the station's supervisor: Forbidden for
// anyone else). Every opening by someone other than the case's workers
// is recorded in the audit log, in tx.
func Open(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string) (File, error) {
	c, err := Get(ctx, tx, actor, id)
	if err != nil {
		return File{}, err
	}
	ok, err := CanReadContent(ctx, tx, actor, c)
	if err != nil {
		return File{}, err
	}
	if !ok {
		return File{}, apperr.New(apperr.Forbidden, "个案内容保密：仅本个案社工、本站站长和本站督导可以查看")
	}
	f := File{Case: c, Worker: c.WorksOn(actor.UserID)}
	if !f.Worker {
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionReveal, Entity: "case", EntityID: c.ID, OrgPath: c.OrgPath,
			Summary: "查看个案内容：" + c.Number + "（" + actor.Role.Label() + "）"}); err != nil {
			return File{}, err
		}
	}
	if f.History, err = history(ctx, tx, c); err != nil {
		return File{}, err
	}
	if f.Settings, err = SettingsFor(ctx, tx, c.OrgPath); err != nil {
		return File{}, err
	}
	var sealed string
	if err := tx.QueryRow(ctx, `SELECT intake_enc FROM cases WHERE id = ?`, id).Scan(&sealed); err != nil {
		return File{}, err
	}
	if f.Intake, err = keys.Open(sealed); err != nil {
		return File{}, err
	}
	if f.Family, err = HouseholdFamily(ctx, tx, actor, c); err != nil {
		return File{}, err
	}
	if f.Assessments, err = assessments(ctx, tx, keys, id); err != nil {
		return File{}, err
	}
	if f.Plan, err = loadPlan(ctx, tx, keys, id, f.Settings); err != nil {
		return File{}, err
	}
	if f.Logs, err = caseLogs(ctx, tx, keys, id); err != nil {
		return File{}, err
	}
	if f.Evaluations, err = caseEvaluations(ctx, tx, keys, id); err != nil {
		return File{}, err
	}
	f.Closure, err = loadClosure(ctx, tx, keys, id)
	return f, err
}

// approvalStatusLabels name a plan's or closure's approval status in
// Chinese (forms and pages never show the stored code).
var approvalStatusLabels = map[string]string{"": "未提交", "draft": "未提交审批", "pending": "待审批", "approved": "已批准",
	"returned": "已退回", "reopened": "已重开"}

// ApprovalStatusLabel is the Chinese name of an approval status.
func ApprovalStatusLabel(status string) string {
	if l, ok := approvalStatusLabels[status]; ok {
		return l
	}
	return "未知状态"
}

// lastAnswer is the latest answered request of a subject, if any.
func (h History) lastAnswer(subject string) (Approval, bool) {
	for i := len(h.Approvals) - 1; i >= 0; i-- {
		if a := h.Approvals[i]; a.Subject == subject && a.Decision != "" {
			return a, true
		}
	}
	return Approval{}, false
}

// approvalText is a status in Chinese with what the answer adds: the
// day of an approval, the reason of a return.
func (h History) approvalText(subject, status, approvedOn string) string {
	a, answered := h.lastAnswer(subject)
	switch status {
	case "approved":
		if approvedOn == "" && answered && a.Decision == "approved" {
			approvedOn = cst.ShowStamp(a.DecidedAt)
			if len(approvedOn) > 10 {
				approvedOn = approvedOn[:10]
			}
		}
		if approvedOn != "" {
			return approvedOn + " 批准"
		}
	case "returned":
		if answered && a.Decision == "returned" && a.Reason != "" {
			return "已退回（" + a.Reason + "）"
		}
	}
	return ApprovalStatusLabel(status)
}

// PlanApproval is the plan's approval state as a form prints it:
// 待审批, 2026-11-30 批准, 已退回（原因）…
func (f File) PlanApproval() string {
	if f.Plan == nil {
		return ApprovalStatusLabel("")
	}
	return f.History.approvalText("plan", f.Plan.Status, f.Plan.ApprovedOn)
}

// ClosureApproval is the closure's approval state as a form prints it.
func (f File) ClosureApproval() string {
	if f.Closure == nil {
		return ApprovalStatusLabel("")
	}
	on := ""
	if f.Closure.Status == "approved" {
		on = f.Case.ClosedOn
	}
	return f.History.approvalText("closure", f.Closure.Status, on)
}
