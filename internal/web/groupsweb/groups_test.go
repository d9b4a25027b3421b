package groupsweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
)

// A worker plans a group through the API, runs it on the pages: a
// member joins, attendance for someone who is not a member is refused
// with the field named, a session is recorded and printed.
func TestGroupPages(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	var workers struct{ Items []struct{ ID, Name string } }
	api.Get("/api/v1/workforce/workers?limit=5").Decode(&workers)
	if len(workers.Items) == 0 {
		t.Skip("no demo workers through the API")
	}
	today := cst.Today()
	var g struct {
		ID      string
		Version int
	}
	body := map[string]any{"id": "01a2281c-1111-7000-8000-000000000001", "name": "亲子沟通成长小组", "kind": "growth", "goals": "改善亲子沟通", "target": "留守儿童家庭",
		"planned_sessions": 2, "capacity": 10, "starts_on": today, "ends_on": today, "staff": []map[string]string{{"role": "leader", "worker_id": workers.Items[0].ID}}}
	r := api.JSON("POST", "/api/v1/groups", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if again := api.JSON("POST", "/api/v1/groups", body); again.Status != http.StatusOK || !strings.Contains(again.Body, `"version":1`) {
		t.Fatalf("repeat create: %d %s", again.Status, again.Body)
	}
	r.Decode(&g)
	web := env.LoginDemo("shegong")
	for i := 0; i < 2; i++ {
		if r := web.PostForm("/groups/"+g.ID+"/advance", url.Values{"version": {strconv.Itoa(g.Version + i)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("advance: %d", r.Status)
		}
	}
	if r := web.PostForm("/groups/"+g.ID+"/members", url.Values{"name": {"王小明家长"}, "contact": {"13912345678"}, "joined_on": {today}}); r.Status != http.StatusSeeOther {
		t.Fatalf("member: %d %s", r.Status, r.Body)
	}
	var members struct{ Items []struct{ ID string } }
	api.Get("/api/v1/groups/" + g.ID + "/members").Decode(&members)
	if len(members.Items) != 1 {
		t.Fatalf("%d members", len(members.Items))
	}
	if r := web.Get("/groups/" + g.ID + "/sessions/new"); r.Status != http.StatusOK {
		t.Fatalf("session form: %d", r.Status)
	}
	form := url.Values{"held_on": {today}, "start_time": {"00:00"}, "minutes": {"60"}, "theme": {"相识"}, "content": {"破冰游戏"},
		"att_" + members.Items[0].ID: {"present"}, "att_01a2281c-0000-7000-8000-000000000000": {"present"}}
	r = web.PostForm("/groups/"+g.ID+"/sessions", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不是本小组成员") {
		t.Fatalf("stranger: %d", r.Status)
	}
	form.Del("att_01a2281c-0000-7000-8000-000000000000")
	r = web.PostForm("/groups/"+g.ID+"/sessions", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("session: %d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	for _, p := range []string{loc, loc + "/print", loc + "/edit", "/groups/" + g.ID, "/groups/" + g.ID + "/print", "/groups"} {
		if r := web.Get(p); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	if r := web.Get("/groups/" + g.ID); !strings.Contains(r.Body, "100.0%") {
		t.Fatal("attendance rate not shown")
	}
}
