package org_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/org"
)

// tree is a small organisation tree with ids chosen so that one id is a
// prefix of its sibling's ("c1" and "c10"), which a subtree condition
// must not confuse:
//
//	root (platform)
//	└ p (province)
//	  └ city (city)
//	    ├ c1 (county) ─ s1 (station) ─ r1 (room)
//	    └ c10 (county) ─ s10 (station)
//	  └ bare (station straight under the province, no county)
var tree = []struct {
	id, parent string
	kind       org.Kind
}{
	{"root", "", org.KindPlatform},
	{"p", "root", org.KindProvince},
	{"city", "p", org.KindCity},
	{"c1", "city", org.KindCounty},
	{"s1", "c1", org.KindStation},
	{"r1", "s1", org.KindRoom},
	{"c10", "city", org.KindCounty},
	{"s10", "c10", org.KindStation},
	{"bare", "p", org.KindStation},
}

func openTree(t *testing.T) (*db.DB, map[string]string) {
	t.Helper()
	d := dbtest.Open(t, org.Module)
	ctx := context.Background()
	paths := map[string]string{}
	for _, n := range tree {
		paths[n.id] = paths[n.parent] + n.id + "/"
		if n.parent == "" {
			paths[n.id] = "/" + n.id + "/"
		}
		var parent any
		if n.parent != "" {
			parent = n.parent
		}
		if _, err := d.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, name, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', '')`,
			n.id, parent, n.kind, n.id, paths[n.id]); err != nil {
			t.Fatal(err)
		}
	}
	return d, paths
}

func TestCountyAndStationOf(t *testing.T) {
	d, paths := openTree(t)
	ctx := context.Background()
	for _, tt := range []struct{ node, county, station string }{
		{"root", "", ""}, // above county level: no county, no station
		{"p", "", ""},
		{"city", "", ""},
		{"c1", "c1", ""}, // a county is its own county, above any station
		{"s1", "c1", "s1"},
		{"r1", "c1", "s1"},
		{"c10", "c10", ""},
		{"s10", "c10", "s10"},
		{"bare", "", "bare"}, // a station with no county above it
	} {
		c, err := org.CountyOf(ctx, d, paths[tt.node])
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != tt.county {
			t.Errorf("CountyOf(%s) = %q, want %q", tt.node, c.ID, tt.county)
		}
		if c.ID != "" && (c.Kind != org.KindCounty || c.Path != paths[tt.county]) {
			t.Errorf("CountyOf(%s) = %+v, not the county node", tt.node, c)
		}
		s, err := org.StationOf(ctx, d, paths[tt.node])
		if err != nil {
			t.Fatal(err)
		}
		if s.ID != tt.station {
			t.Errorf("StationOf(%s) = %q, want %q", tt.node, s.ID, tt.station)
		}
		units := map[string]org.Unit{}
		for _, n := range tree {
			units[n.id] = org.Unit{ID: n.id, Kind: n.kind, Path: paths[n.id]}
		}
		if s, ok := org.StationIn(paths[tt.node], units); s.ID != tt.station || ok != (tt.station != "") {
			t.Errorf("StationIn(%s) = %q, %v, want %q", tt.node, s.ID, ok, tt.station)
		}
	}
	if c, err := org.CountyOf(ctx, d, ""); err != nil || c.ID != "" {
		t.Errorf(`CountyOf("") = %+v, %v; want none`, c, err)
	}
}

func TestSubtreeAndScopeCond(t *testing.T) {
	d, paths := openTree(t)
	ctx := context.Background()
	subtree := func(cond string, args []any) []string {
		t.Helper()
		rows, err := d.Query(ctx, `SELECT id FROM org_units o WHERE `+cond+` ORDER BY id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		out, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s string, err error) { err = r.Scan(&s); return })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for node, want := range map[string][]string{
		"root": {"bare", "c1", "c10", "city", "p", "r1", "root", "s1", "s10"},
		"city": {"c1", "c10", "city", "r1", "s1", "s10"},
		"c1":   {"c1", "r1", "s1"}, // not c10, whose path starts "/…/c1"
		"c10":  {"c10", "s10"},
		"s1":   {"r1", "s1"},
		"r1":   {"r1"},
		"bare": {"bare"},
	} {
		cond, args := authz.SubtreeCond(d.Dialect(), "o.path", paths[node])
		if got := subtree(cond, args); !slices.Equal(got, want) {
			t.Errorf("SubtreeCond(%s) = %v, want %v", node, got, want)
		}
		actor := &authz.Actor{OrgID: node, OrgPath: paths[node]}
		cond, args = actor.ScopeCond(d.Dialect(), "o.path")
		if got := subtree(cond, args); !slices.Equal(got, want) {
			t.Errorf("ScopeCond(%s) = %v, want %v", node, got, want)
		}
	}
	var nobody *authz.Actor
	if got := subtree(nobody.ScopeCond(d.Dialect(), "o.path")); len(got) != 0 {
		t.Errorf("a nil actor's scope holds %v", got)
	}
	if got := subtree(authz.SubtreeCond(d.Dialect(), "o.path", "")); len(got) != 0 {
		t.Errorf("an empty prefix holds %v", got)
	}
}

// The scope condition must keep using the path index on both engines
// (on PostgreSQL the text_pattern_ops index of migration 0002; sequential
// scans are turned off so the tiny table does not hide the choice).
func TestSubtreeCondUsesPathIndex(t *testing.T) {
	d, paths := openTree(t)
	ctx := context.Background()
	cond, args := authz.SubtreeCond(d.Dialect(), "path", paths["c1"])
	var plan []string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		explain := `EXPLAIN QUERY PLAN `
		if d.Dialect() == db.Postgres {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
			explain = `EXPLAIN `
		}
		rows, err := tx.Query(ctx, explain+`SELECT id FROM org_units WHERE `+cond, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				plan = append(plan, fmt.Sprint(v))
				if b, ok := v.([]byte); ok {
					plan = append(plan, string(b))
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "INDEX") && !strings.Contains(text, "Index") {
		t.Errorf("subtree condition %q does not use the path index:\n%s", cond, text)
	}
	if d.Dialect() == db.Postgres && !strings.Contains(text, "org_units_path_prefix") {
		t.Errorf("PostgreSQL does not use org_units_path_prefix:\n%s", text)
	}
}
