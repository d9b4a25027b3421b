package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// A volunteer's pages show what their role sees and nothing that reads
// as missing data: no rows of dashes for fields left out, no 责任社工
// 未指定, no filters on fields they do not see; the admin's page has them.
func TestVolunteerPagesLeaveOutWhatTheyDoNotSee(t *testing.T) {
	env := apptest.Start(t)
	vol := env.LoginDemo("zhiyuan")
	list := vol.Get("/recipients")
	if list.Status != http.StatusOK {
		t.Fatalf("list: %d", list.Status)
	}
	for _, s := range []string{`id="category"`, `id="status"`, "身份证号或电话"} {
		if strings.Contains(list.Body, s) {
			t.Errorf("the volunteer's list offers %s", s)
		}
	}
	m := regexp.MustCompile(`href="/recipients/([0-9a-f-]{36})"`).FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatal("the demo volunteer has nobody assigned")
	}
	page := vol.Get("/recipients/" + m[1])
	if page.Status != http.StatusOK {
		t.Fatalf("person: %d", page.Status)
	}
	for _, s := range []string{"<dt>身份证号</dt>", "<dt>现住址</dt>", "<dt>对象类别</dt>", "<dt>健康状况</dt>", "<dt>责任社工</dt>", "<dt>状态说明</dt>"} {
		if strings.Contains(page.Body, s) {
			t.Errorf("the volunteer's person page shows %s", s)
		}
	}
	if !strings.Contains(page.Body, `data-testid="fields-left-out"`) || !strings.Contains(page.Body, "<dt>所在村（社区）</dt>") {
		t.Error("the volunteer's person page does not say what it leaves out, or lacks the village")
	}
	admin := env.LoginDemo("admin")
	if p := admin.Get("/recipients/" + m[1]); !strings.Contains(p.Body, "<dt>身份证号</dt>") || !strings.Contains(p.Body, "<dt>责任社工</dt>") ||
		strings.Contains(p.Body, `data-testid="fields-left-out"`) {
		t.Error("the administrator's person page lost fields")
	}
	if l := admin.Get("/recipients"); !strings.Contains(l.Body, `id="category"`) || !strings.Contains(l.Body, `id="status"`) {
		t.Error("the administrator's list lost its filters")
	}
}

// Long filter panels fold behind one button, as on the recipients list,
// and stay marked active when a filter is set.
func TestFilterPanelsFold(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	for _, page := range []string{"/workforce/workers", "/workforce/volunteers", "/recipients"} {
		if r := admin.Get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, `<details class="fold" data-fold>`) {
			t.Errorf("%s: %d, filters not folded", page, r.Status)
		}
		if r := admin.Get(page + "?q=张"); !strings.Contains(r.Body, `data-fold data-active`) {
			t.Errorf("%s: a search does not mark the filters active", page)
		}
	}
}
