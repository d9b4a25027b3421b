package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
)

// An administrator (not a demo account) must enrol before anything else:
// QR code, a current code, ten recovery codes; then the login asks for
// the code. Demo administrators log in with their password alone.
func TestAdministratorEnrolsAndLogsInWithTwoFactors(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	county, _ := demo.Unit(ctx, env.App.DB, demo.County, org.KindCounty)
	if _, err := env.App.Auth.CreateUser(ctx, nil, auth.UserInput{Username: "ops", DisplayName: "运维", Role: authz.RoleSysAdmin,
		OrgID: county.ID, Password: "Start-2026"}); err != nil {
		t.Fatal(err)
	}
	c := env.Login("ops", "Start-2026")
	if res := c.Get("/users"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/account/2fa" {
		t.Fatalf("not sent to enrol: %d %s", res.Status, res.Header.Get("Location"))
	}
	page := c.Get("/account/2fa")
	if !strings.Contains(page.Body, `src="data:image/png;base64,`) {
		t.Fatalf("no QR code: %s", page.Body)
	}
	secret := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
	if secret == nil {
		t.Fatal("no secret on the page")
	}
	code, _ := totp.GenerateCode(secret[1], time.Now())
	done := c.PostForm("/account/2fa", url.Values{"code": {code}})
	if done.Status != http.StatusOK || strings.Count(done.Body, "<li><code>") != 10 {
		t.Fatalf("enrolment: %d %s", done.Status, done.Body)
	}
	if res := c.Get("/users"); res.Status != http.StatusOK {
		t.Fatalf("after enrolment: %d", res.Status)
	}
	// The next login asks for the code; a recovery code also works.
	anon := env.NewClient()
	res := anon.PostForm("/login", url.Values{"username": {"ops"}, "password": {"Start-2026"}})
	if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `name="code"`) {
		t.Fatalf("password alone: %d", res.Status)
	}
	rc := regexp.MustCompile(`<li><code>([a-z0-9-]+)</code>`).FindStringSubmatch(done.Body)[1]
	if res := anon.PostForm("/login", url.Values{"username": {"ops"}, "password": {"Start-2026"}, "code": {rc}}); res.Status != http.StatusSeeOther {
		t.Fatalf("login with a recovery code: %d %s", res.Status, res.Body)
	}
	// The API takes the code too.
	if res := env.NewClient().JSON("POST", "/api/v1/login", map[string]string{"username": "ops", "password": "Start-2026"}); res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `"code"`) {
		t.Fatalf("API login without code: %d %s", res.Status, res.Body)
	}
	// Demo administrators are not enrolled and need no code.
	if res := env.LoginDemo("secadmin").Get("/users"); res.Status != http.StatusOK {
		t.Fatalf("demo security administrator: %d", res.Status)
	}
}
