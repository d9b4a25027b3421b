package casework

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

// deriveStage is the one rule for a case's stage, from what is recorded:
// an exit decision at intake; an approved closure (跟进 while follow-ups
// are outstanding); an evaluation; an approved plan (介入); an
// assessment (计划 is next); an acceptance (预估 is next); else 接案.
func deriveStage(ctx context.Context, q db.Querier, id string) (Stage, error) {
	var decision, followups, closure, plan string
	var assessments, evaluations, openFollowups, followupTasks int
	err := q.QueryRow(ctx, `SELECT c.decision,
		(SELECT COUNT(*) FROM case_assessments a WHERE a.case_id = c.id),
		COALESCE((SELECT p.status FROM case_plans p WHERE p.case_id = c.id), ''),
		(SELECT COUNT(*) FROM case_evaluations e WHERE e.case_id = c.id),
		COALESCE((SELECT cl.status FROM case_closures cl WHERE cl.case_id = c.id), ''),
		COALESCE((SELECT cl.followups FROM case_closures cl WHERE cl.case_id = c.id), ''),
		(SELECT COUNT(*) FROM case_tasks t WHERE t.case_id = c.id AND t.kind = 'followup'),
		(SELECT COUNT(*) FROM case_tasks t WHERE t.case_id = c.id AND t.kind = 'followup' AND t.done_on = '')
		FROM cases c WHERE c.id = ?`, id).Scan(&decision, &assessments, &plan, &evaluations, &closure, &followups, &followupTasks, &openFollowups)
	if err != nil {
		return "", err
	}
	switch {
	case decision == "decline":
		return StageDeclined, nil
	case decision == "refer":
		return StageReferred, nil
	case decision == "":
		return StageIntake, nil
	case closure == "approved":
		if followups != "" && (followupTasks == 0 || openFollowups > 0) {
			return StageFollowUp, nil
		}
		return StageClosed, nil
	case evaluations > 0:
		return StageEvaluation, nil
	case plan == "approved":
		return StageIntervention, nil
	case assessments > 0:
		return StagePlan, nil
	}
	return StageAssessment, nil
}

// refresh recomputes the case's stage after a write; on a change it
// records the event and schedules what the new stage makes due.
func refresh(ctx context.Context, tx db.Querier, actor *authz.Actor, id, note string) (Stage, error) {
	stage, err := deriveStage(ctx, tx, id)
	if err != nil {
		return "", err
	}
	var old Stage
	var orgPath, orgID, opened, risk string
	err = tx.QueryRow(ctx, `SELECT c.stage, o.path, c.org_id, c.opened_on, c.risk FROM cases c JOIN org_units o ON o.id = c.org_id WHERE c.id = ?`, id).
		Scan(&old, &orgPath, &orgID, &opened, &risk)
	if err != nil {
		return "", err
	}
	if old == stage {
		return stage, nil
	}
	now := cst.NowStamp()
	if _, err := tx.Exec(ctx, `UPDATE cases SET stage = ?, updated_at = ? WHERE id = ?`, stage, now, id); err != nil {
		return "", err
	}
	if err := event(ctx, tx, actor, id, "stage", stage, note); err != nil {
		return "", err
	}
	s, err := SettingsFor(ctx, tx, orgPath)
	if err != nil {
		return "", err
	}
	assess, plan := s.AssessDays, s.PlanDays
	if risk == "high" {
		assess, plan = s.HighAssessDays, s.HighPlanDays
	}
	today := cst.Today()
	done := func(kinds ...string) error {
		_, err := tx.Exec(ctx, `UPDATE case_tasks SET done_on = ? WHERE case_id = ? AND done_on = '' AND kind IN (`+db.Placeholders(len(kinds))+`)`,
			append([]any{today, id}, anyArgs(kinds)...)...)
		return err
	}
	ensure := func(kind, due string) error {
		_, err := tx.Exec(ctx, `INSERT INTO case_tasks (id, case_id, org_id, user_id, kind, due_on)
			SELECT ?, ?, ?, COALESCE((SELECT user_id FROM case_workers WHERE case_id = ? AND lead = 1), ''), ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM case_tasks WHERE case_id = ? AND kind = ? AND done_on = '')`,
			ids.New(), id, orgID, id, kind, due, id, kind)
		return err
	}
	switch stage {
	case StageAssessment:
		err = ensure("assessment", addDays(opened, assess))
	case StagePlan:
		if err = done("assessment"); err == nil {
			err = ensure("plan", addDays(opened, plan))
		}
	case StageIntervention:
		if err = done("assessment", "plan"); err == nil {
			var due string
			if err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(due_on), '') FROM case_goals WHERE case_id = ?`, id).Scan(&due); err == nil {
				if due == "" {
					due = addDays(today, 30)
				}
				err = ensure("evaluation", due)
			}
		}
	case StageEvaluation, StageIntake:
		err = done("assessment", "plan", "evaluation")
	case StageFollowUp:
		if err = done("assessment", "plan", "evaluation"); err == nil {
			var followups string
			if err = tx.QueryRow(ctx, `SELECT followups FROM case_closures WHERE case_id = ?`, id).Scan(&followups); err == nil {
				for _, d := range strings.Split(followups, ",") {
					if d == "" {
						continue
					}
					if _, err = tx.Exec(ctx, `INSERT INTO case_tasks (id, case_id, org_id, user_id, kind, due_on)
						SELECT ?, ?, ?, COALESCE((SELECT user_id FROM case_workers WHERE case_id = ? AND lead = 1), ''), 'followup', ?`,
						ids.New(), id, orgID, id, d); err != nil {
						break
					}
				}
			}
		}
	default: // closed, declined, referred
		_, err = tx.Exec(ctx, `UPDATE case_tasks SET done_on = ? WHERE case_id = ? AND done_on = ''`, today, id)
	}
	return stage, err
}

func event(ctx context.Context, tx db.Querier, actor *authz.Actor, caseID, kind string, stage Stage, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_events (id, case_id, at, kind, stage, note, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), caseID, cst.NowStamp(), kind, stage, note, actor.UserID)
	return err
}

// bump advances the case's version: every write through the case.
func bump(ctx context.Context, tx db.Querier, id string, version int) error {
	if version > 0 {
		return db.Versioned(tx.Exec(ctx, `UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, cst.NowStamp(), id, version))
	}
	_, err := tx.Exec(ctx, `UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ?`, cst.NowStamp(), id)
	return err
}
