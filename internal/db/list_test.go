package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

func TestCondsWithoutConditions(t *testing.T) {
	var c db.Conds
	if w := c.Where(); w != "" {
		t.Errorf("Where() = %q, want empty", w)
	}
	if e := c.Expr(); e != "1 = 1" {
		t.Errorf("Expr() = %q, want 1 = 1", e)
	}
	if len(c.Args()) != 0 {
		t.Errorf("Args() = %v", c.Args())
	}
}

func TestCondsJoinInOrder(t *testing.T) {
	var c db.Conds
	c.Add("a = ?", 1)
	c.Add("b IS NULL")
	c.Add("(c = ? OR d = ?)", "x", "y")
	if w := c.Where(); w != " WHERE a = ? AND b IS NULL AND (c = ? OR d = ?)" {
		t.Errorf("Where() = %q", w)
	}
	args := c.Args()
	if !slices.Equal(args, []any{1, "x", "y"}) {
		t.Errorf("Args() = %v", args)
	}
	// A caller appending its page arguments must not change the conditions.
	_ = append(args, 50, 0)
	c.Add("e = ?", "z")
	if got := c.Args(); !slices.Equal(got, []any{1, "x", "y", "z"}) {
		t.Errorf("Args() after append = %v", got)
	}
}

func TestOrderBy(t *testing.T) {
	o := db.Order{
		Keys:    map[string]string{"name": "p.name", "age": "p.born DESC"},
		Default: "p.org, p.name",
		Tie:     "p.id",
	}
	cases := []struct {
		key  string
		desc bool
		want string
	}{
		{"name", false, "p.name, p.id"},
		{"name", true, "p.name DESC, p.id"},
		{"age", false, "p.born DESC, p.id"},
		{"age", true, "p.born, p.id"}, // desc reverses a descending key
		{"", false, "p.org, p.name, p.id"},
		{"", true, "p.org, p.name, p.id"}, // the default is kept as is
		{"p.id; DROP TABLE p", true, "p.org, p.name, p.id"},
	}
	for _, c := range cases {
		if got := o.By(c.key, c.desc); got != c.want {
			t.Errorf("By(%q, %v) = %q, want %q", c.key, c.desc, got, c.want)
		}
	}

	o.ReverseDefault, o.Default = true, "p.code"
	if got := o.By("unknown", true); got != "p.code DESC, p.id" {
		t.Errorf("reversed default: %q", got)
	}
	if got := o.By("unknown", false); got != "p.code, p.id" {
		t.Errorf("default: %q", got)
	}
	o.Tie = ""
	if got := o.By("name", false); got != "p.name" {
		t.Errorf("no tie: %q", got)
	}
}

func TestOrderNeverEchoesTheKey(t *testing.T) {
	o := db.Order{Keys: map[string]string{"name": "name"}, Default: "id", ReverseDefault: true, Tie: "id"}
	for _, key := range []string{"Name", "name DESC", "id); DELETE FROM t; --", "1", "'x'"} {
		for _, desc := range []bool{false, true} {
			got := o.By(key, desc)
			if strings.Contains(got, key) {
				t.Errorf("By(%q, %v) = %q echoes the key", key, desc, got)
			}
			if want := map[bool]string{false: "id, id", true: "id DESC, id"}[desc]; got != want {
				t.Errorf("By(%q, %v) = %q, want %q", key, desc, got, want)
			}
		}
	}
}

type item struct {
	ID   int
	Name string
}

func scanItem(row interface{ Scan(...any) error }) (item, error) {
	var it item
	err := row.Scan(&it.ID, &it.Name)
	return it, err
}

func listDB(t *testing.T) *db.DB {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"ash", "birch", "cedar", "damson", "elm", "fir", "gorse"} {
		kind := "tree"
		if name == "gorse" || name == "damson" {
			kind = "shrub"
		}
		if _, err := d.Exec(ctx, `INSERT INTO items (id, name, kind) VALUES (?, ?, ?)`, i+1, name, kind); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func names(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func TestPage(t *testing.T) {
	d := listDB(t)
	ctx := context.Background()
	order := db.Order{Keys: map[string]string{"name": "name"}, Default: "id", Tie: "id"}
	var c db.Conds
	c.Add("kind = ?", "tree")
	c.Add("name <> ?", "ash")
	pq := db.PageQuery{
		Count:  `SELECT COUNT(*) FROM items`,
		Select: `SELECT id, name FROM items`,
		Where:  c,
		Order:  order.By("name", true),
		Limit:  2,
		Offset: 1,
	}
	got, total, err := db.Page(ctx, d, pq, scanItem)
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Errorf("total = %d, want 4 (birch, cedar, elm, fir)", total)
	}
	if want := []string{"elm", "cedar"}; !slices.Equal(names(got), want) {
		t.Errorf("page = %v, want %v", names(got), want)
	}

	// Past the end: the total still counts every match; rows are empty, not nil.
	pq.Offset = 10
	got, total, err = db.Page(ctx, d, pq, scanItem)
	if err != nil || total != 4 || got == nil || len(got) != 0 {
		t.Errorf("past the end: %v, %d, %v", got, total, err)
	}

	// No conditions, and a negative limit reads every row.
	got, total, err = db.Page(ctx, d, db.PageQuery{Count: pq.Count, Select: pq.Select, Order: "id", Limit: -1, Offset: 3}, scanItem)
	if err != nil || total != 7 || len(got) != 7 || got[0].Name != "ash" {
		t.Errorf("everything: %v, %d, %v", names(got), total, err)
	}
}

func TestPageReportsErrors(t *testing.T) {
	d := listDB(t)
	ctx := context.Background()
	if _, _, err := db.Page(ctx, d, db.PageQuery{Count: `SELECT COUNT(*) FROM missing`, Select: `SELECT id, name FROM items`, Order: "id"}, scanItem); err == nil {
		t.Error("count on a missing table: no error")
	}
	if _, _, err := db.Page(ctx, d, db.PageQuery{Count: `SELECT COUNT(*) FROM items`, Select: `SELECT id FROM items`, Order: "id", Limit: 5}, scanItem); err == nil {
		t.Error("scan of too few columns: no error")
	}
}
