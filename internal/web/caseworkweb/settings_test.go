package caseworkweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// hidden is the value of the first hidden input named name in a page.
func hidden(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the page", name)
	}
	return m[1]
}

// The county's casework rules page: it renders from the menu with the
// defaults, a bad value is refused naming the field with nothing saved,
// a save is taken and a second save from the same (now stale) page is
// refused; removing a domain asks first and is audited.
func TestCaseSettingsPage(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	home := admin.Get("/")
	if !strings.Contains(home.Body, `href="/case-settings"`) || !strings.Contains(home.Body, `href="/supervisor-stations"`) {
		t.Fatal("the menu has no link to the casework settings pages")
	}
	page := admin.Get("/case-settings")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "自身系统") || !strings.Contains(page.Body, `name="number_pattern" value="{type}-{year}-{station}-{seq}"`) {
		t.Fatalf("settings page: %d %s", page.Status, page.Body)
	}
	if !strings.Contains(page.Body, `data-confirm="确定删除评估维度“自身系统”吗？`) {
		t.Fatal("removing a domain does not ask first")
	}
	form := url.Values{"version": {hidden(t, page.Body, "version")}, "approver": {"supervisor"}, "assess_days": {"5"}, "plan_days": {"10"},
		"high_assess_days": {"2"}, "high_plan_days": {"5"}, "number_pattern": {"{type}-{year}-{station}-{seq}"}, "type_code": {"GA"},
		"domain_key": {"self", "family", "social", ""}, "domain_label": {"自身系统", "家庭系统", "社会系统", "居住环境"},
		"domain_items": {"身体健康、心理情绪", "家庭关系", "社会交往", "住房、安全"}}
	bad := cloneForm(form)
	bad.Set("assess_days", "0")
	bad.Set("number_pattern", "GA-{year}")
	r := admin.PostForm("/case-settings", bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "预估期限应为 1–90 天") || !strings.Contains(r.Body, "个案编号规则须包含 {seq}") {
		t.Fatalf("bad input: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(r.Body, `value="居住环境"`) {
		t.Fatal("the typed values are not kept")
	}
	var got struct {
		Version  int
		Approver string
		Domains  []struct{ Key, Label string }
	}
	api := env.APILoginDemo("admin")
	api.Get("/api/v1/case-settings").Decode(&got)
	if got.Version != 0 || got.Approver != "station_head" {
		t.Fatalf("bad input saved: %+v", got)
	}
	if r := admin.PostForm("/case-settings", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	api.Get("/api/v1/case-settings").Decode(&got)
	if got.Version != 1 || got.Approver != "supervisor" || len(got.Domains) != 4 || got.Domains[3].Label != "居住环境" || got.Domains[3].Key == "" {
		t.Fatalf("saved: %+v", got)
	}
	if r := admin.PostForm("/case-settings", form); r.Status != http.StatusConflict || !strings.Contains(r.Body, "已被他人修改") {
		t.Fatalf("a save from a stale page: %d", r.Status)
	}
	// The API takes the version too.
	body := map[string]any{"version": 0, "approver": "station_head", "assess_days": 7, "plan_days": 14, "high_assess_days": 3, "high_plan_days": 7,
		"number_pattern": "{type}-{year}-{station}-{seq}", "type_code": "GA", "domains": []any{map[string]any{"label": "自身系统", "items": []string{"身体健康"}}}}
	if r := api.JSON("PUT", "/api/v1/case-settings", body); r.Status != http.StatusConflict {
		t.Fatalf("API save from version 0: %d %s", r.Status, r.Body)
	}
	page = admin.Get("/case-settings")
	rm := url.Values{"version": {hidden(t, page.Body, "version")}, "remove_domain": {got.Domains[3].Key}}
	if r := admin.PostForm("/case-settings", rm); r.Status != http.StatusSeeOther {
		t.Fatalf("remove a domain: %d %s", r.Status, r.Body)
	}
	api.Get("/api/v1/case-settings").Decode(&got)
	if got.Version != 2 || len(got.Domains) != 3 {
		t.Fatalf("after removal: %+v", got)
	}
	var audit struct{ Total int }
	env.APILoginDemo("auditadmin").Get("/api/v1/audit?entity=case_settings").Decode(&audit)
	if audit.Total != 2 {
		t.Fatalf("%d saves audited, want 2", audit.Total)
	}
}

// Supervisors' stations: the page lists the demo supervisor with the
// stations assigned; a station left unchosen is refused naming the
// field; an assignment is added, and removed after a confirmation.
func TestSupervisorStationsPage(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	page := admin.Get("/supervisor-stations")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "县级督导") || !strings.Contains(page.Body, "朝歌街道") {
		t.Fatalf("page: %d %s", page.Status, page.Body)
	}
	if !strings.Contains(page.Body, `data-confirm="确定取消县级督导对`) {
		t.Fatal("removing an assignment does not ask first")
	}
	sup := hidden(t, page.Body, "user_id")
	r := admin.PostForm("/supervisor-stations", url.Values{"user_id": {sup}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "站点：请选择一个社工站") {
		t.Fatalf("no station: %d %s", r.Status, r.Body)
	}
	// A station not yet assigned: one of the form's options not in the table.
	opts := regexp.MustCompile(`<option value="([0-9a-f-]{36})">([^<]+)</option>`).FindAllStringSubmatch(page.Body, -1)
	station, name := "", ""
	for _, o := range opts {
		if !strings.Contains(page.Body, `name="station_id" value="`+o[1]+`"`) && strings.Contains(o[2], "站") {
			station, name = o[1], o[2]
			break
		}
	}
	if station == "" {
		t.Fatal("no unassigned station to pick")
	}
	auditor := env.APILoginDemo("auditadmin")
	audited := func() int {
		var audit struct{ Total int }
		auditor.Get("/api/v1/audit?entity=supervisor_stations").Decode(&audit)
		return audit.Total
	}
	before := audited()
	if r := admin.PostForm("/supervisor-stations", url.Values{"user_id": {sup}, "station_id": {station}}); r.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	page = admin.Get("/supervisor-stations")
	if !strings.Contains(page.Body, `name="station_id" value="`+station+`"`) || !strings.Contains(page.Body, name) {
		t.Fatal("the new assignment is not listed")
	}
	if r := admin.PostForm("/supervisor-stations", url.Values{"user_id": {sup}, "station_id": {station}, "remove": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if page = admin.Get("/supervisor-stations"); strings.Contains(page.Body, `name="station_id" value="`+station+`"`) {
		t.Fatal("the removed assignment is still listed")
	}
	if n := audited() - before; n != 2 {
		t.Fatalf("%d assignment changes audited, want 2", n)
	}
	if r := env.APILoginDemo("admin").JSON("PUT", "/api/v1/supervisor-stations", map[string]any{"user_id": sup}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `"station_id"`) {
		t.Fatalf("API without a station: %d %s", r.Status, r.Body)
	}
	if r := env.LoginDemo("zhanzhang").Get("/supervisor-stations"); r.Status != http.StatusForbidden {
		t.Fatalf("station head: %d", r.Status)
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}
