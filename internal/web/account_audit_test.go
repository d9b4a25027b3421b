package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/audit"
)

// Security events reach the audit log with address, user agent and result.
func TestSecurityEventsAudited(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	w := env.LoginDemo("shegong")
	w.Get("/audit")            // role denied
	w.PostForm("/logout", nil) // logout
	env.NewClient().PostForm("/login", map[string][]string{"username": {"shegong"}, "password": {"Wrong-123"}})
	rows, err := env.App.DB.Query(ctx, `SELECT action, summary, ip, user_agent, result FROM audit_log WHERE action IN (?, ?, ?, ?) ORDER BY id`,
		audit.ActionLogin, audit.ActionDenied, audit.ActionLogout, audit.ActionLoginFailed)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]string{}
	for rows.Next() {
		var action, summary, ip, ua, result string
		if err := rows.Scan(&action, &summary, &ip, &ua, &result); err != nil {
			t.Fatal(err)
		}
		if ip == "" || ua == "" || result == "" {
			t.Errorf("%s lacks address, user agent or result: %q %q %q", action, ip, ua, result)
		}
		seen[action] = summary
	}
	if !strings.Contains(seen[audit.ActionDenied], "GET /audit") || !strings.Contains(seen[audit.ActionDenied], "社工") {
		t.Errorf("denied request: %q", seen[audit.ActionDenied])
	}
	for _, a := range []string{audit.ActionLogin, audit.ActionLogout, audit.ActionLoginFailed} {
		if seen[a] == "" {
			t.Errorf("%s not audited", a)
		}
	}
}

func TestAuditAdministratorExportsTheLog(t *testing.T) {
	env := apptest.Start(t)
	env.LoginDemo("shegong")
	a := env.LoginDemo("auditadmin")
	res := a.Get("/audit.csv?action=login")
	if res.Status != 200 || !strings.HasPrefix(res.Body, "\ufeff时间,操作人") || !strings.Contains(res.Body, "朝歌社工（shegong）") {
		t.Fatalf("export: %d %.300s", res.Status, res.Body)
	}
	var n int
	env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity = 'audit_log'`, audit.ActionExport).Scan(&n)
	if n != 1 {
		t.Fatalf("export audited %d times", n)
	}
}
