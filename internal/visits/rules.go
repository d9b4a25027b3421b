package visits

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Tier is a recipient's risk tier, the result of an assessment.
type Tier string

const (
	TierHigh    Tier = "high"    // 高风险
	TierFocus   Tier = "focus"   // 重点
	TierGeneral Tier = "general" // 一般
)

// Tiers lists the tiers from the most to the least urgent.
var Tiers = []Tier{TierHigh, TierFocus, TierGeneral}

var tierLabels = map[Tier]string{TierHigh: "高风险", TierFocus: "重点", TierGeneral: "一般"}

// Label is the tier's Chinese name ("未评定" for none).
func (t Tier) Label() string {
	if l, ok := tierLabels[t]; ok {
		return l
	}
	return "未评定"
}

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { _, ok := tierLabels[t]; return ok }

// ParseTier accepts a code or the Chinese name.
func ParseTier(s string) (Tier, bool) {
	s = strings.TrimSpace(s)
	for t, l := range tierLabels {
		if s == string(t) || s == l {
			return t, true
		}
	}
	return "", false
}

// Unit is the unit of a visit interval.
type Unit string

const (
	UnitDay   Unit = "day"
	UnitWeek  Unit = "week"
	UnitMonth Unit = "month"
)

var unitLabels = map[Unit]string{UnitDay: "天", UnitWeek: "周", UnitMonth: "个月"}

// Label is the unit's Chinese name.
func (u Unit) Label() string { return unitLabels[u] }

// Units lists the units in display order.
var Units = []Unit{UnitDay, UnitWeek, UnitMonth}

// Interval is how often someone must be visited: every N days, weeks or
// calendar months.
//
// Months are calendar months, not 30 days: "monthly" after 03-15 is 04-15,
// and a day that the target month lacks is clamped to its last day
// (01-31 + 1 month = 02-28, or 02-29 in a leap year; 11-30 + 3 months =
// 02-28). That is how people count "每月一次" and "每季度一次", and a
// 30/90-day rule would drift through the calendar and put due dates on
// different days of the month each time.
type Interval struct {
	N    int  `json:"every"`
	Unit Unit `json:"unit"`
}

// String is the interval in Chinese: "每 1 周", "每 3 个月".
func (iv Interval) String() string {
	switch {
	case iv.Unit == UnitWeek && iv.N == 1:
		return "每周"
	case iv.Unit == UnitMonth && iv.N == 1:
		return "每月"
	case iv.Unit == UnitMonth && iv.N == 3:
		return "每季度"
	case iv.Unit == UnitDay && iv.N == 1:
		return "每天"
	}
	return "每 " + strconv.Itoa(iv.N) + " " + iv.Unit.Label()
}

// Valid reports whether the interval is usable: 1–366 days, 1–52 weeks
// or 1–24 months.
func (iv Interval) Valid() bool {
	switch iv.Unit {
	case UnitDay:
		return iv.N >= 1 && iv.N <= 366
	case UnitWeek:
		return iv.N >= 1 && iv.N <= 52
	case UnitMonth:
		return iv.N >= 1 && iv.N <= 24
	}
	return false
}

// AddTo returns the date one interval after d (both China dates).
func (iv Interval) AddTo(d time.Time) time.Time {
	y, m, day := d.Date()
	switch iv.Unit {
	case UnitDay:
		return time.Date(y, m, day+iv.N, 0, 0, 0, 0, d.Location())
	case UnitWeek:
		return time.Date(y, m, day+7*iv.N, 0, 0, 0, 0, d.Location())
	}
	// Calendar months, clamped to the target month's last day.
	first := time.Date(y, m+time.Month(iv.N), 1, 0, 0, 0, 0, d.Location())
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, d.Location()).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, d.Location())
}

// After returns the China date (YYYY-MM-DD) one interval after date.
func (iv Interval) After(date string) (string, error) {
	d, err := cst.ParseDate(date)
	if err != nil {
		return "", err
	}
	return iv.AddTo(d).Format(cst.DateLayout), nil
}

// Rules are a county's visit frequencies: one interval per tier, and
// overrides for recipient categories (e.g. 事实无人抚养儿童 monthly
// whatever the tier). When a person's tier and categories give several
// intervals, the one that makes the next visit come soonest applies:
// a category rule exists to visit certain people more often, never to
// excuse a high-risk person from weekly visits.
type Rules struct {
	// OrgID is the node whose rules these are ("" for the built-in defaults).
	OrgID      string              `json:"org_id"`
	Tiers      map[Tier]Interval   `json:"tiers"`
	Categories map[string]Interval `json:"categories"`
}

// DefaultRules are the defaults of domain.md §3, a published rule for
// elderly people: 高风险 weekly, 重点 monthly, 一般 quarterly.
func DefaultRules() Rules {
	return Rules{
		Tiers: map[Tier]Interval{
			TierHigh:    {1, UnitWeek},
			TierFocus:   {1, UnitMonth},
			TierGeneral: {3, UnitMonth},
		},
		Categories: map[string]Interval{},
	}
}

// IntervalFor is the tier's interval; a person not yet assessed is
// visited at the 一般 rate until an assessment says otherwise.
func (r Rules) IntervalFor(t Tier) Interval {
	if iv, ok := r.Tiers[t]; ok {
		return iv
	}
	if iv, ok := r.Tiers[TierGeneral]; ok {
		return iv
	}
	return DefaultRules().Tiers[TierGeneral]
}

// NextDue is the date the next visit is due after a visit on last, for a
// person of tier t in categories, and the rule that decided it.
func (r Rules) NextDue(last string, t Tier, categories []string) (due string, why string, err error) {
	iv := r.IntervalFor(t)
	due, err = iv.After(last)
	if err != nil {
		return "", "", err
	}
	why = t.Label() + "：" + iv.String()
	for _, c := range categories {
		civ, ok := r.Categories[c]
		if !ok {
			continue
		}
		d, err := civ.After(last)
		if err != nil {
			return "", "", err
		}
		if d < due {
			due, why = d, c+"："+civ.String()
		}
	}
	return due, why, nil
}

// CategoryKeys lists the categories with an override, sorted.
func (r Rules) CategoryKeys() []string {
	keys := make([]string, 0, len(r.Categories))
	for k := range r.Categories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RulesFor returns the rules that apply under the org node with the
// given path: those of the nearest node on the path (itself or an
// ancestor) that has rules, or the defaults. Tiers a county left out keep
// their default.
func RulesFor(ctx context.Context, q db.Querier, orgPath string) (Rules, error) {
	chain := strings.Split(strings.Trim(orgPath, "/"), "/")
	if len(chain) == 0 || chain[0] == "" {
		return DefaultRules(), nil
	}
	args := make([]any, len(chain))
	for i, id := range chain {
		args[i] = id
	}
	rows, err := q.Query(ctx, `SELECT org_id, kind, rule_key, every_n, unit FROM visit_rules WHERE org_id IN (`+db.Placeholders(len(args))+`)`, args...)
	if err != nil {
		return Rules{}, err
	}
	defer rows.Close()
	byOrg := map[string][][4]string{}
	for rows.Next() {
		var org, kind, key, unit string
		var n int
		if err := rows.Scan(&org, &kind, &key, &n, &unit); err != nil {
			return Rules{}, err
		}
		byOrg[org] = append(byOrg[org], [4]string{kind, key, strconv.Itoa(n), unit})
	}
	if err := rows.Err(); err != nil {
		return Rules{}, err
	}
	out := DefaultRules()
	for i := len(chain) - 1; i >= 0; i-- {
		set, ok := byOrg[chain[i]]
		if !ok {
			continue
		}
		out.OrgID = chain[i]
		for _, r := range set {
			n, _ := strconv.Atoi(r[2])
			iv := Interval{n, Unit(r[3])}
			if !iv.Valid() {
				continue
			}
			if r[0] == "tier" {
				out.Tiers[Tier(r[1])] = iv
			} else {
				out.Categories[r[1]] = iv
			}
		}
		break
	}
	return out, nil
}

// SaveRules replaces the rules of the actor's own org node (a county
// administrator sets the county's rules) with in. It does not recompute
// the due dates already set: they follow the new rules at each person's
// next visit, so a change never makes a whole county overdue overnight
// unless the administrator asks for that (ReplanAll).
func SaveRules(ctx context.Context, tx db.Querier, actor *authz.Actor, in Rules) (Rules, error) {
	if err := actor.Require(authz.PermVisitsRules); err != nil {
		return Rules{}, err
	}
	fe := apperr.Fields{}
	for _, t := range Tiers {
		iv, ok := in.Tiers[t]
		if !ok {
			fe.Add("tier_"+string(t), "请填写"+t.Label()+"对象的探访频次")
		} else if !iv.Valid() {
			fe.Add("tier_"+string(t), "频次应为 1–366 天、1–52 周或 1–24 个月")
		}
	}
	for k := range in.Tiers {
		if !k.Valid() {
			fe.Add("tier_"+string(k), "未知的风险等级")
		}
	}
	for _, k := range in.CategoryKeys() {
		if strings.TrimSpace(k) == "" || len([]rune(k)) > 30 {
			fe.Add("category_"+k, "类别名称应为 1–30 个字")
		} else if !in.Categories[k].Valid() {
			fe.Add("category_"+k, "频次应为 1–366 天、1–52 周或 1–24 个月")
		}
	}
	if err := fe.Err(); err != nil {
		return Rules{}, err
	}
	before, err := RulesFor(ctx, tx, actor.OrgPath)
	if err != nil {
		return Rules{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM visit_rules WHERE org_id = ?`, actor.OrgID); err != nil {
		return Rules{}, err
	}
	now := cst.NowStamp()
	insert := func(kind, key string, iv Interval) error {
		_, err := tx.Exec(ctx, `INSERT INTO visit_rules (org_id, kind, rule_key, every_n, unit, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			actor.OrgID, kind, key, iv.N, iv.Unit, actor.UserID, now)
		return err
	}
	for _, t := range Tiers {
		if err := insert("tier", string(t), in.Tiers[t]); err != nil {
			return Rules{}, err
		}
	}
	for _, k := range in.CategoryKeys() {
		if err := insert("category", k, in.Categories[k]); err != nil {
			return Rules{}, err
		}
	}
	after, err := RulesFor(ctx, tx, actor.OrgPath)
	if err != nil {
		return Rules{}, err
	}
	afterFields := after.fields()
	for _, k := range before.CategoryKeys() {
		if _, kept := after.Categories[k]; !kept {
			// A removed override is logged as emptied.
			afterFields = append(afterFields, audit.Field{Name: "category_" + k, Label: "类别 " + k, Value: ""})
		}
	}
	changes := audit.Diff(before.fields(), afterFields)
	if len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "visit_rules", EntityID: actor.OrgID,
			OrgPath: actor.OrgPath, Summary: "修改探访频次规则：" + actor.OrgName, Changes: changes})
	}
	return after, err
}

func (r Rules) fields() []audit.Field {
	var out []audit.Field
	for _, t := range Tiers {
		out = append(out, audit.Field{Name: "tier_" + string(t), Label: t.Label(), Value: r.IntervalFor(t).String()})
	}
	for _, k := range r.CategoryKeys() {
		out = append(out, audit.Field{Name: "category_" + k, Label: "类别 " + k, Value: r.Categories[k].String()})
	}
	return out
}

// ParseInterval reads "7 day", "1 month" as typed in a form's two fields.
func ParseInterval(n, unit string) (Interval, error) {
	v, err := strconv.Atoi(strings.TrimSpace(n))
	iv := Interval{v, Unit(strings.TrimSpace(unit))}
	if err != nil || !iv.Valid() {
		return iv, fmt.Errorf("频次应为 1–366 天、1–52 周或 1–24 个月")
	}
	return iv, nil
}

// ReplanAll recomputes, after a change of the rules, the next due date of
// everyone in the actor's scope who has been visited, by the rules now in
// force where each person is (nextVisitDue, as at each visit). It writes
// one audit entry for the whole recomputation and returns how many dates
// changed. SaveRules alone leaves dates as they are (they follow the new
// rules at each person's next visit); the administrator chooses this.
func ReplanAll(ctx context.Context, tx db.Querier, actor *authz.Actor) (int, error) {
	if err := actor.Require(authz.PermVisitsRules); err != nil {
		return 0, err
	}
	scope, scopeArgs := actor.ScopeCond(tx.Dialect(), "o.path")
	type planned struct {
		id, path, tier, last, due string
	}
	rows, err := tx.Query(ctx, `SELECT r.id, o.path, r.risk_tier, r.last_visit_on, r.next_visit_due FROM recipients r
		JOIN org_units o ON o.id = r.org_id WHERE `+scope+` AND r.last_visit_on <> ''`, scopeArgs...)
	people, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (p planned, err error) {
		err = row.Scan(&p.id, &p.path, &p.tier, &p.last, &p.due)
		return p, err
	})
	if err != nil {
		return 0, err
	}
	categories := map[string][]string{}
	rows, err = tx.Query(ctx, `SELECT l.recipient_id, l.category FROM recipient_category_links l JOIN org_units o ON o.id = l.org_id
		WHERE `+scope, scopeArgs...)
	links, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (l [2]string, err error) {
		err = row.Scan(&l[0], &l[1])
		return l, err
	})
	if err != nil {
		return 0, err
	}
	for _, l := range links {
		categories[l[0]] = append(categories[l[0]], l[1])
	}
	urgent := map[string]string{}
	rows, err = tx.Query(ctx, `SELECT m.recipient_id, MIN(m.due_on) FROM visit_major_changes m JOIN recipients r ON r.id = m.recipient_id
		JOIN org_units o ON o.id = r.org_id WHERE `+scope+` AND m.visit_id IS NULL GROUP BY m.recipient_id`, scopeArgs...)
	open, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (u [2]string, err error) {
		err = row.Scan(&u[0], &u[1])
		return u, err
	})
	if err != nil {
		return 0, err
	}
	for _, u := range open {
		urgent[u[0]] = u[1]
	}
	rulesAt := map[string]Rules{} // by org path: a county's people share a few
	changed := 0
	for _, p := range people {
		rules, ok := rulesAt[p.path]
		if !ok {
			if rules, err = RulesFor(ctx, tx, p.path); err != nil {
				return 0, err
			}
			rulesAt[p.path] = rules
		}
		due, _, err := nextVisitDue(rules, p.last, Tier(p.tier), categories[p.id], urgent[p.id])
		if err != nil {
			return 0, err
		}
		if due == p.due {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE recipients SET next_visit_due = ? WHERE id = ?`, due, p.id); err != nil {
			return 0, err
		}
		changed++
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "visit_rules", EntityID: actor.OrgID, OrgPath: actor.OrgPath,
		Summary: fmt.Sprintf("按现行探访频次规则重算下次探访日期：%s，%d 人已探访，%d 人的日期改变", actor.OrgName, len(people), changed)})
	return changed, err
}
