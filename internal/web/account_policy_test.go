package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// The security administrator changes the rules at run time; they apply
// at once and the change is audited. Nobody else may.
func TestSecurityAdministratorSetsThePolicy(t *testing.T) {
	env := apptest.Start(t)
	sec := env.LoginDemo("secadmin")
	page := sec.Get("/security-policy")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="session_idle" value="30"`) {
		t.Fatalf("policy page: %d", page.Status)
	}
	form := url.Values{"session_idle": {"15"}, "session_lifetime": {"8"}, "max_sessions": {"1"}, "delay_from": {"3"}, "lock_failures": {"20"},
		"lock_addresses": {"3"}, "lock_window": {"15"}, "lock_for": {"30"}, "password_max_age": {"90"}, "password_history": {"5"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("session_idle", "600")
	if res := sec.PostForm("/security-policy", bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "闲置超时应在 5–120 分钟之间") {
		t.Fatalf("an idle time-out of 10 hours: %d", res.Status)
	}
	if res := sec.PostForm("/security-policy", form); res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.Status, res.Body)
	}
	// One session per user now: a second login ends the first.
	first := env.LoginDemo("shegong")
	env.LoginDemo("shegong")
	if res := first.Get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("the first session survived with a limit of one: %d", res.Status)
	}
	var n int
	env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE entity = 'security_policy' AND changes LIKE '%max_sessions%'`).Scan(&n)
	if n != 1 {
		t.Fatalf("policy change audited %d times", n)
	}
	if res := env.LoginDemo("sysadmin").PostForm("/security-policy", form); res.Status != http.StatusForbidden {
		t.Fatalf("system administrator sets the policy: %d", res.Status)
	}
}
