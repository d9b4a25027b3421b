package visits_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/visits"
)

// Scenario tests: the real app with the demo county, through HTTP.

// demoPerson finds a demo recipient by name through the API.
func demoPerson(t *testing.T, api *apptest.Client, name string) recipients.Recipient {
	t.Helper()
	var page struct{ Items []recipients.Recipient }
	res := api.Get("/api/v1/recipients?q=" + url.QueryEscape(name))
	res.Decode(&page)
	for _, r := range page.Items {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no demo recipient %s: %d %s", name, res.Status, res.Body)
	return recipients.Recipient{}
}

func TestWorkerRecordsAVisitOnTheWeb(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	person := demoPerson(t, env.APILoginDemo("shegong"), "张三")

	// The home page shows "我本周待探访" first.
	home := worker.Get("/")
	i := strings.Index(home.Body, `data-testid="home-my-visits"`)
	if i < 0 || strings.Index(home.Body, `data-testid="home-`) != i {
		t.Fatalf("my visits due is not the first home section:\n%s", home.Body)
	}
	// The people listed next include the never visited the counts count.
	if m := regexp.MustCompile(`<div class="value">(\d+)</div><div class="title">从未探访</div>`).FindStringSubmatch(home.Body); m == nil || m[1] == "0" {
		t.Errorf("the demo worker has nobody never visited: %v", m)
	} else if !strings.Contains(home.Body, `data-testid="home-my-visits-items"`) || !strings.Contains(home.Body, "从未探访 · 登记") {
		t.Error("the home page counts people never visited but does not list them")
	}

	form := worker.Get("/visits/new?recipient=" + person.ID)
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `name="visited_at"`) || !strings.Contains(form.Body, "张三") {
		t.Fatalf("form: %d", form.Status)
	}
	// A tier without the assessment comes back with the field named and
	// the typed text kept.
	bad := worker.PostForm("/visits", url.Values{"recipient_id": {person.ID}, "visited_at": {"2020-01-01T09:00"}, "method": {"home"},
		"findings": {"家中整洁"}, "risk_tier": {"high"}, "follow_up": {"none"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "评定风险等级须先完成四项评估") || !strings.Contains(bad.Body, "家中整洁") {
		t.Fatalf("bad visit: %d\n%s", bad.Status, bad.Body)
	}
	ok := worker.PostForm("/visits", url.Values{"recipient_id": {person.ID}, "visited_at": {"2020-01-01T09:00"}, "method": {"home"},
		"findings": {"家中整洁"}, "score_living": {"2"}, "score_safety": {"4"}, "score_family": {"2"}, "score_care": {"3"}, "note_safety": {"电线老化"},
		"follow_up": {"service"}, "visitor": {""}, "other_visitors": {"志愿者王芳"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", ok.Status, ok.Body)
	}
	page := worker.Get(ok.Header.Get("Location"))
	if !strings.Contains(page.Body, "电线老化") || !strings.Contains(page.Body, "高风险") || !strings.Contains(page.Body, "志愿者王芳") {
		t.Fatalf("visit page:\n%s", page.Body)
	}
	// The recipient page's panel (htmx fragment).
	panel := worker.Get("/recipients/" + person.ID + "/visits")
	if panel.Status != http.StatusOK || !strings.Contains(panel.Body, `data-testid="visits-panel"`) {
		t.Fatalf("panel: %d", panel.Status)
	}
}

func TestVisitPagesPerRole(t *testing.T) {
	env := apptest.Start(t)
	for _, c := range []struct {
		user, path string
		status     int
	}{
		{"shegong", "/visits", 200}, {"shegong", "/visits/due?mine=1", 200}, {"shegong", "/visit-campaigns", 200},
		{"zhanzhang", "/visits/due", 200}, {"zhanzhang", "/visits/overview", 200},
		{"admin", "/visits/overview", 200}, {"admin", "/visit-rules", 200}, {"admin", "/visits/new?new=1", 200},
		{"lingdao", "/visits/overview", 200}, {"lingdao", "/visits/due", 403}, {"lingdao", "/visits", 403},
		{"zhiyuan", "/visits", 403}, {"zhiyuan", "/visits/new", 403}, {"shegong", "/visit-rules", 403},
		{"pinggu", "/visits", 200}, {"pinggu", "/visits/new", 403},
	} {
		res := env.LoginDemo(c.user).Get(c.path)
		if res.Status != c.status {
			t.Errorf("%s GET %s: %d, want %d", c.user, c.path, res.Status, c.status)
		}
	}
	// The tier and due filters on the recipients list.
	list := env.LoginDemo("admin").Get("/recipients?tier=high&visit=overdue")
	if list.Status != 200 || !strings.Contains(list.Body, "风险等级") {
		t.Fatalf("recipients list with the tier filter: %d", list.Status)
	}
	// Each due-list export is logged.
	head := env.LoginDemo("zhanzhang")
	for _, window := range []string{"overdue", "week"} {
		if res := head.PostForm("/visits/due/export", url.Values{"window": {window}}); res.Status != 200 || !strings.HasPrefix(res.Body, "PK") {
			t.Fatalf("export of %s: %d", window, res.Status)
		}
	}
	var n int
	if err := env.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'visit_due'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("export audit entries: %d %v", n, err)
	}
}

func TestAPIOfflineReplayAndScope(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	person := demoPerson(t, api, "王桂兰")
	body := map[string]any{"id": ids.New(), "recipient_id": person.ID, "visited_at": "2025-06-01 10:00", "method": "phone",
		"findings": "电话回访，一切正常", "assessment": map[string]any{"living": map[string]any{"score": 1}, "safety": map[string]any{"score": 1},
			"family": map[string]any{"score": 2}, "care": map[string]any{"score": 1}}}
	first := api.JSON("POST", "/api/v1/visits", body)
	if first.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", first.Status, first.Body)
	}
	again := api.JSON("POST", "/api/v1/visits", body)
	if again.Status != http.StatusOK {
		t.Fatalf("replay: %d %s", again.Status, again.Body)
	}
	var v visits.Visit
	again.Decode(&v)
	if v.ID != body["id"] || v.RiskTier != visits.TierGeneral {
		t.Fatalf("replayed visit %+v", v)
	}
	body["findings"] = "另一段内容"
	if res := api.JSON("POST", "/api/v1/visits", body); res.Status != http.StatusConflict {
		t.Fatalf("same id, other content: %d", res.Status)
	}
	// Future, with the field named; nothing written.
	future := map[string]any{"recipient_id": person.ID, "visited_at": "2099-01-01 10:00", "method": "home"}
	res := api.JSON("POST", "/api/v1/visits", future)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"visited_at"`) {
		t.Fatalf("future: %d %s", res.Status, res.Body)
	}
	// Edit with a stale version.
	edit := map[string]any{"version": 1, "visited_at": "2025-06-01 10:00", "method": "home", "reason": "日期记错"}
	if res := api.JSON("PUT", "/api/v1/visits/"+v.ID, edit); res.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("PUT", "/api/v1/visits/"+v.ID, edit); res.Status != http.StatusConflict {
		t.Fatalf("stale edit: %d %s", res.Status, res.Body)
	}
	// Another station's head neither sees nor records it.
	admin := env.APILoginDemo("admin")
	var due struct {
		Items []visits.DueItem
		Total int
	}
	admin.Get("/api/v1/visits/due?window=overdue").Decode(&due)
	if due.Total == 0 {
		t.Fatal("the demo county has nobody overdue")
	}
	var counts struct {
		Total    visits.Counts
		Stations []visits.Counts
	}
	env.APILoginDemo("lingdao").Get("/api/v1/visits/due/counts").Decode(&counts)
	if counts.Total.Overdue != due.Total || len(counts.Stations) != 9 {
		t.Fatalf("leader's counts %+v vs %d overdue", counts.Total, due.Total)
	}
	if res := env.APILoginDemo("zhiyuan").Get("/api/v1/visits/" + v.ID); res.Status != http.StatusForbidden {
		t.Fatalf("volunteer read a visit: %d", res.Status)
	}
}

func TestMajorChangeOnTheWebAndTheAPI(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	api := env.APILoginDemo("shegong")
	person := demoPerson(t, api, "张三")
	tomorrow := cst.Now().Add(visits.MajorChangeWithin).Format(cst.DateLayout)

	bad := worker.PostForm("/recipients/"+person.ID+"/major-changes", url.Values{"kind": {""}, "note": {"夜里摔倒"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "请选择重大变化的类型") || !strings.Contains(bad.Body, "夜里摔倒") {
		t.Fatalf("form without a kind: %d\n%s", bad.Status, bad.Body)
	}
	ok := worker.PostForm("/recipients/"+person.ID+"/major-changes", url.Values{"kind": {"hospital"}, "note": {"夜里摔倒，髋部骨折住院"}})
	if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Header.Get("Location"), "/recipients/"+person.ID) {
		t.Fatalf("report: %d %s", ok.Status, ok.Body)
	}
	panel := worker.Get("/recipients/" + person.ID + "/visits")
	if !strings.Contains(panel.Body, `data-testid="major-changes"`) || !strings.Contains(panel.Body, "髋部骨折") || !strings.Contains(panel.Body, tomorrow) {
		t.Fatalf("panel after the report:\n%s", panel.Body)
	}

	var plan visits.Plan
	if res := api.Get("/api/v1/recipients/" + person.ID + "/visit-plan"); res.Status != http.StatusOK {
		t.Fatalf("plan: %d %s", res.Status, res.Body)
	} else {
		res.Decode(&plan)
	}
	if plan.NextVisitDue > tomorrow || len(plan.MajorChanges) != 1 || plan.MajorChanges[0].Kind != visits.ChangeHospital {
		t.Fatalf("plan after the report: %+v", plan)
	}
	body := map[string]any{"id": ids.New(), "kind": "carer", "note": "老伴去世后无人照料"}
	if res := api.JSON("POST", "/api/v1/recipients/"+person.ID+"/major-changes", body); res.Status != http.StatusCreated {
		t.Fatalf("API report: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("POST", "/api/v1/recipients/"+person.ID+"/major-changes", body); res.Status != http.StatusOK {
		t.Fatalf("API replay: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("POST", "/api/v1/recipients/"+person.ID+"/major-changes", map[string]any{"kind": "other"}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"note"`) {
		t.Fatalf("API other without a note: %d %s", res.Status, res.Body)
	}
	if res := env.APILoginDemo("zhiyuan").JSON("POST", "/api/v1/recipients/"+person.ID+"/major-changes", map[string]any{"kind": "hospital"}); res.Status != http.StatusForbidden {
		t.Fatalf("a volunteer reported: %d", res.Status)
	}
	api.Get("/api/v1/recipients/" + person.ID + "/visit-plan").Decode(&plan)
	if len(plan.MajorChanges) != 2 {
		t.Fatalf("open reports: %+v", plan.MajorChanges)
	}
	// A visit now answers both.
	visit := map[string]any{"recipient_id": person.ID, "visited_at": cst.Now().Format("2006-01-02 15:04"), "method": "home"}
	if res := api.JSON("POST", "/api/v1/visits", visit); res.Status != http.StatusCreated {
		t.Fatalf("visit: %d %s", res.Status, res.Body)
	}
	plan = visits.Plan{}
	api.Get("/api/v1/recipients/" + person.ID + "/visit-plan").Decode(&plan)
	if len(plan.MajorChanges) != 0 || plan.NextVisitDue <= tomorrow {
		t.Fatalf("after the visit: %+v", plan)
	}
}

func TestAPIVisitPhotos(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	person := demoPerson(t, api, "王桂兰")
	res := api.JSON("POST", "/api/v1/visits", map[string]any{"recipient_id": person.ID, "visited_at": "2025-06-02 10:00", "method": "home"})
	if res.Status != http.StatusCreated {
		t.Fatalf("visit: %d %s", res.Status, res.Body)
	}
	var v visits.Visit
	res.Decode(&v)
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(2, 2, color.RGBA{0, 120, 200, 255})
	var photo bytes.Buffer
	if err := png.Encode(&photo, img); err != nil {
		t.Fatal(err)
	}
	upload := func(c *apptest.Client, name string, body []byte) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("photos", name)
		_, _ = w.Write(body)
		mw.Close()
		return c.Request("POST", "/api/v1/visits/"+v.ID+"/photos", mw.FormDataContentType(), &buf)
	}
	type list struct {
		Items []struct {
			ID, URL     string
			ContentType string `json:"content_type"`
		}
	}
	var first, again, listed list
	if res := upload(api, "IMG_0001.png", photo.Bytes()); res.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	} else {
		res.Decode(&first)
	}
	if len(first.Items) != 1 || first.Items[0].URL != "/api/v1/attachments/"+first.Items[0].ID || first.Items[0].ContentType != "image/png" {
		t.Fatalf("uploaded: %+v", first)
	}
	// Replaying the upload stores nothing new.
	upload(api, "IMG_0001.png", photo.Bytes()).Decode(&again)
	api.Get("/api/v1/visits/" + v.ID + "/photos").Decode(&listed)
	if len(again.Items) != 1 || again.Items[0].ID != first.Items[0].ID || len(listed.Items) != 1 {
		t.Fatalf("after a replay: %+v, listed %+v", again, listed)
	}
	if got := api.Get(first.Items[0].URL); got.Status != http.StatusOK || got.Body != photo.String() {
		t.Fatalf("download: %d", got.Status)
	}
	if res := upload(api, "note.jpg", []byte("not a photo at all")); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"photos"`) {
		t.Fatalf("a text file: %d %s", res.Status, res.Body)
	}
	if res := upload(env.APILoginDemo("zhiyuan"), "IMG_0002.png", photo.Bytes()); res.Status != http.StatusForbidden {
		t.Fatalf("a volunteer uploaded: %d", res.Status)
	}
	// Volunteers read no visit records, so none of their photos either.
	volunteer := env.APILoginDemo("zhiyuan")
	if res := volunteer.Get(first.Items[0].URL); res.Status != http.StatusForbidden {
		t.Fatalf("a volunteer downloaded a visit photo: %d", res.Status)
	}
	if res := env.LoginDemo("zhiyuan").Get("/attachments/" + first.Items[0].ID); res.Status != http.StatusForbidden {
		t.Fatalf("a volunteer downloaded a visit photo on the web: %d", res.Status)
	}
	if res := env.LoginDemo("dudao").Get("/attachments/" + first.Items[0].ID); res.Status != http.StatusOK {
		t.Fatalf("the supervisor could not see the photo: %d", res.Status)
	}
	// A child's visit photos follow the children rule: the evaluator reads
	// visit records but not children's.
	child := demoPerson(t, api, "刘小雨")
	res = api.JSON("POST", "/api/v1/visits", map[string]any{"recipient_id": child.ID, "visited_at": "2025-06-03 10:00", "method": "home"})
	if res.Status != http.StatusCreated {
		t.Fatalf("child's visit: %d %s", res.Status, res.Body)
	}
	var cv visits.Visit
	res.Decode(&cv)
	v = cv
	var childPhotos list
	upload(api, "IMG_0003.png", photo.Bytes()).Decode(&childPhotos)
	if len(childPhotos.Items) != 1 {
		t.Fatalf("child's photo: %+v", childPhotos)
	}
	if res := env.APILoginDemo("pinggu").Get(childPhotos.Items[0].URL); res.Status == http.StatusOK {
		t.Fatal("the evaluator downloaded a child's visit photo")
	}
	if res := env.APILoginDemo("pinggu").Get(first.Items[0].URL); res.Status != http.StatusOK {
		t.Fatalf("the evaluator could not see an adult's visit photo: %d", res.Status)
	}
}

func TestRulesPageSavesAndRecomputesOnRequest(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	page := admin.Get("/visit-rules")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="replan"`) {
		t.Fatalf("rules page: %d", page.Status)
	}
	form := url.Values{"tier_high_n": {"1"}, "tier_high_unit": {"week"}, "tier_focus_n": {"1"}, "tier_focus_unit": {"month"},
		"tier_general_n": {"1"}, "tier_general_unit": {"month"}, "replan": {"1"}}
	res := admin.PostForm("/visit-rules", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save with recomputation: %d %s", res.Status, res.Header.Get("Location"))
	}
	if next := admin.Get(res.Header.Get("Location")); !strings.Contains(next.Body, "重算") {
		t.Fatalf("the page after saving does not say how many dates were recomputed")
	}
	// Through the API, the count of changed dates comes back in a header.
	api := env.APILoginDemo("admin")
	rules := map[string]any{"tiers": map[string]any{"high": map[string]any{"every": 1, "unit": "week"}, "focus": map[string]any{"every": 1, "unit": "month"},
		"general": map[string]any{"every": 3, "unit": "month"}}}
	res = api.JSON("PUT", "/api/v1/visit-rules?replan=1", rules)
	if res.Status != http.StatusOK || res.Header.Get("X-Replanned") == "" {
		t.Fatalf("API save with recomputation: %d %q %s", res.Status, res.Header.Get("X-Replanned"), res.Body)
	}
}
