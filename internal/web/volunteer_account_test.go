package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/workforce"
)

// A station head links a volunteer of the register to their login
// account from the volunteer's page (and unlinks it); what that account
// sees of recipients follows the link. Only accounts of the volunteer
// role may be linked, and a worker may not link at all.
func TestVolunteerAccountForm(t *testing.T) {
	env := apptest.Start(t)
	headAPI := env.APILoginDemo("zhanzhang")
	var vols struct {
		Items []workforce.Volunteer `json:"items"`
	}
	headAPI.JSON("GET", "/api/v1/workforce/volunteers?limit=100", nil).Decode(&vols)
	var vol workforce.Volunteer
	for _, v := range vols.Items {
		if v.UserID != "" {
			vol = v
		}
	}
	if vol.ID == "" {
		t.Fatal("no volunteer of the demo register is linked to an account")
	}
	volAPI := env.APILoginDemo("zhiyuan")
	var me struct {
		ID string `json:"id"`
	}
	volAPI.JSON("GET", "/api/v1/me", nil).Decode(&me)
	if me.ID != vol.UserID {
		t.Fatalf("the linked account is %s, zhiyuan is %s", vol.UserID, me.ID)
	}
	seen := func() int {
		var list struct {
			Total int `json:"total"`
		}
		volAPI.JSON("GET", "/api/v1/recipients", nil).Decode(&list)
		return list.Total
	}
	if n := seen(); n == 0 {
		t.Fatal("the linked volunteer sees nobody before the test")
	}

	head := env.LoginDemo("zhanzhang")
	page := head.Get("/workforce/volunteers/" + vol.ID)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `data-testid="volunteer-account"`) ||
		!strings.Contains(page.Body, `<option value="`+me.ID+`" selected>`) || !strings.Contains(page.Body, "已关联：") {
		t.Fatalf("the station head's volunteer page lacks the account form with the current account: %d", page.Status)
	}
	path := "/workforce/volunteers/" + vol.ID + "/account"
	if res := head.PostForm(path, url.Values{"user_id": {""}}); res.Status != http.StatusSeeOther {
		t.Fatalf("unlink: %d", res.Status)
	}
	if p := head.Get("/workforce/volunteers/" + vol.ID); !strings.Contains(p.Body, "已取消关联登录账号") || !strings.Contains(p.Body, "尚未关联登录账号") {
		t.Error("the page after unlinking does not say so")
	}
	if n := seen(); n != 0 {
		t.Errorf("the unlinked account still sees %d people", n)
	}

	// Another role's account is refused with the reason beside the field.
	var worker struct {
		ID string `json:"id"`
	}
	env.APILoginDemo("shegong").JSON("GET", "/api/v1/me", nil).Decode(&worker)
	res := head.PostForm(path, url.Values{"user_id": {worker.ID}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "角色为志愿者") || !strings.Contains(res.Body, `id="err-user_id"`) {
		t.Errorf("linking a social worker's account: %d", res.Status)
	}

	if res := head.PostForm(path, url.Values{"user_id": {me.ID}}); res.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", res.Status)
	}
	if p := head.Get("/workforce/volunteers/" + vol.ID); !strings.Contains(p.Body, "已关联登录账号") || !strings.Contains(p.Body, "已关联：") {
		t.Error("the page after linking does not say so")
	}
	if n := seen(); n == 0 {
		t.Error("the relinked account sees nobody")
	}

	// A social worker reads the register but neither sees nor uses the form.
	w := env.LoginDemo("shegong")
	if p := w.Get("/workforce/volunteers/" + vol.ID); p.Status != http.StatusOK || strings.Contains(p.Body, `data-testid="volunteer-account"`) {
		t.Errorf("the worker's volunteer page: %d, or it shows the account form", p.Status)
	}
	if res := w.PostForm(path, url.Values{"user_id": {""}}); res.Status != http.StatusForbidden {
		t.Errorf("a worker unlinks: %d", res.Status)
	}
}
