// Package kit is the shared part of shegong's HTTP layer: the server and
// its middleware, the request context (Ctx), page rendering, forms,
// lists and pagers, navigation, static assets, the home page's sections,
// the person page's panels and the API document. Modules' handlers live
// in their own packages under internal/web and are listed, route by
// route, in internal/web/routes.go; authorization for every route is
// decided in handle() from the route's declared permission.
package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// SessionCookie is the name of the web session cookie.
const SessionCookie = "shegong_session"

// Route is one endpoint. Perm "" marks a public route (login, health).
type Route struct {
	Method  string
	Pattern string // ServeMux pattern path, e.g. /users/{id}
	Perm    authz.Permission
	// Module names the module whose block in the route index lists it.
	Module string
	// MaxBody overrides the default request body limit (uploads).
	MaxBody int64
	Handle  func(c *Ctx) error
}

// API reports whether the route belongs to the JSON API.
func (r Route) API() bool { return strings.HasPrefix(r.Pattern, "/api/") }

// Server is the HTTP handler.
type Server struct {
	App    *app.App
	Log    *slog.Logger
	mux    *http.ServeMux
	routes []Route
	assets *assets
	pages  *pageSet
	cop    *http.CrossOriginProtection
	// proxies are the trusted reverse proxies (Config.TrustedProxies).
	proxies []netip.Prefix
	// homeBuilders make the sections of the home page.
	homeBuilders []HomeBuilder
	// inner is the mux behind cross-origin protection and compression.
	inner http.Handler
	// panels are the person page's sections, from every module.
	panels []PersonPanel
	// openapi holds the modules' API document fragments.
	openapi []apiFragment
}

// New builds the server; Mount then adds the modules.
func New(a *app.App) (*Server, error) {
	s := &Server{App: a, Log: a.Log, mux: http.NewServeMux(), assets: loadAssets(), cop: http.NewCrossOriginProtection()}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, apperr.New(apperr.Forbidden, "请求来源不被允许（跨站请求），请从本系统页面重新提交"))
	}))
	proxies, err := ParseProxies(a.Cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s.proxies = proxies
	return s, nil
}

// Mount registers the modules: their templates, API documents, home
// sections and routes. It is called once, with every module.
func (s *Server) Mount(mods []Module) error {
	var tmpls []fs.FS
	for _, m := range mods {
		if m.Templates != nil {
			tmpls = append(tmpls, m.Templates)
		}
		if m.OpenAPI != nil {
			s.openapi = append(s.openapi, apiFragment{Module: m.Name, Body: m.OpenAPI})
		}
		s.homeBuilders = append(s.homeBuilders, m.Home...)
		s.panels = append(s.panels, m.Panels...)
		for _, rt := range m.Routes {
			rt.Module = m.Name
			s.add(rt)
		}
	}
	if err := checkNav(s.routes); err != nil {
		return err
	}
	pages, err := loadPages(s.funcs(), tmpls)
	if err != nil {
		return err
	}
	s.pages = pages
	s.mux.Handle("GET /static/", s.assets)
	gz, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.ExceptContentTypes([]string{
		XLSX, "application/zip", "application/gzip", "image/jpeg", "image/png", "image/webp", "application/pdf"}))
	if err != nil {
		return err
	}
	// Pages compress 5–10×, which counts on a village's weak signal; the
	// CSRF token on them is masked per page against BREACH (csrf.go).
	s.inner = gz(s.cop.Handler(s.mux))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, apperr.New(apperr.NotFound, "页面不存在：%s", r.URL.Path))
	})
	return nil
}

// Routes lists every registered route (tests walk it).
func (s *Server) Routes() []Route {
	out := append([]Route(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// add registers routes.
func (s *Server) add(routes ...Route) {
	for _, rt := range routes {
		if rt.Perm == Public {
			rt.Perm = ""
		}
		if rt.Perm != "" && !authz.Known(rt.Perm) {
			panic("route " + rt.Method + " " + rt.Pattern + " names unknown permission " + string(rt.Perm))
		}
		s.routes = append(s.routes, rt)
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.handle(rt))
	}
}

// ServeHTTP applies the outer middleware: panic recovery, logging,
// security headers and cross-origin protection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("panic", "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			s.Fail(rec, r, errors.New("panic"))
		}
		if r.URL.Path != "/healthz" && !strings.HasPrefix(r.URL.Path, "/static/") {
			s.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds(), "ip", s.ClientIP(r))
		}
	}()
	h := rec.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
	if r.TLS != nil || s.App.Cfg.BehindTLS {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.inner.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader marks redirects no-store: their targets carry flash
// messages and record ids that a shared cache must not keep.
func (s *statusRecorder) WriteHeader(code int) {
	if code >= 300 && code < 400 {
		s.Header().Set("Cache-Control", "no-store")
	}
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// clientIP is the address the login limits and the logs count a request
// by.
func (s *Server) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return ForwardedClient(s.proxies, host, r.Header.Values("X-Forwarded-For"))
}

// forwardedClient is the client address of a request that reached us from
// remote: remote itself, unless remote is a trusted proxy; then the
// nearest address in X-Forwarded-For (read from the right, each hop
// appended by the proxy it passed) that is not a trusted proxy. Entries
// left of that are the client's own claims and are ignored.
func ForwardedClient(trusted []netip.Prefix, remote string, forwardedFor []string) string {
	isTrusted := func(addr string) bool {
		ip, err := netip.ParseAddr(strings.TrimSpace(addr))
		if err != nil {
			return false
		}
		ip = ip.Unmap()
		for _, p := range trusted {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	if !isTrusted(remote) {
		return remote
	}
	var hops []string
	for _, v := range forwardedFor {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // garbage: stop at the last address we could trust
		}
		client = hop
		if !isTrusted(hop) {
			break
		}
	}
	return client
}

// parseProxies reads the trusted-proxies setting: IPs or CIDRs, comma
// separated.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: “%s” 不是 IP 地址或网段", item)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

// Ctx is what a handler receives.
type Ctx struct {
	W     http.ResponseWriter
	R     *http.Request
	Actor *authz.Actor
	CSRF  string
	s     *Server
	route Route
}

// Context is the request context.
func (c *Ctx) Context() context.Context { return c.R.Context() }

// App is the application.
func (c *Ctx) App() *app.App { return c.s.App }

// PathValue returns a path wildcard.
func (c *Ctx) PathValue(name string) string { return c.R.PathValue(name) }

// IsHTMX reports whether the request came from htmx.
func (c *Ctx) IsHTMX() bool { return c.R.Header.Get("HX-Request") == "true" }

// handle wraps a route with body limit, authentication, CSRF and
// permission checks: the one place where routes are authorised.
func (s *Server) handle(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.App.Cfg.MaxBody
		if rt.MaxBody > 0 {
			limit = rt.MaxBody
		}
		if r.ContentLength > limit {
			s.Fail(w, r, apperr.New(apperr.TooLarge, "提交的内容过大（上限 %s）", HumanBytes(limit)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		c := &Ctx{W: w, R: r, s: s, route: rt}
		if err := checkText(r.URL.Query()); err != nil {
			s.Fail(w, r, err)
			return
		}
		if err := checkPaging(r.URL.Query()); err != nil {
			s.Fail(w, r, err)
			return
		}
		if !rt.API() && r.Method == http.MethodPost {
			if err := parseForm(r, limit); err != nil {
				s.Fail(w, r, err)
				return
			}
			if err := checkText(r.PostForm); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
		if rt.Perm != "" {
			if err := s.authenticate(c); err != nil {
				s.Fail(w, r, err)
				return
			}
			if !c.Actor.Can(rt.Perm) {
				s.auditDenied(c, apperr.ErrForbidden())
				s.Fail(w, r, apperr.ErrForbidden())
				return
			}
			if !rt.API() && rt.Pattern != "/account/password" && rt.Pattern != "/logout" && c.Actor.MustChangePassword {
				http.Redirect(w, r, "/account/password?must=1", http.StatusSeeOther)
				return
			}
			if !rt.API() && !strings.HasPrefix(rt.Pattern, "/account/") && rt.Pattern != "/logout" && c.Actor.MustEnrolSecondFactor {
				http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
				return
			}
			if err := apiAccountGate(rt, c.Actor); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
		if err := rt.Handle(c); err != nil {
			s.auditDenied(c, err)
			s.Fail(w, r, err)
		}
	})
}

// authenticate finds the actor: a bearer token for the API, the session
// cookie for pages. Cookie-authenticated state changes must carry the
// session's CSRF token (form field or X-CSRF-Token header), on top of
// the cross-origin check every request gets.
func (s *Server) authenticate(c *Ctx) error {
	r := c.R
	ip := s.ClientIP(r)
	if c.route.API() {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return apperr.New(apperr.Unauthorized, "请先登录：请求需带 Authorization: Bearer <token>")
		}
		actor, _, err := s.App.Auth.Authenticate(r.Context(), strings.TrimSpace(token), auth.KindAPI, ip)
		c.Actor = actor
		return err
	}
	cookie, err := r.Cookie(SessionCookie)
	if err != nil {
		return auth.ErrNoSession
	}
	actor, csrf, err := s.App.Auth.Authenticate(r.Context(), cookie.Value, auth.KindWeb, ip)
	if err != nil {
		if errors.Is(err, auth.ErrSessionExpired) || errors.Is(err, auth.ErrNoSession) {
			s.ClearCookie(c.W, r)
		}
		return err
	}
	c.Actor, c.CSRF = actor, csrf
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = formValueNoParseError(r, "csrf_token")
		}
		if !csrfMatches(sent, csrf) {
			return apperr.New(apperr.Forbidden, "页面已过期或缺少安全校验（CSRF），请刷新页面后重新提交")
		}
	}
	return nil
}

// parseForm reads a submitted form (urlencoded or multipart) once, so
// the CSRF check and the handler both see it.
func parseForm(r *http.Request, limit int64) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(min(limit, 8<<20))
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if err != nil {
		return apperr.New(apperr.BadRequest, "表单内容无法读取，请刷新页面后重新提交")
	}
	return nil
}

// formValueNoParseError reads one field of the request body (never the
// query string: a token in a URL ends up in logs, history and Referer);
// a body too large or malformed yields "" (the handler reports the real
// error later).
func formValueNoParseError(r *http.Request, key string) string {
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return ""
		}
	} else if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostFormValue(key)
}

func (s *Server) SecureCookies(r *http.Request) bool { return r.TLS != nil || s.App.Cfg.BehindTLS }

func (s *Server) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies(r), MaxAge: int(auth.WebAbsolute.Seconds())})
}

func (s *Server) ClearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies(r), MaxAge: -1})
}

// fail renders an error as JSON for the API and as a page otherwise.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apperr.New(apperr.TooLarge, "提交的内容过大（上限 %s）", HumanBytes(mbe.Limit))
	}
	ae, ok := apperr.As(err)
	if !ok {
		s.Log.Error("internal error", "path", r.URL.Path, "err", err)
		ae = &apperr.Error{Kind: "internal", Message: "系统内部错误，请稍后再试；如持续出现请联系管理员"}
	}
	status := ae.Status()
	if ae.Kind == apperr.Busy {
		w.Header().Set("Retry-After", "5")
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		WriteJSON(w, status, map[string]any{"error": map[string]any{"code": string(ae.Kind), "message": ae.Message, "fields": fieldsOrEmpty(ae.Fields)}})
		return
	}
	if ae.Kind == apperr.Unauthorized && r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		q := "?next=" + URLQueryEscape(r.URL.RequestURI())
		if errors.Is(err, auth.ErrSessionExpired) {
			q += "&expired=1"
		}
		http.Redirect(w, r, "/login"+q, http.StatusSeeOther)
		return
	}
	if r.Header.Get("HX-Request") == "true" && ae.Kind == apperr.Unauthorized {
		w.Header().Set("HX-Redirect", "/login")
	}
	s.renderError(w, r, status, ae)
}

func fieldsOrEmpty(f map[string]string) map[string]string {
	if f == nil {
		return map[string]string{}
	}
	return f
}

func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func HumanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// Write runs fn in one write transaction: the one place a request opens
// one. Domain calls take the *db.Tx and never open their own.
func (c *Ctx) Write(fn func(tx *db.Tx) error) error {
	return c.s.App.DB.InTx(c.Context(), fn)
}

// Read runs fn in one read-only transaction (a consistent snapshot that
// never takes the write lock): exports and pages that read several
// things that must agree. Single reads pass c.DB() instead.
func (c *Ctx) Read(fn func(q db.Querier) error) error {
	return c.s.App.DB.ReadTx(c.Context(), fn)
}

// DB is the querier a read-only handler passes to domain reads.
func (c *Ctx) DB() db.Querier { return c.s.App.DB }
