package casework

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// EvaluationInput is a 评估: attainment of every goal of the approved
// plan (1 未达成 … 5 完全达成) and a summary.
type EvaluationInput struct {
	ID          string         `json:"id,omitempty"` // client-made UUIDv7; empty: made here
	EvaluatedOn string         `json:"evaluated_on"`
	Summary     string         `json:"summary"`
	Attainment  map[string]int `json:"attainment"` // goal id → 1–5
}

// Evaluation is a stored 评估.
type Evaluation struct {
	ID          string         `json:"id"`
	EvaluatedOn string         `json:"evaluated_on"`
	Summary     string         `json:"summary"`
	Attainment  map[string]int `json:"attainment"`
}

// AttainmentLabels name the scale.
var AttainmentLabels = map[int]string{1: "未达成", 2: "少部分达成", 3: "部分达成", 4: "大部分达成", 5: "完全达成"}

// AddEvaluation records an evaluation; refused before the plan is
// approved. A resend with the same id and content returns the stored
// evaluation (replayed = true) and writes nothing; the same id with
// other content, or on another case, is a Conflict (field "id").
func AddEvaluation(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, caseID string, in EvaluationInput) (Evaluation, bool, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Evaluation{}, false, err
	}
	fe := apperr.Fields{}
	id := newID(in.ID, fe)
	in.EvaluatedOn, in.Summary = strings.TrimSpace(in.EvaluatedOn), strings.TrimSpace(in.Summary)
	if in.Attainment == nil {
		in.Attainment = map[string]int{}
	}
	hashed := in
	hashed.ID = ""
	hash := createHash(keys, "case-evaluation-create", hashed)
	if in.ID != "" && len(fe) == 0 {
		again, err := replayed(ctx, tx, "case_evaluations", id, caseID, hash, "评估")
		if err != nil {
			return Evaluation{}, false, err
		}
		if again {
			x, err := evaluation(ctx, tx, keys, caseID, id)
			return x, true, err
		}
	}
	if c.Stage != StageIntervention && c.Stage != StageEvaluation {
		fe.Add("stage", "须在服务计划批准、开展介入后才能评估（当前阶段："+c.StageLabel+"）")
	}
	if !cst.IsDate(in.EvaluatedOn) || in.EvaluatedOn > cst.Today() || in.EvaluatedOn < c.OpenedOn {
		fe.Add("evaluated_on", "评估日期应在接案日期与今天之间")
	}
	if in.Summary == "" {
		fe.Add("summary", "请填写评估总结")
	}
	rows, err := tx.Query(ctx, `SELECT id FROM case_goals WHERE case_id = ? ORDER BY position`, caseID)
	goals, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil {
		return Evaluation{}, false, err
	}
	for i, g := range goals {
		if v := in.Attainment[g]; v < 1 || v > 5 {
			fe.Add("attainment."+g, "目标 "+itoa(i+1)+"：请评定达成程度（1–5）")
		}
	}
	if err := fe.Err(); err != nil {
		return Evaluation{}, false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_evaluations (id, case_id, evaluated_on, summary_enc, create_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, caseID, in.EvaluatedOn, keys.Seal(in.Summary), hash, actor.UserID, cst.NowStamp()); err != nil {
		return Evaluation{}, false, err
	}
	for _, g := range goals {
		if _, err := tx.Exec(ctx, `INSERT INTO case_attainment (evaluation_id, goal_id, level) VALUES (?, ?, ?)`, id, g, in.Attainment[g]); err != nil {
			return Evaluation{}, false, err
		}
	}
	if err := bump(ctx, tx, caseID, 0); err != nil {
		return Evaluation{}, false, err
	}
	if _, err := afterWrite(ctx, tx, actor, c, "评估"); err != nil {
		return Evaluation{}, false, err
	}
	e, err := evaluation(ctx, tx, keys, caseID, id)
	return e, false, err
}

// evaluation is one stored evaluation of a case.
func evaluation(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID, id string) (Evaluation, error) {
	all, err := caseEvaluations(ctx, q, keys, caseID)
	if err != nil {
		return Evaluation{}, err
	}
	for _, e := range all {
		if e.ID == id {
			return e, nil
		}
	}
	return Evaluation{}, apperr.ErrNotFound("评估")
}

func caseEvaluations(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID string) ([]Evaluation, error) {
	rows, err := q.Query(ctx, `SELECT id, evaluated_on, summary_enc FROM case_evaluations WHERE case_id = ? ORDER BY evaluated_on, id`, caseID)
	out, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (e Evaluation, err error) {
		var sealed string
		if err = r.Scan(&e.ID, &e.EvaluatedOn, &sealed); err != nil {
			return e, err
		}
		e.Attainment = map[string]int{}
		if keys != nil {
			e.Summary, err = keys.Open(sealed)
		}
		return e, err
	})
	if err != nil {
		return nil, err
	}
	// Every evaluation's attainments in one query.
	rows, err = q.Query(ctx, `SELECT t.evaluation_id, t.goal_id, t.level FROM case_attainment t JOIN case_evaluations e ON e.id = t.evaluation_id
		WHERE e.case_id = ?`, caseID)
	type gl struct {
		e, g string
		l    int
	}
	ls, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x gl, err error) {
		err = r.Scan(&x.e, &x.g, &x.l)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, e := range out {
		idx[e.ID] = i
	}
	for _, x := range ls {
		out[idx[x.e]].Attainment[x.g] = x.l
	}
	return out, nil
}

// ClosureInput asks to close a case (结案): reason, summary, follow-up dates.
type ClosureInput struct {
	Reason    string   `json:"reason"`
	Summary   string   `json:"summary"`
	FollowUps []string `json:"follow_ups,omitempty"` // China dates, today or later
}

// Closure is the stored request to close, with its status (pending,
// approved, returned, reopened).
type Closure struct {
	ClosureInput
	ReasonLabel string `json:"reason_label"`
	Status      string `json:"status"`
}

// RequestClosure saves the closure and sends it for approval; a
// returned closure is edited and sent again. "Goals met" needs an
// evaluation.
func RequestClosure(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, caseID string, in ClosureInput) (Approval, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Approval{}, err
	}
	fe := apperr.Fields{}
	if c.Stage == StageIntake || !c.Stage.Open() {
		fe.Add("stage", "当前阶段（"+c.StageLabel+"）不能申请结案")
	}
	if c.ClosureStatus == "pending" {
		fe.Add("stage", "结案申请正在审批中")
	}
	if _, ok := closeReasonLabels[in.Reason]; !ok {
		fe.Add("reason", "请选择结案原因")
	} else if in.Reason == "goals_met" && c.Stage != StageEvaluation {
		fe.Add("reason", "以“目标达成”结案须先完成评估")
	}
	in.Summary = strings.TrimSpace(in.Summary)
	if in.Summary == "" {
		fe.Add("summary", "请填写结案总结")
	}
	var dates []string
	for _, d := range in.FollowUps {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if !cst.IsDate(d) || d < cst.Today() {
			fe.Add("follow_ups", "跟进日期应为今天或以后的日期（YYYY-MM-DD）")
			break
		}
		dates = append(dates, d)
	}
	sort.Strings(dates)
	if err := fe.Err(); err != nil {
		return Approval{}, err
	}
	now := cst.NowStamp()
	var exists int
	err = tx.QueryRow(ctx, `SELECT 1 FROM case_closures WHERE case_id = ?`, caseID).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.Exec(ctx, `INSERT INTO case_closures (case_id, version, reason, summary_enc, followups, status, updated_at) VALUES (?, 1, ?, ?, ?, 'pending', ?)`,
			caseID, in.Reason, keys.Seal(in.Summary), strings.Join(dates, ","), now)
	} else if err == nil {
		_, err = tx.Exec(ctx, `UPDATE case_closures SET reason = ?, summary_enc = ?, followups = ?, status = 'pending', version = version + 1, updated_at = ? WHERE case_id = ?`,
			in.Reason, keys.Seal(in.Summary), strings.Join(dates, ","), now, caseID)
	}
	if err != nil {
		return Approval{}, err
	}
	return request(ctx, tx, actor, c, "closure")
}

func loadClosure(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID string) (*Closure, error) {
	var cl Closure
	var sealed, followups string
	err := q.QueryRow(ctx, `SELECT reason, summary_enc, followups, status FROM case_closures WHERE case_id = ?`, caseID).Scan(&cl.Reason, &sealed, &followups, &cl.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cl.ReasonLabel = CloseReasonLabel(cl.Reason)
	if followups != "" {
		cl.FollowUps = strings.Split(followups, ",")
	}
	if keys != nil {
		if cl.Summary, err = keys.Open(sealed); err != nil {
			return nil, err
		}
	}
	return &cl, nil
}
