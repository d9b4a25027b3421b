package workforce

import (
	"strings"
	"testing"
)

// The account pickers find active accounts in the actor's scope: any
// role for a roster worker (by name, pinyin initials or user name), the
// volunteer role only for a volunteer.
func TestAccountPickers(t *testing.T) {
	f := newFixture(t)
	mk := func(id, name, role, org string, active int) {
		if _, err := f.d.Exec(f.ctx, `INSERT INTO users (id, username, display_name, role, org_id, password_hash, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'x', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`, id, id, name, role, org, active); err != nil {
			t.Fatal(err)
		}
	}
	mk("zhangsan", "张三", "worker", f.chaoge.ID, 1)
	mk("lisi", "李四", "volunteer", f.chaoge.ID, 1)
	mk("wangwu", "王五", "volunteer", f.beiyang.ID, 1)
	mk("gone", "张走", "worker", f.chaoge.ID, 0)
	mk("xun", "张浚", "worker", f.xunxian.ID, 1)
	ids := func(text string, limit int) (string, bool) {
		t.Helper()
		opts, more, err := FindLinkableUsers(f.ctx, f.d, f.admin, text, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range opts {
			out = append(out, o.Code)
		}
		return strings.Join(out, " "), more
	}
	for _, c := range []struct{ text, want string }{
		{"", "lisi zhangsan wangwu"},
		{"张", "zhangsan"},
		{"zs", "zhangsan"},
		{"ZHANG", "zhangsan"},
		{"wang", "wangwu"},
		{"浚", ""},
		{"50%", ""},
	} {
		got, _ := ids(c.text, 20)
		// Tree order puts 朝歌 and 北阳 in their creation order: compare as sets.
		if !sameSet(got, c.want) {
			t.Errorf("FindLinkableUsers %q = %q, want %q", c.text, got, c.want)
		}
	}
	if got, more := ids("", 2); len(strings.Fields(got)) != 2 || !more {
		t.Errorf("a page of 2: %q more=%v", got, more)
	}
	if label, err := LinkableUserLabel(f.ctx, f.d, f.admin, "zhangsan"); err != nil || label != "张三（zhangsan）" {
		t.Errorf("label %q %v", label, err)
	}
	if label, err := LinkableUserLabel(f.ctx, f.d, f.admin, "xun"); err != nil || label != "" {
		t.Errorf("another county's account labelled %q %v", label, err)
	}
	vols, err := VolunteerAccounts(f.ctx, f.d, f.headChaoge)
	if err != nil || len(vols) != 1 || vols[0].Code != "lisi" || vols[0].Label != "李四（lisi）" {
		t.Errorf("朝歌's volunteer accounts: %+v %v", vols, err)
	}
}

func sameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	seen := map[string]bool{}
	for _, s := range x {
		seen[s] = true
	}
	for _, s := range y {
		if !seen[s] {
			return false
		}
	}
	return true
}
