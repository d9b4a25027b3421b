package activitiesweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
)

// A worker plans an activity from the calendar, records it (a bad count
// comes back on the form with its field named), sees it on the month
// grid and prints it; the county sees the station × month grid.
func TestActivityPages(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("shegong")
	today := cst.Today()
	if r := web.Get("/activities"); r.Status != http.StatusOK || !strings.Contains(r.Body, "活动日历") {
		t.Fatalf("calendar: %d", r.Status)
	}
	r := web.PostForm("/activities", url.Values{"title": {"防范养老诈骗宣讲"}, "kind": {"publicity"}, "planned_on": {today}, "start_time": {"00:00"}, "end_time": {"00:01"}, "place": {"朝歌村委会"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d", r.Status)
	}
	if r := web.Get(r.Header.Get("Location")); !strings.Contains(r.Body, "防范养老诈骗宣讲") {
		t.Fatal("planned activity not on the calendar")
	}
	api := env.APILoginDemo("shegong")
	var list struct {
		Items []struct {
			ID, Title string
			Version   int
		}
	}
	api.Get("/api/v1/activities?month=" + today[:7] + "&status=planned").Decode(&list)
	id := ""
	version := 0
	for _, a := range list.Items {
		if a.Title == "防范养老诈骗宣讲" {
			id, version = a.ID, a.Version
		}
	}
	if id == "" {
		t.Fatal("planned activity not listed")
	}
	if r := web.Get("/activities/" + id + "/record"); r.Status != http.StatusOK {
		t.Fatalf("record form: %d", r.Status)
	}
	form := url.Values{"version": {itoa(version)}, "held_on": {today}, "start_time": {"00:00"}, "end_time": {"00:01"}, "male": {"-2"}, "female": {"5"},
		"elders": {"3"}, "content": {"讲解常见骗局"}}
	r = web.PostForm("/activities/"+id+"/record", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "男性人数不能为负数") {
		t.Fatalf("negative count: %d", r.Status)
	}
	form.Set("male", "2")
	form.Set("elders", "7")
	r = web.PostForm("/activities/"+id+"/record", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("record: %d %s", r.Status, r.Body[:min(len(r.Body), 400)])
	}
	if r := web.Get("/activities/" + id); !strings.Contains(r.Body, "已开展") || !strings.Contains(r.Body, "男 2，女 5") {
		t.Fatal("record not shown")
	}
	for _, p := range []string{"/activities/" + id + "/print", "/activities?view=list", "/activities/" + id} {
		if r := web.Get(p); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	if r := env.LoginDemo("admin").Get("/activities"); r.Status != http.StatusOK || !strings.Contains(r.Body, "年活动开展情况") {
		t.Fatalf("county grid: %d", r.Status)
	}
	if r := env.LoginDemo("zhiyuan").Get("/activities/" + id); r.Status != http.StatusOK {
		t.Fatalf("volunteer: %d", r.Status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The volunteer's home page shows their hours and assignments; their
// page lists the hours counted from the activities they served at.
func TestVolunteerHome(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("zhiyuan")
	r := web.Get("/")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "我的志愿服务") || !strings.Contains(r.Body, "累计服务时长") {
		t.Fatalf("home: %d", r.Status)
	}
	r = web.Get("/my-service")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "社区活动") || !strings.Contains(r.Body, "小组活动") {
		t.Fatalf("my service: %d", r.Status)
	}
	if r := env.LoginDemo("shegong").Get("/my-service"); r.Status != http.StatusOK || !strings.Contains(r.Body, "尚未关联志愿者") {
		t.Fatalf("worker's my-service: %d", r.Status)
	}
}
