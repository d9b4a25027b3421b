package visits_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
)

// On a 375-px viewport, a social worker opens "我本周待探访", records a
// visit with an assessment, and lands on the saved record.
func TestBrowserWorkerRecordsAVisitOnAPhone(t *testing.T) {
	env := apptest.Start(t)
	b := browsertest.New(t, 375, 740)
	b.Login(t, env.URL, "shegong", demo.Password)
	if first := b.Text(t, `main section.panel h2`); first != "我本周待探访" {
		t.Fatalf("first home section is %q", first)
	}
	b.Do(t,
		chromedp.Navigate(env.URL+"/visits/due?mine=1&window=open"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="due-list"] .due-item a.button`)),
		chromedp.Click(chromedp.CSS(`[data-testid="due-list"] .due-item a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="visit-form"]`)),
	)
	person := b.Text(t, `[data-testid="visit-person"]`)
	// The time defaults to now in China time; the form fits the phone and
	// its controls are big enough to tap.
	if v := browsertest.Eval[string](t, b, `document.getElementById("f-visited_at").value`); len(v) != 16 {
		t.Fatalf("visit time default %q", v)
	}
	if w := browsertest.Eval[float64](t, b, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("form is %v px wide on a 375-px phone", w)
	}
	if h := browsertest.Eval[float64](t, b, `document.querySelector('.choice span').getBoundingClientRect().height`); h < 44 {
		t.Errorf("method buttons are %v px high", h)
	}
	b.Do(t,
		chromedp.Click(chromedp.CSS(`input[name="method"][value="phone"] + span`)),
		chromedp.SendKeys(chromedp.CSS("#f-findings"), "电话回访，老人精神好，已提醒用电安全"),
		chromedp.SetValue(chromedp.CSS("#f-score_living"), "2"),
		chromedp.SetValue(chromedp.CSS("#f-score_safety"), "3"),
		chromedp.SetValue(chromedp.CSS("#f-score_family"), "2"),
		chromedp.SetValue(chromedp.CSS("#f-score_care"), "1"),
		chromedp.Click(chromedp.CSS(`[data-testid="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	flash := b.Text(t, ".flash")
	main := b.Text(t, "main")
	if !strings.Contains(flash, "已记录") || !strings.Contains(main, "电话") || !strings.Contains(main, "重点") {
		t.Fatalf("after saving: %q\n%s", flash, main)
	}
	if name := strings.Fields(person)[0]; !strings.Contains(main, name) {
		t.Errorf("saved visit is not about %s", name)
	}
}
