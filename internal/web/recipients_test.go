package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
)

// Scenario tests of the recipient registry over real HTTP, as the demo
// accounts. The rules themselves are tested in internal/recipients.

var recipientLink = regexp.MustCompile(`href="/recipients/([0-9a-f-]{36})">([^<]+)</a>`)

// recipientIDs maps names to ids as listed on a page.
func recipientIDs(body string) map[string]string {
	out := map[string]string{}
	for _, m := range recipientLink.FindAllStringSubmatch(body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

func chaogeStationID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var id string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT id FROM org_units WHERE division_code = '410622001' AND kind = 'station'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func countRows(t *testing.T, env *apptest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.App.DB.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecipientFormKeepsValuesAndShowsFieldErrors(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	station := chaogeStationID(t, env)
	form := url.Values{"org_id": {station}, "name": {"阮小二"}, "id_number": {"410622195001010011"}, "village_code": {"410622001200"},
		"phone": {"12345"}, "categories": {"低保对象", "外星人"}, "status": {"active"}, "current_address": {"西街村5号"}}
	before := countRows(t, env, `SELECT COUNT(*) FROM recipients`)
	res := c.PostForm("/recipients", form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Status)
	}
	for _, want := range []string{`value="阮小二"`, `value="西街村5号"`, "身份证号校验位不正确", validatePhoneMessage, "未知的对象类别", `id="err-id_number"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if countRows(t, env, `SELECT COUNT(*) FROM recipients`) != before {
		t.Fatal("a refused form wrote a record")
	}
	// Corrected, it saves and the detail page shows masked values only.
	id := validID("19500101", true)
	form.Set("id_number", id)
	form.Set("phone", "13911112222")
	form["categories"] = []string{"低保对象"}
	res = c.PostForm("/recipients", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.Status, res.Body)
	}
	loc := res.Header.Get("Location")
	page := c.Get(strings.SplitN(loc, "?", 2)[0])
	if page.Status != 200 || strings.Contains(page.Body, id) || !strings.Contains(page.Body, id[:6]+"********"+id[14:]) || strings.Contains(page.Body, "13911112222") ||
		!strings.Contains(page.Body, "139****2222") {
		t.Fatalf("detail page (%d) shows full values or lacks masks", page.Status)
	}
	recID := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/recipients/")
	// The visits panel appears only once the visits module serves it.
	servesVisits := false
	for _, rt := range env.Server.Routes() {
		servesVisits = servesVisits || rt.Pattern == "/recipients/{id}/visits"
	}
	if shown := strings.Contains(page.Body, `hx-get="/recipients/`+recID+`/visits"`); shown != servesVisits {
		t.Errorf("visits panel shown = %v, visits route exists = %v", shown, servesVisits)
	}

	// Reveal one field through htmx: the cell comes back with the full
	// value, and the audit log has the entry.
	req, _ := http.NewRequest("POST", env.URL+"/recipients/"+recID+"/reveal", strings.NewReader(url.Values{"field": {"id_number"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "rv-id_number")
	req.Header.Set("X-CSRF-Token", c.CSRF)
	res = c.Do(req)
	if res.Status != 200 || !strings.Contains(res.Body, id) || !strings.Contains(res.Body, `id="rv-id_number"`) || strings.Contains(res.Body, "<html") {
		t.Fatalf("reveal: %d %s", res.Status, res.Body)
	}
	if n := countRows(t, env, `SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity_id = ?`, recID); n != 1 {
		t.Errorf("reveal audit entries: %d", n)
	}
	// A volunteer may not reveal.
	v := env.LoginDemo("zhiyuan")
	if res := v.PostForm("/recipients/"+recID+"/reveal", url.Values{"field": {"id_number"}}); res.Status != http.StatusForbidden || strings.Contains(res.Body, id) {
		t.Errorf("volunteer reveal: %d", res.Status)
	}
}

const validatePhoneMessage = "请填写正确的手机号"

// validID makes a valid ID number for a birth date (YYYYMMDD).
func validID(birth string, male bool) string {
	seq := "001"
	if !male {
		seq = "002"
	}
	first17 := "410622" + birth + seq
	return first17 + string(validate.IDCardCheckDigit(first17))
}

func TestRecipientDuplicateCheckOverHTTP(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	station := chaogeStationID(t, env)
	// The htmx check while typing: 张三 in 西街村 has look-alikes.
	res := c.PostForm("/recipients/duplicates", url.Values{"name": {"张三"}, "village_code": {"410622001200"}})
	// Look-alikes are a hint: only the duplicate rule (same name and birth
	// date) asks for the confirmation.
	if res.Status != 200 || !strings.Contains(res.Body, `data-kind="similar_name"`) || strings.Contains(res.Body, "data-need-confirm") || strings.Contains(res.Body, "<html") {
		t.Fatalf("duplicates: %d %s", res.Status, res.Body)
	}
	form := url.Values{"org_id": {station}, "name": {"张三"}, "birth_date": {"1948-03-08"}, "sex": {"男"}, "village_code": {"410622001203"}, "status": {"active"}}
	res = c.PostForm("/recipients", form)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, `data-kind="same_name_birth"`) || !strings.Contains(res.Body, `class="confirm-dup show invalid"`) {
		t.Fatalf("unconfirmed: %d", res.Status)
	}
	form.Set("confirm_duplicate", "1")
	if res = c.PostForm("/recipients", form); res.Status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %s", res.Status, res.Body)
	}
}

func TestRecipientAPI(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	station := chaogeStationID(t, env)
	id := validID("19600606", false)
	res := api.JSON("POST", "/api/v1/recipients", map[string]any{"org_id": station, "name": "孙二娘", "id_number": id, "village_code": "410622001201",
		"categories": []string{"低收入"}, "phone": "13700001111"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var r recipients.Recipient
	res.Decode(&r)
	if r.Sex != "女" || r.BirthDate != "1960-06-06" || r.IDNumber == id || r.Version != 1 || strings.Contains(res.Body, id) {
		t.Errorf("created: %+v", r)
	}
	// The same number again: 409, never a second record.
	res = api.JSON("POST", "/api/v1/recipients", map[string]any{"org_id": station, "name": "孙二", "id_number": id, "village_code": "410622001201", "confirm_duplicate": true})
	if res.Status != http.StatusConflict || res.ErrorCode() != "conflict" {
		t.Errorf("same ID: %d %s", res.Status, res.Body)
	}
	// Edits carry the version; a stale one is refused with nothing changed.
	res = api.JSON("PATCH", "/api/v1/recipients/"+r.ID, map[string]any{"version": 1, "living_situation": "独居"})
	if res.Status != 200 {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	res = api.JSON("PATCH", "/api/v1/recipients/"+r.ID, map[string]any{"version": 1, "living_situation": "与子女"})
	if res.Status != http.StatusConflict || res.ErrorCode() != "conflict" {
		t.Errorf("stale patch: %d %s", res.Status, res.Body)
	}
	res = api.Get("/api/v1/recipients/" + r.ID)
	res.Decode(&r)
	if r.LivingSituation != "独居" || r.Version != 2 || r.Phone != "137****1111" {
		t.Errorf("after patches: %+v", r)
	}
	// Bad input names the field.
	res = api.JSON("PATCH", "/api/v1/recipients/"+r.ID, map[string]any{"version": 2, "village_code": "410622004200"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"village_code"`) {
		t.Errorf("village outside: %d %s", res.Status, res.Body)
	}
	// Reveal.
	res = api.JSON("POST", "/api/v1/recipients/"+r.ID+"/reveal", map[string]any{"fields": []string{"id_number", "phone"}})
	if res.Status != 200 || !strings.Contains(res.Body, id) || !strings.Contains(res.Body, "13700001111") {
		t.Errorf("reveal: %d %s", res.Status, res.Body)
	}
	if res := env.APILoginDemo("dudao").JSON("POST", "/api/v1/recipients/"+r.ID+"/reveal", map[string]any{}); res.Status != http.StatusForbidden {
		t.Errorf("supervisor reveal: %d", res.Status)
	}
	// Search by initials, the duplicate check, households.
	var page struct {
		Items []recipients.Recipient
		Total int
	}
	api.Get("/api/v1/recipients?q=zs&limit=10").Decode(&page)
	if page.Total != 2 || page.Items[0].Name != "张三" {
		t.Errorf("zs: %+v", page)
	}
	res = api.JSON("POST", "/api/v1/recipients/duplicates", map[string]any{"id_number": id})
	if res.Status != 200 || !strings.Contains(res.Body, `"same_id"`) {
		t.Errorf("duplicates: %d %s", res.Status, res.Body)
	}
	res = api.JSON("POST", "/api/v1/households", map[string]any{"org_id": station, "members": []map[string]string{{"recipient_id": r.ID, "relation": "户主"}}})
	if res.Status != http.StatusCreated || !strings.Contains(res.Body, "孙二娘户") {
		t.Fatalf("household: %d %s", res.Status, res.Body)
	}
	var h recipients.Household
	res.Decode(&h)
	if res := api.Get("/api/v1/households/" + h.ID); res.Status != 200 {
		t.Errorf("get household: %d", res.Status)
	}
	if res := api.Get("/api/v1/households?limit=50"); res.Status != 200 || !strings.Contains(res.Body, h.ID) {
		t.Errorf("households: %d", res.Status)
	}
	if res := api.Get("/api/v1/recipient-categories"); res.Status != 200 || !strings.Contains(res.Body, "农村留守儿童") {
		t.Errorf("categories: %d %s", res.Status, res.Body)
	}
}

func TestChildrenAreHiddenFromVolunteersAndEvaluators(t *testing.T) {
	env := apptest.Start(t)
	worker := env.LoginDemo("shegong")
	ids := recipientIDs(worker.Get("/recipients?size=100").Body)
	child, ok := ids["刘小雨"]
	if !ok || ids["张三"] == "" {
		t.Fatalf("worker's list: %v", ids)
	}
	if res := worker.Get("/recipients/" + child); res.Status != 200 {
		t.Errorf("worker sees child: %d", res.Status)
	}
	for _, u := range []string{"zhiyuan", "pinggu"} {
		c := env.LoginDemo(u)
		listed := recipientIDs(c.Get("/recipients?size=100").Body)
		if _, seen := listed["刘小雨"]; seen || listed["张三"] == "" {
			t.Errorf("%s's list: %v", u, listed)
		}
		if res := c.Get("/recipients/" + child); res.Status != http.StatusForbidden || strings.Contains(res.Body, "刘小雨") {
			t.Errorf("%s opens a child's record: %d", u, res.Status)
		}
		if res := env.APILoginDemo(u).Get("/api/v1/recipients/" + child); res.Status != http.StatusForbidden {
			t.Errorf("%s API child: %d", u, res.Status)
		}
	}
	// A worker of 朝歌 sees nothing of 灵山.
	if res := env.APILoginDemo("shegong").Get("/api/v1/recipients?q=杨春花"); !strings.Contains(res.Body, `"total":0`) {
		t.Errorf("朝歌 worker finds 灵山's 杨春花: %s", res.Body)
	}
}

func TestRecipientExportOverHTTP(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("zhanzhang")
	res := c.PostForm("/recipients/export", url.Values{"category": {"独居老人"}, "full": {"1"}})
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.openxmlformats") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s", res.Status, res.Header)
	}
	wb, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("服务对象")
	if len(rows) < 3 || rows[0][0] != "姓名" || len(rows[1][4]) != 18 || strings.Contains(rows[1][4], "*") {
		t.Errorf("rows: %q", rows)
	}
	var summary string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT summary FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1`).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "类别=独居老人") || !strings.Contains(summary, "完整") {
		t.Errorf("audit summary %q", summary)
	}
	// An evaluator's export is masked even when asking for full values.
	if res := env.LoginDemo("pinggu").PostForm("/recipients/export", url.Values{"full": {"1"}}); res.Status != http.StatusForbidden {
		t.Errorf("evaluator full export: %d", res.Status)
	}
}

// On a 375-px phone a worker registers a person: the duplicate check
// appears while typing, and the detail page reveals the ID number on tap.
func TestBrowserRegisterRecipientOnPhone(t *testing.T) {
	env := apptest.Start(t)
	b := browsertest.New(t, 375, 740)
	// Logged in by hand: on a phone the header hides the user's name, which
	// browsertest.Login waits to see.
	b.Do(t, chromedp.Navigate(env.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "shegong"), chromedp.SendKeys(chromedp.CSS("#f-password"), demo.Password),
		chromedp.Submit(chromedp.CSS("#f-password")), chromedp.WaitReady(chromedp.CSS(`[data-testid="who"]`)))
	// 张三 born 1948-03-08 is registered (without an ID number): a possible
	// duplicate by the duplicate rule, which asks for the confirmation.
	id := validID("19480308", true)
	b.Do(t, chromedp.Navigate(env.URL+"/recipients/new"), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "张三"), chromedp.SetValue(chromedp.CSS("#f-birth_date"), "1948-03-08"),
		chromedp.SetValue(chromedp.CSS("#f-village_code"), "410622001200"))
	browsertest.Eval[bool](t, b, `document.getElementById("f-village_code").dispatchEvent(new Event("change", {bubbles: true}))`)
	b.Do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="duplicates"][data-need-confirm]`)))
	if txt := b.Text(t, "#dups"); !strings.Contains(txt, "张三") {
		t.Errorf("duplicates panel: %q", txt)
	}
	if w := browsertest.Eval[float64](t, b, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("form is %v px wide on a 375-px phone", w)
	}
	// Ticking the confirmation right after typing the ID number races the
	// duplicate check that the ID field's change starts: the tick survives.
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#f-id_number"), id), chromedp.Click(chromedp.CSS("#f-confirm_duplicate")))
	b.Do(t, chromedp.Sleep(500*time.Millisecond))
	if !browsertest.Eval[bool](t, b, `document.getElementById("f-confirm_duplicate").checked`) {
		t.Fatal("the confirmation was unticked by the duplicate check")
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`form.recipient-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="reveal-id_number"]`)))
	if txt := b.Text(t, "#rv-id_number"); strings.Contains(txt, id) {
		t.Errorf("full ID shown before reveal: %q", txt)
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`[data-testid="reveal-id_number"]`)), chromedp.WaitVisible(chromedp.CSS(`#rv-id_number .revealed`)))
	if txt := b.Text(t, "#rv-id_number"); !strings.Contains(txt, id) {
		t.Errorf("revealed: %q", txt)
	}
}
