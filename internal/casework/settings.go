package casework

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Domain is a scored assessment domain with its sub-items, each scored
// 1 (严重问题) … 5 (良好).
type Domain struct {
	Key   string   `json:"key"`
	Label string   `json:"label"`
	Items []string `json:"items"`
}

// Settings are a county's casework rules.
type Settings struct {
	// Approver answers requests to approve plans and closures:
	// "station_head" or "supervisor". Either way a case's own worker
	// never approves it: the request then goes to the supervisor, or to
	// the county administrator.
	Approver string `json:"approver"`
	// Days from intake (接案) within which the assessment and the plan
	// are due, and the same for high-risk (高风险) cases.
	AssessDays     int `json:"assess_days"`
	PlanDays       int `json:"plan_days"`
	HighAssessDays int `json:"high_assess_days"`
	HighPlanDays   int `json:"high_plan_days"`
	// NumberPattern makes case numbers from {type}, {year}, {station}
	// (the station's short name) and {seq} (4 digits, per prefix).
	NumberPattern string   `json:"number_pattern"`
	TypeCode      string   `json:"type_code"`
	Domains       []Domain `json:"domains"`
}

// DefaultSettings are the rules with none set: 预估 within 7 days of
// 接案 and 计划 within 14 (3 and 7 for 高风险), approval by the station
// head, numbers like GA-2026-朝歌-0001, the three systems of MZ/T 094.
func DefaultSettings() Settings {
	return Settings{Approver: "station_head", AssessDays: 7, PlanDays: 14, HighAssessDays: 3, HighPlanDays: 7,
		NumberPattern: "{type}-{year}-{station}-{seq}", TypeCode: "GA",
		Domains: []Domain{
			{Key: "self", Label: "自身系统", Items: []string{"身体健康", "心理情绪", "生活自理", "经济状况"}},
			{Key: "family", Label: "家庭系统", Items: []string{"家庭关系", "照料支持", "家庭经济"}},
			{Key: "social", Label: "社会系统", Items: []string{"社会交往", "社区参与", "政策与资源"}},
		}}
}

// DomainLabel names a domain key.
func (s Settings) DomainLabel(key string) string {
	for _, d := range s.Domains {
		if d.Key == key {
			return d.Label
		}
	}
	return key
}

func pathIDs(path string) []string {
	var out []string
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func anyArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// SettingsFor are the rules in force at an org node: those of the
// nearest node above it (itself included) that has some, else defaults.
func SettingsFor(ctx context.Context, q db.Querier, orgPath string) (Settings, error) {
	nodes := pathIDs(orgPath)
	s := DefaultSettings()
	if len(nodes) == 0 {
		return s, nil
	}
	rows, err := q.Query(ctx, `SELECT org_id, settings FROM case_settings WHERE org_id IN (`+db.Placeholders(len(nodes))+`)`, anyArgs(nodes)...)
	type row struct{ org, js string }
	got, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x row, err error) {
		err = r.Scan(&x.org, &x.js)
		return x, err
	})
	if err != nil {
		return s, err
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		for _, x := range got {
			if x.org == nodes[i] {
				err := json.Unmarshal([]byte(x.js), &s)
				return s, err
			}
		}
	}
	return s, nil
}

func (s Settings) check() apperr.Fields {
	fe := apperr.Fields{}
	if s.Approver != "station_head" && s.Approver != "supervisor" {
		fe.Add("approver", "审批人应为站长或督导")
	}
	for _, d := range []struct {
		f string
		n int
	}{{"assess_days", s.AssessDays}, {"plan_days", s.PlanDays}, {"high_assess_days", s.HighAssessDays}, {"high_plan_days", s.HighPlanDays}} {
		if d.n < 1 || d.n > 90 {
			fe.Add(d.f, "期限应为 1–90 天")
		}
	}
	if s.AssessDays > s.PlanDays {
		fe.Add("plan_days", "计划期限不能早于预估期限")
	}
	if !strings.Contains(s.NumberPattern, "{seq}") {
		fe.Add("number_pattern", "个案编号规则须包含 {seq}（顺序号）")
	}
	if s.TypeCode == "" || len(s.TypeCode) > 8 {
		fe.Add("type_code", "类别代码应为 1–8 个字母")
	}
	if len(s.Domains) == 0 {
		fe.Add("domains", "至少设置一个评估维度")
	}
	keys := map[string]bool{}
	for _, d := range s.Domains {
		if d.Key == "" || d.Label == "" || len(d.Items) == 0 || keys[d.Key] {
			fe.Add("domains", "每个评估维度须有唯一代码、名称和至少一个子项")
		}
		keys[d.Key] = true
	}
	return fe
}

// SetSettings sets the rules of a node (a county) in scope; requires
// casework.settings.
func SetSettings(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID string, s Settings) error {
	if err := actor.Require(authz.PermCaseworkSettings); err != nil {
		return err
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return err
	}
	if err := s.check().Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	if _, err := tx.Exec(ctx, `DELETE FROM case_settings WHERE org_id = ?`, orgID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_settings (org_id, settings, updated_at) VALUES (?, ?, ?)`, orgID, string(b), cst.NowStamp()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "case_settings", EntityID: orgID, OrgPath: path,
		Summary: "修改个案工作规则", Changes: []audit.Change{{Field: "settings", Label: "规则", After: string(b)}}})
}

// AssignSupervisor records that a supervisor (督导) covers a station;
// remove undoes it. Requires casework.settings.
func AssignSupervisor(ctx context.Context, tx *db.Tx, actor *authz.Actor, userID, stationID string, remove bool) error {
	if err := actor.Require(authz.PermCaseworkSettings); err != nil {
		return err
	}
	var role, path, name string
	err := tx.QueryRow(ctx, `SELECT u.role, u.display_name, o.path FROM users u, org_units o WHERE u.id = ? AND o.id = ?`, userID, stationID).Scan(&role, &name, &path)
	if err != nil || authz.Role(role) != authz.RoleSupervisor {
		return apperr.Fields{"user_id": "请选择督导账号"}.Err()
	}
	if err := actor.RequireScope(path); err != nil {
		return err
	}
	if remove {
		_, err = tx.Exec(ctx, `DELETE FROM supervisor_stations WHERE user_id = ? AND org_id = ?`, userID, stationID)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO supervisor_stations (user_id, org_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM supervisor_stations WHERE user_id = ? AND org_id = ?)`,
			userID, stationID, userID, stationID)
	}
	if err != nil {
		return err
	}
	what := "指派督导："
	if remove {
		what = "取消督导："
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "supervisor_stations", EntityID: stationID, OrgPath: path, Summary: what + name})
}
