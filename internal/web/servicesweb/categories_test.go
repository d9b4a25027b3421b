package servicesweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// The county's content categories page: reachable from the menu, it
// shows the defaults; a duplicate name is refused naming the field with
// nothing saved; a new category is saved and offered on the service
// form; a save from a stale page is refused; removing asks first and
// is audited.
func TestServiceCategoriesPage(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	if home := admin.Get("/"); !strings.Contains(home.Body, `href="/service-categories"`) {
		t.Fatal("the menu has no link to the categories page")
	}
	page := admin.Get("/service-categories")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="政策宣传咨询"`) {
		t.Fatalf("page: %d %s", page.Status, page.Body)
	}
	if !strings.Contains(page.Body, `data-confirm="确定删除分类“文体健康”吗？`) {
		t.Fatal("removing a category does not ask first")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.Body)[1]
	codes := regexp.MustCompile(`name="code" value="([a-z0-9]*)"`).FindAllStringSubmatch(page.Body, -1)
	labels := regexp.MustCompile(`name="label" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1)
	form := url.Values{"version": {version}}
	for i := range codes {
		form.Add("code", codes[i][1])
		form.Add("label", labels[i][1])
	}
	// The last row is the blank one for a new category.
	bad := url.Values{"version": {version}, "code": append([]string(nil), form["code"]...), "label": append([]string(nil), form["label"]...)}
	bad["label"][len(bad["label"])-1] = "社会救助"
	r := admin.PostForm("/service-categories", bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "分类“社会救助”重复") {
		t.Fatalf("duplicate: %d %s", r.Status, r.Body)
	}
	form["label"][len(form["label"])-1] = "助餐配餐"
	if r := admin.PostForm("/service-categories", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	if r := admin.PostForm("/service-categories", form); r.Status != http.StatusConflict {
		t.Fatalf("a save from a stale page: %d", r.Status)
	}
	worker := env.LoginDemo("shegong")
	if r := worker.Get("/services/new"); !strings.Contains(r.Body, "助餐配餐") {
		t.Fatal("the new category is not offered on the service form")
	}
	page = admin.Get("/service-categories")
	v := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.Body)[1]
	if r := admin.PostForm("/service-categories", url.Values{"version": {v}, "remove": {"health"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if page = admin.Get("/service-categories"); strings.Contains(page.Body, `value="文体健康"`) || !strings.Contains(page.Body, `value="助餐配餐"`) {
		t.Fatal("after removal")
	}
	var audit struct{ Total int }
	env.APILoginDemo("auditadmin").Get("/api/v1/audit?entity=service_categories").Decode(&audit)
	if audit.Total != 2 {
		t.Fatalf("%d saves audited, want 2", audit.Total)
	}
}
