package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/web/kit"
)

type pickResult struct {
	Items []kit.PickerOption `json:"items"`
	More  bool               `json:"more"`
}

// pick searches a picker's route; q is the text, optionally followed by
// "&within=…".
func pick(t *testing.T, c *apptest.Client, kind, q string) pickResult {
	t.Helper()
	text, extra, _ := strings.Cut(q, "&")
	if extra != "" {
		extra = "&" + extra
	}
	res := c.Get("/pick/" + kind + "?q=" + url.QueryEscape(text) + extra)
	if res.Status != http.StatusOK {
		t.Fatalf("/pick/%s?q=%s: %d %s", kind, q, res.Status, res.Body)
	}
	var out pickResult
	res.Decode(&out)
	return out
}

func hasValue(items []kit.PickerOption, value string) bool {
	for _, it := range items {
		if it.Value == value {
			return true
		}
	}
	return false
}

// A county's 200 villages are not drawn into the recipients page: the
// village filter searches them by name, pinyin initials or code, 20 at a
// time, within the actor's scope, and keeps its value when the page is
// drawn again. Few options (the county's stations) stay a plain select.
func TestPickersSearchInScope(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")

	page := admin.Get("/recipients")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `data-picker="/pick/villages"`) {
		t.Fatalf("the recipients page has no village picker: %d", page.Status)
	}
	if strings.Contains(page.Body, `value="410622004200"`) {
		t.Error("the recipients page still lists the county's villages")
	}
	if !strings.Contains(page.Body, `<select id="org" name="org" data-autosubmit>`) {
		t.Error("the county's few stations are not a plain select")
	}

	for _, q := range []string{"赵庄", "zz", "ZZ", "41062200420"} {
		if r := pick(t, admin, "villages", q); !hasValue(r.Items, "410622004200") {
			t.Errorf("village search %q misses 赵庄: %+v", q, r.Items)
		}
	}
	first := pick(t, admin, "villages", "")
	if len(first.Items) != kit.PickerResults || !first.More {
		t.Errorf("empty village search: %d items, more=%v; want %d and more", len(first.Items), first.More, kit.PickerResults)
	}
	if r := pick(t, admin, "villages", "没有这个村"); len(r.Items) != 0 || r.More {
		t.Errorf("a name nobody has found %+v", r.Items)
	}

	// The chosen value is drawn with its label and filters the list.
	filtered := admin.Get("/recipients?village=410622004200")
	if !strings.Contains(filtered.Body, `name="village" value="410622004200"`) || !strings.Contains(filtered.Body, `value="赵庄村民委员会"`) {
		t.Error("the village filter does not keep its value and label")
	}
	if !strings.Contains(filtered.Body, "杨春花") || strings.Contains(filtered.Body, "大石岩村民委员会</td>") {
		t.Error("the village filter does not filter the list")
	}

	// A station head searches their township's villages and their
	// station's workers only.
	head := env.LoginDemo("zhanzhang")
	if r := pick(t, head, "villages", "赵庄"); len(r.Items) != 0 {
		t.Errorf("朝歌's station head finds 灵山's village: %+v", r.Items)
	}
	for _, it := range pick(t, head, "villages", "").Items {
		if !strings.HasPrefix(it.Value, "410622001") {
			t.Errorf("朝歌's station head is offered %s", it.Value)
		}
	}
	workers := pick(t, head, "workers", "")
	if len(workers.Items) == 0 {
		t.Fatal("the station head finds no worker")
	}
	for _, it := range workers.Items {
		if !strings.Contains(it.Label, "朝歌") {
			t.Errorf("朝歌's station head is offered %s", it.Label)
		}
	}
	all := pick(t, admin, "workers", "")
	if len(all.Items) <= len(workers.Items) {
		t.Errorf("the county administrator finds %d workers, the station head %d", len(all.Items), len(workers.Items))
	}
	if r := pick(t, admin, "stations", "lsjd"); len(r.Items) == 0 || !strings.Contains(r.Items[0].Label, "灵山") {
		t.Errorf("station search by initials: %+v", r.Items)
	}

	if r := pick(t, admin, "network-stations", "灵山"); len(r.Items) != 1 || !strings.Contains(r.Items[0].Label, "灵山") {
		t.Errorf("directory station search 灵山: %+v", r.Items)
	}

	// People of one station, e.g. to add to a group there.
	ls := pick(t, admin, "stations", "灵山街道")
	if len(ls.Items) == 0 {
		t.Fatal("灵山街道 not found")
	}
	within := "&within=" + url.QueryEscape(ls.Items[0].Value)
	if r := pick(t, admin, "recipients", "杨春花"+within); len(r.Items) != 1 || r.Items[0].Label != "杨春花" {
		t.Errorf("杨春花 within 灵山: %+v", r.Items)
	}
	cg := pick(t, admin, "stations", "朝歌街道")
	if r := pick(t, admin, "recipients", "杨春花&within="+url.QueryEscape(cg.Items[0].Value)); len(r.Items) != 0 {
		t.Errorf("杨春花 found within 朝歌: %+v", r.Items)
	}
	if r := pick(t, head, "recipients", "杨春花"); len(r.Items) != 0 {
		t.Errorf("朝歌's station head finds 灵山's 杨春花: %+v", r.Items)
	}

	// Accounts to link a roster worker to: by user name or name, for
	// those who keep the roster only.
	if r := pick(t, admin, "accounts", "zhiyuan"); len(r.Items) != 1 || !strings.Contains(r.Items[0].Label, "（zhiyuan）") {
		t.Errorf("account search zhiyuan: %+v", r.Items)
	}
	if res := env.LoginDemo("shegong").Get("/pick/accounts?q=z"); res.Status != http.StatusForbidden {
		t.Errorf("a worker's account search: %d", res.Status)
	}

	// A volunteer may not search workers and is offered no worker filter.
	volunteer := env.LoginDemo("zhiyuan")
	if res := volunteer.Get("/pick/workers?q=z"); res.Status != http.StatusForbidden {
		t.Errorf("volunteer's worker search: %d", res.Status)
	}
	if vp := volunteer.Get("/recipients"); vp.Status != http.StatusOK || strings.Contains(vp.Body, `name="worker"`) {
		t.Errorf("volunteer's recipients page: %d, worker filter shown", vp.Status)
	}
}

// On a 375-px phone a county administrator unfolds the filters, types a
// village's name into its picker, chooses the suggestion with the
// keyboard, and the list shows that village's people.
func TestBrowserPickerFiltersTheList(t *testing.T) {
	env := apptest.Start(t)
	b := browsertest.New(t, 375, 740)
	b.Login(t, env.URL, "admin", demo.Password)
	rows := `[data-testid="recipients"] tbody tr`
	option := `#village-list li[data-value="410622004200"]`
	b.Do(t, chromedp.Navigate(env.URL+"/recipients"), chromedp.WaitVisible(chromedp.CSS(rows)),
		chromedp.Click(chromedp.CSS(`details.fold > summary`)), chromedp.WaitVisible(chromedp.CSS("#village")),
		chromedp.Click(chromedp.CSS("#village")), chromedp.SendKeys(chromedp.CSS("#village"), "赵庄"),
		chromedp.WaitVisible(chromedp.CSS(option)))
	if w := browsertest.Eval[float64](t, b, `document.querySelector("#village-list").getBoundingClientRect().right`); w > 375 {
		t.Errorf("the suggestions reach %v px on a 375-px phone", w)
	}
	b.Do(t, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	// The choice submits the filter form: wait for the new page.
	deadline := time.Now().Add(10 * time.Second)
	for {
		done, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`location.search.includes("village=410622004200") && document.readyState === "complete"`))
		if err == nil && done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("choosing the village did not filter the list: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Do(t, chromedp.WaitVisible(chromedp.CSS(rows)))
	if got := browsertest.Eval[string](t, b, `document.querySelector("#village").value`); got != "赵庄村民委员会" {
		t.Errorf("the picker shows %q after the choice", got)
	}
	villages := browsertest.Eval[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid="recipients"] tbody td[data-label="村（社区）"]')).map(td => td.textContent.trim())`)
	if len(villages) == 0 {
		t.Fatal("the filtered list is empty")
	}
	for _, v := range villages {
		if v != "赵庄村民委员会" {
			t.Errorf("the list filtered by 赵庄 shows a person of %q", v)
		}
	}
	if !strings.Contains(b.Text(t, `[data-testid="recipients"]`), "杨春花") {
		t.Error("杨春花 of 赵庄 is not listed")
	}

	// In the registration form the village is chosen by a tap on the
	// suggestion; typing without choosing gives way to the choice made.
	formOption := `#f-village_code-list li[data-value="410622004204"]`
	b.Do(t, chromedp.Navigate(env.URL+"/recipients/new"), chromedp.WaitVisible(chromedp.CSS("#f-village_code")),
		chromedp.Click(chromedp.CSS("#f-village_code")), chromedp.SendKeys(chromedp.CSS("#f-village_code"), "dsy"),
		chromedp.WaitVisible(chromedp.CSS(formOption)), chromedp.Click(chromedp.CSS(formOption)))
	if v := browsertest.Eval[string](t, b, `document.querySelector('input[type=hidden][name="village_code"]').value`); v != "410622004204" {
		t.Errorf("the form's village after a tap: %q", v)
	}
	b.Do(t, chromedp.Click(chromedp.CSS("#f-village_code")), chromedp.SendKeys(chromedp.CSS("#f-village_code"), "没有"),
		chromedp.Click(chromedp.CSS("#f-name")), chromedp.Sleep(400*time.Millisecond))
	if v := browsertest.Eval[string](t, b, `document.querySelector("#f-village_code").value + "|" + document.querySelector('input[type=hidden][name="village_code"]').value`); v != "大石岩村民委员会|410622004204" {
		t.Errorf("after typing without choosing: %q", v)
	}
}
