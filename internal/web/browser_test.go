package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
)

// Two roles log in through the real login form in headless Chromium, on
// a phone-sized viewport, and each sees only its own menu.
func TestBrowserTwoRolesSeeTheirOwnMenus(t *testing.T) {
	env := apptest.Start(t)

	admin := browsertest.New(t, 1280, 800)
	admin.Login(t, env.URL, "admin", demo.Password)
	nav := admin.Text(t, "#mainnav")
	for _, want := range []string{"系统管理", "服务网络", "队伍建设"} {
		if !strings.Contains(nav, want) {
			t.Errorf("admin menu lacks the group %s: %q", want, nav)
		}
	}
	// The administrator's long menu is folded into its groups.
	stations := chromedp.CSS(`#mainnav a[href="/network/stations"]`)
	if visible := browsertest.Eval[bool](t, admin, `document.querySelector('#mainnav a[href="/network/stations"]').checkVisibility()`); visible {
		t.Error("the 服务网络 group is unfolded on the home page")
	}
	// The admin unfolds 服务网络 and opens the stations.
	network := chromedp.CSS(`#mainnav details:has(a[href="/network/stations"]) > summary`)
	admin.Do(t, chromedp.ScrollIntoView(network), chromedp.Click(network), chromedp.WaitVisible(stations),
		chromedp.ScrollIntoView(stations), chromedp.Click(stations), chromedp.WaitVisible(chromedp.CSS("table")))
	if open := browsertest.Eval[bool](t, admin, `document.querySelector('#mainnav a[href="/network/stations"]').closest("details").open`); !open {
		t.Error("the current page's group is folded")
	}
	// The county administrator has no audit log (三权分立); the audit
	// administrator opens it and sees the logins.
	if nav := admin.Text(t, "#mainnav"); strings.Contains(nav, "审计日志") || strings.Contains(nav, "用户管理") {
		t.Errorf("the county administrator's menu shows accounts or the audit log: %q", nav)
	}
	auditor := browsertest.New(t, 1280, 800)
	auditor.Login(t, env.URL, "auditadmin", demo.Password)
	auditor.Do(t, chromedp.Click(chromedp.CSS(`#mainnav a[href="/audit"]`)), chromedp.WaitVisible(chromedp.CSS("table")))
	if body := auditor.Text(t, "main"); !strings.Contains(body, "登录（网页）") {
		t.Errorf("audit page does not show the login: %q", body)
	}

	worker := browsertest.New(t, 375, 740)
	worker.Login(t, env.URL, "shegong", demo.Password)
	if who := worker.Text(t, `[data-testid="who"]`); !strings.Contains(who, "社工") {
		t.Errorf("header shows %q", who)
	}
	// On a phone the menu is folded behind the 菜单 button.
	if visible := browsertest.Eval[bool](t, worker, `getComputedStyle(document.getElementById("mainnav")).display !== "none"`); visible {
		t.Error("menu open on a 375-px phone before tapping 菜单")
	}
	worker.Do(t, chromedp.Click(chromedp.CSS("[data-toggle-nav]")), chromedp.WaitVisible(chromedp.CSS("#mainnav")))
	nav = worker.Text(t, "#mainnav")
	if !strings.Contains(nav, "探访排查") || strings.Contains(nav, "逾期与到期") {
		t.Errorf("the worker's 20 links are not folded into groups on the home page: %q", nav)
	}
	visits := chromedp.CSS(`#mainnav details:has(a[href="/visits"]) > summary`)
	worker.Do(t, chromedp.Click(visits), chromedp.WaitVisible(chromedp.CSS(`#mainnav a[href="/visits"]`)))
	nav = worker.Text(t, "#mainnav")
	if !strings.Contains(nav, "逾期与到期") {
		t.Errorf("探访排查 did not unfold: %q", nav)
	}
	if strings.Contains(nav, "用户管理") || strings.Contains(nav, "审计日志") {
		t.Errorf("worker menu shows admin items: %q", nav)
	}
	if !strings.Contains(nav, "修改密码") {
		t.Errorf("worker menu lacks 修改密码: %q", nav)
	}
	// Nothing overflows the phone's width.
	if w := browsertest.Eval[float64](t, worker, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("page is %v px wide on a 375-px phone", w)
	}
	// Typing the admin's address by hand gets a Chinese refusal.
	worker.Do(t, chromedp.Navigate(env.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`)))
	if msg := worker.Text(t, `[data-testid="error"]`); !strings.Contains(msg, "无权") {
		t.Errorf("refusal reads %q", msg)
	}
}
