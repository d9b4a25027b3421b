package web_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/db"
)

// The CSRF token counts only in the form body or the header: one in the
// query string (logged, kept in history, sent on in Referer) is ignored.
func TestCSRFTokenOnlyFromBodyOrHeader(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")
	req, _ := http.NewRequest("POST", env.URL+"/account/password?csrf_token="+url.QueryEscape(c.CSRF), strings.NewReader("current=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := c.Do(req); res.Status != http.StatusForbidden {
		t.Fatalf("token in the query string accepted: %d", res.Status)
	}
	if res := c.PostForm("/account/password", url.Values{"current": {"x"}}); res.Status == http.StatusForbidden {
		t.Fatalf("token in the body refused: %d", res.Status)
	}
	if res := c.Request("POST", "/account/password", "application/x-www-form-urlencoded", strings.NewReader("current=x")); res.Status == http.StatusForbidden {
		t.Fatalf("token in the header refused: %d", res.Status)
	}
}

// Photos and redirects are never cached; HSTS is sent over TLS only.
func TestNoStoreAndHSTS(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	// A redirect.
	admin := env.LoginDemo("admin")
	r := admin.PostForm("/logout", url.Values{})
	if r.Status < 300 || r.Status >= 400 || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("logout redirect: %d, Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}

	// A visit photo.
	var visitID, path string
	if err := env.App.DB.QueryRow(ctx, `SELECT v.id, o.path FROM visits v JOIN org_units o ON o.id = v.org_id ORDER BY v.id LIMIT 1`).Scan(&visitID, &path); err != nil {
		t.Fatal(err)
	}
	var buf, img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2)))
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("photos", "p.png")
	w.Write(img.Bytes())
	mw.Close()
	form, _ := multipart.NewReader(&buf, mw.Boundary()).ReadForm(1 << 20)
	var a attach.Attachment
	err := env.App.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		a, err = env.App.Attach.SaveImage(ctx, tx, &authz.Actor{UserID: "t", Role: authz.RoleAdmin, OrgPath: "/"}, attach.Owner{Entity: "visit", ID: visitID, OrgPath: path}, "photos", form.File["photos"][0])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	admin = env.LoginDemo("admin")
	got := admin.Get(a.URL)
	if got.Status != 200 || got.Body != img.String() || got.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("photo: %d, same bytes %v, Cache-Control %q", got.Status, got.Body == img.String(), got.Header.Get("Cache-Control"))
	}

	if h := admin.Get("/healthz").Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS over plain HTTP: %q", h)
	}
	tls := httptest.NewTLSServer(env.Server)
	defer tls.Close()
	tr, err := tls.Client().Get(tls.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	tr.Body.Close()
	if h := tr.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("no HSTS over TLS: %q", h)
	}
}

// Administrators see when the last backup succeeded and failed.
func TestBackupStatusAPI(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	if err := backup.Record(ctx, env.App.DB, backup.Result{Path: "/backups/x.tar.gz", Size: 42}, nil); err != nil {
		t.Fatal(err)
	}
	var st backup.Status
	res := env.APILoginDemo("admin").Get("/api/v1/system/backup")
	res.Decode(&st)
	if res.Status != 200 || st.LastSuccess == nil || st.LastSuccess.Size != 42 || st.LastFailure != nil {
		t.Fatalf("backup status: %d %s", res.Status, res.Body)
	}
	if res := env.APILoginDemo("zhanzhang").Get("/api/v1/system/backup"); res.Status != http.StatusForbidden {
		t.Fatalf("a station head read the backup status: %d", res.Status)
	}
	// The system administrator's home page says when, and warns after a failure.
	if home := env.LoginDemo("sysadmin").Get("/"); !strings.Contains(home.Body, `data-testid="home-backup"`) || !strings.Contains(home.Body, "最近一次成功备份") {
		t.Fatalf("home page lacks the backup section")
	}
	if err := backup.Record(ctx, env.App.DB, backup.Result{}, errors.New("磁盘已满")); err != nil {
		t.Fatal(err)
	}
	if home := env.LoginDemo("sysadmin").Get("/"); !strings.Contains(home.Body, "最近一次备份失败") || !strings.Contains(home.Body, "磁盘已满") {
		t.Fatalf("home page does not warn of the failed backup")
	}
	if home := env.LoginDemo("zhanzhang").Get("/"); strings.Contains(home.Body, `data-testid="home-backup"`) {
		t.Fatalf("a station head sees the backup section")
	}
}
