package caseworkweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
)

// returnedCard is the value of the home page's 退回待修改 card and the
// list it links to.
func returnedCard(t *testing.T, body string) (int, string) {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]*returned=1[^"]*)"><div class="value">(\d+)</div><div class="title">退回待修改</div>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the home page has no 退回待修改 card")
	}
	n, _ := strconv.Atoi(m[2])
	return n, strings.ReplaceAll(m[1], "&amp;", "&")
}

// listTotal is how many cases a list page shows (rows of its table).
func listTotal(body string) int {
	return strings.Count(body, `<td class="card-title nowrap"><a href="/cases/`)
}

// A plan through submission, return and approval as the worker and the
// station head see it: the print form in Chinese, the worker's home card
// of returned cases (its count is its list), the approvals list naming
// the person, the case list as cards, the plan form's labelled goals.
func TestReturnedPlanPrintAndHome(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	before, link := returnedCard(t, worker.Get("/").Body)
	if link != "/cases?mine=1&returned=1" {
		t.Fatalf("card links to %s", link)
	}
	if got := listTotal(worker.Get(link).Body); got != before {
		t.Fatalf("card says %d, its list shows %d", before, got)
	}

	api := env.APILoginDemo("shegong")
	person := adultWithoutCase(t, env)
	var c caseJSON
	api.JSON("POST", "/api/v1/cases", map[string]any{"recipient_id": person, "source": "self", "opened_on": cst.Today(), "intake": "照料困难"}).Decode(&c)
	if res := api.JSON("POST", "/api/v1/cases/"+c.ID+"/decision", map[string]any{"version": c.Version, "decision": "accept"}); res.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	scores := map[string]map[string]int{"self": {"身体健康": 2, "心理情绪": 2, "生活自理": 3, "经济状况": 2}, "family": {"家庭关系": 3, "照料支持": 2, "家庭经济": 2},
		"social": {"社会交往": 2, "社区参与": 1, "政策与资源": 2}}
	if res := api.JSON("POST", "/api/v1/cases/"+c.ID+"/assessments", map[string]any{"assessed_on": cst.Today(), "problems": "照料不足", "scores": scores}); res.Status != http.StatusCreated {
		t.Fatalf("assess: %d %s", res.Status, res.Body)
	}
	// The plan form: every goal field labelled and styled as a text field.
	page := worker.Get("/cases/" + c.ID).Body
	for _, want := range []string{`<label for="f-goal-n1-text">目标</label><input type="text" id="f-goal-n1-text" name="goal_text"`,
		`<label for="f-goal-n1-measures">措施</label><input type="text" id="f-goal-n1-measures" name="goal_measures"`,
		`<label for="f-goal-n1-domain">维度</label>`, `<label for="f-goal-n1-due">期限</label>`} {
		if !strings.Contains(page, want) {
			t.Fatalf("plan form lacks %s", want)
		}
	}
	goal := map[string]any{"domain": "self", "text": "每周外出两次", "measures": "陪同散步", "due_on": cst.Today()}
	if res := api.JSON("PUT", "/api/v1/cases/"+c.ID+"/plan", map[string]any{"version": 0, "strategy": "陪伴", "goals": []any{goal}}); res.Status != http.StatusOK {
		t.Fatalf("plan: %d %s", res.Status, res.Body)
	}
	var req struct{ ID string }
	api.JSON("POST", "/api/v1/cases/"+c.ID+"/plan/submit", nil).Decode(&req)

	printed := func() string {
		t.Helper()
		r := worker.Get("/cases/" + c.ID + "/print/plan")
		if r.Status != http.StatusOK {
			t.Fatalf("print: %d", r.Status)
		}
		i := strings.Index(r.Body, "<p>审批：")
		return r.Body[i+len("<p>审批：") : i+strings.Index(r.Body[i:], "</p>")]
	}
	if got := printed(); got != "待审批" {
		t.Fatalf("pending plan prints 审批：%s", got)
	}

	// The head's approvals name the person (as the case list does).
	head := env.LoginDemo("zhanzhang")
	var name string
	var list struct {
		Items []struct {
			ID            string `json:"id"`
			RecipientName string `json:"recipient_name"`
		}
	}
	api.Get("/api/v1/cases?limit=200").Decode(&list)
	for _, it := range list.Items {
		if it.ID == c.ID {
			name = it.RecipientName
		}
	}
	appr := head.Get("/cases/approvals").Body
	if name == "" || !strings.Contains(appr, "<th>服务对象</th>") || !strings.Contains(appr, `<td data-label="服务对象">`+name+`</td>`) ||
		!strings.Contains(appr, `class="list-cards"`) {
		t.Fatalf("approvals lack the person %q", name)
	}

	r := head.PostForm("/case-approvals/"+req.ID, url.Values{"decision": {"return"}, "answer_reason": {"目标不够具体"}, "case_id": {c.ID}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.Status, r.Body)
	}
	if got := printed(); got != "已退回（目标不够具体）" {
		t.Fatalf("returned plan prints 审批：%s", got)
	}
	n, link := returnedCard(t, worker.Get("/").Body)
	listed := worker.Get(link).Body
	if n != before+1 || listTotal(listed) != n || !strings.Contains(listed, `href="/cases/`+c.ID+`"`) || !strings.Contains(listed, "计划已退回") {
		t.Fatalf("after a return: card %d (before %d), list %d", n, before, listTotal(listed))
	}

	// Sent again and approved: off the list, printed with the day.
	if res := api.JSON("POST", "/api/v1/cases/"+c.ID+"/plan/submit", nil); res.Status != http.StatusCreated {
		t.Fatalf("resubmit: %d %s", res.Status, res.Body)
	}
	var pend []struct{ ID, CaseID string }
	var hp struct {
		Items []struct {
			ID     string `json:"id"`
			CaseID string `json:"case_id"`
		}
	}
	env.APILoginDemo("zhanzhang").Get("/api/v1/case-approvals").Decode(&hp)
	for _, it := range hp.Items {
		if it.CaseID == c.ID {
			pend = append(pend, struct{ ID, CaseID string }{it.ID, it.CaseID})
		}
	}
	if len(pend) != 1 {
		t.Fatalf("pending for the case: %+v", hp.Items)
	}
	if r := head.PostForm("/case-approvals/"+pend[0].ID, url.Values{"decision": {"approve"}, "case_id": {c.ID}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	if got := printed(); got != cst.Today()+" 批准" {
		t.Fatalf("approved plan prints 审批：%s", got)
	}
	if n, link := returnedCard(t, worker.Get("/").Body); n != before || listTotal(worker.Get(link).Body) != n {
		t.Fatalf("after approval: card %d, before %d", n, before)
	}

	// The case list: cards on a phone, each field labelled.
	cases := worker.Get("/cases").Body
	if !strings.Contains(cases, `<table class="list-cards" data-testid="cases">`) || !strings.Contains(cases, `<td data-label="阶段">`) {
		t.Fatal("the case list is not drawn as cards")
	}
}

// The intake form chooses the person with the picker, shows the name of
// a person given in the link (the id a hidden value or the select's
// value), and offers the person's recent visits for 探访发现.
func TestIntakeFormPersonAndVisits(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	api := env.APILoginDemo("shegong")
	var vs struct {
		Items []struct {
			ID            string `json:"id"`
			RecipientID   string `json:"recipient_id"`
			RecipientName string `json:"recipient_name"`
		}
	}
	api.Get("/api/v1/visits?limit=1").Decode(&vs)
	if len(vs.Items) == 0 {
		t.Fatal("no demo visit")
	}
	v := vs.Items[0]

	page := worker.Get("/cases/new?recipient=" + v.RecipientID)
	if page.Status != http.StatusOK {
		t.Fatalf("new: %d", page.Status)
	}
	body := page.Body
	if strings.Contains(body, "服务对象编号") || !strings.Contains(body, `data-testid="intake-person"`) {
		t.Fatal("the intake form still asks for a record id")
	}
	inline := regexp.MustCompile(`<option value="` + v.RecipientID + `" selected>` + regexp.QuoteMeta(v.RecipientName) + `</option>`)
	search := regexp.MustCompile(`data-picker="/pick/recipients"[\s\S]*?<input type="hidden" name="recipient_id" value="` + v.RecipientID +
		`"[^>]*>\s*<input type="text" id="f-recipient_id" value="` + regexp.QuoteMeta(v.RecipientName) + `"`)
	if !inline.MatchString(body) && !search.MatchString(body) {
		t.Fatalf("the form does not show %s by name", v.RecipientName)
	}
	// The person's visits are offered, drawn with the form and again
	// for a person chosen later.
	if !strings.Contains(body, `<option value="`+v.ID+`"`) {
		t.Fatal("the form does not offer the person's visit")
	}
	part := worker.Get("/cases/new/visits?recipient_id=" + v.RecipientID)
	if part.Status != http.StatusOK || !strings.Contains(part.Body, `id="source-visits"`) || !strings.Contains(part.Body, `<option value="`+v.ID+`"`) {
		t.Fatalf("visits part: %d %s", part.Status, part.Body)
	}
	if none := worker.Get("/cases/new/visits"); !strings.Contains(none.Body, "请先选择服务对象") || strings.Contains(none.Body, v.ID) {
		t.Fatalf("no person: %s", none.Body)
	}
	// Searching the picker by name finds the person.
	var found struct {
		Items []struct{ Value, Label string }
	}
	worker.Get("/pick/recipients?q=" + url.QueryEscape(v.RecipientName)).Decode(&found)
	ok := false
	for _, it := range found.Items {
		ok = ok || it.Value == v.RecipientID
	}
	if !ok {
		t.Fatalf("the picker does not find %s: %+v", v.RecipientName, found.Items)
	}
	// A refused form draws the picker and the visits again.
	r := worker.PostForm("/cases", url.Values{"recipient_id": {v.RecipientID}, "source": {"visit"}, "opened_on": {cst.Today()}})
	if r.Status == http.StatusUnprocessableEntity && (!strings.Contains(r.Body, `data-testid="intake-person"`) || !strings.Contains(r.Body, `id="source-visits"`)) {
		t.Fatal("the refused form lost its person or visits")
	}
}
