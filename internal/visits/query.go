package visits

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
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

const visitColumns = `v.id, v.version, v.recipient_id, r.name, v.org_id, o.name, o.path, COALESCE(v.campaign_id, ''), COALESCE(c.name, ''),
	v.visited_at, v.visit_date, v.method, v.score_living, v.score_safety, v.score_family, v.score_care, v.risk_tier, v.follow_up,
	v.created_by, COALESCE(u.display_name, ''), v.created_at, v.updated_at`

const visitFrom = ` FROM visits v
	JOIN recipients r ON r.id = v.recipient_id
	JOIN org_units o ON o.id = v.org_id
	LEFT JOIN visit_campaigns c ON c.id = v.campaign_id
	LEFT JOIN users u ON u.id = v.created_by`

func scanVisit(row interface{ Scan(...any) error }, extra ...any) (Visit, error) {
	var v Visit
	dest := []any{&v.ID, &v.Version, &v.RecipientID, &v.RecipientName, &v.OrgID, &v.OrgName, &v.OrgPath, &v.CampaignID, &v.CampaignName,
		&v.VisitedAt, &v.VisitDate, &v.Method, &v.Assessment.Living.Score, &v.Assessment.Safety.Score, &v.Assessment.Family.Score,
		&v.Assessment.Care.Score, &v.RiskTier, &v.FollowUp, &v.CreatedBy, &v.CreatedByName, &v.CreatedAt, &v.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return v, err
	}
	v.MethodLabel, v.RiskTierLabel, v.FollowUpLabel = v.Method.Label(), v.RiskTier.Label(), v.FollowUp.Label()
	if v.RiskTier == "" {
		v.RiskTierLabel = ""
	}
	return v, nil
}

// getRow loads a visit with its sealed text opened, without a scope check.
func getRow(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (Visit, error) {
	var findings, needs, notes string
	v, err := scanVisit(q.QueryRow(ctx, `SELECT `+visitColumns+`, v.findings_enc, v.needs_enc, v.notes_enc`+visitFrom+` WHERE v.id = ?`, id),
		&findings, &needs, &notes)
	if errors.Is(err, sql.ErrNoRows) {
		return Visit{}, apperr.ErrNotFound("探访记录")
	}
	if err != nil {
		return Visit{}, err
	}
	if v.Findings, err = keys.Open(findings); err != nil {
		return Visit{}, err
	}
	if v.Needs, err = keys.Open(needs); err != nil {
		return Visit{}, err
	}
	if notes != "" {
		plain, err := keys.Open(notes)
		if err != nil {
			return Visit{}, err
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte(plain), &m); err != nil {
			return Visit{}, err
		}
		for _, d := range Dimensions {
			v.Assessment.ptr(d.Key).Note = m[d.Key]
		}
	}
	if err := loadVisitors(ctx, q, []*Visit{&v}); err != nil {
		return Visit{}, err
	}
	if err := q.QueryRow(ctx, `SELECT next_visit_due FROM recipients WHERE id = ?`, v.RecipientID).Scan(&v.NextDue); err != nil {
		return Visit{}, err
	}
	return v, nil
}

// Get loads a visit the actor may see: in their scope, about a person
// they may see (the recipients package's children rule applies).
func Get(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string) (Visit, error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return Visit{}, err
	}
	v, err := getRow(ctx, q, keys, id)
	if err != nil {
		return Visit{}, err
	}
	if err := actor.RequireScope(v.OrgPath); err != nil {
		return Visit{}, err
	}
	if _, err := recipientFor(ctx, q, actor, v.RecipientID); err != nil {
		return Visit{}, err
	}
	return v, nil
}

func loadVisitors(ctx context.Context, q db.Querier, vs []*Visit) error {
	if len(vs) == 0 {
		return nil
	}
	byID := map[string]*Visit{}
	args := make([]any, len(vs))
	for i, v := range vs {
		byID[v.ID] = v
		args[i] = v.ID
		v.Visitors = []Visitor{}
	}
	rows, err := q.Query(ctx, `SELECT visit_id, user_id, name FROM visit_visitors WHERE visit_id IN (`+db.Placeholders(len(args))+`) ORDER BY visit_id, position`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var p Visitor
		if err := rows.Scan(&id, &p.UserID, &p.Name); err != nil {
			return err
		}
		byID[id].Visitors = append(byID[id].Visitors, p)
	}
	return rows.Err()
}

// Filter selects visits for a list.
type Filter struct {
	RecipientID string
	OrgID       string // a node: visits of it and everything under it
	CampaignID  string
	Method      Method
	Tier        Tier
	VisitorID   string // an account that took part
	From, To    string // China dates, inclusive
	Text        string // recipient name prefix
	Offset      int
	Limit       int
}

// CountCap bounds how far a list counts (a total shown as "10000+").
const CountCap = 10000

// rowKey is the column that identifies a row most cheaply: SQLite's
// rowid (every index entry carries it, so a sort over an index needs no
// table reads), PostgreSQL's primary key.
func rowKey(d db.Dialect, alias string) string {
	if d == db.SQLite {
		return alias + ".rowid"
	}
	return alias + ".id"
}

// dayStart is the instant a China date begins, as stored.
func dayStart(date string) (string, bool) {
	t, err := cst.ParseDate(date)
	if err != nil {
		return "", false
	}
	return cst.Stamp(t), true
}

// List returns visits in the actor's scope, newest first, and the total
// (at most CountCap). Lists carry no findings (only a record's own page
// opens them).
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Visit, int, error) {
	items, total, _, err := ListCounted(ctx, q, actor, f)
	return items, total, err
}

// ListCounted is List that also says whether the count stopped at
// CountCap (capped: there are more than total).
func ListCounted(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) (_ []Visit, total int, capped bool, _ error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return nil, 0, false, err
	}
	// Conditions on the org node (o) and on the visit and person (v, r).
	var oc, vc db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	oc.Add(scope, scopeArgs...)
	if f.OrgID != "" {
		oc.Add("o.path LIKE (SELECT path FROM org_units WHERE id = ?) || '%'", f.OrgID)
	}
	needPerson := false // whether the conditions read the recipients row
	if f.RecipientID != "" {
		vc.Add("v.recipient_id = ?", f.RecipientID)
	}
	if f.CampaignID != "" {
		vc.Add("v.campaign_id = ?", f.CampaignID)
	}
	if f.Method != "" {
		vc.Add("v.method = ?", f.Method)
	}
	if f.Tier != "" {
		vc.Add("v.risk_tier = ?", f.Tier)
	}
	if f.VisitorID != "" {
		vc.Add("v.id IN (SELECT visit_id FROM visit_visitors WHERE user_id = ?)", f.VisitorID)
	}
	// Dates as instants, so the (org, time) index serves them.
	if from, ok := dayStart(f.From); ok {
		vc.Add("v.visited_at >= ?", from)
	}
	if t, err := cst.ParseDate(f.To); err == nil {
		vc.Add("v.visited_at < ?", cst.Stamp(t.AddDate(0, 0, 1)))
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		vc.Add(`(r.name LIKE ? ESCAPE '\' OR r.name_initials LIKE ? ESCAPE '\')`, db.Like(t)+"%", db.Like(strings.ToLower(t))+"%")
		needPerson = true
	}
	if c, a := visibleCond(actor, "r"); c != "" {
		vc.Add(c, a...)
		needPerson = true
	}
	vw, vargs := vc.Expr(), vc.Args()
	person := ""
	if needPerson {
		person = " JOIN recipients r ON r.id = v.recipient_id"
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	key := rowKey(q.Dialect(), "v")

	// The org nodes in scope. Up to a county's few hundred, each node's
	// visits are read newest first from the (org, time) index and only the
	// page's worth of each is merged; the count stops at CountCap.
	orgs, err := orgIDs(ctx, q, oc.Expr(), oc.Args(), mergedOrgs[db.SQLite]+1)
	if err != nil {
		return nil, 0, false, err
	}
	var page string
	var pageArgs []any
	if len(orgs) == 0 {
		return []Visit{}, 0, false, nil
	}
	switch {
	case len(orgs) <= mergedOrgs[q.Dialect()]:
		in := db.Placeholders(len(orgs))
		countArgs := append(append(anys(orgs), vargs...), CountCap+1)
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM visits v`+person+` WHERE v.org_id IN (`+in+`) AND `+vw+` LIMIT ?) t`,
			countArgs...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
		arms := make([]string, len(orgs))
		for i, id := range orgs {
			arms[i] = `SELECT k, t FROM (SELECT ` + key + ` AS k, v.visited_at AS t FROM visits v` + person + ` WHERE v.org_id = ? AND ` + vw +
				` ORDER BY v.visited_at DESC, ` + key + ` DESC LIMIT ?) a` + itoa(i)
			pageArgs = append(append(append(pageArgs, id), vargs...), f.Offset+f.Limit)
		}
		page = `SELECT k FROM (` + strings.Join(arms, " UNION ALL ") + `) u ORDER BY t DESC, k DESC LIMIT ? OFFSET ?`
	case q.Dialect() == db.Postgres:
		// PostgreSQL sorts a county's matches quickly and walks the time
		// index by itself for a province; one query beats planning
		// hundreds of merged arms.
		w := oc.Expr() + " AND " + vw
		args := append(oc.Args(), vargs...)
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM org_units o JOIN visits v ON v.org_id = o.id`+person+` WHERE `+w+` LIMIT ?) t`,
			append(args, CountCap+1)...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
		page = `SELECT v.id FROM org_units o JOIN visits v ON v.org_id = o.id` + person + ` WHERE ` + w + ` ORDER BY v.visited_at DESC, v.id DESC LIMIT ? OFFSET ?`
		pageArgs = args
	default:
		// A province: walk all visits newest first and keep those in
		// scope, which finds a page within a few thousand entries.
		w := oc.Expr() + " AND " + vw
		args := append(oc.Args(), vargs...)
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM org_units o CROSS JOIN visits v`+person+` WHERE v.org_id = o.id AND `+w+` LIMIT ?) t`,
			append(args, CountCap+1)...).Scan(&total); err != nil {
			return nil, 0, false, err
		}
		walk := "visits v"
		if q.Dialect() == db.SQLite {
			walk = "visits v INDEXED BY visits_visited_at"
		}
		page = `SELECT ` + key + ` FROM ` + walk + ` JOIN org_units o ON o.id = v.org_id` + person + ` WHERE ` + w +
			` ORDER BY v.visited_at DESC, ` + key + ` DESC LIMIT ? OFFSET ?`
		pageArgs = args
	}
	capped = total > CountCap
	total = min(total, CountCap)
	rows, err := q.Query(ctx, `SELECT `+visitColumns+visitFrom+` WHERE `+key+` IN (`+page+`) ORDER BY v.visited_at DESC, `+key+` DESC`,
		append(pageArgs, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (Visit, error) { return scanVisit(row) })
	if err != nil {
		return nil, 0, false, err
	}
	ptrs := make([]*Visit, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, total, capped, loadVisitors(ctx, q, ptrs)
}

// mergedOrgs is how many org nodes a list merges node by node, each read
// newest first from the (org, time) index: on SQLite up to a county's few
// hundred (stations and rooms); on PostgreSQL, which plans each arm, up
// to a station's (it sorts a county's matches faster than it plans).
var mergedOrgs = map[db.Dialect]int{db.SQLite: 400, db.Postgres: 40}

func orgIDs(ctx context.Context, q db.Querier, where string, args []any, limit int) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT o.id FROM org_units o WHERE `+where+` ORDER BY o.id LIMIT ?`, append(args, limit)...)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (id string, err error) {
		err = row.Scan(&id)
		return id, err
	})
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// VisitorOptions are the accounts the actor may name as visitors: the
// active workers, station heads and volunteers of the actor's station
// (for a room, its station; above station level, everyone in scope, up
// to 300), the actor first.
func VisitorOptions(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Visitor, error) {
	if actor == nil {
		return nil, apperr.ErrForbidden()
	}
	base := actor.OrgPath
	station, err := org.StationOf(ctx, q, base)
	if err != nil {
		return nil, err
	}
	if station.ID != "" {
		base = station.Path // a room's visitors are its station's
	}
	cond, args := authz.SubtreeCond(q.Dialect(), "o.path", base)
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role IN ('worker', 'station_head', 'volunteer')
		ORDER BY CASE WHEN u.id = ? THEN 0 ELSE 1 END, u.role DESC, u.display_name LIMIT 300`, append(args, actor.UserID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Visitor{{UserID: actor.UserID, Name: actor.DisplayName}}
	for rows.Next() {
		var v Visitor
		if err := rows.Scan(&v.UserID, &v.Name); err != nil {
			return nil, err
		}
		if v.UserID != actor.UserID {
			out = append(out, v)
		}
	}
	return out, rows.Err()
}
