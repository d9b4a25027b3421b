package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Pages go out compressed, and the CSRF token on them is masked afresh
// on every page (so compression cannot leak it, BREACH), while every
// masked copy still passes the check.
func TestCompressedPagesWithMaskedCSRF(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("admin")

	req, _ := http.NewRequest("GET", env.URL+"/recipient-categories", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res := c.Do(req)
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("page not compressed: %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "对象类别") || len(res.Body) >= len(plain) {
		t.Errorf("compressed %d bytes from %d", len(res.Body), len(plain))
	}

	first := csrfField.FindStringSubmatch(c.Get("/recipient-categories").Body)
	second := csrfField.FindStringSubmatch(c.Get("/recipient-categories").Body)
	if first == nil || second == nil || first[1] == second[1] {
		t.Fatalf("the CSRF token is not masked per page: %v %v", first, second)
	}
	for i, tok := range []string{first[1], second[1]} {
		form := url.Values{"csrf_token": {tok}, "name": {"掩码测试" + string(rune('甲'+i))}}
		r, _ := http.NewRequest("POST", env.URL+"/recipient-categories", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", env.URL)
		if res := c.Do(r); res.Status != http.StatusSeeOther {
			t.Errorf("masked token %d refused: %d", i, res.Status)
		}
	}
	form := url.Values{"csrf_token": {first[1][:len(first[1])-2] + "AA"}, "name": {"掩码测试丙"}}
	r, _ := http.NewRequest("POST", env.URL+"/recipient-categories", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", env.URL)
	if res := c.Do(r); res.Status != http.StatusForbidden {
		t.Errorf("a tampered token passed: %d", res.Status)
	}
}
