package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
)

func TestLoginLogoutAndSessionCookie(t *testing.T) {
	env := apptest.Start(t)
	c := env.NewClient()
	res := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %s", res.Status, res.Header.Get("Location"))
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("plain HTTP cookie marked Secure: %q", cookie)
	}
	c.RefreshCSRF()
	if home := c.Get("/"); home.Status != 200 || !strings.Contains(home.Body, "管理工作台") {
		t.Fatalf("home after login: %d", home.Status)
	}
	if res := c.PostForm("/logout", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.Status)
	}
	if res := c.Get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after logout the session still works: %d", res.Status)
	}
}

func TestSecureCookieBehindTLS(t *testing.T) {
	env := apptest.Start(t, func(c *app.Config) { c.BehindTLS = true })
	res := env.NewClient().PostForm("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
	if !strings.Contains(res.Header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("cookie behind TLS not Secure: %q", res.Header.Get("Set-Cookie"))
	}
}

func TestBadLoginsAndLockout(t *testing.T) {
	env := apptest.Start(t)
	c := env.NewClient()
	wrong := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"wrong-password1"}})
	unknown := c.PostForm("/login", url.Values{"username": {"nobody"}, "password": {"wrong-password1"}})
	for _, res := range []*apptest.Response{wrong, unknown} {
		if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, "用户名或密码不正确") {
			t.Fatalf("bad login: %d", res.Status)
		}
		if strings.Contains(res.Body, "wrong-password1") {
			t.Fatal("the login page echoed the password back")
		}
	}
	// From the third failure this account from this address must wait,
	// even with the right password.
	for i := 0; i < 4; i++ {
		c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"wrong-password1"}})
	}
	res := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "登录失败次数过多") {
		t.Fatalf("locked account: %d", res.Status)
	}
	// Another account from the same address still works (an office
	// behind one NAT address is not locked out).
	env.LoginDemo("shegong")

	// Failed logins are in the audit log.
	admin := env.App
	var n int
	if err := admin.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, audit.ActionLoginFailed).Scan(&n); err != nil || n < 5 {
		t.Fatalf("failed logins audited: %d, %v", n, err)
	}
}

func TestExpiredSession(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	api := env.APILoginDemo("shegong")
	past := cst.Stamp(time.Now().Add(-time.Hour))
	if _, err := env.App.DB.Exec(context.Background(), `UPDATE sessions SET expires_at = ?`, past); err != nil {
		t.Fatal(err)
	}
	res := c.Get("/")
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
		t.Fatalf("expired web session: %d %s", res.Status, res.Header.Get("Location"))
	}
	if page := c.Get(res.Header.Get("Location")); !strings.Contains(page.Body, "登录已过期") {
		t.Fatal("login page does not say the session expired")
	}
	res = api.Get("/api/v1/me")
	if res.Status != http.StatusUnauthorized || res.ErrorCode() != "unauthorized" || !strings.Contains(res.Body, "登录已过期") {
		t.Fatalf("expired token: %d %s", res.Status, res.Body)
	}
}

func TestCSRF(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	form := url.Values{"old_password": {demo.Password}, "new_password": {"Newpass-123"}, "confirm": {"Newpass-123"}}

	// No token: refused, password unchanged.
	noToken := url.Values{"csrf_token": {""}}
	for k, v := range form {
		noToken[k] = v
	}
	res := c.PostForm("/account/password", noToken)
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "CSRF") {
		t.Fatalf("missing CSRF token: %d", res.Status)
	}
	// A cross-site request with the right cookie is refused by origin.
	req, _ := http.NewRequest("POST", env.URL+"/account/password", strings.NewReader(form.Encode()+"&csrf_token="+c.CSRF))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res = c.Do(req)
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "跨站") {
		t.Fatalf("cross-site POST: %d", res.Status)
	}
	env.LoginDemo("shegong") // the old password still works: nothing was written

	// With the token (form field or header) it goes through.
	res = c.PostForm("/account/password", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("password change with token: %d %s", res.Status, res.Body)
	}
	env.Login("shegong", "Newpass-123")
}

func TestPasswordChangeErrorsKeepForm(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("zhiyuan")
	res := c.PostForm("/account/password", url.Values{"old_password": {"wrong"}, "new_password": {"short"}, "confirm": {"other"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Status)
	}
	for _, msg := range []string{"原密码不正确", "密码至少 8 位", "两次输入的新密码不一致"} {
		if !strings.Contains(res.Body, msg) {
			t.Errorf("field message %q missing", msg)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := apptest.Start(t)
	res := env.NewClient().Get("/login")
	h := res.Header
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	if strings.Contains(res.Body, "<script>") || strings.Contains(res.Body, " onclick=") {
		t.Error("inline script in the login page")
	}
	// Static files have hashed names and long caching.
	i := strings.Index(res.Body, "/static/css/app.")
	if i < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	href := res.Body[i : i+strings.Index(res.Body[i:], `"`)]
	css := env.NewClient().Get(href)
	if css.Status != 200 || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("static %s: %d %s", href, css.Status, css.Header.Get("Cache-Control"))
	}
}

func TestBadRequestsGetChineseErrors(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("sysadmin")
	anon := env.NewClient()

	cases := []struct {
		name   string
		res    *apptest.Response
		status int
		code   string
	}{
		{"malformed JSON", api.Request("POST", "/api/v1/users", "application/json", strings.NewReader(`{"username": `)), 400, "bad_request"},
		{"unknown field", api.JSON("POST", "/api/v1/users", map[string]any{"usernme": "x"}), 400, "bad_request"},
		{"wrong content type", api.Request("POST", "/api/v1/users", "text/plain", strings.NewReader(`{}`)), 400, "bad_request"},
		{"oversized body", api.Request("POST", "/api/v1/users", "application/json", strings.NewReader(`{"display_name":"`+strings.Repeat("长", 1<<20)+`"}`)), 413, "too_large"},
		{"unknown API route", api.Get("/api/v1/nothing-here"), 404, "not_found"},
		{"no token", anon.Get("/api/v1/me"), 401, "unauthorized"},
		{"bad login JSON", anon.Request("POST", "/api/v1/login", "application/json", strings.NewReader(`[`)), 400, "bad_request"},
		{"wrong password", anon.JSON("POST", "/api/v1/login", map[string]string{"username": "admin", "password": "nope-nope1"}), 401, "unauthorized"},
	}
	for _, tc := range cases {
		if tc.res.Status != tc.status || tc.res.ErrorCode() != tc.code {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, tc.res.Status, tc.res.ErrorCode(), tc.status, tc.code)
		}
		var body struct{ Error struct{ Message string } }
		_ = json.Unmarshal([]byte(tc.res.Body), &body)
		if !hasHan(body.Error.Message) {
			t.Errorf("%s: message %q is not Chinese", tc.name, body.Error.Message)
		}
	}
	// Nothing was written by the refused creates.
	var n int
	_ = env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&n)
	if n != len(demo.Accounts) {
		t.Fatalf("users = %d after refused requests", n)
	}
	// An unknown page is a Chinese 404 page.
	page := env.LoginDemo("admin").Get("/no/such/page")
	if page.Status != 404 || !strings.Contains(page.Body, "页面不存在") {
		t.Fatalf("unknown page: %d", page.Status)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestAPIMeAndUsers(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("admin")
	var me struct {
		Username, Role string
		Scope          org.Unit
		Permissions    []string
	}
	api.Get("/api/v1/me").Decode(&me)
	if me.Username != "admin" || me.Role != "admin" || me.Scope.Name != "淇县民政局" || len(me.Permissions) == 0 {
		t.Fatalf("me = %+v", me)
	}
	api = env.APILoginDemo("sysadmin") // accounts are the system administrator's

	station, err := demo.Unit(context.Background(), env.App.DB, "410622001", org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"username": "wangfang", "display_name": "王芳", "phone": "13903921234", "role": "worker", "org_id": station.ID, "password": "Start-1234"}
	res := api.JSON("POST", "/api/v1/users", in)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var u struct {
		ID, Phone string
		Version   int
	}
	res.Decode(&u)
	if u.Phone != "139****1234" {
		t.Errorf("phone shown as %q, want masked", u.Phone)
	}
	// The phone is not stored in plaintext.
	var sealed string
	_ = env.App.DB.QueryRow(context.Background(), `SELECT phone_enc FROM users WHERE id = ?`, u.ID).Scan(&sealed)
	if sealed == "" || strings.Contains(sealed, "13903921234") {
		t.Fatalf("phone stored as %q", sealed)
	}
	// Exact search by phone finds the user through the blind index.
	var page struct{ Total int }
	api.Get("/api/v1/users?q=13903921234").Decode(&page)
	if page.Total != 1 {
		t.Fatalf("search by phone: %d", page.Total)
	}

	// A second account with the same username is a conflict; bad fields
	// are named.
	if res := api.JSON("POST", "/api/v1/users", in); res.Status != http.StatusConflict {
		t.Fatalf("duplicate username: %d", res.Status)
	}
	bad := map[string]any{"username": "A", "display_name": "", "phone": "12345", "role": "king", "org_id": "nope", "password": "123"}
	res = api.JSON("POST", "/api/v1/users", bad)
	var e struct {
		Error struct{ Fields map[string]string }
	}
	res.Decode(&e)
	for _, f := range []string{"username", "display_name", "phone", "role", "org_id", "password"} {
		if e.Error.Fields[f] == "" {
			t.Errorf("field %s not named in %s", f, res.Body)
		}
	}

	// Version check: the second of two edits from the same version is refused.
	first := api.JSON("PATCH", "/api/v1/users/"+u.ID, map[string]any{"version": u.Version, "display_name": "王芳芳"})
	second := api.JSON("PATCH", "/api/v1/users/"+u.ID, map[string]any{"version": u.Version, "display_name": "王小芳"})
	if first.Status != 200 || second.Status != http.StatusConflict || !strings.Contains(second.Body, "已被他人修改") {
		t.Fatalf("version check: %d then %d", first.Status, second.Status)
	}

	// The audit log has the create and the update with before/after.
	var log struct {
		Items []audit.Entry
	}
	env.APILoginDemo("auditadmin").Get("/api/v1/audit?entity=user&entity_id=" + u.ID).Decode(&log)
	if len(log.Items) != 2 || log.Items[0].Action != "update" || log.Items[1].Action != "create" {
		t.Fatalf("audit entries: %+v", log.Items)
	}
	ch := log.Items[0].Changes
	if len(ch) != 1 || ch[0].Field != "display_name" || ch[0].Before != "王芳" || ch[0].After != "王芳芳" {
		t.Fatalf("update changes: %+v", ch)
	}
	for _, c := range log.Items[1].Changes {
		if c.Field == "phone" && strings.Contains(c.After, "1390392") {
			t.Fatal("the audit log holds the phone in plaintext")
		}
	}
}

func TestScope(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	lingshan, _ := demo.Unit(ctx, env.App.DB, "410622004", org.KindStation)
	chaoge, _ := demo.Unit(ctx, env.App.DB, "410622001", org.KindStation)
	admin := env.APILoginDemo("admin")
	// A worker in 灵山 station.
	res := env.APILoginDemo("sysadmin").JSON("POST", "/api/v1/users", map[string]any{"username": "lingshan1", "display_name": "灵山社工", "role": "worker", "org_id": lingshan.ID, "password": "Start-1234"})
	var other struct{ ID string }
	res.Decode(&other)

	head := env.APILoginDemo("zhanzhang") // 朝歌 station head
	if res := head.Get("/api/v1/orgs/" + lingshan.ID); res.Status != http.StatusForbidden || res.ErrorCode() != "out_of_scope" {
		t.Fatalf("other station's node: %d %s", res.Status, res.ErrorCode())
	}
	if res := head.Get("/api/v1/orgs/" + chaoge.ID); res.Status != 200 {
		t.Fatalf("own station: %d", res.Status)
	}
	if res := head.Get("/api/v1/users/" + other.ID); res.Status != http.StatusForbidden || res.ErrorCode() != "out_of_scope" {
		t.Fatalf("other station's user: %d", res.Status)
	}
	var page struct {
		Items []struct{ Username string }
		Total int
	}
	head.Get("/api/v1/users").Decode(&page)
	for _, u := range page.Items {
		if u.Username == "lingshan1" || u.Username == "admin" {
			t.Errorf("station head sees %s", u.Username)
		}
	}
	// The station head may rename their own station but not another's.
	if res := head.JSON("PATCH", "/api/v1/orgs/"+lingshan.ID, map[string]any{"version": 1, "name": "改名"}); res.Status != http.StatusForbidden {
		t.Fatalf("edit other station: %d", res.Status)
	}
	if res := head.JSON("PATCH", "/api/v1/orgs/"+chaoge.ID, map[string]any{"version": chaoge.Version, "name": "朝歌街道社会工作服务站"}); res.Status != 200 {
		t.Fatalf("edit own station: %d %s", res.Status, res.Body)
	}
	// And cannot create a node at all (role), nor can the admin create
	// one outside their county.
	if res := head.JSON("POST", "/api/v1/orgs", map[string]any{"parent_id": chaoge.ID, "kind": "room", "name": "x"}); res.Status != http.StatusForbidden {
		t.Fatalf("head creates node: %d", res.Status)
	}
	root, _ := org.Root(ctx, env.App.DB)
	if res := admin.JSON("POST", "/api/v1/orgs", map[string]any{"parent_id": root.ID, "kind": "province", "name": "外省"}); res.Status != http.StatusForbidden {
		t.Fatalf("county admin creates province: %d %s", res.Status, res.Body)
	}
	// The web page of another station is refused with a Chinese message.
	page2 := env.LoginDemo("zhanzhang").Get("/orgs/" + lingshan.ID)
	if page2.Status != http.StatusForbidden || !strings.Contains(page2.Body, "不在您负责的范围内") {
		t.Fatalf("web out of scope: %d", page2.Status)
	}
}

func TestUserFormKeepsValuesAndShowsFieldErrors(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("sysadmin")
	res := c.PostForm("/users", url.Values{"username": {"li_si"}, "display_name": {"李四"}, "phone": {"123"}, "role": {"worker"}, "org_id": {""}, "password": {"abc"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.Status)
	}
	for _, want := range []string{`value="li_si"`, `value="李四"`, `value="123"`, "请填写正确的手机号", "请选择所属机构", "密码至少 8 位"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if strings.Contains(res.Body, `value="abc"`) {
		t.Error("the password was echoed back")
	}
	station, _ := demo.Unit(context.Background(), env.App.DB, "410622001", org.KindStation)
	res = c.PostForm("/users", url.Values{"username": {"li_si"}, "display_name": {"李四"}, "phone": {"0392-7221234"}, "role": {"worker"}, "org_id": {station.ID}, "password": {"Start-1234"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("valid create: %d", res.Status)
	}
	list := c.Get("/users?q=李四")
	if !strings.Contains(list.Body, "李四") || !strings.Contains(list.Body, "共 1 条") {
		t.Fatal("new user not in the filtered list")
	}
	// The admin-set password must be changed at first login.
	li := env.Login("li_si", "Start-1234")
	if res := li.Get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/account/password") {
		t.Fatalf("first login not sent to change the password: %d %s", res.Status, res.Header.Get("Location"))
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	if _, err := env.App.DB.Exec(ctx, `UPDATE audit_log SET summary = 'x'`); err == nil {
		t.Fatal("audit_log accepted an UPDATE")
	}
	if _, err := env.App.DB.Exec(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("audit_log accepted a DELETE")
	}
	page := env.LoginDemo("auditadmin").Get("/audit?action=create&entity=user")
	if page.Status != 200 || !strings.Contains(page.Body, "新增用户") {
		t.Fatalf("audit page: %d", page.Status)
	}
	// A station head may not browse it.
	if res := env.LoginDemo("zhanzhang").Get("/audit"); res.Status != http.StatusForbidden {
		t.Fatalf("station head reads audit: %d", res.Status)
	}
}

func TestNavigationPerRole(t *testing.T) {
	env := apptest.Start(t)
	cases := map[string]struct{ see, hide []string }{
		"admin":      {see: []string{"组织架构", "社工站"}, hide: []string{"用户管理", "审计日志"}},
		"sysadmin":   {see: []string{"用户管理"}, hide: []string{"审计日志", "服务对象名册"}},
		"secadmin":   {see: []string{"用户管理"}, hide: []string{"审计日志", "服务对象名册"}},
		"auditadmin": {see: []string{"审计日志"}, hide: []string{"用户管理", "服务对象名册"}},
		"shegong":    {see: []string{"社工站", "修改密码"}, hide: []string{"用户管理", "审计日志", "组织架构"}},
		"lingdao":    {see: []string{"数据概览"}, hide: []string{"用户管理", "审计日志"}},
	}
	for user, tc := range cases {
		body := env.LoginDemo(user).Get("/").Body
		for _, s := range tc.see {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not see %s", user, s)
			}
		}
		for _, s := range tc.hide {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %s", user, s)
			}
		}
	}
}

func TestListPagination(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("sysadmin")
	var page struct {
		Items  []struct{ Username string }
		Total  int
		Limit  int
		Offset int
	}
	api.Get("/api/v1/users?limit=3&offset=3&sort=username").Decode(&page)
	if page.Total != len(demo.Accounts) || len(page.Items) != 3 || page.Limit != 3 || page.Offset != 3 {
		t.Fatalf("page = %+v", page)
	}
	// Sorted by username: the fourth to sixth of the demo accounts.
	var names []string
	for _, acc := range demo.Accounts {
		names = append(names, acc.Username)
	}
	sort.Strings(names)
	for i, it := range page.Items {
		if it.Username != names[3+i] {
			t.Fatalf("sorted page is %+v, want %v", page.Items, names[3:6])
		}
	}
	if res := api.Get("/api/v1/users?limit=100000"); res.Status != http.StatusBadRequest {
		t.Fatalf("page size out of range: %d", res.Status)
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	env := apptest.Start(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	env.NewClient().Get("/api/v1/openapi.json").Decode(&doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			if op["summary"] == nil || op["responses"] == nil {
				t.Errorf("%s %s lacks summary or responses", method, path)
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range env.Server.Routes() {
		if rt.API() {
			served[rt.Method+" "+rt.Pattern] = true
			if !documented[rt.Method+" "+rt.Pattern] {
				t.Errorf("route %s %s is not in the OpenAPI document", rt.Method, rt.Pattern)
			}
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("the OpenAPI document has %s, which is not a route", k)
		}
	}
}

func TestHealthz(t *testing.T) {
	env := apptest.Start(t)
	var h map[string]string
	res := env.NewClient().Get("/healthz")
	res.Decode(&h)
	if res.Status != 200 || h["status"] != "ok" {
		t.Fatalf("healthz %d %v", res.Status, h)
	}
}

func TestRoleLabelsAreChinese(t *testing.T) {
	for _, r := range authz.Roles {
		if !hasHan(r.Label()) {
			t.Errorf("role %s has no Chinese label", r)
		}
	}
}
