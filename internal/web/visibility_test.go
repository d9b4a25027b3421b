package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/recipients"
)

var (
	navSection = regexp.MustCompile(`(?s)<nav class="main" id="mainnav".*?</nav>`)
	hrefRe     = regexp.MustCompile(`href="([^"]+)"`)
	personRe   = regexp.MustCompile(`href="/recipients/([0-9a-f-]{36})"`)
	panelRe    = regexp.MustCompile(`hx-get="(/recipients/[0-9a-f-]{36}/[^"]+)" hx-trigger="load"`)
)

// What a role is shown it may open: for every demo role, every link of
// the menu and every panel of a person page answers 200. The menu and the
// panels are drawn from the permission of the route they open, so a link
// or panel that answers 403 means a route's permission is wider than
// what its handler allows.
func TestEveryShownLinkAndPanelOpens(t *testing.T) {
	env := apptest.Start(t)
	for _, user := range []string{"admin", "zhanzhang", "shegong", "dudao", "zhiyuan", "pinggu", "lingdao", "sysadmin", "secadmin", "auditadmin"} {
		c := env.LoginDemo(user)
		home := c.Get("/")
		if home.Status != http.StatusOK {
			t.Fatalf("%s: home %d", user, home.Status)
		}
		nav := navSection.FindString(home.Body)
		if nav == "" {
			t.Fatalf("%s: no menu on the home page", user)
		}
		for _, m := range hrefRe.FindAllStringSubmatch(nav, -1) {
			href := html.UnescapeString(m[1])
			if res := c.Get(href); res.Status != http.StatusOK {
				t.Errorf("%s: menu link %s answers %d", user, href, res.Status)
			}
		}
		if !strings.Contains(nav, `href="/recipients"`) {
			continue
		}
		list := c.Get("/recipients")
		person := personRe.FindStringSubmatch(list.Body)
		if person == nil {
			t.Logf("%s: no person listed (nobody assigned), panels not checked", user)
			continue
		}
		page := c.Get("/recipients/" + person[1])
		if page.Status != http.StatusOK {
			t.Errorf("%s: the person page of someone listed answers %d", user, page.Status)
			continue
		}
		panels := panelRe.FindAllStringSubmatch(page.Body, -1)
		if len(panels) == 0 {
			t.Logf("%s: no panel on the person page", user)
		}
		for _, p := range panels {
			if res := c.Get(html.UnescapeString(p[1])); res.Status != http.StatusOK {
				t.Errorf("%s: panel %s answers %d", user, p[1], res.Status)
			}
		}
	}
}

// The households and timeline permissions are given to exactly the roles
// whose row of recipients.FieldAccess shows the household and the
// status, among those that read the registry.
func TestHouseholdAndTimelinePermissionsFollowFieldAccess(t *testing.T) {
	for _, role := range authz.Roles {
		reads := authz.Allowed(role, authz.PermRecipientsRead)
		actor := &authz.Actor{Role: role}
		if want := reads && recipients.AccessOf(actor, "household") != recipients.AccessHidden; authz.Allowed(role, authz.PermHouseholdsRead) != want {
			t.Errorf("%s: households.read %v, FieldAccess says %v", role, !want, want)
		}
		if want := reads && recipients.AccessOf(actor, "status") != recipients.AccessHidden; authz.Allowed(role, authz.PermRecipientsTimeline) != want {
			t.Errorf("%s: recipients.timeline %v, FieldAccess says %v", role, !want, want)
		}
	}
}
