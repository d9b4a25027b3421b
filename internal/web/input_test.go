package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// Text with a NUL byte or invalid UTF-8 is refused with 422 naming the
// field, in queries, forms and JSON, on both engines (PostgreSQL would
// otherwise answer 500); paging out of range is 400, not a silent page 1.
func TestBadTextAndPagingRefused(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("admin")
	web := env.LoginDemo("admin")

	for _, q := range []string{"q=%00", "q=%E5%BC%A0%00", "q=%FF%FE", "name%00=1"} {
		res := api.JSON("GET", "/api/v1/recipients?"+q, nil)
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("API query %s: %d %s", q, res.Status, res.Body)
		}
		if res := web.Get("/recipients?" + q); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("page query %s: %d", q, res.Status)
		}
	}
	res := api.JSON("GET", "/api/v1/recipients?q=%00", nil)
	if !strings.Contains(res.Body, `"q"`) || !strings.Contains(res.Body, "NUL") {
		t.Errorf("the message does not name the field: %s", res.Body)
	}
	for _, body := range []string{`{"name":"张\u0000三"}`, "{\"name\":\"张\xff三\"}"} {
		res := api.Request("POST", "/api/v1/recipients", "application/json", strings.NewReader(body))
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("JSON %q: %d %s", body, res.Status, res.Body)
		}
	}
	if res := web.PostForm("/recipient-categories", url.Values{"name": {"类别\x00"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("form with NUL: %d", res.Status)
	}

	for _, q := range []string{"limit=0", "limit=201", "limit=abc", "offset=-1", "offset=x", "page=0", "size=1000"} {
		if res := api.JSON("GET", "/api/v1/recipients?"+q, nil); res.Status != http.StatusBadRequest {
			t.Errorf("API %s: %d", q, res.Status)
		}
	}
	if res := api.JSON("GET", "/api/v1/recipients?limit=200&offset=0", nil); res.Status != http.StatusOK {
		t.Errorf("limit=200: %d %s", res.Status, res.Body)
	}
}

// A malformed JSON body is refused in Chinese, without Go's English text.
func TestMalformedJSONMessageIsChinese(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("admin")
	res := api.Request("POST", "/api/v1/recipients", "application/json", strings.NewReader(`{"name": }`))
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "JSON 格式错误") || strings.Contains(res.Body, "invalid character") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}
