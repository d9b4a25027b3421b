package kit

import (
	"github.com/shegong/shegong/internal/ids"

	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
)

//go:embed templates/*.html
var templateFS embed.FS // the layout, the shared partials and the error page

// pageSet holds one template set per page: the layout and shared
// partials (files starting with "_") plus the page's own file, which
// defines "title" and "content".
type pageSet struct {
	pages map[string]*template.Template
}

func loadPages(funcs template.FuncMap, modules []fs.FS) (*pageSet, error) {
	base := template.New("").Funcs(funcs)
	type pageFile struct {
		fsys fs.FS
		name string
	}
	var pageFiles []pageFile
	for _, fsys := range append([]fs.FS{templateFS}, modules...) {
		entries, err := fs.ReadDir(fsys, "templates")
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, "_") || name == "layout.html" {
				if _, err := base.ParseFS(fsys, "templates/"+name); err != nil {
					return nil, fmt.Errorf("template %s: %w", name, err)
				}
			} else {
				pageFiles = append(pageFiles, pageFile{fsys, name})
			}
		}
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, pf := range pageFiles {
		key := strings.TrimSuffix(pf.name, path.Ext(pf.name))
		if _, dup := ps.pages[key]; dup {
			return nil, fmt.Errorf("template %s: two modules define this page", pf.name)
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(pf.fsys, "templates/"+pf.name); err != nil {
			return nil, fmt.Errorf("template %s: %w", pf.name, err)
		}
		ps.pages[key] = t
	}
	return ps, nil
}

// Page is what every template receives.
type Page struct {
	Title  string
	Actor  *authz.Actor
	CSRF   string
	Nav    []navGroup
	Path   string
	Flash  string
	Error  string
	Form   *Form
	Data   any
	Assets *assets
}

// Option is one choice of a select: the code sent and the Chinese label
// shown (the "select" partial renders every select from these).
type Option struct{ Code, Label string }

// Form keeps what the user typed and the errors per field, so a form
// that fails validation comes back filled in with the messages beside
// the fields.
type Form struct {
	Values map[string]string
	Multi  map[string][]string
	Errors map[string]string
}

// NewForm starts a form from known values.
func NewForm(values map[string]string) *Form {
	if values == nil {
		values = map[string]string{}
	}
	return &Form{Values: values, Multi: map[string][]string{}, Errors: map[string]string{}}
}

// NewCreateForm starts a form that creates a record: it carries a new
// record id (UUIDv7, the hidden input "id" drawn by the "create-id"
// partial), so the same form sent twice — a double tap, a resend after a
// lost answer — is saved once by the domain create, which answers the
// second time with the record the first made.
func NewCreateForm(values map[string]string) *Form {
	f := NewForm(values)
	EnsureCreateID(f)
	return f
}

// EnsureCreateID gives a create form its record id if it has none yet
// (a form drawn again after an error keeps the id it was sent with).
func EnsureCreateID(f *Form) {
	if f.Values["id"] == "" {
		f.Values["id"] = ids.New()
	}
}

// FormFrom takes the submitted values of a request.
func FormFrom(r *http.Request) *Form {
	f := NewForm(nil)
	for k, v := range r.PostForm {
		if len(v) > 0 {
			f.Values[k] = v[0]
		}
		f.Multi[k] = v
	}
	return f
}

// Get returns a value.
func (f *Form) Get(k string) string { return f.Values[k] }

// Has reports whether a multi-valued field includes v.
func (f *Form) Has(k, v string) bool {
	for _, x := range f.Multi[k] {
		if x == v {
			return true
		}
	}
	return f.Values[k] == v
}

// Fail copies a validation error's fields onto the form and returns the
// general message (or the error itself if it is not about fields).
func (f *Form) Fail(err error) (string, error) {
	ae, ok := apperr.As(err)
	if !ok {
		return "", err
	}
	for k, v := range ae.Fields {
		f.Errors[k] = v
	}
	return ae.Message, nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     func(name string) string { return s.assets.URL(name) },
		"stamp":     cst.ShowStamp,
		"roleLabel": func(r authz.Role) string { return r.Label() },
		"roles":     func() []authz.Role { return authz.Roles },
		"add":       func(a, b int) int { return a + b },
		"json": func(v any) (string, error) {
			b, err := JSONMarshal(v)
			return string(b), err
		},
		"query": func(base url.Values, kv ...string) string {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					q.Del(kv[i])
				} else {
					q.Set(kv[i], kv[i+1])
				}
			}
			if len(q) == 0 {
				return "?"
			}
			return "?" + q.Encode()
		},
		"itoa":        strconv.Itoa,
		"actionLabel": audit.ActionLabel,
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// render writes a full page, or for an htmx request that targets part of
// the page, only the "content" block.
func (c *Ctx) RenderStatus(status int, name string, p *Page) error {
	t, ok := c.s.pages.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	p.Actor, p.CSRF, p.Path, p.Assets = c.Actor, "", c.R.URL.Path, c.s.assets
	if c.CSRF != "" {
		p.CSRF = maskCSRF(c.CSRF) // a fresh mask on every page (csrf.go)
	}
	if p.Actor != nil {
		p.Nav = navFor(p.Actor, c.R.URL.Path, c.R.URL.RawQuery)
	}
	block := "layout"
	if c.IsHTMX() && c.R.Header.Get("HX-Target") != "" && c.R.Header.Get("HX-Boosted") == "" {
		block = "content"
	}
	if p.Flash == "" && block == "layout" {
		p.Flash = c.takeFlash()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	c.W.WriteHeader(status)
	_, err := buf.WriteTo(c.W)
	return err
}

// Render writes a page with status 200.
func (c *Ctx) Render(name string, p *Page) error { return c.RenderStatus(http.StatusOK, name, p) }

// RenderForm writes a page whose form failed validation (status 422), or
// returns err if it is not a validation error.
func (c *Ctx) RenderForm(name string, p *Page, err error) error {
	msg, other := p.Form.Fail(err)
	if other != nil {
		return other
	}
	p.Error = msg
	status := http.StatusUnprocessableEntity
	if ae, ok := apperr.As(err); ok {
		status = ae.Status()
	}
	return c.RenderStatus(status, name, p)
}

// Redirect sends the browser on after a successful POST, with a message
// shown on the page it opens (flash.go).
func (c *Ctx) Redirect(to, flash string) error {
	if flash != "" {
		c.setFlash(flash)
	}
	if c.IsHTMX() {
		c.W.Header().Set("HX-Redirect", to)
		c.W.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(c.W, c.R, to, http.StatusSeeOther)
	return nil
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, ae *apperr.Error) {
	c := &Ctx{W: w, R: r, s: s}
	// Show the navigation if the visitor is logged in, so they can go on.
	if cookie, err := r.Cookie(SessionCookie); err == nil {
		if actor, csrf, err := s.App.Auth.Authenticate(r.Context(), cookie.Value, "web", s.ClientIP(r)); err == nil {
			c.Actor, c.CSRF = actor, csrf
		}
	}
	p := &Page{Title: errorTitle(status), Error: ae.Message, Data: ae}
	if err := c.RenderStatus(status, "error", p); err != nil {
		s.Log.Error("render error page", "err", err)
		http.Error(w, ae.Message, status)
	}
}

func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "页面或记录不存在"
	case http.StatusForbidden:
		return "无权访问"
	case http.StatusUnauthorized:
		return "请先登录"
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "提交的内容有误"
	case http.StatusConflict:
		return "内容冲突"
	case http.StatusRequestEntityTooLarge:
		return "内容过大"
	case http.StatusTooManyRequests:
		return "操作过于频繁"
	}
	return "出错了"
}

func URLQueryEscape(s string) string { return url.QueryEscape(s) }
