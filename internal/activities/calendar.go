package activities

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// Theme is the theme of a month at an org node.
type Theme struct {
	Month   string `json:"month"` // YYYY-MM
	Theme   string `json:"theme"`
	Notes   string `json:"notes"`
	OrgID   string `json:"org_id,omitempty"` // the node that set it ("" none)
	OrgName string `json:"org_name,omitempty"`
	Own     bool   `json:"own"` // set by the node asked for, not inherited from above
}

func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

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

// themesAt are the themes of the months from..to (inclusive) in force at
// a node: its own, else the nearest node's above it (the county's).
func themesAt(ctx context.Context, q db.Querier, path, from, to string) (map[string]Theme, error) {
	nodes := pathIDs(path)
	out := map[string]Theme{}
	if len(nodes) == 0 {
		return out, nil
	}
	depth := map[string]int{}
	for i, n := range nodes {
		depth[n.(string)] = i
	}
	rows, err := q.Query(ctx, `SELECT t.month, t.theme, t.notes, t.org_id, o.name FROM act_themes t JOIN org_units o ON o.id = t.org_id
		WHERE t.org_id IN (`+db.Placeholders(len(nodes))+`) AND t.month >= ? AND t.month <= ?`, append(nodes, from, to)...)
	all, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (t Theme, err error) {
		err = r.Scan(&t.Month, &t.Theme, &t.Notes, &t.OrgID, &t.OrgName)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	self := nodes[len(nodes)-1].(string)
	for _, t := range all {
		if cur, ok := out[t.Month]; ok && depth[cur.OrgID] > depth[t.OrgID] {
			continue
		}
		t.Own = t.OrgID == self
		out[t.Month] = t
	}
	return out, nil
}

// ThemeOf is the theme of a month in force at a node (by its path).
func ThemeOf(ctx context.Context, q db.Querier, path, month string) (Theme, error) {
	m, err := themesAt(ctx, q, path, month, month)
	if err != nil {
		return Theme{}, err
	}
	t := m[month]
	t.Month = month
	return t, nil
}

// Themes are the twelve months of a year at a node, each with the theme
// in force (activities.read, scope).
func Themes(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string, year int) ([]Theme, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return nil, err
	}
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return nil, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return nil, err
	}
	y := strconv.Itoa(year)
	m, err := themesAt(ctx, q, u.Path, y+"-01", y+"-12")
	if err != nil {
		return nil, err
	}
	out := make([]Theme, 12)
	for i := range out {
		month := y + "-" + twoDigits(i+1)
		t := m[month]
		t.Month = month
		out[i] = t
	}
	return out, nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// SetTheme sets (or, with an empty theme, clears) the theme of a month
// at a node: a station's or room's own theme needs activities.write, a
// county-wide one (any node above stations) activities.themes.
func SetTheme(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID, month, theme, notes string) error {
	u, err := org.Get(ctx, tx, orgID)
	if err != nil {
		return apperr.ErrNotFound("机构")
	}
	perm := authz.PermActivitiesThemes
	if u.Kind == org.KindStation || u.Kind == org.KindRoom {
		perm = authz.PermActivitiesWrite
	}
	if err := actor.Require(perm); err != nil {
		return err
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return err
	}
	fe := apperr.Fields{}
	month = strings.TrimSpace(month)
	if !validMonth(month) {
		fe.Add("month", "请填写月份（年-月）")
	}
	theme = validate.Text(fe, "theme", "主题", theme, 60, false)
	notes = validate.Text(fe, "notes", "说明", notes, 500, false)
	if err := fe.Err(); err != nil {
		return err
	}
	var before string
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(theme), '') FROM act_themes WHERE org_id = ? AND month = ?`, u.ID, month).Scan(&before); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM act_themes WHERE org_id = ? AND month = ?`, u.ID, month); err != nil {
		return err
	}
	if theme != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO act_themes (org_id, month, theme, notes, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u.ID, month, theme, notes, actor.UserID, cst.NowStamp()); err != nil {
			return err
		}
	}
	if before == theme {
		return nil
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "activity_theme", EntityID: u.ID, OrgPath: u.Path,
		Summary: "设置月度主题：" + u.Name + " " + month, Changes: []audit.Change{{Field: "theme", Label: month + " 主题", Before: before, After: theme}}})
}

// Summary is an activity as listed (no participants, partners).
type Summary = Activity

// Filter selects activities for List.
type Filter struct {
	OrgID    string // a node: its subtree
	Month    string // YYYY-MM: planned or held that month
	From, To string // planned dates (YYYY-MM-DD), inclusive
	Kind     Kind
	Status   Status
	Open     bool // still to be held: planned or postponed (with Status, that one only)
	Limit    int  // 1–500, 100 by default
	Offset   int
}

// Next selects the activities still to be held (Open) planned from
// today through days days ahead, China time: Next(14) is what the home
// page counts as 未来两周计划活动 and the list its card opens.
func Next(days int) Filter {
	return Filter{From: cst.Today(), To: cst.Now().AddDate(0, 0, days).Format(cst.DateLayout), Open: true}
}

// List is a page of activities in scope, by planned date, and the total.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Activity, int, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(cond, scopeArgs...)
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return nil, 0, apperr.Fields{"org_id": "站点不存在"}.Err()
		}
		if u.Kind == org.KindStation || u.Kind == org.KindRoom {
			c.Add("a.org_id = ?", u.ID)
		} else {
			sc, sa := authz.SubtreeCond(q.Dialect(), "o.path", u.Path)
			c.Add(sc, sa...)
		}
	}
	if f.Month != "" {
		if !validMonth(f.Month) {
			return nil, 0, apperr.Fields{"month": "月份应为 年-月"}.Err()
		}
		c.Add("a.planned_month = ?", f.Month)
	}
	fe := apperr.Fields{}
	if f.From != "" && !cst.IsDate(f.From) {
		fe.Add("from", "开始日期格式应为 年-月-日，如 2024-03-15")
	}
	if f.To != "" && !cst.IsDate(f.To) {
		fe.Add("to", "结束日期格式应为 年-月-日，如 2024-03-15")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	if f.From != "" {
		c.Add("a.planned_on >= ?", f.From)
	}
	if f.To != "" {
		c.Add("a.planned_on <= ?", f.To)
	}
	if f.Open {
		c.Add("a.status IN (?, ?)", StatusPlanned, StatusPostponed)
	}
	if f.Kind != "" {
		c.Add("a.kind = ?", f.Kind)
	}
	if f.Status != "" {
		c.Add("a.status = ?", f.Status)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM activities a JOIN org_units o ON o.id = a.org_id`,
		Select: selectActivity, Where: c, Order: "a.planned_on, a.start_time, a.id", Limit: f.Limit, Offset: max(f.Offset, 0),
	}, scan)
}

// Day is one day of a calendar month grid.
type Day struct {
	Date       string     `json:"date"`
	Day        int        `json:"day"`
	InMonth    bool       `json:"in_month"`
	Today      bool       `json:"today"`
	Activities []Activity `json:"activities"`
}

// Week is a row of the grid, Monday first, with its activities counted.
type Week struct {
	Days    []Day `json:"days"`
	Planned int   `json:"planned"`
	Held    int   `json:"held"`
}

// Calendar is a station's month: its theme and the activities planned,
// by week (周周有活动).
type Calendar struct {
	OrgID      string     `json:"org_id"`
	OrgName    string     `json:"org_name"`
	Month      string     `json:"month"`
	Prev, Next string     `json:"-"`
	Theme      Theme      `json:"theme"`
	Weeks      []Week     `json:"weeks"`
	Activities []Activity `json:"activities"` // the list view, by date
	Planned    int        `json:"planned"`    // not cancelled
	Held       int        `json:"held"`
}

// StationCalendar builds the month grid of a station or room in scope
// (activities.read). Cancelled activities are shown but not counted.
func StationCalendar(ctx context.Context, q db.Querier, actor *authz.Actor, orgID, month string) (Calendar, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return Calendar{}, err
	}
	if !validMonth(month) {
		return Calendar{}, apperr.Fields{"month": "月份应为 年-月"}.Err()
	}
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return Calendar{}, apperr.ErrNotFound("站点")
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return Calendar{}, err
	}
	cal := Calendar{OrgID: u.ID, OrgName: u.Name, Month: month}
	if cal.Theme, err = ThemeOf(ctx, q, u.Path, month); err != nil {
		return cal, err
	}
	first, _ := time.ParseInLocation("2006-01", month, cst.Loc)
	cal.Prev, cal.Next = first.AddDate(0, -1, 0).Format("2006-01"), first.AddDate(0, 1, 0).Format("2006-01")
	// Read from the calendar index alone (activities_calendar): the
	// month grid needs no content or counts by sex and age.
	rows, err := q.Query(ctx, `SELECT a.id, a.status, a.kind, a.title, a.planned_on, a.start_time, a.end_time, a.place, a.held_on, a.participants
		FROM activities a WHERE a.org_id = ? AND a.planned_month = ? ORDER BY a.planned_on, a.start_time, a.id`, u.ID, month)
	cal.Activities, err = db.Collect(rows, err, func(r interface{ Scan(...any) error }) (a Activity, err error) {
		err = r.Scan(&a.ID, &a.Status, &a.Kind, &a.Title, &a.PlannedOn, &a.StartTime, &a.EndTime, &a.Place, &a.HeldOn, &a.Participants)
		a.OrgID, a.OrgName, a.KindLabel, a.StatusLabel = u.ID, u.Name, a.Kind.Label(), a.Status.Label()
		a.Named, a.Volunteers, a.Partners = []Participant{}, []VolunteerHours{}, []Partner{}
		return a, err
	})
	if err != nil {
		return cal, err
	}
	byDay := map[string][]Activity{}
	for _, a := range cal.Activities {
		byDay[a.PlannedOn] = append(byDay[a.PlannedOn], a)
		if a.Status != StatusCancelled {
			cal.Planned++
		}
		if a.Status.done() {
			cal.Held++
		}
	}
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	today := cst.Today()
	for d := start; d.Before(first.AddDate(0, 1, 0)); {
		var w Week
		for i := 0; i < 7; i++ {
			day := d.Format(cst.DateLayout)
			acts := byDay[day]
			for _, a := range acts {
				if a.Status != StatusCancelled {
					w.Planned++
				}
				if a.Status.done() {
					w.Held++
				}
			}
			w.Days = append(w.Days, Day{Date: day, Day: d.Day(), InMonth: d.Month() == first.Month(), Today: day == today, Activities: acts})
			d = d.AddDate(0, 0, 1)
		}
		cal.Weeks = append(cal.Weeks, w)
	}
	return cal, nil
}

// Cell is one station's month in the county grid.
type Cell struct {
	Month   string `json:"month"`
	Planned int    `json:"planned"` // planned that month, not cancelled
	Held    int    `json:"held"`    // held that month
	Theme   string `json:"theme,omitempty"`
}

// GridRow is one station's year.
type GridRow struct {
	OrgID   string `json:"org_id"`
	OrgName string `json:"org_name"`
	Cells   []Cell `json:"cells"`
	Planned int    `json:"planned"`
	Held    int    `json:"held"`
}

// Grid is the county's station × month table of planned versus held.
type Grid struct {
	OrgID   string    `json:"org_id"`
	OrgName string    `json:"org_name"`
	Year    int       `json:"year"`
	Months  []string  `json:"months"`
	Rows    []GridRow `json:"rows"`
	Totals  []Cell    `json:"totals"`
}

// CountyGrid is the station × month grid of planned versus held
// activities of a year under a node in scope (activities.read): one row
// per station (a room's activities count for its station).
func CountyGrid(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string, year int) (Grid, error) {
	if err := actor.Require(authz.PermActivitiesRead); err != nil {
		return Grid{}, err
	}
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return Grid{}, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return Grid{}, err
	}
	y := strconv.Itoa(year)
	g := Grid{OrgID: u.ID, OrgName: u.Name, Year: year}
	for i := 1; i <= 12; i++ {
		g.Months = append(g.Months, y+"-"+twoDigits(i))
		g.Totals = append(g.Totals, Cell{Month: y + "-" + twoDigits(i)})
	}
	under, underArgs := authz.SubtreeCond(q.Dialect(), "path", u.Path)
	rows, err := q.Query(ctx, `SELECT id, name, path FROM org_units WHERE `+under+` AND kind = ? AND active = 1 ORDER BY division_code, name`,
		append(underArgs, org.KindStation)...)
	type st struct{ id, name, path string }
	stations, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s st, err error) {
		err = r.Scan(&s.id, &s.name, &s.path)
		return s, err
	})
	if err != nil {
		return g, err
	}
	index := map[string]int{}
	for i, s := range stations {
		index[s.id] = i
		row := GridRow{OrgID: s.id, OrgName: s.name}
		for _, m := range g.Months {
			row.Cells = append(row.Cells, Cell{Month: m})
		}
		g.Rows = append(g.Rows, row)
	}
	// The month counts per org node (act_month_counts), folded into
	// stations: a room's path starts with its station's.
	oUnder, oArgs := authz.SubtreeCond(q.Dialect(), "o.path", u.Path)
	rows, err = q.Query(ctx, `SELECT o.path, c.month, c.planned, c.held FROM org_units o JOIN act_month_counts c ON c.org_id = o.id
		WHERE `+oUnder+` AND c.month >= ? AND c.month <= ?`, append(oArgs, y+"-01", y+"-12")...)
	type hit struct {
		path, month   string
		planned, held int
	}
	hits, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (h hit, err error) {
		err = r.Scan(&h.path, &h.month, &h.planned, &h.held)
		return h, err
	})
	if err != nil {
		return g, err
	}
	for _, h := range hits {
		nodes := pathIDs(h.path)
		for j := len(nodes) - 1; j >= 0; j-- {
			if i, ok := index[nodes[j].(string)]; ok {
				m, _ := strconv.Atoi(h.month[5:])
				c := &g.Rows[i].Cells[m-1]
				c.Planned += h.planned
				c.Held += h.held
				break
			}
		}
	}
	// Themes: those in force above the node, and the stations' own.
	above, err := themesAt(ctx, q, u.Path, y+"-01", y+"-12")
	if err != nil {
		return g, err
	}
	own := map[string]map[string]string{}
	if len(stations) > 0 {
		sids := make([]any, len(stations))
		for i, st := range stations {
			sids[i] = st.id
		}
		rows, err := q.Query(ctx, `SELECT org_id, month, theme FROM act_themes WHERE org_id IN (`+db.Placeholders(len(sids))+`) AND month >= ? AND month <= ?`,
			append(sids, y+"-01", y+"-12")...)
		type th struct{ org, month, theme string }
		list, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x th, err error) {
			err = r.Scan(&x.org, &x.month, &x.theme)
			return x, err
		})
		if err != nil {
			return g, err
		}
		for _, x := range list {
			if own[x.org] == nil {
				own[x.org] = map[string]string{}
			}
			own[x.org][x.month] = x.theme
		}
	}
	for i := range g.Rows {
		for j := range g.Rows[i].Cells {
			c := &g.Rows[i].Cells[j]
			c.Theme = above[c.Month].Theme
			if t, ok := own[stations[i].id][c.Month]; ok {
				c.Theme = t
			}
			g.Rows[i].Planned += c.Planned
			g.Rows[i].Held += c.Held
			g.Totals[j].Planned += c.Planned
			g.Totals[j].Held += c.Held
		}
	}
	return g, nil
}

// Upcoming lists the activities still to be held in the actor's scope
// from today for a number of days (activities.read), soonest first, at
// most limit (up to 500): the first page of List(Next(days)).
func Upcoming(ctx context.Context, q db.Querier, actor *authz.Actor, days, limit int) ([]Activity, error) {
	f := Next(days)
	f.Limit = limit
	list, _, err := List(ctx, q, actor, f)
	return list, err
}

// OfParticipant is the activity of a named participant's row (the
// source of their service record), checked like Get.
func OfParticipant(ctx context.Context, q db.Querier, actor *authz.Actor, participantID string) (Activity, error) {
	var id string
	if err := q.QueryRow(ctx, `SELECT activity_id FROM act_participants WHERE id = ?`, participantID).Scan(&id); err != nil {
		return Activity{}, apperr.ErrNotFound("活动参与记录")
	}
	return Get(ctx, q, actor, id)
}
