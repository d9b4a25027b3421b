package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/visits"
)

// Double taps and resends: every create form carries the id made when it
// was drawn, so the same form sent twice makes one record; the API tells
// a resend (200) from a conflict (409).

var createIDInput = regexp.MustCompile(`<input type="hidden" name="id" value="([0-9a-f-]{36})">`)

func formID(t *testing.T, body string) string {
	t.Helper()
	m := createIDInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the create form carries no record id")
	}
	return m[1]
}

func TestRecipientAPIResend(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	station := chaogeStationID(t, env)
	id := ids.New()
	body := map[string]any{"id": id, "org_id": station, "name": "顾大嫂", "id_number": validID("19580303", false), "village_code": "410622001201"}
	res := api.JSON("POST", "/api/v1/recipients", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("first send: %d %s", res.Status, res.Body)
	}
	res = api.JSON("POST", "/api/v1/recipients", body)
	var r recipients.Recipient
	res.Decode(&r)
	if res.Status != http.StatusOK || r.ID != id || r.Name != "顾大嫂" {
		t.Fatalf("resend: %d %s", res.Status, res.Body)
	}
	body["name"] = "顾二嫂"
	if res := api.JSON("POST", "/api/v1/recipients", body); res.Status != http.StatusConflict {
		t.Fatalf("same id, other content: %d %s", res.Status, res.Body)
	}
	if n := countRows(t, env, `SELECT COUNT(*) FROM recipients WHERE id = ?`, id); n != 1 {
		t.Fatalf("%d records", n)
	}
	// A list says whether its total is capped, as the recipients list does.
	var page struct {
		Total       int   `json:"total"`
		TotalCapped *bool `json:"total_capped"`
	}
	api.Get("/api/v1/visits?limit=1").Decode(&page)
	if page.TotalCapped == nil || *page.TotalCapped || page.Total == 0 {
		t.Fatalf("visits list: total %d, total_capped %v", page.Total, page.TotalCapped)
	}
}

func TestCreateFormsSentTwiceMakeOneRecord(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	var person string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT r.id FROM recipients r JOIN users u ON u.id = r.worker_id
		WHERE u.username = 'shegong' AND r.status = 'active' ORDER BY r.id LIMIT 1`).Scan(&person); err != nil {
		t.Fatal(err)
	}

	// A visit: two taps on 保存.
	page := c.Get("/visits/new?recipient=" + person)
	id := formID(t, page.Body)
	// A form left open may still be set to a later time today.
	if !strings.Contains(page.Body, `max="`+cst.Today()+`T23:59"`) {
		t.Error("the visit time is limited to the moment the form was drawn")
	}
	when := cst.Now().Add(-time.Hour)
	form := url.Values{"id": {id}, "recipient_id": {person}, "visited_at": {when.Format("2006-01-02T15:04")}, "method": {"home"}, "follow_up": {"none"},
		"findings": {"老人身体尚可"}}
	for i := 0; i < 2; i++ {
		if res := c.PostForm("/visits", form); res.Status != http.StatusSeeOther {
			t.Fatalf("send %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	if n := countRows(t, env, `SELECT COUNT(*) FROM visits WHERE id = ?`, id); n != 1 {
		t.Fatalf("two taps made %d visits", n)
	}

	// Volunteer hours: the same form twice.
	head := env.LoginDemo("zhanzhang")
	var vol string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT v.id FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id
		WHERE o.division_code = '410622001' ORDER BY v.id LIMIT 1`).Scan(&vol); err != nil {
		t.Fatal(err)
	}
	page = head.Get("/workforce/volunteers/" + vol)
	hid := formID(t, page.Body)
	before := countRows(t, env, `SELECT COUNT(*) FROM wf_volunteer_hours WHERE volunteer_id = ?`, vol)
	hours := url.Values{"id": {hid}, "served_on": {"2026-01-05"}, "hours": {"1.5"}, "activity": {"敬老院助餐"}}
	for i := 0; i < 2; i++ {
		if res := head.PostForm("/workforce/volunteers/"+vol+"/hours", hours); res.Status != http.StatusSeeOther {
			t.Fatalf("hours send %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	if n := countRows(t, env, `SELECT COUNT(*) FROM wf_volunteer_hours WHERE volunteer_id = ?`, vol); n != before+1 {
		t.Fatalf("two sends made %d entries", n-before)
	}
	// The entry is deleted by the station head, with a reason.
	res := head.PostForm("/workforce/volunteers/"+vol+"/hours/"+hid+"/delete", url.Values{"version": {"1"}, "reason": {"重复登记"}})
	if res.Status != http.StatusSeeOther || countRows(t, env, `SELECT COUNT(*) FROM wf_volunteer_hours WHERE id = ?`, hid) != 0 {
		t.Fatalf("delete hours: %d %s", res.Status, res.Body)
	}

	// The visit is deleted by whoever recorded it (not by the county
	// administrator, who did not), with a reason, and the plan follows.
	if res := env.APILoginDemo("admin").Request("DELETE", "/api/v1/visits/"+id+"?version=1&reason=x", "", nil); res.Status != http.StatusForbidden {
		t.Fatalf("admin deletes another's visit: %d %s", res.Status, res.Body)
	}
	api := env.APILoginDemo("shegong")
	if res := api.Request("DELETE", "/api/v1/visits/"+id+"?version=1", "", nil); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("delete without reason: %d %s", res.Status, res.Body)
	}
	if res := api.Request("DELETE", "/api/v1/visits/"+id+"?version=1&reason="+url.QueryEscape("录错了对象"), "", nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := c.PostForm("/visits", form); res.Status == http.StatusSeeOther || !strings.Contains(res.Body, "已被删除") {
		t.Fatalf("resend of a deleted visit: %d", res.Status)
	}
	var plan visits.Plan
	api.Get("/api/v1/recipients/" + person + "/visit-plan").Decode(&plan)
	var last string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT COALESCE(MAX(visit_date), '') FROM visits WHERE recipient_id = ?`, person).Scan(&last); err != nil {
		t.Fatal(err)
	}
	if plan.LastVisitOn != last {
		t.Fatalf("plan after delete: last %q, visits say %q", plan.LastVisitOn, last)
	}
}

// Every create form of the field records and plans carries its id: sent
// twice, each makes one record.
func TestMoreCreateFormsSentTwice(t *testing.T) {
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	worker := env.LoginDemo("shegong")
	admin := env.LoginDemo("admin")
	station := chaogeStationID(t, env)
	today := cst.Today()
	var person string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT r.id FROM recipients r JOIN users u ON u.id = r.worker_id
		WHERE u.username = 'shegong' AND r.status = 'active' ORDER BY r.id LIMIT 1`).Scan(&person); err != nil {
		t.Fatal(err)
	}
	var workerID, programmeID string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT w.id FROM wf_workers w WHERE w.org_id = ? ORDER BY w.id LIMIT 1`, station).Scan(&workerID); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.QueryRow(t.Context(), `SELECT id FROM wf_programmes ORDER BY id LIMIT 1`).Scan(&programmeID); err != nil {
		t.Fatal(err)
	}
	var village string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT code FROM divisions WHERE parent_code = '410622001'
		AND code NOT IN (SELECT village_code FROM rooms) ORDER BY code LIMIT 1`).Scan(&village); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		client     *apptest.Client
		page, post string
		table      string
		values     url.Values
	}{
		{"campaign", head, "/visit-campaigns/new", "/visit-campaigns", "visit_campaigns",
			url.Values{"org_id": {station}, "name": {"冬季走访"}, "starts_on": {today}, "ends_on": {today}, "villages": {"410622001200"}}},
		{"volunteer", head, "/workforce/volunteers/new", "/workforce/volunteers", "wf_volunteers",
			url.Values{"org_id": {station}, "name": {"志愿者甲"}, "registered_on": {today}, "status": {"active"}}},
		{"training", head, "/workforce/trainings/new", "/workforce/trainings", "wf_trainings",
			url.Values{"org_id": {station}, "title": {"冬季安全培训"}, "kind": {"short"}, "start_on": {today}, "hours": {"2"}}},
		{"worker", head, "/workforce/workers/new", "/workforce/workers", "wf_workers",
			url.Values{"org_id": {station}, "name": {"新社工"}, "id_number": {validID("19900101", true)}, "hired_on": {today}, "status": {"active"}}},
		{"programme", admin, "/workforce/programmes/new", "/workforce/programmes", "wf_programmes",
			url.Values{"org_id": {netCountyID(t, env)}, "name": {"县级社工领军人才"}, "kind": {"talent"}}},
		{"qualification", head, "/workforce/workers/" + workerID, "/workforce/workers/" + workerID + "/qualifications", "wf_qualifications",
			url.Values{"level": {"junior"}, "cert_no": {"TEST-0001"}, "obtained_on": {"2024-06-01"}}},
		{"round", admin, "/workforce/programmes/" + programmeID, "/workforce/programmes/" + programmeID + "/rounds", "wf_rounds",
			url.Values{"name": {"第二批"}, "year": {today[:4]}, "benefits": {"每月补贴"}}},
		{"checklist item", admin, "/network/checklist", "/network/checklist", "checklist_items",
			url.Values{"county_id": {netCountyID(t, env)}, "category": {"服务成效"}, "title": {"建立探访台账"}, "max_score": {"5"}}},
		{"org unit", admin, "/orgs/new", "/orgs", "org_units",
			url.Values{"parent_id": {netCountyID(t, env)}, "kind": {"station"}, "name": {"测试社工站"}}},
		{"room", admin, "/network/rooms/new", "/network/rooms", "org_units",
			url.Values{"township_code": {"410622001"}, "village_code": {village}}},
		{"organisation", admin, "/network/organisations/new", "/network/organisations", "service_orgs",
			url.Values{"county_id": {netCountyID(t, env)}, "name": {"淇县新禾社会工作服务中心"}, "credit_code": {demo.CreditCode("52410622MJY580099")}, "status": {"active"}}},
		{"major change", worker, "/recipients/" + person + "/visits", "/recipients/" + person + "/major-changes", "visit_major_changes",
			url.Values{"kind": {"hospital"}, "note": {"住院"}}},
	}
	for _, c := range cases {
		page := c.client.Get(c.page)
		if page.Status != http.StatusOK {
			t.Fatalf("%s form: %d", c.name, page.Status)
		}
		id := formID(t, page.Body)
		v := cloneForm(c.values)
		v.Set("id", id)
		for i := 0; i < 2; i++ {
			if res := c.client.PostForm(c.post, v); res.Status != http.StatusSeeOther {
				t.Fatalf("%s send %d: %d %s", c.name, i+1, res.Status, res.Body)
			}
		}
		if n := countRows(t, env, `SELECT COUNT(*) FROM `+c.table+` WHERE id = ?`, id); n != 1 {
			t.Errorf("%s: two sends made %d records", c.name, n)
		}
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// The create forms of the service modules carry the record id too, so a
// double tap on 保存 is one service record, case, referral, activity or
// group (their domain creates return the record already saved).
func TestServiceModuleFormsCarryARecordID(t *testing.T) {
	env := apptest.Start(t)
	worker, head := env.LoginDemo("shegong"), env.LoginDemo("zhanzhang")
	for _, p := range []struct {
		c    *apptest.Client
		path string
	}{
		{worker, "/services/new"}, {worker, "/cases/new"}, {worker, "/referrals/new"},
		{worker, "/activities/new"}, {head, "/groups/new"},
	} {
		res := p.c.Get(p.path)
		if res.Status != http.StatusOK {
			t.Errorf("%s: %d", p.path, res.Status)
			continue
		}
		if createIDInput.FindStringSubmatch(res.Body) == nil {
			t.Errorf("%s: the form carries no record id", p.path)
		}
	}
}
