package db

import (
	"context"
	"slices"
	"strings"
)

// Conds collects the conditions of a WHERE clause and their arguments,
// in placeholder order. The zero value has no conditions.
type Conds struct {
	conds []string
	args  []any
}

// Add appends a condition (SQL with `?` placeholders) and its arguments.
// Spread a slice of arguments (args...): passed whole, it binds as one.
func (c *Conds) Add(cond string, args ...any) {
	c.conds = append(c.conds, cond)
	c.args = append(c.args, args...)
}

// Expr returns the conditions as one expression, "a AND b", or "1 = 1"
// when there are none, for a WHERE clause that holds more than these.
func (c Conds) Expr() string {
	if len(c.conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(c.conds, " AND ")
}

// Where returns " WHERE a AND b", or "" when there are no conditions.
func (c Conds) Where() string {
	if len(c.conds) == 0 {
		return ""
	}
	return " WHERE " + c.Expr()
}

// Args returns the arguments in placeholder order. Appending to the
// result never changes c.
func (c Conds) Args() []any { return slices.Clip(c.args) }

// Order whitelists the orders a list offers: a user's sort key only picks
// SQL written here, so user text never reaches the query.
type Order struct {
	Keys map[string]string // sort key → SQL; desc reverses it ("x DESC" becomes "x")
	// Default is the SQL for an empty or unknown key. Desc leaves it as
	// is (it may hold several columns, or be descending already) unless
	// ReverseDefault is set.
	Default        string
	ReverseDefault bool
	Tie            string // unique column(s) last, so tied rows page stably
}

// By returns the ORDER BY list (without the keywords) for a sort key.
func (o Order) By(key string, desc bool) string {
	order, ok := o.Keys[key]
	if !ok {
		order, desc = o.Default, desc && o.ReverseDefault
	}
	if desc {
		order = reverse(order)
	}
	if o.Tie != "" {
		order += ", " + o.Tie
	}
	return order
}

func reverse(order string) string {
	if s, ok := strings.CutSuffix(order, " DESC"); ok {
		return s
	}
	return order + " DESC"
}

// PageQuery describes one page of a list.
type PageQuery struct {
	Count  string // "SELECT COUNT(*) FROM …", without WHERE
	Select string // "SELECT columns FROM …", without WHERE
	Where  Conds
	Order  string // the ORDER BY list: Order.By, or fixed SQL
	Limit  int    // rows on the page; negative: every row (Offset is ignored)
	Offset int
}

// Page counts the rows that match pq.Where and reads the page of them
// with scan. Rows are empty, never nil, when none match.
func Page[T any](ctx context.Context, q Querier, pq PageQuery, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	w, args := pq.Where.Where(), pq.Where.Args()
	var total int
	if err := q.QueryRow(ctx, pq.Count+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := pq.Select + w + " ORDER BY " + pq.Order
	if pq.Limit >= 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, pq.Limit, pq.Offset)
	}
	rows, err := q.Query(ctx, query, args...)
	out, err := Collect(rows, err, scan)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// PickLimit is the size of a picker's page of choices: limit within
// 1–200, 20 when not given.
func PickLimit(limit int) int {
	switch {
	case limit <= 0:
		return 20
	case limit > 200:
		return 200
	}
	return limit
}
