// Package apptest starts a real shegong for scenario tests: a fresh
// database (SQLite, or PostgreSQL when the suite runs on it), the demo
// county, and the web handler on a real local HTTP server. Clients log in
// as the demo accounts through the real login form or API.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/web"
)

// Env is a running app for one test.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *web.Server
	HTTP   *httptest.Server
	URL    string
}

// Option adjusts the configuration before start.
type Option func(*app.Config)

// Start runs shegong with the demo county loaded.
//
// On SQLite the demo database is built once per test binary and each test
// starts from a copy of it, so a scenario test costs milliseconds instead
// of a full migration and demo load (password hashing dominates that).
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	a := OpenApp(t, opts...)
	s, err := web.New(a)
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &Env{T: t, App: a, Server: s, HTTP: hs, URL: hs.URL}
}

// OpenApp opens shegong with the demo county loaded, without the web
// layer, for service-level tests; it is closed when the test ends.
func OpenApp(t testing.TB, opts ...Option) *app.App {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Demo = true // the demo accounts log in only in demo mode
	// Each test starts from a copy of a demo database built once per test
	// binary: a copied folder on SQLite, a template database on PostgreSQL
	// (with the key file that sealed its personal data).
	dir, err := goldenDataDir(t)
	if err != nil {
		t.Fatalf("demo database: %v", err)
	}
	if err := os.CopyFS(cfg.DataDir, os.DirFS(dir)); err != nil {
		t.Fatalf("copy demo database: %v", err)
	}
	if dbtest.Engine() == "postgres" {
		cfg.DatabaseURL = dbtest.CloneDatabase(t, golden.pgTemplate)
	}
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

var golden struct {
	once       sync.Once
	dir        string
	pgTemplate string // PostgreSQL: the template database's name
	err        error
}

// goldenDataDir builds, once per process, a data folder with the demo
// county on SQLite (database and key file), closed cleanly so the copy
// needs no WAL.
func goldenDataDir(t testing.TB) (string, error) {
	golden.once.Do(func() {
		removeStaleGoldenDirs()
		dir, err := os.MkdirTemp("", "shegong-apptest-")
		if err != nil {
			golden.err = err
			return
		}
		cfg := app.DefaultConfig()
		cfg.DataDir = dir
		if dbtest.Engine() == "postgres" {
			golden.pgTemplate, cfg.DatabaseURL = dbtest.NewDatabase(t)
		}
		ctx := context.Background()
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			golden.err = err
			return
		}
		if err := demo.Load(ctx, a); err != nil {
			a.Close()
			golden.err = err
			return
		}
		if a.DB.Dialect() == "sqlite" {
			if _, err := a.DB.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				a.Close()
				golden.err = err
				return
			}
		}
		golden.err = a.Close()
		golden.dir = dir
	})
	return golden.dir, golden.err
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Client is a browser-like client with its own cookies.
type Client struct {
	env  *Env
	HTTP *http.Client
	CSRF string
	// Token is set for API clients (bearer).
	Token string
}

// NewClient is an anonymous web client that does not follow redirects.
func (e *Env) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// Login logs a web client in through the login form.
func (e *Env) Login(username, password string) *Client {
	e.T.Helper()
	c := e.NewClient()
	res := c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		e.T.Fatalf("login %s: status %d: %s", username, res.Status, res.Body)
	}
	c.RefreshCSRF()
	return c
}

// LoginDemo logs in a demo account.
func (e *Env) LoginDemo(username string) *Client { return e.Login(username, demo.Password) }

// RefreshCSRF reads the session's CSRF token from the home page.
func (c *Client) RefreshCSRF() {
	res := c.Get("/account/password")
	if m := csrfMeta.FindStringSubmatch(res.Body); m != nil {
		c.CSRF = m[1]
	}
}

// APILogin logs in through the JSON API and returns a bearer client.
func (e *Env) APILogin(username, password string) *Client {
	e.T.Helper()
	c := e.NewClient()
	res := c.JSON("POST", "/api/v1/login", map[string]string{"username": username, "password": password})
	if res.Status != http.StatusOK {
		e.T.Fatalf("api login %s: %d %s", username, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.Decode(&out)
	c.Token = out.Token
	return c
}

// APILoginDemo logs a demo account into the API.
func (e *Env) APILoginDemo(username string) *Client { return e.APILogin(username, demo.Password) }

// Response is a finished request.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   string
}

// Decode parses a JSON body.
func (r *Response) Decode(v any) {
	r.T.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		r.T.Fatalf("decode %q: %v", r.Body, err)
	}
}

// ErrorCode is the "code" of a JSON error body ("" if none).
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code    string
			Message string
			Fields  map[string]string
		}
	}
	_ = json.Unmarshal([]byte(r.Body), &e)
	return e.Error.Code
}

// Do sends a request.
func (c *Client) Do(req *http.Request) *Response {
	c.env.T.Helper()
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &Response{T: c.env.T, Status: res.StatusCode, Header: res.Header, Body: string(body)}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	req, _ := http.NewRequest("GET", c.env.URL+path, nil)
	return c.Do(req)
}

// PostForm submits a form, adding the CSRF token unless the values
// already carry one (tests of a missing token pass "csrf_token": {""}).
func (c *Client) PostForm(path string, v url.Values) *Response {
	if _, ok := v["csrf_token"]; !ok && c.CSRF != "" {
		v = cloneValues(v)
		v.Set("csrf_token", c.CSRF)
	}
	req, _ := http.NewRequest("POST", c.env.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Request sends any method with an optional body and content type.
func (c *Client) Request(method, path, contentType string, body io.Reader) *Response {
	req, _ := http.NewRequest(method, c.env.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.CSRF != "" && c.Token == "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	return c.Do(req)
}

// JSON sends v as a JSON body (nil for none).
func (c *Client) JSON(method, path string, v any) *Response {
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	return c.Request(method, path, "application/json", body)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// removeStaleGoldenDirs deletes demo copies left by earlier test runs (a
// test binary has no hook at exit to remove its own); one still in use is
// younger than a few hours.
func removeStaleGoldenDirs() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "shegong-apptest-*"))
	for _, dir := range old {
		if info, err := os.Stat(dir); err == nil && time.Since(info.ModTime()) > 3*time.Hour {
			_ = os.RemoveAll(dir)
		}
	}
}
