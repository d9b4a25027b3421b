package caseworkweb_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
)

// On a 375-px phone: the intake form finds the person by name with the
// picker and then offers that person's visits; the case list, the
// approvals and the plan form fit the screen, each case number on one
// line, the goal fields labelled.
func TestBrowserCaseworkOnPhone(t *testing.T) {
	env := apptest.Start(t)
	var vs struct {
		Items []struct {
			ID            string `json:"id"`
			RecipientID   string `json:"recipient_id"`
			RecipientName string `json:"recipient_name"`
		}
	}
	env.APILoginDemo("shegong").Get("/api/v1/visits?limit=1").Decode(&vs)
	if len(vs.Items) == 0 {
		t.Fatal("no demo visit")
	}
	v := vs.Items[0]
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	w := browsertest.New(t, 375, 740)
	w.Login(t, env.URL, "shegong", demo.Password)
	w.Do(t, chromedp.Navigate(env.URL+"/cases/new"), chromedp.WaitVisible(css("#f-recipient_id")))
	if browsertest.Eval[bool](t, w, `document.querySelector("#f-recipient_id").tagName === "SELECT"`) {
		w.Do(t, chromedp.SetValue(css("#f-recipient_id"), v.RecipientID))
		browsertest.Eval[bool](t, w, `document.querySelector("#f-recipient_id").dispatchEvent(new Event("change", {bubbles: true}))`)
	} else {
		w.Do(t,
			chromedp.SendKeys(css("#f-recipient_id"), v.RecipientName),
			chromedp.WaitVisible(css(`#f-recipient_id-list [data-value="`+v.RecipientID+`"]`)),
			chromedp.Click(css(`#f-recipient_id-list [data-value="`+v.RecipientID+`"]`)),
		)
		if got := browsertest.Eval[string](t, w, `document.querySelector('input[type=hidden][name=recipient_id]').value`); got != v.RecipientID {
			t.Fatalf("chosen %q, want %s", got, v.RecipientID)
		}
	}
	w.Do(t, chromedp.WaitReady(css(`#f-source_visit_id option[value="`+v.ID+`"]`)))
	if got := browsertest.Eval[string](t, w, `document.querySelector('label[for=f-source_visit_id]').textContent`); !strings.Contains(got, "探访") {
		t.Fatalf("visits label %q", got)
	}

	fits := func(b *browsertest.Browser, what string) {
		t.Helper()
		if over := browsertest.Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
			t.Fatalf("%s is wider than the phone", what)
		}
	}
	w.Do(t, chromedp.Navigate(env.URL+"/cases"), chromedp.WaitVisible(css(`[data-testid="cases"]`)))
	fits(w, "/cases")
	// A case number is one line: its cell no taller than twice its font.
	if tall := browsertest.Eval[bool](t, w, `Array.from(document.querySelectorAll('td.card-title a')).some(a => a.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(a).fontSize))`); tall {
		t.Fatal("a case number wraps on the phone")
	}
	// The plan form of a case at the plan stage: labelled goal fields.
	var list struct{ Items []struct{ ID, Stage string } }
	env.APILoginDemo("shegong").Get("/api/v1/cases?stage=plan&mine=1&limit=50").Decode(&list)
	for _, c := range list.Items {
		w.Do(t, chromedp.Navigate(env.URL+"/cases/"+c.ID), chromedp.WaitVisible(css(`[data-testid="stage"]`)))
		if !browsertest.Eval[bool](t, w, `!!document.querySelector('[data-testid="plan-form"] [data-testid="goal-text"]')`) {
			continue
		}
		fits(w, "the plan form")
		if got := browsertest.Eval[string](t, w, `document.querySelector('label[for="'+document.querySelector('[data-testid="goal-text"]').id+'"]').textContent`); got != "目标" {
			t.Fatalf("goal label %q", got)
		}
		if wd := browsertest.Eval[float64](t, w, `document.querySelector('[data-testid="goal-text"]').getBoundingClientRect().width`); wd < 250 {
			t.Fatalf("goal box %v px wide", wd)
		}
		break
	}
	h := browsertest.New(t, 375, 740)
	h.Login(t, env.URL, "zhanzhang", demo.Password)
	h.Do(t, chromedp.Navigate(env.URL+"/cases/approvals"), chromedp.WaitVisible(css(`[data-testid="approvals"]`)))
	fits(h, "/cases/approvals")
}
