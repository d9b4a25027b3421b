package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
)

// Separation of duties: the system administrator creates accounts with a
// business role but grants no administrator role and changes no role;
// the security administrator does, but not for themself.
func TestRolesAreGrantedBySecurityAdministrator(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	county, _ := demo.Unit(ctx, env.App.DB, demo.County, org.KindCounty)
	sys := env.APILoginDemo("sysadmin")
	sec := env.APILoginDemo("secadmin")
	if res := sys.JSON("POST", "/api/v1/users", map[string]any{"username": "boss2", "display_name": "新管理员", "role": "admin", "org_id": county.ID, "password": "Start-1234"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("system administrator creates a county administrator: %d %s", res.Status, res.Body)
	}
	res := sys.JSON("POST", "/api/v1/users", map[string]any{"username": "boss2", "display_name": "新管理员", "role": "leader", "org_id": county.ID, "password": "Start-1234"})
	var u auth.User
	res.Decode(&u)
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := sys.JSON("PATCH", "/api/v1/users/"+u.ID, map[string]any{"version": u.Version, "role": "admin"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("system administrator changes a role: %d %s", res.Status, res.Body)
	}
	if res := sys.JSON("PUT", "/api/v1/users/"+u.ID+"/role", map[string]any{"role": "admin"}); res.Status != http.StatusForbidden {
		t.Fatalf("system administrator grants: %d", res.Status)
	}
	if res := sec.JSON("PUT", "/api/v1/users/"+u.ID+"/role", map[string]any{"role": "admin"}); res.Status != http.StatusOK {
		t.Fatalf("security administrator grants: %d %s", res.Status, res.Body)
	}
	boss := env.APILogin("boss2", "Start-1234")
	// The password the system administrator chose must be changed first,
	// through the API too.
	if res := boss.Get("/api/v1/visit-rules"); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "请先修改密码") {
		t.Fatalf("API use before the first password change: %d %s", res.Status, res.Body)
	}
	if res := boss.JSON("POST", "/api/v1/account/password", map[string]string{"old_password": "Start-1234", "new_password": "Boss-2026x"}); res.Status != http.StatusNoContent {
		t.Fatalf("API password change: %d %s", res.Status, res.Body)
	}
	// …and, an administrator role, they must enrol two factors next.
	if res := boss.Get("/api/v1/visit-rules"); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "双因素认证") {
		t.Fatalf("the new county administrator before enrolling: %d %s", res.Status, res.Body)
	}
	if res := boss.Get("/api/v1/me"); res.Status != http.StatusOK || !strings.Contains(res.Body, `"role":"admin"`) {
		t.Fatalf("the new county administrator: %d %s", res.Status, res.Body)
	}
	me, _ := env.App.Auth.UserByUsername(ctx, "secadmin")
	if res := sec.JSON("PUT", "/api/v1/users/"+me.ID+"/role", map[string]any{"role": "auditadmin"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("security administrator changes their own role: %d", res.Status)
	}
	// The audit administrator reads the grant; nobody else may.
	var log struct{ Total int }
	env.APILoginDemo("auditadmin").Get("/api/v1/audit?entity=user&entity_id=" + u.ID + "&action=update").Decode(&log)
	if log.Total != 1 {
		t.Fatalf("grant audited %d times", log.Total)
	}
	for _, who := range []string{"admin", "sysadmin", "secadmin"} {
		if res := env.APILoginDemo(who).Get("/api/v1/audit"); res.Status != http.StatusForbidden {
			t.Errorf("%s reads the audit log: %d", who, res.Status)
		}
	}
}
