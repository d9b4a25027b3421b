package web_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
)

// The expected route × role matrix, written out by hand: it is the
// specification that the policy in authz/policy.go must implement. Every
// registered route must appear here. "public" routes need no login.
const (
	admin   = authz.RoleAdmin
	head    = authz.RoleStationHead
	worker  = authz.RoleWorker
	super   = authz.RoleSupervisor
	volun   = authz.RoleVolunteer
	evalu   = authz.RoleEvaluator
	leader  = authz.RoleLeader
	public  = authz.Role("public")
	nobody  = authz.Role("nobody") // documents a route no role may use
	anyRole = authz.Role("any")
)

var everyone = []authz.Role{anyRole}

var expectedMatrix = map[string][]authz.Role{
	// Session and account.
	"GET /healthz":             {public},
	"GET /login":               {public},
	"POST /login":              {public},
	"POST /logout":             everyone,
	"GET /account/password":    everyone,
	"POST /account/password":   everyone,
	"GET /{$}":                 everyone,
	"GET /attachments/{id}":    everyone,
	"GET /api/v1/openapi.json": {public},
	"POST /api/v1/login":       {public},
	"POST /api/v1/logout":      everyone,
	"GET /api/v1/me":           everyone,

	// Organisation tree.
	"GET /orgs":               everyone,
	"GET /orgs/new":           {admin},
	"POST /orgs":              {admin},
	"GET /orgs/{id}":          everyone,
	"GET /orgs/{id}/edit":     {admin, head},
	"POST /orgs/{id}":         {admin, head},
	"GET /api/v1/orgs":        everyone,
	"POST /api/v1/orgs":       {admin},
	"GET /api/v1/orgs/{id}":   everyone,
	"PATCH /api/v1/orgs/{id}": {admin, head},

	// Accounts and audit.
	"GET /users":                {admin, head},
	"GET /users/new":            {admin},
	"POST /users":               {admin},
	"GET /users/{id}":           {admin, head},
	"GET /users/{id}/edit":      {admin},
	"POST /users/{id}":          {admin},
	"POST /users/{id}/password": {admin},
	"GET /api/v1/users":         {admin, head},
	"POST /api/v1/users":        {admin},
	"GET /api/v1/users/{id}":    {admin, head},
	"PATCH /api/v1/users/{id}":  {admin},
	"GET /audit":                {admin},
	"GET /api/v1/audit":         {admin},
}

func allowed(roles []authz.Role, r authz.Role) bool {
	for _, x := range roles {
		if x == r || x == anyRole || x == public {
			return true
		}
	}
	return false
}

// concretePath fills path wildcards with an ID that exists nowhere, so an
// allowed request reaches its handler (and gets 404 or 422) while a
// forbidden one is stopped before it.
func concretePath(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	for {
		i := strings.Index(p, "{")
		if i < 0 {
			return p
		}
		j := strings.Index(p[i:], "}")
		p = p[:i] + "01890000-0000-7000-8000-000000000000" + p[i+j+1:]
	}
}

func TestRouteRoleMatrix(t *testing.T) {
	env := apptest.Start(t)
	routes := env.Server.Routes()

	// Every route is in the matrix, and the matrix names no route that
	// does not exist.
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		roles, ok := expectedMatrix[key]
		if !ok {
			t.Errorf("route %s is not in the expected matrix (internal/web/matrix_test.go)", key)
			continue
		}
		if (rt.Perm == "") != (len(roles) == 1 && roles[0] == public) {
			t.Errorf("route %s: public in the matrix = %v, but its permission is %q", key, roles[0] == public, rt.Perm)
		}
	}
	var stale []string
	for key := range expectedMatrix {
		if !seen[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	for _, key := range stale {
		t.Errorf("the matrix lists %s, which is not a route", key)
	}

	users := map[authz.Role]string{admin: "admin", head: "zhanzhang", worker: "shegong", super: "dudao", volun: "zhiyuan", evalu: "pinggu", leader: "lingdao"}
	// Logging out ends the client's session: those routes go last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasSuffix(routes[i].Pattern, "/logout") && strings.HasSuffix(routes[j].Pattern, "/logout")
	})
	for _, role := range authz.Roles {
		web := env.LoginDemo(users[role])
		api := env.APILoginDemo(users[role])
		for _, rt := range routes {
			want := expectedMatrix[rt.Method+" "+rt.Pattern]
			if want == nil || rt.Perm == "" {
				continue
			}
			path := concretePath(rt.Pattern)
			var res *apptest.Response
			if rt.API() {
				res = api.Request(rt.Method, path, "application/json", strings.NewReader("{}"))
			} else if rt.Method == http.MethodGet {
				res = web.Get(path)
			} else {
				res = web.PostForm(path, url.Values{})
			}
			denied := res.Status == http.StatusForbidden && (strings.Contains(res.Body, "您的角色无权进行此操作"))
			if allowed(want, role) && (denied || res.Status == http.StatusUnauthorized) {
				t.Errorf("%s %s as %s: want allowed, got %d", rt.Method, path, role.Label(), res.Status)
			}
			if !allowed(want, role) && !denied {
				t.Errorf("%s %s as %s: want 403 forbidden, got %d", rt.Method, path, role.Label(), res.Status)
			}
		}
	}

	// Without a login every non-public route refuses: pages redirect to
	// the login page, the API answers 401.
	anon := env.NewClient()
	for _, rt := range routes {
		if rt.Perm == "" {
			continue
		}
		path := concretePath(rt.Pattern)
		res := anon.Request(rt.Method, path, "application/json", strings.NewReader("{}"))
		switch {
		case rt.API() && res.Status != http.StatusUnauthorized:
			t.Errorf("anonymous %s %s: want 401, got %d", rt.Method, path, res.Status)
		case !rt.API() && rt.Method == http.MethodGet && (res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login")):
			t.Errorf("anonymous %s %s: want redirect to /login, got %d %s", rt.Method, path, res.Status, res.Header.Get("Location"))
		case !rt.API() && rt.Method != http.MethodGet && res.Status != http.StatusUnauthorized:
			t.Errorf("anonymous %s %s: want 401, got %d", rt.Method, path, res.Status)
		}
	}
}
