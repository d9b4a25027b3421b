package caseworkweb_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
)

// One case from intake to closure in a real browser: the worker records
// every stage through the case page's forms, and the station head — a
// second user in a second browser — approves the plan and the closure.
func TestBrowserCaseFromIntakeToClosure(t *testing.T) {
	env := apptest.Start(t)
	person := adultWithoutCase(t, env)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	w := browsertest.New(t, 1280, 900)
	w.Login(t, env.URL, "shegong", demo.Password)
	w.Do(t,
		chromedp.Navigate(env.URL+"/cases/new?recipient="+person),
		chromedp.WaitVisible(css("#f-intake")),
		chromedp.SetValue(css("#f-source"), "self"),
		chromedp.SendKeys(css("#f-intake"), "本人来站求助：老伴去世后独居，情绪低落，吃饭不规律"),
		chromedp.Click(css(`form[action="/cases"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`form[action$="/decision"]`)),
	)
	if s := w.Text(t, `[data-testid="stage"]`); s != "接案" {
		t.Fatalf("stage after intake %q", s)
	}
	caseURL := w.Location(t)
	if i := strings.Index(caseURL, "?"); i >= 0 {
		caseURL = caseURL[:i]
	}
	// Accept, then assess every domain.
	w.Do(t,
		chromedp.Click(css(`form[action$="/decision"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="assessment-form"]`)),
		chromedp.SendKeys(css("#f-problems"), "丧偶后情绪低落，饮食不规律，与外界交往减少"),
	)
	for _, name := range []string{"self.身体健康", "self.心理情绪", "self.生活自理", "self.经济状况", "family.家庭关系", "family.照料支持", "family.家庭经济",
		"social.社会交往", "social.社区参与", "social.政策与资源"} {
		w.Do(t, chromedp.SetValue(css(`select[name="score.`+name+`"]`), "2"))
	}
	w.Do(t,
		chromedp.Click(css(`[data-testid="assessment-form"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="plan-form"]`)),
		chromedp.SendKeys(css("#f-strategy"), "哀伤辅导，重建规律生活，链接助餐"),
		chromedp.SendKeys(css(`[data-testid="goal-text"]`), "每天按时吃两餐"),
		chromedp.SetValue(css(`[data-testid="goal-due"]`), cst.Now().AddDate(0, 1, 0).Format("2006-01-02")),
		chromedp.Click(css(`[data-testid="plan-form"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`form[action$="/plan/submit"]`)),
		chromedp.Click(css(`form[action$="/plan/submit"] button`)),
		chromedp.WaitNotPresent(css(`form[action$="/plan/submit"]`)),
	)
	// The station head approves the plan.
	h := browsertest.New(t, 1280, 900)
	h.Login(t, env.URL, "zhanzhang", demo.Password)
	h.Do(t,
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(css(`[data-testid="answer-plan"]`)),
		chromedp.Click(css(`[data-testid="answer-plan"] button[value="approve"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="answer-plan"]`)),
	)
	// Intervention, evaluation, closing.
	w.Do(t,
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(css(`[data-testid="log-form"]`)),
		chromedp.SetValue(css(`[data-testid="log-form"] #f-kind`), "home"),
		chromedp.SendKeys(css(`[data-testid="log-form"] #f-minutes`), "45"),
		chromedp.SendKeys(css(`[data-testid="log-form"] #f-content`), "家访，陪同整理老伴遗物，约定每周来站吃午饭"),
		chromedp.Click(css(`[data-testid="log-form"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`tr[id^="log-"]`)),
		chromedp.SetValue(css(`[data-testid="evaluation-form"] select`), "5"),
		chromedp.SendKeys(css("#f-summary"), "按时吃饭，情绪平稳"),
		chromedp.Click(css(`[data-testid="evaluation-form"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="evaluation"]`)),
		chromedp.SetValue(css("#f-close_reason"), "goals_met"),
		chromedp.SendKeys(css("#f-close_summary"), "目标达成，结案"),
		chromedp.Click(css(`[data-testid="closure-form"] button[type="submit"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="closure-form"]`)),
	)
	if s := w.Text(t, `[data-testid="stage"]`); s != "评估" {
		t.Fatalf("stage while the closure awaits approval %q", s)
	}
	h.Do(t,
		chromedp.Navigate(caseURL),
		chromedp.WaitVisible(css(`[data-testid="answer-closure"]`)),
		chromedp.Click(css(`[data-testid="answer-closure"] button[value="approve"]`)),
		chromedp.WaitNotPresent(css(`[data-testid="answer-closure"]`)),
	)
	w.Do(t, chromedp.Navigate(caseURL), chromedp.WaitVisible(css(`[data-testid="stage"]`)))
	if s := w.Text(t, `[data-testid="stage"]`); s != "结案" {
		t.Fatalf("stage after the closure is approved %q", s)
	}
	w.Do(t, chromedp.Navigate(caseURL+"/print/closing"), chromedp.WaitVisible(css("h1")))
	if body := w.Text(t, "body"); !strings.Contains(body, "结案表") || !strings.Contains(body, "目标达成") {
		t.Fatalf("closing form: %q", body)
	}
}
