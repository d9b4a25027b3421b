package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// normalize trims what was typed and gives a new domain without a code
// one ("d" and a number not yet used), so a page need not ask for codes.
func (s *Settings) normalize() {
	s.Approver, s.NumberPattern, s.TypeCode = strings.TrimSpace(s.Approver), strings.TrimSpace(s.NumberPattern), strings.TrimSpace(s.TypeCode)
	used := map[string]bool{}
	for i := range s.Domains {
		d := &s.Domains[i]
		d.Key, d.Label = strings.TrimSpace(d.Key), strings.TrimSpace(d.Label)
		used[d.Key] = true
		var items []string
		for _, it := range d.Items {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		d.Items = items
	}
	n := 1
	for i := range s.Domains {
		if s.Domains[i].Key != "" {
			continue
		}
		for used["d"+itoa(n)] {
			n++
		}
		s.Domains[i].Key = "d" + itoa(n)
		used[s.Domains[i].Key] = true
	}
}

// check names each wrong field in Chinese; a domain's errors are keyed
// "domain.<key>" (its row), the list's own "domains".
func (s Settings) check() apperr.Fields {
	fe := apperr.Fields{}
	if s.Approver != "station_head" && s.Approver != "supervisor" {
		fe.Add("approver", "审批人：请选择站长或督导")
	}
	for _, d := range []struct {
		f, label string
		n        int
	}{{"assess_days", "预估期限", s.AssessDays}, {"plan_days", "计划期限", s.PlanDays},
		{"high_assess_days", "高风险个案预估期限", s.HighAssessDays}, {"high_plan_days", "高风险个案计划期限", s.HighPlanDays}} {
		if d.n < 1 || d.n > 90 {
			fe.Add(d.f, d.label+"应为 1–90 天")
		}
	}
	if s.AssessDays > s.PlanDays {
		fe.Add("plan_days", "计划期限不能短于预估期限")
	}
	if s.HighAssessDays > s.HighPlanDays {
		fe.Add("high_plan_days", "高风险个案计划期限不能短于其预估期限")
	}
	if !strings.Contains(s.NumberPattern, "{seq}") {
		fe.Add("number_pattern", "个案编号规则须包含 {seq}（顺序号）")
	} else if len([]rune(s.NumberPattern)) > 60 {
		fe.Add("number_pattern", "个案编号规则不能超过 60 个字符")
	}
	if s.TypeCode == "" || len(s.TypeCode) > 8 || strings.ContainsAny(s.TypeCode, " /{}") {
		fe.Add("type_code", "类别代码应为 1–8 个字母或数字")
	}
	if len(s.Domains) == 0 {
		fe.Add("domains", "评估维度：至少设置一个")
	}
	keys, labels := map[string]bool{}, map[string]bool{}
	for i, d := range s.Domains {
		row := "domain." + d.Key
		switch {
		case d.Label == "" || len([]rune(d.Label)) > 20:
			fe.Add(row, "第 "+itoa(i+1)+" 个评估维度：名称应为 1–20 个字")
		case len(d.Items) == 0:
			fe.Add(row, "评估维度“"+d.Label+"”：至少一个子项")
		case keys[d.Key] || labels[d.Label]:
			fe.Add(row, "评估维度“"+d.Label+"”重复")
		case strings.ContainsAny(d.Key, " ./"):
			fe.Add(row, "评估维度“"+d.Label+"”：代码不能含空格、点或斜杠")
		}
		seen := map[string]bool{}
		for _, it := range d.Items {
			if seen[it] || len([]rune(it)) > 20 || strings.Contains(it, ".") {
				fe.Add(row, "评估维度“"+d.Label+"”：子项“"+it+"”重复、过长（20 字以内）或含点号")
			}
			seen[it] = true
		}
		keys[d.Key], labels[d.Label] = true, true
	}
	return fe
}

// SettingsRecord is what a county's settings page and API show: the
// rules in force at the node and the version of the node's own row (0:
// it has none yet, the rules shown are inherited or the defaults).
type SettingsRecord struct {
	OrgID   string `json:"org_id"`
	Version int    `json:"version"`
	Own     bool   `json:"own"` // the node has rules of its own
	Settings
}

// SettingsOf reads the rules of a node in the actor's scope (requires
// casework.read). Errors: NotFound, OutOfScope.
func SettingsOf(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (SettingsRecord, error) {
	if err := actor.Require(authz.PermCaseworkRead); err != nil {
		return SettingsRecord{}, err
	}
	var path string
	if err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return SettingsRecord{}, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return SettingsRecord{}, err
	}
	s, err := SettingsFor(ctx, q, path)
	if err != nil {
		return SettingsRecord{}, err
	}
	r := SettingsRecord{OrgID: orgID, Settings: s}
	err = q.QueryRow(ctx, `SELECT version FROM case_settings WHERE org_id = ?`, orgID).Scan(&r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	r.Own = err == nil
	return r, err
}

// SetSettings sets the rules of a node (a county) in scope; requires
// casework.settings. version is the version of the node's own rules the
// edit started from (0 when it had none): another save in between is
// ErrStale. A domain sent without a code gets one. Returns the new
// version. Errors: field errors naming the field in Chinese, Stale,
// NotFound, OutOfScope.
func SetSettings(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID string, version int, s Settings) (int, error) {
	if err := actor.Require(authz.PermCaseworkSettings); err != nil {
		return 0, err
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return 0, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return 0, err
	}
	s.normalize()
	if err := s.check().Err(); err != nil {
		return 0, err
	}
	before, err := SettingsFor(ctx, tx, path)
	if err != nil {
		return 0, err
	}
	b, _ := json.Marshal(s)
	was, _ := json.Marshal(before)
	now := cst.NowStamp()
	var current int
	err = tx.QueryRow(ctx, `SELECT version FROM case_settings WHERE org_id = ?`, orgID).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if version != 0 {
			return 0, apperr.ErrStale()
		}
		_, err = tx.Exec(ctx, `INSERT INTO case_settings (org_id, settings, version, updated_at) VALUES (?, ?, 1, ?)`, orgID, string(b), now)
	case err != nil:
		return 0, err
	default:
		err = db.Versioned(tx.Exec(ctx, `UPDATE case_settings SET settings = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND version = ?`,
			string(b), now, orgID, version))
	}
	if err != nil {
		return 0, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "case_settings", EntityID: orgID, OrgPath: path,
		Summary: "修改个案工作规则", Changes: []audit.Change{{Field: "settings", Label: "规则", Before: string(was), After: string(b)}}}); err != nil {
		return 0, err
	}
	return version + 1, nil
}

// AssignSupervisor records that a supervisor (督导) covers a station;
// remove undoes it. Both are idempotent: what is already so is neither
// written nor audited again. Requires casework.settings. Errors: field
// errors on user_id (not a supervisor account) and station_id (not a
// station), OutOfScope.
func AssignSupervisor(ctx context.Context, tx *db.Tx, actor *authz.Actor, userID, stationID string, remove bool) error {
	if err := actor.Require(authz.PermCaseworkSettings); err != nil {
		return err
	}
	var role, name, path, kind, station string
	fe := apperr.Fields{}
	if err := tx.QueryRow(ctx, `SELECT role, display_name FROM users WHERE id = ?`, userID).Scan(&role, &name); err != nil || authz.Role(role) != authz.RoleSupervisor {
		fe.Add("user_id", "督导：请选择一个督导账号")
	}
	if err := tx.QueryRow(ctx, `SELECT path, kind, name FROM org_units WHERE id = ?`, stationID).Scan(&path, &kind, &station); err != nil || kind != "station" {
		fe.Add("station_id", "站点：请选择一个社工站")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if err := actor.RequireScope(path); err != nil {
		return err
	}
	var res sql.Result
	var err error
	if remove {
		res, err = tx.Exec(ctx, `DELETE FROM supervisor_stations WHERE user_id = ? AND org_id = ?`, userID, stationID)
	} else {
		res, err = tx.Exec(ctx, `INSERT INTO supervisor_stations (user_id, org_id) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM supervisor_stations WHERE user_id = ? AND org_id = ?)`,
			userID, stationID, userID, stationID)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // already so (a resend, or a page drawn before another's change): nothing to record
	}
	what := "指派督导：" + name + " 负责 " + station
	if remove {
		what = "取消督导：" + name + " 不再负责 " + station
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "supervisor_stations", EntityID: stationID, OrgPath: path, Summary: what})
}

// Supervision is a supervisor (督导) the actor may assign and the
// stations in the actor's scope they cover.
type Supervision struct {
	UserID   string       `json:"user_id"`
	Name     string       `json:"name"`
	OrgName  string       `json:"org_name"` // the unit the account belongs to
	Stations []StationRef `json:"stations"`
}

// StationRef names a station.
type StationRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Supervisions lists the active supervisor accounts at the actor's node,
// below it or above it (a city's supervisor may cover a county's
// stations), each with the stations in the actor's scope assigned to
// them, by name. Requires casework.settings.
func Supervisions(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Supervision, error) {
	if err := actor.Require(authz.PermCaseworkSettings); err != nil {
		return nil, err
	}
	sc, sa := actor.ScopeCond(q.Dialect(), "o.path")
	up := pathIDs(actor.OrgPath)
	args := append(append([]any{string(authz.RoleSupervisor)}, sa...), anyArgs(up)...)
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.role = ? AND u.active = 1 AND (`+sc+` OR u.org_id IN (`+db.Placeholders(len(up))+`)) ORDER BY u.display_name, u.id`, args...)
	out, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s Supervision, err error) {
		err = r.Scan(&s.UserID, &s.Name, &s.OrgName)
		s.Stations = []StationRef{}
		return s, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	idx := map[string]int{}
	for i, s := range out {
		idx[s.UserID] = i
	}
	rows, err = q.Query(ctx, `SELECT s.user_id, o.id, o.name FROM supervisor_stations s JOIN org_units o ON o.id = s.org_id WHERE `+sc+` ORDER BY o.path`, sa...)
	type cover struct{ user, id, name string }
	covers, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (c cover, err error) {
		err = r.Scan(&c.user, &c.id, &c.name)
		return c, err
	})
	for _, c := range covers {
		if i, ok := idx[c.user]; ok {
			out[i].Stations = append(out[i].Stations, StationRef{ID: c.id, Name: c.name})
		}
	}
	return out, err
}
