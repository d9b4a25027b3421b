package visits

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
)

// Due and overdue. A person in care (status active) who has been visited
// has a next due date; the visit is overdue once that date has passed
// (a visit due today is due, not yet overdue). People never visited have
// no plan yet and are counted apart as 未探访, so a new registration is
// not reported overdue on its first day.

// Window selects due dates relative to today (China dates).
type Window string

const (
	WindowOverdue Window = "overdue" // due before today
	WindowWeek    Window = "week"    // due from today to this Sunday
	WindowOpen    Window = "open"    // overdue or due by this Sunday: a worker's "本周待探访"
	WindowNever   Window = "never"   // in care, never visited
	// WindowNext30 is due after this week and within 30 days of today:
	// with the open and never-visited lists it covers everyone in care
	// whose visit falls in the coming month — a person assessed 高风险
	// today (due in a week) is on it.
	WindowNext30 Window = "next30"
)

// Next30Days is how far WindowNext30 reaches, in days from today.
const Next30Days = 30

var windowLabels = map[Window]string{WindowOverdue: "已逾期", WindowWeek: "本周到期", WindowOpen: "本周待探访（含逾期）", WindowNever: "从未探访",
	WindowNext30: "未来 30 天"}

// Label is the window's Chinese name.
func (w Window) Label() string { return windowLabels[w] }

// Valid reports whether w is known.
func (w Window) Valid() bool { _, ok := windowLabels[w]; return ok }

// Windows lists them in display order.
var Windows = []Window{WindowOverdue, WindowWeek, WindowOpen, WindowNever, WindowNext30}

// DueSections are the windows of the station head's due page, which
// together hold everyone in care due within 30 days or never visited.
var DueSections = []Window{WindowOpen, WindowNever, WindowNext30}

// weekdays are the Chinese names of the days, Sunday first.
var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// WeekdayOf is day's weekday in Chinese.
func WeekdayOf(day time.Time) string { return weekdays[day.Weekday()] }

// WeekEndLabel is the last day this week's lists reach on day, with its
// own weekday: "2026-12-06（周日）", or on a Sunday "2026-11-30（周一）"
// (WeekEnd explains why a Sunday's week reaches Monday).
func WeekEndLabel(day time.Time) string {
	end := WeekEnd(day)
	return end.Format(cst.DateLayout) + "（" + WeekdayOf(end) + "）"
}

// next30End is the last day WindowNext30 reaches from today.
func next30End(today string) string {
	t, err := cst.ParseDate(today)
	if err != nil {
		return today
	}
	return t.AddDate(0, 0, Next30Days).Format(cst.DateLayout)
}

// WeekEnd is the last day "this week's" lists reach on day: the Sunday
// of its week (Monday to Sunday, as Chinese calendars count), except on a
// Sunday itself, when it is the Monday after — a major change reported
// on a Sunday is due on Monday and must be on that Sunday's list.
func WeekEnd(day time.Time) time.Time {
	off := (7 - int(day.Weekday())) % 7
	if off == 0 {
		off = 1
	}
	y, m, d := day.Date()
	return time.Date(y, m, d+off, 0, 0, 0, 0, day.Location())
}

// DueItem is one person on a due list.
type DueItem struct {
	RecipientID   string `json:"recipient_id"`
	Name          string `json:"name"`
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	WorkerID      string `json:"worker_id"`
	WorkerName    string `json:"worker_name"`
	VillageCode   string `json:"village_code"`
	RiskTier      Tier   `json:"risk_tier"`
	RiskTierLabel string `json:"risk_tier_label"`
	LastVisitOn   string `json:"last_visit_on"`
	NextVisitDue  string `json:"next_visit_due"`
	DaysOverdue   int    `json:"days_overdue"` // 0 when not overdue
	// MajorChange names the oldest unanswered major change (重大变化),
	// which is why the visit is due so soon; "" when there is none.
	MajorChange string `json:"major_change,omitempty"`
	// RegisteredOn is the China date the person was registered, and
	// DaysWaiting the days since, for people never visited (0 otherwise).
	RegisteredOn string `json:"registered_on"`
	DaysWaiting  int    `json:"days_waiting"`
}

// DueFilter selects a due list.
type DueFilter struct {
	Window   Window
	WorkerID string // the assigned worker
	OrgID    string // a node: it and everything under it
	Tier     Tier
	Offset   int
	Limit    int // at most 200; 0 = 50 (the export passes -1: everything)
}

// WindowCond is the due window w as a condition on the recipients row
// alias, for the people in care: the one definition of overdue, due this
// week and never visited, which the lists, counts and figures share.
func WindowCond(w Window, alias, today, weekEnd string) (string, []any) {
	return windowOn(alias+".next_visit_due", w, today, weekEnd)
}

// windowOn is WindowCond on any column holding a next visit due date
// (” = never visited): the recipients' own, or the rollup's (due_counts).
func windowOn(due string, w Window, today, weekEnd string) (string, []any) {
	switch w {
	case WindowOverdue:
		return due + " > '' AND " + due + " < ?", []any{today}
	case WindowWeek:
		return due + " >= ? AND " + due + " <= ?", []any{today, weekEnd}
	case WindowNever:
		return due + " = ''", nil
	case WindowNext30:
		return due + " > ? AND " + due + " <= ?", []any{weekEnd, next30End(today)}
	default: // open
		return due + " > '' AND " + due + " <= ?", []any{weekEnd}
	}
}

func dueWhere(d db.Dialect, actor *authz.Actor, f DueFilter, today, weekEnd string) db.Conds {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(d, "o.path")
	c.Add(scope, scopeArgs...)
	c.Add(recipients.InCareCond("r"))
	wc, wargs := WindowCond(f.Window, "r", today, weekEnd)
	c.Add(wc, wargs...)
	if f.WorkerID != "" {
		c.Add("r.worker_id = ?", f.WorkerID)
	}
	if f.OrgID != "" {
		c.Add("o.path LIKE (SELECT path FROM org_units WHERE id = ?) || '%'", f.OrgID)
	}
	if f.Tier != "" {
		c.Add("r.risk_tier = ?", f.Tier)
	}
	if cond, args := visibleCond(actor, "r"); cond != "" {
		c.Add(cond, args...)
	}
	return c
}

// DueList returns the people whose visit is due in the window, the most
// overdue first, and their total.
func DueList(ctx context.Context, q db.Querier, actor *authz.Actor, f DueFilter) ([]DueItem, int, error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return nil, 0, err
	}
	if !f.Window.Valid() {
		f.Window = WindowOverdue
	}
	now := cst.Now()
	today, weekEnd := now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout)
	c := dueWhere(q.Dialect(), actor, f, today, weekEnd)
	w, args := c.Expr(), c.Args()
	// A worker's list walks their own (worker, status, due) range (the
	// CROSS JOIN keeps SQLite from starting at the org nodes); any other list starts
	// from the org nodes in scope (CROSS JOIN fixes SQLite's join order),
	// each with its (org, status, due) range.
	from := ` FROM org_units o CROSS JOIN recipients r WHERE r.org_id = o.id AND `
	if f.WorkerID != "" {
		from = ` FROM recipients r CROSS JOIN org_units o WHERE o.id = r.org_id AND `
	}
	var total int
	if err := q.QueryRow(ctx, `SELECT COUNT(*)`+from+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	switch {
	case limit == 0 || limit > 200:
		limit = 50
	case limit < 0:
		limit = 1_000_000
	}
	// Sort the keys from the index, then read only the page's rows.
	key := rowKey(q.Dialect(), "r")
	order := "r.next_visit_due, " + key
	if f.Window == WindowNever {
		// Longest waiting first.
		order = "r.created_at, " + key
	}
	rows, err := q.Query(ctx, `SELECT `+dueColumns+`
		FROM recipients r JOIN org_units o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.worker_id
		WHERE `+key+` IN (SELECT `+key+from+w+` ORDER BY `+order+` LIMIT ? OFFSET ?) ORDER BY `+order, append(args, limit, f.Offset)...)
	out, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (DueItem, error) {
		return scanDue(row, today, now)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// dueColumns are read by scanDue, in this order.
const dueColumns = `r.id, r.name, r.org_id, o.name, r.worker_id, COALESCE(u.display_name, ''), r.village_code, r.risk_tier,
		r.last_visit_on, r.next_visit_due, COALESCE((SELECT m.kind FROM visit_major_changes m WHERE m.recipient_id = r.id AND m.visit_id IS NULL
			ORDER BY m.reported_at LIMIT 1), ''), r.created_at`

func scanDue(row interface{ Scan(...any) error }, today string, now time.Time) (DueItem, error) {
	var it DueItem
	var change ChangeKind
	var created string
	if err := row.Scan(&it.RecipientID, &it.Name, &it.OrgID, &it.OrgName, &it.WorkerID, &it.WorkerName, &it.VillageCode, &it.RiskTier,
		&it.LastVisitOn, &it.NextVisitDue, &change, &created); err != nil {
		return it, err
	}
	if at, err := cst.ParseStamp(created); err == nil {
		it.RegisteredOn = at.In(cst.Loc).Format(cst.DateLayout)
		if it.NextVisitDue == "" {
			it.DaysWaiting = daysBetween(at, now)
		}
	}
	it.RiskTierLabel, it.MajorChange = it.RiskTier.Label(), change.Label()
	if it.NextVisitDue != "" && it.NextVisitDue < today {
		if d, err := cst.ParseDate(it.NextVisitDue); err == nil {
			it.DaysOverdue = daysBetween(d, now)
		}
	}
	return it, nil
}

// daysBetween counts calendar days from a to b's date (China).
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.In(cst.Loc).Date()
	by, bm, bd := b.In(cst.Loc).Date()
	from := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	to := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(to.Sub(from).Hours() / 24)
}

// Counts are the due figures of one org node and everything under it.
type Counts struct {
	OrgID   string `json:"org_id"`
	OrgName string `json:"org_name"`
	Kind    string `json:"kind"`
	Overdue int    `json:"overdue"`
	DueWeek int    `json:"due_week"` // due from today to Sunday
	Never   int    `json:"never"`    // in care, never visited
}

// DueCounts counts, for the actor's scope, overdue, due-this-week and
// never-visited people per station (rooms are counted with their
// station; people registered directly at the county with the county),
// and the total. A worker's own figures come from MyCounts.
func DueCounts(ctx context.Context, q db.Querier, actor *authz.Actor) (perStation []Counts, total Counts, err error) {
	if err := actor.Require(authz.PermVisitsStats); err != nil {
		return nil, Counts{}, err
	}
	cond, args := actor.ScopeCond(q.Dialect(), "path")
	rows, err := q.Query(ctx, `SELECT id, kind, name, path FROM org_units WHERE `+cond, args...)
	if err != nil {
		return nil, Counts{}, err
	}
	nodes := map[string]org.Unit{}
	for rows.Next() {
		var n org.Unit
		if err := rows.Scan(&n.ID, &n.Kind, &n.Name, &n.Path); err != nil {
			rows.Close()
			return nil, Counts{}, err
		}
		nodes[n.ID] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, Counts{}, err
	}
	// Figures go to the station an org node belongs to (org.StationIn),
	// or to the node itself above station level.
	stationOf := func(id string) string {
		if st, ok := org.StationIn(nodes[id].Path, nodes); ok {
			return st.ID
		}
		return id
	}
	now := cst.Now()
	today, weekEnd := now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout)
	// Counts read only the (org, status, due) index: they name nobody,
	// so the children rule of the lists does not apply to them.
	ocond, oargs := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err = q.Query(ctx, `SELECT r.org_id,
		SUM(CASE WHEN r.next_visit_due > '' AND r.next_visit_due < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.next_visit_due >= ? AND r.next_visit_due <= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.next_visit_due = '' THEN 1 ELSE 0 END)
		FROM org_units o CROSS JOIN recipients r
		WHERE r.org_id = o.id AND `+ocond+` AND `+recipients.InCareCond("r")+` AND r.next_visit_due <= ? GROUP BY r.org_id`, append(append([]any{today, today, weekEnd}, oargs...), weekEnd)...)
	if err != nil {
		return nil, Counts{}, err
	}
	defer rows.Close()
	by := map[string]*Counts{}
	for rows.Next() {
		var id string
		var c Counts
		if err := rows.Scan(&id, &c.Overdue, &c.DueWeek, &c.Never); err != nil {
			return nil, Counts{}, err
		}
		st := stationOf(id)
		agg := by[st]
		if agg == nil {
			n := nodes[st]
			agg = &Counts{OrgID: st, OrgName: n.Name, Kind: string(n.Kind)}
			by[st] = agg
		}
		agg.Overdue += c.Overdue
		agg.DueWeek += c.DueWeek
		agg.Never += c.Never
		total.Overdue += c.Overdue
		total.DueWeek += c.DueWeek
		total.Never += c.Never
	}
	if err := rows.Err(); err != nil {
		return nil, Counts{}, err
	}
	// Every station in scope appears, with zeros where nothing is due.
	for id, n := range nodes {
		if n.Kind == org.KindStation && by[id] == nil {
			by[id] = &Counts{OrgID: id, OrgName: n.Name, Kind: string(n.Kind)}
		}
	}
	for _, c := range by {
		perStation = append(perStation, *c)
	}
	sort.Slice(perStation, func(i, j int) bool {
		a, b := perStation[i], perStation[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		return nodes[a.OrgID].Path < nodes[b.OrgID].Path
	})
	total.OrgID, total.OrgName = actor.OrgID, actor.OrgName
	return perStation, total, nil
}

// MyCounts are the figures of the people assigned to the actor.
func MyCounts(ctx context.Context, q db.Querier, actor *authz.Actor) (Counts, error) {
	now := cst.Now()
	today, weekEnd := now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout)
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	var c Counts
	err := q.QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN r.next_visit_due > '' AND r.next_visit_due < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.next_visit_due >= ? AND r.next_visit_due <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.next_visit_due = '' THEN 1 ELSE 0 END), 0)
		FROM recipients r CROSS JOIN org_units o
		WHERE o.id = r.org_id AND r.worker_id = ? AND `+recipients.InCareCond("r")+` AND r.next_visit_due <= ? AND `+cond,
		append([]any{today, today, weekEnd, actor.UserID, weekEnd}, scopeArgs...)...).Scan(&c.Overdue, &c.DueWeek, &c.Never)
	c.OrgID, c.OrgName = actor.OrgID, actor.DisplayName
	return c, err
}

// CountDueExport is how many rows an export of f would hold (for a
// progress bar, or to decide whether it runs as a background job).
func CountDueExport(ctx context.Context, q db.Querier, actor *authz.Actor, f DueFilter) (int, error) {
	if err := actor.Require(authz.PermVisitsExport); err != nil {
		return 0, err
	}
	if !f.Window.Valid() {
		f.Window = WindowOverdue
	}
	now := cst.Now()
	c := dueWhere(q.Dialect(), actor, f, now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout))
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM org_units o CROSS JOIN recipients r WHERE r.org_id = o.id AND `+c.Expr(), c.Args()...).Scan(&n)
	return n, err
}

// BuildDueExport streams the due list (every row the filter selects) as
// an Excel workbook to w without writing to the database, and returns its row count and the audit entry to
// record: run it in db.ReadTx, record the entry with audit.Record in a
// short write transaction, and send w's bytes only if that succeeds (w
// is best an exports.Spool). Every row the filter selects is written, in
// one query, on further sheets past a sheet's limit. progress, if not
// nil, is called every 1,000 rows with the rows done so far.
func BuildDueExport(ctx context.Context, q db.Querier, actor *authz.Actor, f DueFilter, w io.Writer, progress func(done int)) (int, audit.Entry, error) {
	var none audit.Entry
	if err := actor.Require(authz.PermVisitsExport); err != nil {
		return 0, none, err
	}
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return 0, none, err
	}
	if !f.Window.Valid() {
		f.Window = WindowOverdue
	}
	now := cst.Now()
	today, weekEnd := now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout)
	c := dueWhere(q.Dialect(), actor, f, today, weekEnd)
	book, err := exports.NewBook(f.Window.Label(), DueExportHeaders, exports.Width{From: 1, To: 9, Width: 14})
	if err != nil {
		return 0, none, err
	}
	defer book.Close()
	order := "r.next_visit_due, r.id"
	if f.Window == WindowNever {
		order = "r.name, r.id"
	}
	err = book.FillTo(ctx, w, func(emit func([]any) error) error {
		rows, err := q.Query(ctx, `SELECT `+dueColumns+` FROM org_units o CROSS JOIN recipients r LEFT JOIN users u ON u.id = r.worker_id
			WHERE r.org_id = o.id AND `+c.Expr()+` ORDER BY `+order, c.Args()...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanDue(rows, today, now)
			if err != nil {
				return err
			}
			if err := emit([]any{it.Name, it.OrgName, it.VillageCode, it.RiskTier.Label(), it.LastVisitOn, it.NextVisitDue, it.DaysOverdue, it.WorkerName, it.MajorChange}); err != nil {
				return err
			}
		}
		return rows.Err()
	}, progress)
	if err != nil {
		return 0, none, err
	}
	entry := audit.Entry{Action: audit.ActionExport, Entity: "visit_due", OrgPath: actor.OrgPath,
		Summary: fmt.Sprintf("导出探访名单（%s，%d 人）", f.Window.Label(), book.Rows())}
	return book.Rows(), entry, nil
}

// DueExportKind is the background export job kind of the due list; its
// params are a DueFilter.
const DueExportKind = "visits_due"

func init() {
	exports.Register(exports.Kind{Name: DueExportKind, Label: "待探访名单", File: "待探访名单", Perm: authz.PermVisitsExport,
		Count: func(ctx context.Context, q db.Querier, _ *secure.Keyring, actor *authz.Actor, params []byte) (int, error) {
			var f DueFilter
			if err := json.Unmarshal(params, &f); err != nil {
				return 0, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			return CountDueExport(ctx, q, actor, f)
		},
		Build: func(ctx context.Context, q db.Querier, _ *secure.Keyring, actor *authz.Actor, params []byte, w io.Writer, progress func(int)) (int, audit.Entry, error) {
			var f DueFilter
			if err := json.Unmarshal(params, &f); err != nil {
				return 0, audit.Entry{}, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			return BuildDueExport(ctx, q, actor, f, w, progress)
		},
	})
}

// DueExportHeaders are the column titles of the exported due list.
var DueExportHeaders = []string{"姓名", "所属站点", "村（社区）代码", "风险等级", "最近探访", "应探访日期", "逾期天数", "责任社工", "重大变化"}

// Weekday is the due date's weekday in Chinese, for lists.
func (it DueItem) Weekday() string {
	t, err := cst.ParseDate(it.NextVisitDue)
	if err != nil {
		return ""
	}
	return WeekdayOf(t)
}

// NextToVisit is the person the actor should visit next, for the "save
// and visit the next one" flow: the first of their own open list (overdue
// or due this week, most overdue first), else the first of their
// never-visited; for an actor with nobody assigned (a station head), the
// same lists over their scope. except is the person just visited. ok is
// false when nobody is left.
func NextToVisit(ctx context.Context, q db.Querier, actor *authz.Actor, except string) (DueItem, bool, error) {
	for _, worker := range []string{actor.UserID, ""} {
		for _, w := range []Window{WindowOpen, WindowNever} {
			items, _, err := DueList(ctx, q, actor, DueFilter{Window: w, WorkerID: worker, Limit: 2})
			if err != nil {
				return DueItem{}, false, err
			}
			for _, it := range items {
				if it.RecipientID != except {
					return it, true, nil
				}
			}
		}
		if actor.Role == authz.RoleWorker {
			// A worker goes on to their own people only.
			break
		}
	}
	return DueItem{}, false, nil
}
