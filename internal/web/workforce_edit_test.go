package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/demo"
)

// wfStation finds a demo station's id by name.
func wfStation(t *testing.T, admin *apptest.Client, name string) string {
	t.Helper()
	var stations struct{ Items []map[string]any }
	admin.Get("/api/v1/orgs?kind=station&limit=50").Decode(&stations)
	for _, s := range stations.Items {
		if s["name"] == name {
			return s["id"].(string)
		}
	}
	t.Fatalf("no station %s", name)
	return ""
}

type wfAuditPage struct {
	Total int
	Items []struct {
		Action  string
		Summary string
		Changes []struct{ Field, Before, After string }
	}
}

func wfAudit(t *testing.T, admin *apptest.Client, query string) wfAuditPage {
	t.Helper()
	var page wfAuditPage
	res := admin.Get("/api/v1/audit?limit=100&" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	res.Decode(&page)
	return page
}

type wfTrainingJSON struct {
	ID            string
	Title         string
	Hours         string
	Version       int
	AttendeeCount int `json:"attendee_count"`
	Attendees     []struct {
		Kind     string
		PersonID string `json:"person_id"`
		Name     string
	}
}

func TestWorkforceTrainingEditDeleteScenario(t *testing.T) {
	env := apptest.Start(t)
	admin := env.APILoginDemo("admin")
	head := env.APILoginDemo("zhanzhang")
	headWeb := env.LoginDemo("zhanzhang")
	chaoge, beiyang := wfStation(t, admin, "朝歌街道社工站"), wfStation(t, admin, "北阳镇社工站")
	body := map[string]any{"org_id": chaoge, "title": "站内个案研讨", "kind": "case", "start_on": "2026-01-10", "hours": "2", "place": "朝歌街道社工站"}

	// Another station's training: the 朝歌 head may neither edit nor delete it.
	var foreign wfTrainingJSON
	res := admin.JSON("POST", "/api/v1/workforce/trainings", map[string]any{"org_id": beiyang, "title": "北阳站培训", "kind": "short",
		"start_on": "2026-01-05", "hours": "3"})
	if res.Status != http.StatusCreated {
		t.Fatalf("admin creates: %d %s", res.Status, res.Body)
	}
	res.Decode(&foreign)
	var mine struct{ Items []map[string]any }
	head.Get("/api/v1/workforce/workers?limit=200").Decode(&mine)
	colleague := mine.Items[0]["id"].(string)
	if res := admin.JSON("POST", "/api/v1/workforce/trainings/"+foreign.ID+"/attendees", map[string]any{"kind": "worker", "person_id": colleague}); res.Status != http.StatusCreated {
		t.Fatalf("admin adds a 朝歌 worker to the 北阳 training: %d %s", res.Status, res.Body)
	}
	for _, r := range []*apptest.Response{
		head.JSON("PUT", "/api/v1/workforce/trainings/"+foreign.ID, merge(body, map[string]any{"version": foreign.Version})),
		head.Request("DELETE", "/api/v1/workforce/trainings/"+foreign.ID+"?version="+strconv.Itoa(foreign.Version), "", nil),
		head.Request("DELETE", "/api/v1/workforce/trainings/"+foreign.ID+"/attendees/worker/"+colleague, "", nil),
		headWeb.Get("/workforce/trainings/" + foreign.ID + "/edit"),
		headWeb.PostForm("/workforce/trainings/"+foreign.ID, url.Values{"title": {"越权修改"}, "kind": {"short"}, "org_id": {chaoge},
			"start_on": {"2026-01-05"}, "hours": {"3"}, "version": {strconv.Itoa(foreign.Version)}}),
		headWeb.PostForm("/workforce/trainings/"+foreign.ID+"/delete", url.Values{"version": {strconv.Itoa(foreign.Version)}}),
	} {
		if r.Status != http.StatusForbidden {
			t.Fatalf("station head on another station's training: %d %s", r.Status, r.Body)
		}
	}
	var after wfTrainingJSON
	admin.Get("/api/v1/workforce/trainings/" + foreign.ID).Decode(&after)
	if after.Title != "北阳站培训" || after.Version != foreign.Version || after.AttendeeCount != 1 {
		t.Fatalf("the foreign training changed: %+v", after)
	}
	// A social worker (read only) may not edit even their own station's.
	if res := env.APILoginDemo("shegong").JSON("PUT", "/api/v1/workforce/trainings/"+foreign.ID, merge(body, map[string]any{"version": 1})); res.Status != http.StatusForbidden {
		t.Fatalf("social worker edits: %d", res.Status)
	}

	// The head's own training: edit through the API, stale version 409.
	var tr wfTrainingJSON
	res = head.JSON("POST", "/api/v1/workforce/trainings", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res.Decode(&tr)
	if res := head.JSON("POST", "/api/v1/workforce/trainings/"+tr.ID+"/attendees", map[string]any{"kind": "worker", "person_id": colleague}); res.Status != http.StatusCreated {
		t.Fatalf("add attendee: %d %s", res.Status, res.Body)
	}
	res = head.JSON("PUT", "/api/v1/workforce/trainings/"+tr.ID, merge(body, map[string]any{"hours": "2.5", "version": tr.Version}))
	var edited wfTrainingJSON
	res.Decode(&edited)
	if res.Status != http.StatusOK || edited.Hours != "2.5" || edited.Version != tr.Version+1 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	if res := head.JSON("PUT", "/api/v1/workforce/trainings/"+tr.ID, merge(body, map[string]any{"hours": "4", "version": tr.Version})); res.Status != http.StatusConflict {
		t.Fatalf("stale edit: %d %s", res.Status, res.Body)
	}
	if res := head.JSON("PUT", "/api/v1/workforce/trainings/"+tr.ID, body); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"version"`) {
		t.Fatalf("edit without version: %d %s", res.Status, res.Body)
	}
	if res := head.JSON("PUT", "/api/v1/workforce/trainings/"+tr.ID, merge(body, map[string]any{"hours": "-1", "version": edited.Version})); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"hours"`) {
		t.Fatalf("bad hours: %d %s", res.Status, res.Body)
	}

	// The pages: edit form filled in; a stale form comes back with 409 and
	// the typed values; the training page asks before deleting.
	page := headWeb.Get("/workforce/trainings/" + tr.ID + "/edit")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="2.5"`) || !strings.Contains(page.Body, `name="version" value="`+strconv.Itoa(edited.Version)+`"`) {
		t.Fatalf("edit page: %d", page.Status)
	}
	form := url.Values{"title": {"站内个案研讨（网页修改）"}, "kind": {"case"}, "org_id": {chaoge}, "start_on": {"2026-01-10"}, "hours": {"3"},
		"version": {strconv.Itoa(tr.Version)}}
	page = headWeb.PostForm("/workforce/trainings/"+tr.ID, form)
	if page.Status != http.StatusConflict || !strings.Contains(page.Body, "已被他人修改") || !strings.Contains(page.Body, "站内个案研讨（网页修改）") {
		t.Fatalf("stale web edit: %d", page.Status)
	}
	form.Set("version", strconv.Itoa(edited.Version))
	if page = headWeb.PostForm("/workforce/trainings/"+tr.ID, form); page.Status != http.StatusSeeOther {
		t.Fatalf("web edit: %d %s", page.Status, page.Body)
	}
	show := headWeb.Get("/workforce/trainings/" + tr.ID)
	if !strings.Contains(show.Body, "站内个案研讨（网页修改）") || !strings.Contains(show.Body, `/workforce/trainings/`+tr.ID+`/delete`) ||
		!strings.Contains(show.Body, `data-confirm="确定删除培训`) || !strings.Contains(show.Body, `/workforce/trainings/`+tr.ID+`/edit`) {
		t.Fatal("training page lacks the edit link or the confirmed delete")
	}
	if strings.Contains(env.LoginDemo("shegong").Get("/workforce/trainings/"+tr.ID).Body, "/delete") {
		t.Fatal("a social worker is offered the delete")
	}

	// Remove the attendee through the API; again is 404.
	if res := head.Request("DELETE", "/api/v1/workforce/trainings/"+tr.ID+"/attendees/worker/"+colleague, "", nil); res.Status != http.StatusNoContent {
		t.Fatalf("remove attendee: %d %s", res.Status, res.Body)
	}
	if res := head.Request("DELETE", "/api/v1/workforce/trainings/"+tr.ID+"/attendees/worker/"+colleague, "", nil); res.Status != http.StatusNotFound {
		t.Fatalf("remove again: %d", res.Status)
	}
	var now wfTrainingJSON
	head.Get("/api/v1/workforce/trainings/" + tr.ID).Decode(&now)
	if now.AttendeeCount != 0 {
		t.Fatalf("attendees after removal: %+v", now)
	}
	// Put them back and delete the session: stale version first.
	head.JSON("POST", "/api/v1/workforce/trainings/"+tr.ID+"/attendees", map[string]any{"kind": "worker", "person_id": colleague})
	if res := head.Request("DELETE", "/api/v1/workforce/trainings/"+tr.ID+"?version="+strconv.Itoa(tr.Version), "", nil); res.Status != http.StatusConflict {
		t.Fatalf("stale delete: %d", res.Status)
	}
	if res := head.Request("DELETE", "/api/v1/workforce/trainings/"+tr.ID, "", nil); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("delete without version: %d", res.Status)
	}
	if page := headWeb.PostForm("/workforce/trainings/"+tr.ID+"/delete", url.Values{"version": {strconv.Itoa(now.Version)}}); page.Status != http.StatusSeeOther {
		t.Fatalf("web delete: %d %s", page.Status, page.Body)
	}
	if res := head.Get("/api/v1/workforce/trainings/" + tr.ID); res.Status != http.StatusNotFound {
		t.Fatalf("deleted training: %d", res.Status)
	}

	// Every change is in the audit log with before and after.
	log := wfAudit(t, env.APILoginDemo("auditadmin"), "entity=wf_training&entity_id="+tr.ID)
	seen := map[string]bool{}
	for _, e := range log.Items {
		for _, c := range e.Changes {
			seen[e.Action+" "+c.Field+" "+c.Before+"→"+c.After] = true
		}
	}
	for _, want := range []string{"update hours 2→2.5", "update hours 2.5→3", "update attendee →" + mine.Items[0]["name"].(string),
		"update attendee " + mine.Items[0]["name"].(string) + "（社工）→", "delete title 站内个案研讨（网页修改）→", "delete attendee_count 1→"} {
		if !seen[want] {
			t.Fatalf("audit lacks %q; has %v", want, seen)
		}
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestWorkforceProgrammeEditDeleteScenario(t *testing.T) {
	env := apptest.Start(t)
	admin := env.APILoginDemo("admin")
	adminWeb := env.LoginDemo("admin")
	var progs struct {
		Items []struct {
			ID, Name string
			OrgID    string `json:"org_id"`
			Version  int
		}
	}
	admin.Get("/api/v1/workforce/programmes").Decode(&progs)
	var star struct {
		ID, Name string
		OrgID    string `json:"org_id"`
		Version  int
	}
	for _, p := range progs.Items {
		if p.Name == demo.TalentProgramme {
			star = p
		}
	}
	if star.ID == "" {
		t.Fatalf("no demo programme %s in %+v", demo.TalentProgramme, progs.Items)
	}

	// The demo's 朝歌人才 has paid allowances: deleting it is refused.
	res := admin.Request("DELETE", "/api/v1/workforce/programmes/"+star.ID+"?version="+strconv.Itoa(star.Version), "", nil)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "笔津贴确认发放") || !strings.Contains(res.Body, "不能删除") {
		t.Fatalf("delete with paid lines: %d %s", res.Status, res.Body)
	}
	page := adminWeb.PostForm("/workforce/programmes/"+star.ID+"/delete", url.Values{"version": {strconv.Itoa(star.Version)}})
	if page.Status != http.StatusConflict || !strings.Contains(page.Body, "不能删除") || !strings.Contains(page.Body, "2023年朝歌人才（第一批）") {
		t.Fatalf("web delete with paid lines: %d", page.Status)
	}
	if res := admin.Get("/api/v1/workforce/programmes/" + star.ID); res.Status != http.StatusOK {
		t.Fatalf("programme after refused delete: %d", res.Status)
	}
	show := adminWeb.Get("/workforce/programmes/" + star.ID)
	if !strings.Contains(show.Body, `/workforce/programmes/`+star.ID+`/edit`) || !strings.Contains(show.Body, `data-confirm="确定删除“朝歌人才”吗？`) {
		t.Fatal("programme page lacks the edit link or the confirmed delete")
	}

	// Edit through the page and the API; a stale version is 409.
	if page := adminWeb.Get("/workforce/programmes/" + star.ID + "/edit"); page.Status != http.StatusOK || !strings.Contains(page.Body, `value="朝歌人才"`) {
		t.Fatalf("edit page: %d", page.Status)
	}
	form := url.Values{"name": {"淇县朝歌人才"}, "kind": {"talent"}, "org_id": {star.OrgID}, "description": {"每年评选"}, "version": {strconv.Itoa(star.Version)}}
	if page := adminWeb.PostForm("/workforce/programmes/"+star.ID, form); page.Status != http.StatusSeeOther {
		t.Fatalf("web edit: %d %s", page.Status, page.Body)
	}
	if page := adminWeb.PostForm("/workforce/programmes/"+star.ID, form); page.Status != http.StatusConflict || !strings.Contains(page.Body, "已被他人修改") {
		t.Fatalf("stale web edit: %d", page.Status)
	}
	res = admin.JSON("PUT", "/api/v1/workforce/programmes/"+star.ID, map[string]any{"name": "朝歌人才", "kind": "talent", "org_id": star.OrgID,
		"description": "每年评选", "version": star.Version + 1})
	if res.Status != http.StatusOK {
		t.Fatalf("api edit: %d %s", res.Status, res.Body)
	}
	if res := admin.JSON("PUT", "/api/v1/workforce/programmes/"+star.ID, map[string]any{"name": "x", "kind": "honour", "org_id": star.OrgID,
		"version": star.Version}); res.Status != http.StatusConflict {
		t.Fatalf("stale api edit: %d", res.Status)
	}
	// Station heads do not manage programmes.
	head := env.APILoginDemo("zhanzhang")
	if res := head.JSON("PUT", "/api/v1/workforce/programmes/"+star.ID, map[string]any{"name": "x", "kind": "honour", "version": star.Version + 2}); res.Status != http.StatusForbidden {
		t.Fatalf("station head edits a programme: %d", res.Status)
	}
	if res := head.Request("DELETE", "/api/v1/workforce/programmes/"+star.ID+"?version=1", "", nil); res.Status != http.StatusForbidden {
		t.Fatalf("station head deletes a programme: %d", res.Status)
	}
	log := wfAudit(t, env.APILoginDemo("auditadmin"), "entity=wf_programme&action=update&entity_id="+star.ID)
	found := 0
	for _, e := range log.Items {
		for _, c := range e.Changes {
			if c.Field == "name" && (c.Before == "朝歌人才" && c.After == "淇县朝歌人才" || c.Before == "淇县朝歌人才" && c.After == "朝歌人才") {
				found++
			}
		}
	}
	if found != 2 {
		t.Fatalf("programme edit audit: %+v", log.Items)
	}

	// A programme with nominees but nothing paid may be deleted.
	var p struct {
		ID      string
		Version int
	}
	admin.JSON("POST", "/api/v1/workforce/programmes", map[string]any{"org_id": star.OrgID, "name": "县级社会工作人才", "kind": "talent"}).Decode(&p)
	var round struct{ ID string }
	admin.JSON("POST", "/api/v1/workforce/programmes/"+p.ID+"/rounds", map[string]any{"name": "第一批", "year": 2025}).Decode(&round)
	var workers struct{ Items []map[string]any }
	admin.Get("/api/v1/workforce/workers?limit=5").Decode(&workers)
	if res := admin.JSON("POST", "/api/v1/workforce/rounds/"+round.ID+"/nominees", map[string]any{"worker_id": workers.Items[0]["id"]}); res.Status != http.StatusCreated {
		t.Fatalf("nominate: %d %s", res.Status, res.Body)
	}
	if page := adminWeb.PostForm("/workforce/programmes/"+p.ID+"/delete", url.Values{"version": {strconv.Itoa(p.Version)}}); page.Status != http.StatusSeeOther {
		t.Fatalf("web delete: %d %s", page.Status, page.Body)
	}
	if res := admin.Get("/api/v1/workforce/programmes/" + p.ID); res.Status != http.StatusNotFound {
		t.Fatalf("deleted programme: %d", res.Status)
	}
	if del := wfAudit(t, env.APILoginDemo("auditadmin"), "entity=wf_programme&action=delete&entity_id="+p.ID); del.Total != 1 || !strings.Contains(del.Items[0].Summary, "县级社会工作人才") {
		t.Fatalf("delete audit: %+v", del)
	}
}

func TestWorkforceWorkerPageHonoursAndTraining(t *testing.T) {
	env := apptest.Start(t)
	admin := env.APILoginDemo("admin")
	type programme struct {
		Name   string
		Rounds []struct {
			ID       string
			Name     string
			Nominees []struct {
				WorkerID string `json:"worker_id"`
				Status   string
			}
		}
	}
	var progs struct{ Items []struct{ ID, Name string } }
	admin.Get("/api/v1/workforce/programmes").Decode(&progs)
	// The 朝歌人才 round (a two-year allowance) and everyone nominated in
	// any demo programme.
	var prog programme
	nominated := map[string]bool{}
	for _, it := range progs.Items {
		var p programme
		admin.Get("/api/v1/workforce/programmes/" + it.ID).Decode(&p)
		for _, r := range p.Rounds {
			for _, n := range r.Nominees {
				nominated[n.WorkerID] = true
			}
		}
		if p.Name == demo.TalentProgramme {
			prog = p
		}
	}
	var selected, passed string
	for _, n := range prog.Rounds[0].Nominees {
		if n.Status == "selected" && selected == "" {
			selected = n.WorkerID
		}
	}
	// Every demo nominee was selected: nominate one more worker, not
	// selected.
	var workers struct{ Items []struct{ ID string } }
	admin.Get("/api/v1/workforce/workers?limit=100").Decode(&workers)
	for _, w := range workers.Items {
		if !nominated[w.ID] {
			passed = w.ID
			break
		}
	}
	var nominee struct {
		ID      string
		Version int
	}
	if res := admin.JSON("POST", "/api/v1/workforce/rounds/"+prog.Rounds[0].ID+"/nominees", map[string]any{"worker_id": passed}); res.Status != http.StatusCreated {
		t.Fatalf("nominate: %d %s", res.Status, res.Body)
	} else {
		res.Decode(&nominee)
	}
	if res := admin.JSON("PATCH", "/api/v1/workforce/nominees/"+nominee.ID, map[string]any{"status": "not_selected", "version": nominee.Version}); res.Status != http.StatusNoContent {
		t.Fatalf("not selected: %d %s", res.Status, res.Body)
	}
	page := env.LoginDemo("admin").Get("/workforce/workers/" + selected)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "荣誉与人才计划") || !strings.Contains(page.Body, demo.TalentRound) ||
		!strings.Contains(page.Body, "6,000.00") || !strings.Contains(page.Body, "培训学时") {
		t.Fatalf("worker page honours: %d", page.Status)
	}
	if page := env.LoginDemo("admin").Get("/workforce/workers/" + passed); strings.Contains(page.Body, demo.TalentRound) || !strings.Contains(page.Body, "暂无入选记录") {
		t.Fatal("a nominee not selected is listed as honoured")
	}
	var h struct {
		Honours []struct {
			RoundName string `json:"round_name"`
			Year      int
		}
		Training []struct {
			Year  int
			Hours string
		}
	}
	res := admin.Get("/api/v1/workforce/workers/" + selected + "/honours")
	res.Decode(&h)
	if res.Status != http.StatusOK || len(h.Honours) != 1 || h.Honours[0].RoundName != demo.TalentRound || h.Honours[0].Year != 2023 {
		t.Fatalf("honours api: %d %s", res.Status, res.Body)
	}
	// Training hours per year: a training attended shows on the page.
	var ts struct{ Items []wfTrainingJSON }
	admin.Get("/api/v1/workforce/trainings?limit=50").Decode(&ts)
	var tr wfTrainingJSON
	admin.Get("/api/v1/workforce/trainings/" + ts.Items[0].ID).Decode(&tr)
	if len(tr.Attendees) == 0 {
		t.Fatalf("demo training without attendees: %+v", tr)
	}
	var who string
	for _, a := range tr.Attendees {
		if a.Kind == "worker" {
			who = a.PersonID
			break
		}
	}
	res = admin.Get("/api/v1/workforce/workers/" + who + "/honours")
	res.Decode(&h)
	if len(h.Training) == 0 {
		t.Fatalf("training hours: %s", res.Body)
	}
	page = env.LoginDemo("admin").Get("/workforce/workers/" + who)
	if !strings.Contains(page.Body, "<td>"+strconv.Itoa(h.Training[0].Year)+"</td>") || !strings.Contains(page.Body, h.Training[0].Hours+" 小时") {
		t.Fatal("worker page lacks training hours per year")
	}
}

func TestWorkforceRejectedRowsDownloadAudited(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("zhanzhang")
	good := wfID("1992-02-02")
	bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] == '2']
	res := wfUpload(web, "待修改.xlsx", wfRoster(t,
		[]any{"甲一", "男", good, "", "", "朝歌街道社工站"},
		[]any{"乙二", "男", bad, "", "", "朝歌街道社工站"}))
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload: %d", res.Status)
	}
	batch := strings.SplitN(strings.SplitN(res.Body, `/workforce/import/`, 2)[1], "/", 2)[0]
	if res := web.Get("/workforce/import/" + batch + "/rejected.xlsx"); res.Status != http.StatusOK {
		t.Fatalf("download: %d", res.Status)
	}
	log := wfAudit(t, env.APILoginDemo("auditadmin"), "action=export&entity_id="+batch)
	if log.Total != 1 || !strings.Contains(log.Items[0].Summary, "待修改.xlsx") || !strings.Contains(log.Items[0].Summary, "1 行") {
		t.Fatalf("rejected download audit: %+v", log)
	}
}
