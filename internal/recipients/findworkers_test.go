package recipients_test

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/pinyin"
	"github.com/shegong/shegong/internal/recipients"
)

// The 责任社工 picker finds the active workers and station heads of the
// searcher's scope by name, pinyin initials or user name, a page at a
// time, and labels a stored worker only within scope.
func TestFindWorkers(t *testing.T) {
	f := start(t)
	admin, head, volunteer, shegong := f.actor("admin"), f.actor("zhanzhang"), f.actor("zhiyuan"), f.actor("shegong")
	find := func(actor *authz.Actor, text string, limit int) ([]recipients.Worker, bool) {
		t.Helper()
		ws, more, err := recipients.FindWorkers(f.ctx, f.env.App.DB, actor, text, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ws, more
	}
	has := func(ws []recipients.Worker, id string) bool {
		for _, w := range ws {
			if w.ID == id {
				return true
			}
		}
		return false
	}
	all, more := find(admin, "", 200)
	if len(all) < 20 || more || !has(all, shegong.UserID) || !has(all, head.UserID) {
		t.Fatalf("the county's workers: %d, more=%v", len(all), more)
	}
	if has(all, volunteer.UserID) || has(all, admin.UserID) {
		t.Error("the picker offers accounts of other roles")
	}
	if page, more := find(admin, "", 5); len(page) != 5 || !more || page[0].ID != all[0].ID {
		t.Errorf("a page of 5: %d more=%v", len(page), more)
	}
	name := shegong.DisplayName
	for _, text := range []string{name, string([]rune(name)[1:]), pinyin.NameInitials(name), strings.ToUpper(pinyin.NameInitials(name)), "shegon"} {
		ws, _ := find(admin, text, 200)
		if !has(ws, shegong.UserID) {
			t.Errorf("searching %q misses %s", text, name)
		}
		if len(ws) == len(all) {
			t.Errorf("searching %q finds everyone", text)
		}
	}
	if ws, more := find(admin, "没有这个人", 20); len(ws) != 0 || more {
		t.Errorf("a name nobody has finds %d", len(ws))
	}
	mine, _ := find(head, "", 200)
	if len(mine) == 0 || len(mine) >= len(all) {
		t.Errorf("the station head finds %d of the county's %d", len(mine), len(all))
	}
	for _, w := range mine {
		if w.OrgID != head.OrgID {
			t.Errorf("朝歌's station head finds %s of %s", w.Name, w.OrgName)
		}
	}
	if ws, more, err := recipients.FindWorkers(f.ctx, f.env.App.DB, nil, "", 20); err != nil || len(ws) != 0 || more {
		t.Errorf("a nil actor finds %d (%v)", len(ws), err)
	}

	if label, err := recipients.WorkerLabel(f.ctx, f.env.App.DB, admin, shegong.UserID); err != nil || !strings.HasPrefix(label, name+"（") {
		t.Errorf("label: %q %v", label, err)
	}
	other := f.lingshanWorker()
	if label, err := recipients.WorkerLabel(f.ctx, f.env.App.DB, head, other.UserID); err != nil || label != "" {
		t.Errorf("朝歌's station head labels 灵山's worker: %q %v", label, err)
	}
}
