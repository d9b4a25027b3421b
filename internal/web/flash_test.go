package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// A flash message comes only from the server's own signed cookie, never
// from the URL, and shows once.
func TestFlashNeverFromTheURL(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("admin")
	if res := c.Get("/?flash=" + url.QueryEscape("您的账号已冻结，请拨打 400-000")); strings.Contains(res.Body, "您的账号已冻结") {
		t.Fatal("a flash message was taken from the URL")
	}
	res := c.PostForm("/recipient-categories", url.Values{"name": {"测试类别甲"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add category: %d %s", res.Status, res.Body)
	}
	if loc := res.Header.Get("Location"); strings.Contains(loc, "flash") || strings.Contains(loc, url.QueryEscape("测试类别甲")) {
		t.Errorf("the redirect carries the message: %s", loc)
	}
	next := c.Get(res.Header.Get("Location"))
	if !strings.Contains(next.Body, `class="flash"`) {
		t.Errorf("the page after the redirect shows no message")
	}
	// A cookie the server did not sign is ignored.
	forged, _ := http.NewRequest("GET", env.URL+"/", nil)
	forged.Header.Set("Cookie", "shegong_flash="+base64.RawURLEncoding.EncodeToString([]byte("伪造的通知"))+".AAAA")
	if res := c.Do(forged); strings.Contains(res.Body, "伪造的通知") {
		t.Error("an unsigned flash cookie was shown")
	}
	if again := c.Get(res.Header.Get("Location")); strings.Contains(again.Body, `class="flash"`) {
		t.Errorf("the message shows twice")
	}
}
