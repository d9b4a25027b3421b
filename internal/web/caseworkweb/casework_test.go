package caseworkweb_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
)

type caseJSON struct {
	ID, Number, Stage string
	Version           int
}

// The demo county's cases: the pages render for a worker, content stays
// hidden from the administrator, print forms render, and the API takes
// a case from intake to an approved plan with a second user.
func TestCasePagesAndAPI(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	for _, path := range []string{"/", "/cases", "/cases?stage=open", "/cases/tasks", "/cases/tasks?overdue=1", "/services"} {
		if r := worker.Get(path); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	api := env.APILoginDemo("shegong")
	var list struct {
		Items []struct {
			ID, Number, Stage string
		}
		Total int
	}
	api.Get("/api/v1/cases?limit=100").Decode(&list)
	stages := map[string]string{}
	for _, c := range list.Items {
		stages[c.Stage] = c.ID
	}
	for _, s := range []string{"intake", "assessment", "plan", "intervention", "evaluation", "closed", "followup", "declined", "referred"} {
		if stages[s] == "" {
			t.Errorf("no demo case at stage %s", s)
		}
	}
	id := stages["evaluation"]
	page := worker.Get("/cases/" + id)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "求助问题与初步评估") || !strings.Contains(page.Body, "介入记录") {
		t.Fatalf("case page: %d", page.Status)
	}
	for _, form := range []string{"intake", "assessment", "plan", "log", "evaluation", "closing"} {
		r := worker.Get("/cases/" + id + "/print/" + form)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "@page") || !strings.Contains(r.Body, "社工签名") {
			t.Fatalf("print %s: %d", form, r.Status)
		}
	}
	admin := env.LoginDemo("admin")
	r := admin.Get("/cases/" + id)
	if r.Status != http.StatusOK || strings.Contains(r.Body, "求助问题与初步评估") || !strings.Contains(r.Body, "个案内容保密") {
		t.Fatalf("admin sees content: %d", r.Status)
	}
	if r := admin.Get("/cases/" + id + "/print/intake"); r.Status != http.StatusForbidden {
		t.Fatalf("admin print: %d", r.Status)
	}
	if r := env.LoginDemo("zhanzhang").Get("/cases/approvals"); r.Status != http.StatusOK || !strings.Contains(r.Body, "服务计划") {
		t.Fatalf("head's approvals: %d", r.Status)
	}

	// The API, with a client id, through to an approved plan.
	person := adultWithoutCase(t, env)
	body := map[string]any{"id": "0190f5a4-7b1c-7c3e-8a2b-1234567890ab", "recipient_id": person, "source": "self", "opened_on": cst.Today(), "intake": "主动求助：照料困难"}
	res := api.JSON("POST", "/api/v1/cases", body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if again := api.JSON("POST", "/api/v1/cases", body); again.Status != http.StatusOK {
		t.Fatalf("replay: %d", again.Status)
	}
	var c caseJSON
	res.Decode(&c)
	// A plan before an assessment is refused, naming the field.
	res = api.JSON("PUT", "/api/v1/cases/"+c.ID+"/plan", map[string]any{"version": 0, "strategy": "x", "goals": []any{}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"stage"`) {
		t.Fatalf("plan first: %d %s", res.Status, res.Body)
	}
	if res = api.JSON("POST", "/api/v1/cases/"+c.ID+"/decision", map[string]any{"version": c.Version, "decision": "accept"}); res.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	scores := map[string]map[string]int{"self": {"身体健康": 2, "心理情绪": 2, "生活自理": 3, "经济状况": 2}, "family": {"家庭关系": 3, "照料支持": 2, "家庭经济": 2},
		"social": {"社会交往": 2, "社区参与": 1, "政策与资源": 2}}
	// An assessment with its client id: a resend answers 200 with it,
	// other content under the id 409.
	assessment := map[string]any{"id": "0190f5a4-7b1c-7c3e-8a2b-1234567890ac", "assessed_on": cst.Today(), "problems": "照料不足", "scores": scores}
	for _, want := range []int{http.StatusCreated, http.StatusOK} {
		if res = api.JSON("POST", "/api/v1/cases/"+c.ID+"/assessments", assessment); res.Status != want || !strings.Contains(res.Body, "1234567890ac") {
			t.Fatalf("assess: %d (want %d) %s", res.Status, want, res.Body)
		}
	}
	assessment["problems"] = "另一份"
	if res = api.JSON("POST", "/api/v1/cases/"+c.ID+"/assessments", assessment); res.Status != http.StatusConflict {
		t.Fatalf("other assessment under the id: %d %s", res.Status, res.Body)
	}
	goal := map[string]any{"domain": "self", "text": "每周外出两次", "measures": "陪同散步", "due_on": cst.Today()}
	if res = api.JSON("PUT", "/api/v1/cases/"+c.ID+"/plan", map[string]any{"version": 0, "strategy": "陪伴", "goals": []any{goal}}); res.Status != http.StatusOK {
		t.Fatalf("plan: %d %s", res.Status, res.Body)
	}
	var req struct{ ID, Route string }
	res = api.JSON("POST", "/api/v1/cases/"+c.ID+"/plan/submit", nil)
	res.Decode(&req)
	if res.Status != http.StatusCreated || req.Route != "station_head" {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	if res = api.JSON("POST", "/api/v1/case-approvals/"+req.ID, map[string]any{"approve": true}); res.Status != http.StatusForbidden {
		t.Fatalf("worker approves: %d", res.Status)
	}
	head := env.APILoginDemo("zhanzhang")
	if res = head.JSON("POST", "/api/v1/case-approvals/"+req.ID, map[string]any{"approve": true}); res.Status != http.StatusOK {
		t.Fatalf("head approves: %d %s", res.Status, res.Body)
	}
	var got struct{ Case caseJSON }
	api.Get("/api/v1/cases/" + c.ID).Decode(&got)
	if got.Case.Stage != "intervention" {
		t.Fatalf("stage %s", got.Case.Stage)
	}
	// The evaluation form, tapped twice: one evaluation.
	var file struct {
		Plan struct {
			Goals []struct{ ID string }
		}
		Evaluations []struct{ ID string }
	}
	page = worker.Get("/cases/" + c.ID)
	m := regexp.MustCompile(`name="evaluation_id" value="([0-9a-f-]{36})"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("the evaluation form carries no record id")
	}
	api.Get("/api/v1/cases/" + c.ID + "/file").Decode(&file)
	form := url.Values{"evaluation_id": {m[1]}, "evaluated_on": {cst.Today()}, "summary": {"目标部分达成"}, "attainment." + file.Plan.Goals[0].ID: {"4"}}
	for i := 0; i < 2; i++ {
		if r := worker.PostForm("/cases/"+c.ID+"/evaluations", form); r.Status != http.StatusSeeOther {
			t.Fatalf("evaluation tap %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	api.Get("/api/v1/cases/" + c.ID + "/file").Decode(&file)
	if len(file.Evaluations) != 1 || file.Evaluations[0].ID != m[1] {
		t.Fatalf("evaluations after a double tap: %+v", file.Evaluations)
	}
	// A log in the future is refused; the form page shows the message.
	tomorrow := cst.Now().AddDate(0, 0, 1).Format("2006-01-02 15:04")
	r = worker.PostForm("/cases/"+c.ID+"/logs", url.Values{"logged_at": {tomorrow}, "kind": {"home"}, "minutes": {"30"}, "content": {"家访"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "服务时间不能晚于现在") {
		t.Fatalf("future log: %d", r.Status)
	}
}

// adultWithoutCase is a demo adult in the worker's station with no case.
func adultWithoutCase(t *testing.T, env *apptest.Env) string {
	t.Helper()
	api := env.APILoginDemo("shegong")
	var people struct {
		Items []struct {
			ID        string `json:"id"`
			BirthDate string `json:"birth_date"`
		}
	}
	api.Get("/api/v1/recipients?limit=50&status=active").Decode(&people)
	for _, p := range people.Items {
		if p.BirthDate != "" && p.BirthDate < "2000-01-01" {
			var cl struct{ Total int }
			api.Get("/api/v1/cases?recipient=" + p.ID).Decode(&cl)
			if cl.Total == 0 {
				return p.ID
			}
		}
	}
	t.Fatal("no adult without a case")
	return ""
}

// The signed agreement's scan is stored with the intake decision and
// read under the case's content rule.
func TestAgreementScan(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	res := api.JSON("POST", "/api/v1/cases", map[string]any{"recipient_id": adultWithoutCase(t, env), "source": "outreach", "opened_on": cst.Today(), "intake": "外展发现"})
	var c caseJSON
	res.Decode(&c)
	worker := env.LoginDemo("shegong")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf_token": worker.CSRF, "version": strconv.Itoa(c.Version), "decision": "accept", "agreement_on": cst.Today()} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("agreement_scan", "协议.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	_ = png.Encode(fw, img)
	mw.Close()
	r := worker.Request("POST", "/cases/"+c.ID+"/decision", mw.FormDataContentType(), &body)
	if r.Status != http.StatusSeeOther && r.Status != http.StatusOK {
		t.Fatalf("decision with scan: %d %s", r.Status, r.Body)
	}
	page := worker.Get("/cases/" + c.ID)
	i := strings.Index(page.Body, `href="/attachments/`)
	if i < 0 {
		t.Fatal("no scan on the case page")
	}
	link := page.Body[i+6 : i+6+strings.Index(page.Body[i+6:], `"`)]
	if r := worker.Get(link); r.Status != http.StatusOK {
		t.Fatalf("worker opens the scan: %d", r.Status)
	}
	if r := env.LoginDemo("admin").Get(link); r.Status != http.StatusForbidden {
		t.Fatalf("admin opens the scan: %d", r.Status)
	}
}
