package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/auth"
)

// A user sees their sessions on a page and in the API and ends them; a
// fourth login ends the oldest; nobody else's sessions are visible to a
// worker.
func TestOwnSessionsPageAndAPI(t *testing.T) {
	env := apptest.Start(t)
	oldest := env.LoginDemo("shegong")
	web := env.LoginDemo("shegong")
	api := env.APILoginDemo("shegong")
	api2 := env.APILoginDemo("shegong") // the fourth: ends the oldest
	if res := oldest.Get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("the oldest of four sessions still works: %d", res.Status)
	}
	var list struct {
		Items []auth.Session
		Total int
	}
	api.Get("/api/v1/sessions").Decode(&list)
	if list.Total != 3 || list.Items[0].Kind != "api" || !list.Items[1].Current || list.Items[2].Kind != "web" {
		t.Fatalf("sessions: %+v", list)
	}
	page := web.Get("/account/sessions")
	if page.Status != http.StatusOK || strings.Count(page.Body, `data-testid="session"`) != 3 || !strings.Contains(page.Body, "网页（当前）") {
		t.Fatalf("sessions page: %d %s", page.Status, page.Body)
	}
	// The web page ends the newest API token; the API ends the web session.
	if res := web.PostForm("/account/sessions/"+list.Items[0].ID+"/end", url.Values{"back": {"/account/sessions"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("end from the page: %d %s", res.Status, res.Body)
	}
	if res := api2.Get("/api/v1/me"); res.Status != http.StatusUnauthorized {
		t.Fatalf("ended token still works: %d", res.Status)
	}
	if res := api.Request("DELETE", "/api/v1/sessions/"+list.Items[2].ID, "", nil); res.Status != http.StatusNoContent {
		t.Fatalf("end from the API: %d %s", res.Status, res.Body)
	}
	if res := web.Get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("ended web session still works: %d", res.Status)
	}
	// Another worker cannot list or end them.
	other := env.APILoginDemo("zhanzhang")
	if res := other.Get("/api/v1/sessions?user_id=" + list.Items[0].UserID); res.Status != http.StatusForbidden {
		t.Fatalf("a station head lists a worker's sessions: %d", res.Status)
	}
	if res := other.Request("DELETE", "/api/v1/sessions/"+list.Items[1].ID, "", nil); res.Status != http.StatusForbidden {
		t.Fatalf("a station head ends a worker's session: %d", res.Status)
	}
}

// A spread attack locks an account; the security administrator sees it
// on the account page and unlocks it; the system administrator sees and
// ends the user's sessions.
func TestUnlockAndAdministratorSessionsPages(t *testing.T) {
	env := apptest.Start(t)
	now := time.Now()
	env.App.Auth.Now = func() time.Time { return now }
	for i := range 20 {
		now = now.Add(10 * time.Second)
		_, _ = env.App.Auth.Login(context.Background(), "shegong", "Wrong-pass1", fmt.Sprintf("10.0.0.%d", i%3), "attacker", auth.KindWeb)
	}
	if res := env.NewClient().PostForm("/login", url.Values{"username": {"shegong"}, "password": {"demo123456"}}); res.Status != http.StatusTooManyRequests {
		t.Fatalf("locked account logs in: %d", res.Status)
	}
	u, _ := env.App.Auth.UserByUsername(context.Background(), "shegong")
	sec := env.LoginDemo("secadmin")
	if page := sec.Get("/users/" + u.ID); !strings.Contains(page.Body, "解除登录锁定") {
		t.Fatalf("no unlock button: %s", page.Body)
	}
	if res := env.LoginDemo("sysadmin").PostForm("/users/"+u.ID+"/unlock", nil); res.Status != http.StatusForbidden {
		t.Fatalf("system administrator unlocks: %d", res.Status)
	}
	if res := sec.PostForm("/users/"+u.ID+"/unlock", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", res.Status, res.Body)
	}
	worker := env.LoginDemo("shegong")
	sys := env.LoginDemo("sysadmin")
	page := sys.Get("/users/" + u.ID + "/sessions")
	if page.Status != http.StatusOK || strings.Count(page.Body, `data-testid="session"`) != 1 {
		t.Fatalf("administrator's view of the sessions: %d", page.Status)
	}
	var list struct{ Items []auth.Session }
	env.APILoginDemo("sysadmin").Get("/api/v1/sessions?user_id=" + u.ID).Decode(&list)
	if len(list.Items) != 1 {
		t.Fatalf("sessions: %+v", list)
	}
	if res := sys.PostForm("/account/sessions/"+list.Items[0].ID+"/end", url.Values{"back": {"/users/" + u.ID + "/sessions"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("end: %d", res.Status)
	}
	if res := worker.Get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("a session ended by the administrator still works: %d", res.Status)
	}
}
