package groups

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// DefaultLockDays is how many days after a session its record stays
// open when the county has set nothing.
const DefaultLockDays = 7

// SingleScoreMax is the top of the single score used when a group has
// no scale (0–100).
const SingleScoreMax = 100

// pathIDs are the ids of an org path "/a/b/c/", root first.
func pathIDs(path string) []any {
	var out []any
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// LockDays is the lock period in force at a node: that of the nearest
// node above it (itself included) that set one, else DefaultLockDays.
func LockDays(ctx context.Context, q db.Querier, path string) (int, error) {
	nodes := pathIDs(path)
	if len(nodes) == 0 {
		return DefaultLockDays, nil
	}
	rows, err := q.Query(ctx, `SELECT org_id, lock_days FROM grp_settings WHERE org_id IN (`+db.Placeholders(len(nodes))+`)`, nodes...)
	type row struct {
		org  string
		days int
	}
	got, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x row, err error) {
		err = r.Scan(&x.org, &x.days)
		return x, err
	})
	if err != nil {
		return 0, err
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		for _, x := range got {
			if x.org == nodes[i] {
				return x.days, nil
			}
		}
	}
	return DefaultLockDays, nil
}

// SetLockDays sets a county's lock period, 1–90 days (groups.settings).
func SetLockDays(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID string, days int) error {
	if err := actor.Require(authz.PermGroupsSettings); err != nil {
		return err
	}
	u, err := org.Get(ctx, tx, orgID)
	if err != nil {
		return apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return err
	}
	if days < 1 || days > 90 {
		return apperr.Fields{"lock_days": "锁定天数应为 1–90 天"}.Err()
	}
	before, err := LockDays(ctx, tx, u.Path)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM grp_settings WHERE org_id = ?`, u.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO grp_settings (org_id, lock_days, updated_at) VALUES (?, ?, ?)`, u.ID, days, cst.NowStamp()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "group_settings", EntityID: u.ID, OrgPath: u.Path,
		Summary: "设置小组记录锁定天数", Changes: []audit.Change{{Field: "lock_days", Label: "锁定天数", Before: strconv.Itoa(before), After: strconv.Itoa(days)}}})
}

// Scale is a county's measurement scale: items each scored Min..Max,
// the score their sum.
type Scale struct {
	ID           string   `json:"id"`
	OrgID        string   `json:"org_id"`
	Name         string   `json:"name"`
	Items        []string `json:"items"`
	Min          int      `json:"min"`
	Max          int      `json:"max"`
	HigherBetter bool     `json:"higher_better"`
}

// Range is the lowest and highest score.
func (s Scale) Range() (int, int) { return s.Min * len(s.Items), s.Max * len(s.Items) }

func scanScale(r interface{ Scan(...any) error }) (Scale, error) {
	var s Scale
	var items string
	var hb int
	err := r.Scan(&s.ID, &s.OrgID, &s.Name, &items, &s.Min, &s.Max, &hb)
	s.Items, s.HigherBetter = lines(items), hb == 1
	return s, err
}

// scaleFor loads a scale of a node above (or at) path.
func scaleFor(ctx context.Context, q db.Querier, path, id string) (Scale, error) {
	s, err := scanScale(q.QueryRow(ctx, `SELECT id, org_id, name, items, min_score, max_score, higher_better FROM grp_scales WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, apperr.ErrNotFound("量表")
	}
	if err != nil {
		return s, err
	}
	for _, n := range pathIDs(path) {
		if n == s.OrgID {
			return s, nil
		}
	}
	return s, apperr.ErrOutOfScope()
}

// Scales lists the scales usable at a node (those of the nodes above it).
func Scales(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) ([]Scale, error) {
	if err := actor.Require(authz.PermGroupsRead); err != nil {
		return nil, err
	}
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return nil, apperr.ErrNotFound("机构")
	}
	nodes := pathIDs(u.Path)
	rows, err := q.Query(ctx, `SELECT id, org_id, name, items, min_score, max_score, higher_better FROM grp_scales WHERE org_id IN (`+
		db.Placeholders(len(nodes))+`) ORDER BY name`, nodes...)
	return db.Collect(rows, err, scanScale)
}

// AddScale adds a scale to a county (groups.settings): 1–50 items,
// scores 0 ≤ Min < Max ≤ 10.
func AddScale(ctx context.Context, tx *db.Tx, actor *authz.Actor, in Scale) (Scale, error) {
	if err := actor.Require(authz.PermGroupsSettings); err != nil {
		return Scale{}, err
	}
	u, err := org.Get(ctx, tx, in.OrgID)
	if err != nil {
		return Scale{}, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return Scale{}, err
	}
	fe := apperr.Fields{}
	in.Name = validate.Text(fe, "name", "量表名称", in.Name, 60, true)
	var items []string
	for _, it := range in.Items {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	in.Items = items
	if len(items) == 0 || len(items) > 50 {
		fe.Add("items", "量表应有 1–50 个条目")
	}
	if in.Min < 0 || in.Max > 10 || in.Min >= in.Max {
		fe.Add("max", "条目计分应为 0–10 之间，最低分小于最高分")
	}
	if err := fe.Err(); err != nil {
		return Scale{}, err
	}
	in.ID = ids.New()
	if _, err := tx.Exec(ctx, `INSERT INTO grp_scales (id, org_id, name, items, min_score, max_score, higher_better, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, u.ID, in.Name, strings.Join(items, "\n"), in.Min, in.Max, db.Bool(in.HigherBetter), cst.NowStamp()); err != nil {
		return Scale{}, err
	}
	return in, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "group_scale", EntityID: in.ID, OrgPath: u.Path,
		Summary: "新增小组测量量表：" + in.Name})
}
