package recipients

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"unicode"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/pinyin"
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
	// Extra holds the chosen values of the filters other modules register
	// (RegisterListFilter), by filter name; unknown names and values are
	// ignored.
	Extra map[string]string
}

// ListFilter is a filter of the recipients list (page, API and export)
// that another module registers, such as visits' 风险等级 and 探访. Its
// condition is code of that module, never user text.
type ListFilter struct {
	Name    string // the query parameter
	Label   string // shown beside the select, and in an export's audit entry
	Options []ListOption
	// Where is the condition on the recipients row "r" for a chosen
	// value, with its arguments; ok is false for a value it does not know.
	Where func(value string) (cond string, args []any, ok bool)
}

// ListOption is one value of a ListFilter.
type ListOption struct{ Code, Label string }

var listFilters []ListFilter

// RegisterListFilter adds a filter to the recipients list. Call it from
// an init function.
func RegisterListFilter(f ListFilter) { listFilters = append(listFilters, f) }

// ListFilters are the registered filters, in registration order.
func ListFilters() []ListFilter { return listFilters }

// ListColumn is a column of the recipients list that another module
// registers, such as visits' 风险等级 and 下次探访: Expr is its SQL on
// the recipients row "r", Show turns the stored value into what people
// read (nil shows it as stored).
type ListColumn struct {
	Name  string
	Label string
	Expr  string
	Show  func(string) string
}

// Display is the value as shown.
func (c ListColumn) Display(v string) string {
	if c.Show == nil {
		return v
	}
	return c.Show(v)
}

var listColumns []ListColumn

// RegisterListColumn adds a column to the recipients list. Call it from
// an init function.
func RegisterListColumn(c ListColumn) { listColumns = append(listColumns, c) }

// ListColumns are the registered columns, in registration order.
func ListColumns() []ListColumn { return listColumns }

// withExtras scans a list row and, after the recipient's own columns,
// the registered list columns.
type withExtras struct {
	row  interface{ Scan(...any) error }
	vals []string
}

func (w *withExtras) Scan(dest ...any) error {
	for i := range w.vals {
		dest = append(dest, &w.vals[i])
	}
	return w.row.Scan(dest...)
}

func scanListRow(row interface{ Scan(...any) error }) (Recipient, error) {
	w := &withExtras{row: row, vals: make([]string, len(listColumns))}
	r, err := scanRecipient(w)
	if err != nil || len(listColumns) == 0 {
		return r, err
	}
	r.Extra = make(map[string]string, len(listColumns))
	for i, c := range listColumns {
		r.Extra[c.Name] = w.vals[i]
	}
	return r, nil
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

// Exact lookups: what search text is matched exactly (through a blind
// index) rather than as a name prefix.
const (
	LookupIDNumber = "idcard" // 15 or 18 characters of digits, an X allowed last
	LookupPhone    = "phone"  // a phone number validate.Phone accepts
)

// LookupKind says whether search text (trimmed here) is an ID number
// (LookupIDNumber) or a phone number (LookupPhone), which the list finds
// exactly, or neither (""), which it matches as a name. An export's audit
// summary uses it too, so that no number typed as a search is copied
// into the log.
func LookupKind(text string) string {
	text = strings.TrimSpace(text)
	switch {
	case looksLikeIDNumber(text):
		return LookupIDNumber
	case validate.Phone(validate.NormalizePhone(text)):
		return LookupPhone
	}
	return ""
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
	*f = limitFilter(actor, *f)
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
	kind := LookupKind(text)
	switch {
	case text == "":
	case kind == LookupIDNumber:
		card, err := validate.ParseIDCard(text)
		number := strings.ToUpper(text)
		if err == nil {
			number = card.Number
		}
		add(idIndexCond, keys.BlindIndex("idcard", number))
	case kind == LookupPhone:
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
		c, a, err := subtreeCond(ctx, q, u.Path)
		if err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, c...), append(args, a...)
	}
	if f.VillageCode != "" {
		add("r.village_code = ?", f.VillageCode)
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
	for _, lf := range listFilters {
		if v := f.Extra[lf.Name]; v != "" {
			if c, a, ok := lf.Where(v); ok {
				conds, args = append(conds, c), append(args, a...)
			}
		}
	}
	if len(conds) == 0 {
		conds = []string{"1 = 1"} // an administrator of the whole tree, no filter
	}
	return conds, args, nil
}

// linkColumns maps the recipients columns the category links mirror to
// their names on the links (migration 0006; other modules add theirs
// with MirrorOnLinks).
var linkColumns = map[string]string{"id": "recipient_id", "org_id": "org_id", "name": "name", "birth_date": "birth_date", "status": "status"}

// MirrorOnLinks declares that a column another module added to
// recipients is mirrored on recipient_category_links under the same name
// (its migration must keep the copy, as visits does for risk_tier), so
// category lists filter on it without reading recipients rows. Call it
// from an init function.
func MirrorOnLinks(column string) { linkColumns[column] = column }

var recipientColumn = regexp.MustCompile(`\br\.([a-z_]+)`)

// onLinks rewrites conditions on the recipients row "r" to the same
// conditions on a category link "l", or reports that one of them uses a
// column the links do not mirror.
func onLinks(conds []string) ([]string, bool) {
	out := make([]string, len(conds))
	ok := true
	for i, c := range conds {
		out[i] = recipientColumn.ReplaceAllStringFunc(c, func(m string) string {
			col, found := linkColumns[m[2:]]
			if !found {
				ok = false
			}
			return "l." + col
		})
	}
	return out, ok
}

// selection is a filter turned into SQL: conditions on recipients "r",
// or, for a category list whose every condition the links can answer
// (onLinks), the same conditions on the links "l", read from the link
// indexes alone.
type selection struct {
	conds   []string
	args    []any
	onLinks bool // conds and args are on recipient_category_links "l"
}

const linksTable = "recipient_category_links l"

func (f *Filter) selection(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor) (selection, error) {
	conds, args, err := f.where(ctx, q, keys, actor)
	if err != nil || f.Category == "" {
		return selection{conds: conds, args: args}, err
	}
	if linkConds, ok := onLinks(conds); ok {
		return selection{conds: append([]string{"l.category = ?"}, linkConds...), args: append([]any{f.Category}, args...), onLinks: true}, nil
	}
	// Some condition is selective on recipients alone (a worker, a
	// village, an ID number…): read its candidates and probe each one's
	// link by primary key.
	conds = append(conds, "EXISTS (SELECT 1 FROM "+linksTable+" WHERE l.recipient_id = r.id AND l.category = ?)")
	return selection{conds: conds, args: append(args, f.Category)}, nil
}

// from is the table a selection reads.
func (s selection) from() string {
	if s.onLinks {
		return linksTable
	}
	return "recipients r"
}

// Count returns how many recipients match, up to CountCap (capped
// reports whether there are more).
func Count(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter) (n int, capped bool, err error) {
	sel, err := f.selection(ctx, q, keys, actor)
	if err != nil {
		return 0, false, err
	}
	return countUpTo(ctx, q, sel, CountCap)
}

// countUpTo counts the recipients of a selection, up to limit.
func countUpTo(ctx context.Context, q db.Querier, sel selection, limit int) (n int, capped bool, err error) {
	err = q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+sel.from()+` WHERE `+strings.Join(sel.conds, " AND ")+` LIMIT ?) t`,
		append(append([]any(nil), sel.args...), limit+1)...).Scan(&n)
	if n > limit {
		return limit, true, err
	}
	return n, false, err
}

// List returns one page of the recipients the actor may see that match f,
// and the (capped) total.
func List(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter) (items []Recipient, total int, capped bool, err error) {
	if err := requireRecords(actor); err != nil {
		return nil, 0, false, err
	}
	// The conditions are built once: the scope lookups they need cost as
	// much as the count itself.
	sel, err := f.selection(ctx, q, keys, actor)
	if err != nil {
		return nil, 0, false, err
	}
	total, capped, err = countUpTo(ctx, q, sel, CountCap)
	if err != nil || total == 0 {
		return []Recipient{}, total, capped, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 20
	}
	if items, err = query(ctx, q, f, sel, capped); err != nil {
		return nil, 0, false, err
	}
	if err := volunteerTasks(ctx, q, actor, items); err != nil {
		return nil, 0, false, err
	}
	for i := range items {
		applyAccess(actor, &items[i])
	}
	return items, total, capped, nil
}

// query runs the page query in two steps: the ids of the page, read
// from an index alone where one covers the order and the filters (so a
// station's 2,000 people sort without reading their rows), then the 20
// rows with their org and worker names.
//
// On recipients, the count just made tells SQLite how to plan the first
// step (PostgreSQL plans from its statistics):
//   - many matches (the count hit its cap): walk the index of the order
//     and stop at the page — matches are dense enough to fill it quickly,
//     where a more selective-looking index would sort the whole set;
//   - few matches: read them through the most selective index and sort
//     them ("+column" keeps the order index from being chosen for a
//     full walk that finds little).
//
// A selection on the category links sorts on the links when they mirror
// the order's columns, and otherwise reads the matching ids from them.
func query(ctx context.Context, q db.Querier, f Filter, sel selection, dense bool) ([]Recipient, error) {
	args := append([]any(nil), sel.args...)
	order := sortKeys[f.sortOf()]
	sqlite := q.Dialect() == db.SQLite
	terms := strings.Split(order.columns, ", ")
	linkTerms, sortOnLinks := onLinks(terms)
	inner, outer := make([]string, len(terms)), make([]string, len(terms))
	hint := ""
	for i, t := range terms {
		inner[i], outer[i] = t, t
		switch {
		case sel.onLinks && sortOnLinks:
			inner[i] = linkTerms[i]
		case sqlite && !dense:
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
	page := `SELECT r.id FROM recipients r` + hint + ` WHERE ` + strings.Join(sel.conds, " AND ")
	switch {
	case sel.onLinks && sortOnLinks:
		page = `SELECT l.recipient_id FROM ` + linksTable + ` WHERE ` + strings.Join(sel.conds, " AND ")
	case sel.onLinks:
		page = `SELECT r.id FROM recipients r WHERE r.id IN (SELECT l.recipient_id FROM ` + linksTable + ` WHERE ` + strings.Join(sel.conds, " AND ") + `)`
	}
	extra := ""
	for _, c := range listColumns {
		extra += ", " + c.Expr
	}
	sqlText := `SELECT ` + columns + extra + from + ` WHERE r.id IN (` + page + ` ORDER BY ` + strings.Join(inner, ", ") +
		` LIMIT ? OFFSET ?) ORDER BY ` + strings.Join(outer, ", ")
	args = append(args, f.Limit, f.Offset)
	rows, err := q.Query(ctx, sqlText, args...)
	return db.Collect(rows, err, scanListRow)
}

// Worker is a person a recipient can be assigned to.
type Worker struct {
	ID, Name, OrgID, OrgName string
}

// Workers lists the active social workers and station heads in the
// actor's scope, for the "责任社工" picker and filter.
func Workers(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Worker, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.org_id, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role IN ('worker', 'station_head') ORDER BY o.path, u.display_name LIMIT 1000`, args...)
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

// FindWorkers finds the active social workers and station heads in the
// actor's scope for the "责任社工" picker: text "" lists them in tree
// order; Latin letters match the pinyin initials of the name ("zs" finds
// 张三) or the start of the user name, anything else a part of the name
// or the start of the user name. It returns
// at most limit (1–200, default 20) and whether there are more. A nil
// actor finds nothing.
func FindWorkers(ctx context.Context, q db.Querier, actor *authz.Actor, text string, limit int) ([]Worker, bool, error) {
	text = strings.TrimSpace(text)
	limit = db.PickLimit(limit)
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	initials := ""
	max := limit + 1
	if text != "" {
		if pinyin.IsInitials(text) {
			// Initials are not stored for accounts: a province has a few
			// thousand workers, read in scope and matched here.
			initials, max = strings.ToLower(text), 20000
		} else {
			cond += ` AND (u.display_name LIKE ? ESCAPE '\' OR u.username LIKE ? ESCAPE '\')`
			args = append(args, "%"+db.Like(text)+"%", db.Like(text)+"%")
		}
	}
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.org_id, o.name, u.username FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role IN ('worker', 'station_head') ORDER BY o.path, u.display_name, u.id LIMIT ?`, append(args, max)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []Worker{}
	for rows.Next() {
		var w Worker
		var username string
		if err := rows.Scan(&w.ID, &w.Name, &w.OrgID, &w.OrgName, &username); err != nil {
			return nil, false, err
		}
		if initials != "" && !strings.HasPrefix(pinyin.NameInitials(w.Name), initials) && !strings.HasPrefix(strings.ToLower(username), initials) {
			continue
		}
		if len(out) == limit {
			return out, true, rows.Err()
		}
		out = append(out, w)
	}
	return out, false, rows.Err()
}

// WorkerLabel is the picker label of a worker account in the actor's
// scope ("张三（朝歌街道社工站）"), or "" when there is none (left, out of
// scope, another role).
func WorkerLabel(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	var name, orgName string
	err := q.QueryRow(ctx, `SELECT u.display_name, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&name, &orgName)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return name + "（" + orgName + "）", nil
}
