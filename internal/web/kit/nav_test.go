package kit

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/authz"
)

func TestNavMarksOneMostSpecificLink(t *testing.T) {
	actor := &authz.Actor{Role: authz.RoleWorker}
	active := func(path, query string) []string {
		var out []string
		for _, g := range navFor(actor, path, query) {
			for _, l := range g.Items {
				if l.Active {
					out = append(out, l.Href)
				}
			}
		}
		return out
	}
	cases := []struct{ path, query, want string }{
		{"/visits/due", "mine=1", "/visits/due?mine=1"},
		{"/visits/due", "", "/visits/due"},
		{"/", "", "/"},
		{"/recipients/01890000-0000-7000-8000-000000000000", "", "/recipients"},
	}
	for _, c := range cases {
		got := active(c.path, c.query)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s?%s: active %v, want %s", c.path, c.query, got, c.want)
		}
	}
}

func TestNavFoldsLongMenus(t *testing.T) {
	open := func(role authz.Role, path string) map[string]bool {
		out := map[string]bool{}
		for _, g := range navFor(&authz.Actor{Role: role}, path, "") {
			out[g.Label] = g.Open
		}
		return out
	}
	admin := open(authz.RoleAdmin, "/")
	if admin["队伍建设"] || admin["服务网络"] || !admin[""] || !admin["我的账号"] {
		t.Errorf("an administrator's home: %v", admin)
	}
	if atAudit := open(authz.RoleAdmin, "/orgs"); !atAudit["系统管理"] || atAudit["服务网络"] {
		t.Errorf("an administrator at the organisation tree: %v", atAudit)
	}
	for label, o := range open(authz.RoleVolunteer, "/") {
		if !o {
			t.Errorf("a volunteer's short menu folds %q", label)
		}
	}
}

// A menu entry shown to a role its page refuses stops the server.
func TestCheckNavRefusesALinkItsRouteRefuses(t *testing.T) {
	var routes []Route
	for _, it := range navItems {
		path, _, _ := strings.Cut(it.Href, "?")
		if path == "/" {
			path = "/{$}"
		}
		routes = append(routes, GET(path, it.Perm, nil))
	}
	if err := checkNav(routes); err != nil {
		t.Fatalf("a menu matching its routes: %v", err)
	}
	for i := range routes {
		if routes[i].Pattern == "/households" {
			routes[i].Perm = authz.PermRecipientsManage
		}
	}
	if err := checkNav(routes); err == nil || !strings.Contains(err.Error(), "/households") {
		t.Errorf("the households entry shown to roles its route refuses: %v", err)
	}
	if err := checkNav(routes[1:]); err == nil {
		t.Error("a menu entry without a route passes")
	}
}
