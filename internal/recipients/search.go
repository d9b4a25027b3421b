package recipients

import (
	"context"
	"strings"
	"unicode"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// Filter selects recipients for a list or an export. Every field
// combines with the others (AND).
type Filter struct {
	// Text is the one search box: an ID number (exact), a phone number
	// (exact), pinyin initials ("zs") or the start of a name.
	Text        string
	Name        string // name starts with
	Initials    string // pinyin initials start with
	IDNumber    string // exact, through the blind index
	Phone       string // exact, through the blind index
	OrgID       string // this station or room and everything under it
	VillageCode string
	Category    string
	WorkerID    string
	Status      string
	HouseholdID string
	Sort        string // name (default), birth, village, created, updated
	Desc        bool
	Offset      int
	Limit       int
	// ExtraWhere are SQL conditions on "r" (the recipients row) that
	// other modules add, with their ExtraArgs in order; e.g. visits adds
	// "r.risk_tier = ?". Only code may set them, never user text.
	ExtraWhere []string
	ExtraArgs  []any

	orgPath string // path of OrgID, once where() has resolved it
}

// CountCap bounds how far a list counts: beyond it the total shows as
// "CountCap+" — counting a million rows for a pager costs more than the
// page itself.
const CountCap = 2000

// listOrder is one way a list can be sorted: its ORDER BY columns
// (ascending) and, where there is one, the SQLite index that yields them.
type listOrder struct{ columns, index string }

var sortKeys = map[string]listOrder{
	"name":     {"r.name, r.id", "recipients_name"},
	"initials": {"r.name_initials, r.name, r.id", "recipients_initials"},
	"birth":    {"r.birth_date, r.id", "recipients_birth"},
	"village":  {"r.village_code, r.name, r.id", "recipients_village"},
	"created":  {"r.id", "sqlite_autoindex_recipients_1"}, // the primary key's own index
	"updated":  {"r.updated_at, r.id", ""},
}

// SortKeys lists the sort names a list accepts.
func SortKeys() []string {
	return []string{"name", "initials", "birth", "village", "created", "updated"}
}

// sortOf is the order of a list: the one asked for, else by initials for
// an initials search (so "zs" reads its index in order), else by name.
func (f *Filter) sortOf() string {
	if _, ok := sortKeys[f.Sort]; ok {
		return f.Sort
	}
	if strings.TrimSpace(f.Initials) != "" || isASCIILetters(strings.TrimSpace(f.Text)) {
		return "initials"
	}
	return "name"
}

// looksLikeIDNumber: 15 or 18 characters of digits (an X last).
func looksLikeIDNumber(s string) bool {
	n := len(s)
	if n != 15 && n != 18 {
		return false
	}
	for i := 0; i < n; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || (c == 'X' || c == 'x') && i == n-1) {
			return false
		}
	}
	return true
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// prefixCond matches column values starting with prefix, in a form each
// engine serves from an index: a byte range on SQLite (whose LIKE ignores
// case and so cannot use a plain index), LIKE on PostgreSQL (with the
// text_pattern_ops index of migration 0002).
func prefixCond(d db.Dialect, column, prefix string) (string, []any) {
	if d == db.Postgres {
		return column + ` LIKE ? ESCAPE '\'`, []any{db.Like(prefix) + "%"}
	}
	return column + " >= ? AND " + column + " < ?", []any{prefix, prefix + "\U0010FFFF"}
}

// where builds the conditions of a filter for an actor.
func (f *Filter) where(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor) ([]string, []any, error) {
	conds, args, err := visibleConds(ctx, q, actor)
	if err != nil {
		return nil, nil, err
	}
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	addPrefix := func(column, prefix string) {
		c, a := prefixCond(q.Dialect(), column, prefix)
		add(c, a...)
	}
	text := strings.TrimSpace(f.Text)
	switch {
	case text == "":
	case looksLikeIDNumber(text):
		card, err := validate.ParseIDCard(text)
		number := strings.ToUpper(text)
		if err == nil {
			number = card.Number
		}
		add(idIndexCond, keys.BlindIndex("idcard", number))
	case validate.Phone(validate.NormalizePhone(text)):
		add(phoneIndexCond, keys.BlindIndex("phone", validate.NormalizePhone(text)))
	case isASCIILetters(text):
		addPrefix("r.name_initials", strings.ToLower(text))
	default:
		addPrefix("r.name", strings.Join(strings.Fields(text), ""))
	}
	if v := strings.TrimSpace(f.Name); v != "" {
		addPrefix("r.name", v)
	}
	if v := strings.TrimSpace(f.Initials); v != "" {
		addPrefix("r.name_initials", strings.ToLower(v))
	}
	if v := strings.TrimSpace(f.IDNumber); v != "" {
		if card, err := validate.ParseIDCard(v); err == nil {
			v = card.Number
		}
		add(idIndexCond, keys.BlindIndex("idcard", strings.ToUpper(v)))
	}
	if v := validate.NormalizePhone(f.Phone); v != "" {
		add(phoneIndexCond, keys.BlindIndex("phone", v))
	}
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return nil, nil, err
		}
		f.orgPath = u.Path
		c, a, err := subtreeCond(ctx, q, u.Path)
		if err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, c...), append(args, a...)
	}
	if f.VillageCode != "" {
		add("r.village_code = ?", f.VillageCode)
	}
	if f.Category != "" {
		// EXISTS checks each candidate with one primary-key probe; an IN
		// list would first gather every holder of the category (9 % of a
		// million rows) before the first page could start.
		// The links carry the org node, so the holders in scope come from
		// one index range; the scope conditions are repeated on the links.
		scope, scopeArgs, err := f.scopeOnLinks(ctx, q, actor)
		if err != nil {
			return nil, nil, err
		}
		add("r.id IN (SELECT l.recipient_id FROM recipient_category_links l WHERE l.category = ?"+scope+")", append([]any{f.Category}, scopeArgs...)...)
	}
	if f.WorkerID != "" {
		add("r.worker_id = ?", f.WorkerID)
	}
	if f.Status != "" {
		if code, ok := parseStatus(f.Status); ok {
			add("r.status = ?", code)
		}
	}
	if f.HouseholdID != "" {
		add("r.household_id = ?", f.HouseholdID)
	}
	conds = append(conds, f.ExtraWhere...)
	args = append(args, f.ExtraArgs...)
	if len(conds) == 0 {
		conds = []string{"1 = 1"} // an administrator of the whole tree, no filter
	}
	return conds, args, nil
}

// scopeOnLinks restates the org conditions of a filter (the actor's
// scope and the chosen org node) on the category links' org_id.
func (f *Filter) scopeOnLinks(ctx context.Context, q db.Querier, actor *authz.Actor) (string, []any, error) {
	var conds []string
	var args []any
	for _, prefix := range []string{actor.OrgPath, f.orgPath} {
		if prefix == "" || strings.Count(prefix, "/") <= 2 {
			continue
		}
		c, a, err := subtreeCond(ctx, q, prefix)
		if err != nil {
			return "", nil, err
		}
		for _, cond := range c {
			conds = append(conds, strings.Replace(strings.Replace(cond, "+r.org_id", "l.org_id", 1), "r.org_id", "l.org_id", 1))
		}
		args = append(args, a...)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " AND " + strings.Join(conds, " AND "), args, nil
}

// Count returns how many recipients match, up to CountCap (capped
// reports whether there are more).
func Count(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter) (n int, capped bool, err error) {
	conds, args, err := f.where(ctx, q, keys, actor)
	if err != nil {
		return 0, false, err
	}
	return countWhere(ctx, q, conds, args)
}

// countWhere counts, up to CountCap, the recipients matching conds.
func countWhere(ctx context.Context, q db.Querier, conds []string, args []any) (n int, capped bool, err error) {
	err = q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM recipients r WHERE `+strings.Join(conds, " AND ")+` LIMIT ?) t`,
		append(args, CountCap+1)...).Scan(&n)
	if n > CountCap {
		return CountCap, true, err
	}
	return n, false, err
}

// List returns one page of the recipients the actor may see that match f,
// and the (capped) total.
func List(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter) (items []Recipient, total int, capped bool, err error) {
	// The conditions are built once: the scope lookups they need cost as
	// much as the count itself.
	conds, args, err := f.where(ctx, q, keys, actor)
	if err != nil {
		return nil, 0, false, err
	}
	total, capped, err = countWhere(ctx, q, conds, args)
	if err != nil || total == 0 {
		return []Recipient{}, total, capped, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 20
	}
	items, err = query(ctx, q, f, conds, args, capped)
	return items, total, capped, err
}

// query runs the page query in two steps: the ids of the page, read
// from recipients alone (through an index that covers the order, so a
// station's 2,000 people sort without reading their rows), then the 20
// rows with their org and worker names.
//
// The count just made tells SQLite how to plan the first step
// (PostgreSQL plans from its statistics):
//   - many matches (the count hit its cap): walk the index of the order
//     and stop at the page — matches are dense enough to fill it quickly,
//     where a more selective-looking index would sort the whole set;
//   - few matches: read them through the most selective index and sort
//     them ("+column" keeps the order index from being chosen for a
//     full walk that finds little).
func query(ctx context.Context, q db.Querier, f Filter, conds []string, args []any, dense bool) ([]Recipient, error) {
	args = append([]any(nil), args...)
	order := sortKeys[f.sortOf()]
	sqlite := q.Dialect() == db.SQLite
	terms := strings.Split(order.columns, ", ")
	inner, outer := make([]string, len(terms)), make([]string, len(terms))
	hint := ""
	for i, t := range terms {
		inner[i], outer[i] = t, t
		if sqlite && !dense {
			inner[i] = "+" + t
		}
		if sqlite {
			outer[i] = "+" + t // twenty rows: sort them, never walk an index for them
		}
		if f.Desc {
			inner[i] += " DESC"
			outer[i] += " DESC"
		}
	}
	if sqlite && dense && order.index != "" {
		hint = " INDEXED BY " + order.index
	}
	sqlText := `SELECT ` + columns + from + ` WHERE r.id IN (SELECT r.id FROM recipients r` + hint + ` WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY ` + strings.Join(inner, ", ") + ` LIMIT ? OFFSET ?) ORDER BY ` + strings.Join(outer, ", ")
	args = append(args, f.Limit, f.Offset)
	rows, err := q.Query(ctx, sqlText, args...)
	out, err := db.Collect(rows, err, scanRecipient)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Worker is a person a recipient can be assigned to.
type Worker struct {
	ID, Name, OrgID, OrgName string
}

// Workers lists the active social workers and station heads in the
// actor's scope, for the "责任社工" picker and filter.
func Workers(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Worker, error) {
	cond, arg := actor.ScopeFilter("o.path")
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.org_id, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role IN ('worker', 'station_head') ORDER BY o.path, u.display_name LIMIT 1000`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Worker
	for rows.Next() {
		var w Worker
		if err := rows.Scan(&w.ID, &w.Name, &w.OrgID, &w.OrgName); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
