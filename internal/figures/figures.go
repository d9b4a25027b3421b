// Package figures is the registry of period figures (期间指标): named
// numbers a module computes for an org node and a period — visits made
// in November, people in care at the end of the third quarter — each
// with its drill-down, the list of the records it counts.
//
// A module registers its figures in an init function of its own package
// (file figures.go) with Register; this package never imports the
// modules, the modules import it. Pages and reports read figures through
// All, Get, Compute and List.
//
// # Flow and stock
//
// A Flow figure counts dated records (visits made, people registered)
// and is computed from them for any period. A Stock figure is a state at
// a moment (people in care, stations running): for the current period
// it is the live value; for a past period, the value kept by Snapshot on
// the period's last day (or, if that day was missed, the latest day of
// the period that has one).
//
// # Org nodes and scope
//
// A figure is asked for any org node (platform, province, city, county,
// station, room) and covers the node's whole subtree, intersected with
// the actor's scope: Scope resolves and checks the node (nil actor:
// Forbidden; a node outside the scope: OutOfScope), Node.Cond is the SQL
// condition a module adds on an org path column. Values count every
// record of the subtree whatever the actor's role, except figures marked
// ChildrenRule, which count what the role may list; drill-downs are the
// module's to guard (its read permission, the children rule).
//
// # Rollups
//
// A figure over a large table (people in care, visits due) reads a
// rollup its module keeps in the writing transaction, by triggers on the
// table: counts per org node for every ancestor (org_ancestors) and per
// visibility class, so a province's value is a few rows. See
// recipients.CountInCare and the visits module's due_counts.
package figures

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"sort"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the schema of the figures registry (figure_snapshots).
var Module = db.MustLoadModule("figures", migrations, "migrations")

// Kind says how a figure relates to time.
type Kind string

const (
	Flow  Kind = "flow"  // 期间发生量: counted from dated records of the period
	Stock Kind = "stock" // 时点存量: a state at the period's end
)

// Record is one row of a figure's drill-down: what was counted.
type Record struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Date   string `json:"date"`   // YYYY-MM-DD, the date that puts the record in the figure (China date)
	Link   string `json:"link"`   // page path of the record, e.g. /recipients/{id}; "" when the actor may not open it
	Amount int64  `json:"amount"` // the record's part of the figure: 1 for counts, minutes for hours
}

// ValueFunc computes a figure for an org node's subtree: for a Flow the
// period's value, for a Stock the live value (p is then the current
// period and may be ignored).
type ValueFunc func(ctx context.Context, q db.Querier, actor *authz.Actor, p Period, orgID string) (int64, error)

// RecordsFunc lists the records a figure counts, a page of them (limit
// 1–200, offset ≥ 0) and their total; the Amounts of all the records add
// up to the Value.
type RecordsFunc func(ctx context.Context, q db.Querier, actor *authz.Actor, p Period, orgID string, limit, offset int) ([]Record, int, error)

// Figure is a registered period figure.
type Figure struct {
	Key    string // stable code, e.g. "visits.made"
	Label  string // Chinese name, e.g. 探访人次
	Unit   string // 人, 次, 个, 小时…
	Scale  int64  // the Value is in 1/Scale of Unit (60: minutes of an hour); 0 means 1
	Kind   Kind
	Module string // the owning module, e.g. "visits"
	// ChildrenRule: the figure counts, and its drill-down lists, only the
	// people the actor's role may see listed (the children rule of
	// internal/recipients), so a role that may not see children counts
	// fewer. Otherwise a figure counts every record of the subtree and its
	// drill-down shows the children it counts without name or link.
	// Snapshot keeps a stock's past value both ways.
	ChildrenRule bool
	Value        ValueFunc
	// Records is the drill-down; nil when a figure has none.
	Records RecordsFunc
	// RecordsPerm, when set, is the permission the drill-down needs (the
	// module's read permission): a role without it sees the value alone,
	// not a link to records it may not open (see Drillable).
	RecordsPerm authz.Permission
}

// Per is the Scale, 1 when unset.
func (f Figure) Per() int64 { return max(f.Scale, 1) }

// Drillable says whether the actor may open the figure's drill-down.
func (f Figure) Drillable(actor *authz.Actor) bool {
	return f.Records != nil && (f.RecordsPerm == "" || actor.Can(f.RecordsPerm))
}

// ChildrenLeftOut names the people a ChildrenRule figure does not count
// for a role the children rule restricts. internal/recipients, which owns
// the rule, sets it.
var ChildrenLeftOut = "不含儿童"

// LeftOut is what the figure leaves out as the actor sees it, said beside
// its value so that two roles' different totals explain themselves; ""
// when it counts everything.
func (f Figure) LeftOut(actor *authz.Actor) string {
	if f.ChildrenRule && !actor.Can(authz.PermRecipientsChildren) {
		return ChildrenLeftOut
	}
	return ""
}

var registry = map[string]Figure{}

// Register adds a figure; call it from an init function of the owning
// module. A duplicate or incomplete registration is a programming error
// and panics.
func Register(f Figure) {
	switch {
	case f.Key == "" || f.Label == "" || f.Module == "" || f.Value == nil:
		panic("figures: incomplete registration of " + f.Key)
	case f.Kind != Flow && f.Kind != Stock:
		panic("figures: unknown kind of " + f.Key)
	}
	if _, dup := registry[f.Key]; dup {
		panic("figures: " + f.Key + " registered twice")
	}
	registry[f.Key] = f
}

// All lists the registered figures by module, then key.
func All() []Figure {
	out := make([]Figure, 0, len(registry))
	for _, f := range registry {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Module != out[j].Module {
			return out[i].Module < out[j].Module
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Get returns the figure registered under key.
func Get(key string) (Figure, bool) {
	f, ok := registry[key]
	return f, ok
}

func get(key string) (Figure, error) {
	f, ok := registry[key]
	if !ok {
		return Figure{}, apperr.ErrNotFound("指标")
	}
	return f, nil
}

// Node is the org node a figure is computed for, with the path prefix
// its subtree and the actor's scope share.
type Node struct {
	ID   string
	Kind org.Kind
	Name string
	Path string // the node's path, "/id/…/id/": the subtree is every path it prefixes
}

// Scope loads org node orgID for actor: Forbidden for a nil actor,
// NotFound for an unknown node, OutOfScope when the node lies outside the
// actor's scope (its subtree then shares nothing with the scope, or only
// part of it, and a figure would be partial without saying so).
func Scope(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (Node, error) {
	if actor == nil {
		return Node{}, apperr.ErrForbidden()
	}
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return Node{}, err
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return Node{}, err
	}
	return Node{ID: u.ID, Kind: u.Kind, Name: u.Name, Path: u.Path}, nil
}

// Cond restricts pathColumn (an org path column or expression) to the
// node's subtree: authz.SubtreeCond, in the form each engine's path
// index serves.
func (n Node) Cond(d db.Dialect, pathColumn string) (string, []any) {
	return authz.SubtreeCond(d, pathColumn, n.Path)
}

// Compute is figure key for org node orgID (its subtree) and period p,
// as the actor may see it: a Flow from the records; a Stock live for the
// current period and from the snapshots for a past one. Errors:
// NotFound (unknown figure or node, or no snapshot kept for a past
// period), Forbidden (nil actor), OutOfScope, Invalid (a future period).
func Compute(ctx context.Context, q db.Querier, actor *authz.Actor, key string, p Period, orgID string) (int64, error) {
	f, err := get(key)
	if err != nil {
		return 0, err
	}
	n, err := Scope(ctx, q, actor, orgID)
	if err != nil {
		return 0, err
	}
	if p.IsFuture() {
		return 0, apperr.Fields{"period": p.Label() + "尚未开始"}.Err()
	}
	if f.Kind == Stock && p.IsPast() {
		return snapshotValue(ctx, q, snapshotKey(f, actor), f, n, p)
	}
	return f.Value(ctx, q, actor, p, n.ID)
}

// List is the drill-down of figure key for org node orgID and period p:
// a page of the records counted (limit 1–200, 50 by default) and their
// total. A Stock keeps only its value for a past period, so its records
// are listed for the current period alone (BadRequest otherwise).
func List(ctx context.Context, q db.Querier, actor *authz.Actor, key string, p Period, orgID string, limit, offset int) ([]Record, int, error) {
	f, err := get(key)
	if err != nil {
		return nil, 0, err
	}
	n, err := Scope(ctx, q, actor, orgID)
	if err != nil {
		return nil, 0, err
	}
	if f.Records == nil {
		return nil, 0, apperr.New(apperr.BadRequest, "“%s”没有明细", f.Label)
	}
	if !f.Drillable(actor) {
		return nil, 0, apperr.New(apperr.Forbidden, "“%s”的明细仅对能查看相应记录的角色开放", f.Label)
	}
	if p.IsFuture() {
		return nil, 0, apperr.Fields{"period": p.Label() + "尚未开始"}.Err()
	}
	if f.Kind == Stock && p.IsPast() {
		return nil, 0, apperr.New(apperr.BadRequest, "“%s”是时点数，%s只留存了数值，没有明细", f.Label, p.Label())
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return f.Records(ctx, q, actor, p, n.ID, limit, max(offset, 0))
}

// Snapshot keeps the value of every Stock figure for every active county
// and station node on day (YYYY-MM-DD, China date, not after today),
// computed live by the system actor: run it once a day, late. It is
// idempotent per (figure, node, day): today's values are replaced by a
// later run, a past day's kept values are never overwritten (the live
// value no longer describes that day). It returns how many values were
// written.
func Snapshot(ctx context.Context, tx *db.Tx, day string) (int, error) {
	t, err := cst.ParseDate(day)
	if err != nil || t.Format(cst.DateLayout) != day {
		return 0, apperr.Fields{"day": "日期应写作 YYYY-MM-DD"}.Err()
	}
	today := cst.Today()
	if day > today {
		return 0, apperr.Fields{"day": "不能为将来的日期留存数据"}.Err()
	}
	rows, err := tx.Query(ctx, `SELECT id FROM org_units WHERE active = 1 AND kind IN (?, ?) ORDER BY path`, org.KindCounty, org.KindStation)
	nodes, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (id string, err error) {
		err = row.Scan(&id)
		return id, err
	})
	if err != nil {
		return 0, err
	}
	onConflict := ` DO NOTHING`
	if day == today {
		onConflict = ` DO UPDATE SET value = excluded.value, taken_at = excluded.taken_at`
	}
	system, p, now, written := authz.System(), periodOf(Month, t), cst.NowStamp(), 0
	for _, f := range All() {
		if f.Kind != Stock {
			continue
		}
		// A ChildrenRule figure keeps a second value, as the roles the
		// children rule restricts count it.
		counts := []struct {
			key   string
			actor *authz.Actor
		}{{f.Key, system}}
		if f.ChildrenRule {
			counts = append(counts, struct {
				key   string
				actor *authz.Actor
			}{f.Key + visibleSuffix, childrenHidden()})
		}
		for _, id := range nodes {
			for _, c := range counts {
				v, err := f.Value(ctx, tx, c.actor, p, id)
				if err != nil {
					return written, err
				}
				res, err := tx.Exec(ctx, `INSERT INTO figure_snapshots (figure, org_id, day, value, taken_at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (figure, org_id, day)`+onConflict, c.key, id, day, v, now)
				if err != nil {
					return written, err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					written++
				}
			}
		}
	}
	return written, nil
}

// visibleSuffix marks the snapshot rows of a ChildrenRule figure counted
// as a role the children rule restricts.
const visibleSuffix = "#visible"

// childrenHidden is the system seen through the children rule: every
// node in scope, and a role without authz.PermRecipientsChildren.
func childrenHidden() *authz.Actor {
	a := authz.System()
	a.Role = authz.RoleEvaluator
	return a
}

// snapshotKey is the snapshot rows a past value of f is read from for
// the actor: a ChildrenRule figure's own for a role the children rule
// restricts, so a past month compares with this month's value.
func snapshotKey(f Figure, actor *authz.Actor) string {
	if f.ChildrenRule && !actor.Can(authz.PermRecipientsChildren) {
		return f.Key + visibleSuffix
	}
	return f.Key
}

// snapshotValue reads a Stock for a past period: the value kept on the
// period's last day, or the latest day of the period with one. Snapshots
// are kept for counties and stations; a node above the county adds up
// its counties (each person, station or worker belongs to one); a room
// has none (NotFound).
func snapshotValue(ctx context.Context, q db.Querier, key string, f Figure, n Node, p Period) (int64, error) {
	none := apperr.New(apperr.NotFound, "%s没有留存%s的“%s”数据", n.Name, p.Label(), f.Label)
	var day sql.NullString
	var v sql.NullInt64
	switch n.Kind {
	case org.KindCounty, org.KindStation:
		err := q.QueryRow(ctx, `SELECT day, value FROM figure_snapshots WHERE figure = ? AND org_id = ? AND day >= ? AND day <= ?
			ORDER BY day DESC LIMIT 1`, key, n.ID, p.Start(), p.End()).Scan(&day, &v)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, none
		}
		return v.Int64, err
	case org.KindRoom:
		return 0, none
	}
	cond, args := n.Cond(q.Dialect(), "o.path")
	from := ` FROM figure_snapshots s JOIN org_units o ON o.id = s.org_id WHERE s.figure = ? AND o.kind = 'county' AND ` + cond
	args = append([]any{key}, args...)
	if err := q.QueryRow(ctx, `SELECT MAX(s.day)`+from+` AND s.day >= ? AND s.day <= ?`, append(args, p.Start(), p.End())...).Scan(&day); err != nil {
		return 0, err
	}
	if !day.Valid {
		return 0, none
	}
	err := q.QueryRow(ctx, `SELECT SUM(s.value)`+from+` AND s.day = ?`, append(args, day.String)...).Scan(&v)
	return v.Int64, err
}
