package org_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/org"
)

// A picker finds active nodes of the asked kinds in the actor's scope by
// name, pinyin initials or division code, a page at a time.
func TestFind(t *testing.T) {
	d, paths := openTree(t)
	ctx := context.Background()
	for _, u := range []struct{ id, name, code string }{
		{"s1", "朝歌街道社工站", "410622001"}, {"r1", "赵庄村社工室", "410622004200"},
		{"s10", "桥盟街道社工站", "410622002"}, {"bare", "灵山街道社工站", "410622004"}, {"c1", "淇县", "410622"},
	} {
		if _, err := d.Exec(ctx, `UPDATE org_units SET name = ?, division_code = ? WHERE id = ?`, u.name, u.code, u.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `UPDATE org_units SET active = 0 WHERE id = 'bare'`); err != nil {
		t.Fatal(err)
	}
	ids := func(actor *authz.Actor, text string, kinds []org.Kind, limit int) (string, bool) {
		t.Helper()
		us, more, err := org.Find(ctx, d, actor, text, kinds, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.ID)
		}
		return strings.Join(out, " "), more
	}
	province := &authz.Actor{UserID: "p", Role: authz.RoleAdmin, OrgPath: paths["p"]}
	county := &authz.Actor{UserID: "c", Role: authz.RoleAdmin, OrgPath: paths["c1"]}
	stations := []org.Kind{org.KindStation, org.KindRoom}
	for _, c := range []struct {
		actor *authz.Actor
		text  string
		kinds []org.Kind
		want  string
	}{
		{province, "", stations, "s1 r1 s10"}, // tree order; the inactive 灵山 left out
		{county, "", stations, "s1 r1"},
		{county, "", nil, "c1 s1 r1"},
		{province, "街道", stations, "s1 s10"},
		{province, "qmjd", stations, "s10"},
		{province, "ZZ", stations, "r1"},
		{province, "410622001", nil, "s1"},
		{county, "桥盟", stations, ""},
		{province, "灵山", stations, ""},
		{province, "50%", nil, ""},
		{nil, "", nil, ""},
	} {
		if got, _ := ids(c.actor, c.text, c.kinds, 20); got != c.want {
			t.Errorf("Find %q %v = %q, want %q", c.text, c.kinds, got, c.want)
		}
	}
	if got, more := ids(province, "", stations, 2); got != "s1 r1" || !more {
		t.Errorf("a page of 2: %q more=%v", got, more)
	}
	if got, more := ids(province, "", stations, 3); got != "s1 r1 s10" || more {
		t.Errorf("a page of 3: %q more=%v", got, more)
	}
}
