package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
)

// Goal is a plan's goal in one domain, with its measures and due date.
type Goal struct {
	ID          string `json:"id,omitempty"`
	Domain      string `json:"domain"`
	DomainLabel string `json:"domain_label,omitempty"`
	Text        string `json:"text"`
	Measures    string `json:"measures"`
	DueOn       string `json:"due_on"`
}

// PlanInput is a 计划: goals, strategy, roles and steps.
type PlanInput struct {
	Strategy string `json:"strategy"`
	Roles    string `json:"roles"`
	Steps    string `json:"steps"`
	Goals    []Goal `json:"goals"`
}

// Plan is a stored plan with its approval status (draft, pending,
// approved, returned).
type Plan struct {
	PlanInput
	Version    int    `json:"version"`
	Status     string `json:"status"`
	ApprovedOn string `json:"approved_on,omitempty"`
}

type planContent struct {
	Strategy, Roles, Steps string
}

type goalText struct {
	Text, Measures string
}

// SavePlan writes the case's plan (version 0 for the first), editable
// while a draft or returned. Refused before an assessment.
func SavePlan(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, caseID string, version int, in PlanInput) (Plan, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Plan{}, err
	}
	s, err := SettingsFor(ctx, tx, c.OrgPath)
	if err != nil {
		return Plan{}, err
	}
	fe := apperr.Fields{}
	switch {
	case c.Stage == StageIntake || c.Stage == StageAssessment:
		fe.Add("stage", "须先完成预估，才能制定服务计划")
	case c.Stage != StagePlan:
		fe.Add("stage", "当前阶段（"+c.StageLabel+"）不能修改服务计划")
	case c.PlanStatus == "pending":
		fe.Add("stage", "服务计划正在审批中，审批退回后才能修改")
	}
	in.Strategy, in.Roles, in.Steps = strings.TrimSpace(in.Strategy), strings.TrimSpace(in.Roles), strings.TrimSpace(in.Steps)
	if in.Strategy == "" {
		fe.Add("strategy", "请填写介入策略")
	}
	if len(in.Goals) == 0 {
		fe.Add("goals", "服务计划至少有一个目标")
	}
	for i, g := range in.Goals {
		row := "目标第 " + itoa(i+1) + " 行："
		if s.DomainLabel(g.Domain) == g.Domain {
			fe.Add("goals", row+"请选择维度")
		}
		if strings.TrimSpace(g.Text) == "" {
			fe.Add("goals", row+"请填写目标")
		}
		if !cst.IsDate(g.DueOn) || g.DueOn < c.OpenedOn {
			fe.Add("goals", row+"完成期限应为接案日期之后的日期")
		}
	}
	if err := fe.Err(); err != nil {
		return Plan{}, err
	}
	b, _ := json.Marshal(planContent{in.Strategy, in.Roles, in.Steps})
	now := cst.NowStamp()
	if version == 0 {
		_, err = tx.Exec(ctx, `INSERT INTO case_plans (case_id, version, content_enc, status, updated_at) VALUES (?, 1, ?, 'draft', ?)`, caseID, keys.Seal(string(b)), now)
		if db.IsUniqueViolation(err) {
			return Plan{}, apperr.ErrStale()
		}
	} else {
		err = db.Versioned(tx.Exec(ctx, `UPDATE case_plans SET content_enc = ?, version = version + 1, updated_at = ? WHERE case_id = ? AND version = ?`,
			keys.Seal(string(b)), now, caseID, version))
	}
	if err != nil {
		return Plan{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM case_goals WHERE case_id = ?`, caseID); err != nil {
		return Plan{}, err
	}
	for i, g := range in.Goals {
		gt, _ := json.Marshal(goalText{strings.TrimSpace(g.Text), strings.TrimSpace(g.Measures)})
		if _, err := tx.Exec(ctx, `INSERT INTO case_goals (id, case_id, position, domain, text_enc, due_on) VALUES (?, ?, ?, ?, ?, ?)`,
			ids.New(), caseID, i+1, g.Domain, keys.Seal(string(gt)), g.DueOn); err != nil {
			return Plan{}, err
		}
	}
	if err := bump(ctx, tx, caseID, 0); err != nil {
		return Plan{}, err
	}
	if _, err := afterWrite(ctx, tx, actor, c, "制定服务计划"); err != nil {
		return Plan{}, err
	}
	p, err := loadPlan(ctx, tx, keys, caseID, s)
	if err != nil {
		return Plan{}, err
	}
	return *p, nil
}

// loadPlan reads a case's plan; nil when none. keys nil: goals without text.
func loadPlan(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID string, s Settings) (*Plan, error) {
	var p Plan
	var sealed string
	err := q.QueryRow(ctx, `SELECT version, content_enc, status, approved_on FROM case_plans WHERE case_id = ?`, caseID).Scan(&p.Version, &sealed, &p.Status, &p.ApprovedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if keys != nil {
		plain, err := keys.Open(sealed)
		if err != nil {
			return nil, err
		}
		var pc planContent
		if plain != "" {
			if err := json.Unmarshal([]byte(plain), &pc); err != nil {
				return nil, err
			}
		}
		p.Strategy, p.Roles, p.Steps = pc.Strategy, pc.Roles, pc.Steps
	}
	rows, err := q.Query(ctx, `SELECT id, domain, text_enc, due_on FROM case_goals WHERE case_id = ? ORDER BY position`, caseID)
	p.Goals, err = db.Collect(rows, err, func(r interface{ Scan(...any) error }) (g Goal, err error) {
		var sealed string
		if err = r.Scan(&g.ID, &g.Domain, &sealed, &g.DueOn); err != nil {
			return g, err
		}
		g.DomainLabel = s.DomainLabel(g.Domain)
		if keys == nil {
			return g, nil
		}
		plain, err := keys.Open(sealed)
		if err != nil {
			return g, err
		}
		var gt goalText
		err = json.Unmarshal([]byte(plain), &gt)
		g.Text, g.Measures = gt.Text, gt.Measures
		return g, err
	})
	return &p, err
}

// SubmitPlan sends the plan for approval.
func SubmitPlan(ctx context.Context, tx *db.Tx, actor *authz.Actor, caseID string) (Approval, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Approval{}, err
	}
	if c.PlanStatus == "" {
		return Approval{}, apperr.Fields{"plan": "请先制定服务计划"}.Err()
	}
	if c.PlanStatus != "draft" && c.PlanStatus != "returned" {
		return Approval{}, apperr.Fields{"plan": "服务计划已提交审批"}.Err()
	}
	if _, err := tx.Exec(ctx, `UPDATE case_plans SET status = 'pending' WHERE case_id = ?`, caseID); err != nil {
		return Approval{}, err
	}
	return request(ctx, tx, actor, c, "plan")
}

// GoalChoices are the goals of a case's plan to choose from (a referral
// tied to the goal it serves), without their sealed text: the domain and
// due date name them. The reader needs casework.read and the case in
// scope (Get); a case without a plan has none.
func GoalChoices(ctx context.Context, q db.Querier, actor *authz.Actor, caseID string) ([]Goal, error) {
	c, err := Get(ctx, q, actor, caseID)
	if err != nil {
		return nil, err
	}
	s, err := SettingsFor(ctx, q, c.OrgPath)
	if err != nil {
		return nil, err
	}
	p, err := loadPlan(ctx, q, nil, caseID, s)
	if err != nil || p == nil {
		return nil, err
	}
	return p.Goals, nil
}
