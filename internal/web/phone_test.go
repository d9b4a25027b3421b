package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
)

// On a 375-px phone the due list is cards with the first one above the
// fold (the filters fold behind one button), and saving a visit with
// 保存并探访下一位 goes straight on to the next person due.
func TestBrowserDueCardsAndNextPersonOnAPhone(t *testing.T) {
	env := apptest.Start(t)
	b := browsertest.New(t, 375, 740)
	b.Login(t, env.URL, "shegong", demo.Password)
	card := `[data-testid="due-card"]`
	b.Do(t, chromedp.Navigate(env.URL+"/visits/due?mine=1"), chromedp.WaitVisible(chromedp.CSS(card)))
	top := browsertest.Eval[float64](t, b, `document.querySelector('`+card+`').getBoundingClientRect().top`)
	t.Logf("due list: first card %v px down on a 375-px phone", top)
	if top >= 600 {
		t.Errorf("first card starts %v px down", top)
	}
	if folded := browsertest.Eval[bool](t, b, `!document.querySelector('details[data-fold]').open`); !folded {
		t.Error("filters are unfolded on a phone")
	}
	if txt := b.Text(t, card); regexp.MustCompile(`\d{12}`).MatchString(txt) {
		t.Errorf("card shows a village code, not its name: %q", txt)
	}
	if n := browsertest.Eval[int](t, b, `document.querySelectorAll('`+card+` a.button').length`); n == 0 {
		t.Error("cards have no 记录探访 button")
	}
	if w := browsertest.Eval[float64](t, b, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("due page is %v px wide", w)
	}
	// The recipients list is cards too: the header row is hidden and each
	// card names the tier and the next visit.
	b.Do(t, chromedp.Navigate(env.URL+"/recipients"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="recipients"] tbody tr`)))
	if shown := browsertest.Eval[bool](t, b, `getComputedStyle(document.querySelector('[data-testid="recipients"] thead')).display !== "none"`); shown {
		t.Error("recipients table header shown on a phone")
	}
	top = browsertest.Eval[float64](t, b, `document.querySelector('[data-testid="recipients"] tbody tr').getBoundingClientRect().top`)
	t.Logf("recipients list: first card %v px down", top)
	if top >= 600 {
		t.Errorf("first recipient starts %v px down", top)
	}
	for _, label := range []string{"风险等级", "下次探访"} {
		if !browsertest.Eval[bool](t, b, `(() => { const c = document.querySelector('[data-testid="recipients"] tbody tr td[data-label="`+label+`"]'); return !!c && c.checkVisibility(); })()`) {
			t.Errorf("recipient card lacks %s", label)
		}
	}
	if shown := browsertest.Eval[bool](t, b, `document.querySelector('[data-testid="recipients"] tbody tr td.wide-only').checkVisibility()`); shown {
		t.Error("a desktop-only column shows on the card")
	}

	// The visits and households lists too.
	for _, list := range []struct{ path, table string }{{"/visits", "visits"}, {"/households", "households"}} {
		rows := `[data-testid="` + list.table + `"] tbody tr`
		b.Do(t, chromedp.Navigate(env.URL+list.path), chromedp.WaitVisible(chromedp.CSS(rows)))
		if shown := browsertest.Eval[bool](t, b, `getComputedStyle(document.querySelector('[data-testid="`+list.table+`"] thead')).display !== "none"`); shown {
			t.Errorf("%s: table header shown on a phone", list.path)
		}
		top := browsertest.Eval[float64](t, b, `document.querySelector('`+rows+`').getBoundingClientRect().top`)
		t.Logf("%s: first card %v px down", list.path, top)
		if top >= 600 {
			t.Errorf("%s: first card starts %v px down", list.path, top)
		}
		if w := browsertest.Eval[float64](t, b, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("%s is %v px wide", list.path, w)
		}
	}

	// Record a visit from the first card, then go on to the next person.
	b.Do(t, chromedp.Navigate(env.URL+"/visits/due?mine=1"), chromedp.WaitVisible(chromedp.CSS(card)),
		chromedp.Click(chromedp.CSS(card+` a.button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="visit-form"]`)))
	first := strings.Fields(b.Text(t, `[data-testid="visit-person"]`))[0]
	b.Do(t,
		chromedp.SendKeys(chromedp.CSS("#f-findings"), "入户探访，老人身体尚可"),
		chromedp.Click(chromedp.CSS(`[data-testid="save-next"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	flash := b.Text(t, ".flash")
	if !strings.Contains(flash, "已记录对"+first) {
		t.Fatalf("after 保存并探访下一位: %q", flash)
	}
	if !strings.Contains(flash, "下一位") {
		t.Fatalf("no next person: %q", flash)
	}
	next := strings.Fields(b.Text(t, `[data-testid="visit-person"]`))[0]
	if next == first || !strings.Contains(flash, next) {
		t.Fatalf("next person %q after %q (%q)", next, first, flash)
	}
	if !strings.Contains(b.Location(t), "/visits/new?recipient=") {
		t.Fatalf("not on the next visit form: %s", b.Location(t))
	}
}
