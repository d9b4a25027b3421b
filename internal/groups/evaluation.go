package groups

import (
	"context"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// Evaluation is a group's evaluation, computed from its records:
// sessions held versus planned, attendance rate (present over marked),
// completion (members present at CompletionSessions sessions or more,
// over all members), pre → post change (members measured both times),
// and goal attainment (goals marked attained over goals, once the
// group is evaluated).
type Evaluation struct {
	SessionsPlanned int     `json:"sessions_planned"`
	SessionsHeld    int     `json:"sessions_held"`
	Marked          int     `json:"attendance_marked"`
	Present         int     `json:"attendance_present"`
	AttendanceRate  float64 `json:"attendance_rate"` // 0–1
	Members         int     `json:"members"`
	Completed       int     `json:"completed"`
	CompletionRate  float64 `json:"completion_rate"` // 0–1
	Measured        int     `json:"measured"`        // members with pre and post
	PreMean         float64 `json:"pre_mean"`
	PostMean        float64 `json:"post_mean"`
	ChangeMean      float64 `json:"change_mean"` // post − pre, mean
	Improved        int     `json:"improved"`    // members whose score moved the better way
	Goals           int     `json:"goals"`
	GoalsAttained   int     `json:"goals_attained"`
	GoalRate        float64 `json:"goal_rate"` // 0–1
}

// Percent shows a rate as a percentage with one decimal.
func Percent(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + "%" }

// Evaluate computes a group's evaluation (groups.read).
func Evaluate(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, groupID string) (Evaluation, error) {
	g, err := Get(ctx, q, actor, groupID)
	if err != nil {
		return Evaluation{}, err
	}
	list, err := members(ctx, q, keys, groupID)
	if err != nil {
		return Evaluation{}, err
	}
	higherBetter := true
	if g.ScaleID != "" {
		s, err := scaleFor(ctx, q, g.OrgPath, g.ScaleID)
		if err != nil {
			return Evaluation{}, err
		}
		higherBetter = s.HigherBetter
	}
	return evaluate(g, list, higherBetter), nil
}

func evaluate(g Group, list []Member, higherBetter bool) Evaluation {
	e := Evaluation{SessionsPlanned: g.PlannedSessions, SessionsHeld: g.SessionsHeld, Members: len(list)}
	var pre, post int
	for _, m := range list {
		e.Present += m.Present
		e.Marked += m.Present + m.Absent + m.Excused
		if m.Present >= g.CompletionSessions && g.CompletionSessions > 0 {
			e.Completed++
		}
		if c := m.Change(); c != nil {
			e.Measured++
			pre += *m.Pre
			post += *m.Post
			if *c > 0 && higherBetter || *c < 0 && !higherBetter {
				e.Improved++
			}
		}
	}
	if e.Marked > 0 {
		e.AttendanceRate = float64(e.Present) / float64(e.Marked)
	}
	if e.Members > 0 {
		e.CompletionRate = float64(e.Completed) / float64(e.Members)
	}
	if e.Measured > 0 {
		e.PreMean, e.PostMean = float64(pre)/float64(e.Measured), float64(post)/float64(e.Measured)
		e.ChangeMean = e.PostMean - e.PreMean
	}
	e.Goals = len(g.GoalList())
	for _, c := range strings.Split(g.GoalsAttained, ",") {
		if c == "1" {
			e.GoalsAttained++
		}
	}
	if e.Goals > 0 {
		e.GoalRate = float64(e.GoalsAttained) / float64(e.Goals)
	}
	return e
}

// Finish evaluates an ended group (结束 → 已评估): which goals were
// attained (one answer per goal line) and the worker's summary.
func Finish(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, attained []bool, summary string) (Group, error) {
	g, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return g, err
	}
	if g.Stage != StageEnded {
		return g, apperr.New(apperr.BadRequest, "小组%s，结束后才能评估", g.StageLabel)
	}
	fe := apperr.Fields{}
	if len(attained) != len(g.GoalList()) {
		fe.Add("goals_attained", "请逐条填写 "+strconv.Itoa(len(g.GoalList()))+" 个目标是否达成")
	}
	summary = validate.Text(fe, "evaluation", "评估总结", summary, 4000, true)
	if err := fe.Err(); err != nil {
		return g, err
	}
	marks := make([]string, len(attained))
	for i, a := range attained {
		marks[i] = "0"
		if a {
			marks[i] = "1"
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE grp_groups SET goals_attained = ? WHERE id = ?`, strings.Join(marks, ","), id); err != nil {
		return g, err
	}
	return setStage(ctx, tx, actor, g, StageEvaluated, "", summary)
}
