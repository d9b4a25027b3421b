package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
	"github.com/shegong/shegong/internal/web"
)

// The HTTP part of `shegong bench` measures what users feel: the main
// pages and APIs through the real server (web.New on the opened app,
// served by net/http on a loopback port) with real logins, each request
// read to its end. Every figure is also given as a multiple of a
// hello-world handler started in the same run and measured the same way,
// so a loaded machine shows in both. Then the contention scenario: a
// roster import committed through the import pages while writers create
// recipients through the API and idle sessions call /api/v1/me; it
// reports the statuses (no 5xx, no 503 expected) and the writers' times.
//
// Every loop has a fixed bound: n requests per measurement, and the
// contention's writers and idle sessions stop when the import ends or at
// their cap, whichever comes first.

const (
	httpTimeout   = 2 * time.Minute  // one page or API request
	importTimeout = 15 * time.Minute // the import's upload (check) or commit
	// A writer pauses between creates and an idle session between calls,
	// as people do; the caps bound the loops if the import hangs.
	writerPause = 100 * time.Millisecond
	writerCap   = 3000
	idlePause   = time.Second
	idleCap     = 600
	// benchNamePrefix names the recipients the scenario creates; the
	// digits after it number them across runs, so their ID numbers stay
	// unique on a database benchmarked several times.
	benchNamePrefix = "基准对象"
	benchIDArea     = "429004" // an area code gen never uses (gen: 41xxxx)
)

// httpSession is one logged-in account: a web session (cookie jar and
// CSRF token) and an API token. Concurrent requests share it, as one
// user's browser tabs do (an account may hold at most 3 sessions).
type httpSession struct {
	username string
	web      *http.Client
	csrf     string
	api      *http.Client
	token    string
}

type httpBench struct {
	ctx       context.Context
	out       io.Writer
	base      string // the shegong server, http://127.0.0.1:port
	transport *http.Transport
	sessions  map[string]*httpSession
}

func newHTTPBench(ctx context.Context, out io.Writer) *httpBench {
	return &httpBench{ctx: ctx, out: out, sessions: map[string]*httpSession{},
		transport: &http.Transport{Proxy: nil, MaxIdleConns: 64, MaxIdleConnsPerHost: 32, IdleConnTimeout: time.Minute}}
}

func (h *httpBench) client(jar http.CookieJar, timeout time.Duration) *http.Client {
	return &http.Client{Transport: h.transport, Jar: jar, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// serve starts handler on a loopback port and returns its base URL and
// a function that stops it.
func serveLoopback(handler http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request and reads the whole answer.
func (h *httpBench) do(c *http.Client, method, path, token, contentType string, body []byte, extra http.Header) (httpResult, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = h.base + path
	}
	req, err := http.NewRequestWithContext(h.ctx, method, u, rd)
	if err != nil {
		return httpResult{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		return httpResult{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return httpResult{}, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return httpResult{status: res.StatusCode, header: res.Header, body: b}, nil
}

var csrfMetaRe = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// login logs username in twice: through the login form (a cookie jar)
// and through the API (a bearer token).
func (h *httpBench) login(username string, web, api bool) (*httpSession, error) {
	s := h.sessions[username]
	if s == nil {
		s = &httpSession{username: username}
		h.sessions[username] = s
	}
	if web && s.web == nil {
		jar, _ := cookiejar.New(nil)
		c := h.client(jar, httpTimeout)
		form := url.Values{"username": {username}, "password": {genPassword}}
		res, err := h.do(c, "POST", "/login", "", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
		if err != nil {
			return nil, err
		}
		if res.status != http.StatusSeeOther {
			return nil, fmt.Errorf("login %s: status %d: %s", username, res.status, snippet(res.body))
		}
		// The home page gives the session's CSRF token, and shows the
		// login is complete: an administrator who must first enrol a
		// second factor is sent elsewhere.
		res, err = h.do(c, "GET", "/", "", "", nil, nil)
		if err != nil {
			return nil, err
		}
		if res.status != http.StatusOK {
			return nil, fmt.Errorf("home page of %s after login: status %d %s (accounts made by an older shegong gen are not demo accounts: generate the database again)",
				username, res.status, res.header.Get("Location"))
		}
		m := csrfMetaRe.FindSubmatch(res.body)
		if m == nil {
			return nil, fmt.Errorf("home page of %s: no CSRF token", username)
		}
		s.web, s.csrf = c, string(m[1])
	}
	if api && s.api == nil {
		c := h.client(nil, httpTimeout)
		body, _ := json.Marshal(map[string]string{"username": username, "password": genPassword})
		res, err := h.do(c, "POST", "/api/v1/login", "", "application/json", body, nil)
		if err != nil {
			return nil, err
		}
		var out struct{ Token string }
		if res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil || out.Token == "" {
			return nil, fmt.Errorf("API login %s: status %d: %s", username, res.status, snippet(res.body))
		}
		s.api, s.token = c, out.Token
	}
	return s, nil
}

// sample is one measurement: the sorted times and the answers that were
// not the expected status.
type sample struct {
	times []time.Duration
	bad   map[int]int
}

// pct is the p-th percentile by nearest rank.
func (s sample) pct(p float64) time.Duration {
	if len(s.times) == 0 {
		return 0
	}
	i := int(float64(len(s.times))*p+0.999999) - 1
	return s.times[min(max(i, 0), len(s.times)-1)]
}

func (s sample) badCount() int {
	n := 0
	for _, c := range s.bad {
		n += c
	}
	return n
}

// measure sends n requests from conc goroutines sharing one counter, and
// times each from sending to the last byte read.
func measure(n, conc int, want int, send func() (httpResult, error)) (sample, error) {
	times := make([]time.Duration, n)
	statuses := make([]int, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				res, err := send()
				times[i] = time.Since(t0)
				if err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // the others stop too
					return
				}
				statuses[i] = res.status
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sample{}, firstErr
	}
	s := sample{times: times, bad: map[int]int{}}
	for _, st := range statuses {
		if st != want {
			s.bad[st]++
		}
	}
	slices.Sort(s.times)
	return s, nil
}

// httpItem is a page or API measured for one account.
type httpItem struct {
	name string
	user string
	path string
	api  bool
}

// runHTTP measures every item at each concurrency, n requests each
// after a few unmeasured ones, beside the hello-world handler.
func (h *httpBench) runHTTP(n int, match string, users benchUsers) error {
	helloURL, stopHello, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	if err != nil {
		return err
	}
	defer stopHello()
	items := []httpItem{
		{name: "首页：社工", user: users.worker, path: "/"},
		{name: "首页：站长", user: users.head, path: "/"},
		{name: "首页：县级管理员", user: users.county, path: "/"},
		{name: "首页：省级管理员", user: users.province, path: "/"},
		{name: "服务对象列表页（县级管理员）", user: users.county, path: "/recipients"},
		{name: "待探访名单页（站长）", user: users.head, path: "/visits/due"},
		{name: "统计数字 /figures（县级管理员）", user: users.county, path: "/figures"},
		{name: "/api/v1/me（社工）", user: users.worker, path: "/api/v1/me", api: true},
		{name: "/api/v1/recipients?limit=20（县级管理员）", user: users.county, path: "/api/v1/recipients?limit=20", api: true},
		{name: "/api/v1/visits/due?limit=20（站长）", user: users.head, path: "/api/v1/visits/due?limit=20", api: true},
	}
	items = slices.DeleteFunc(items, func(it httpItem) bool { return match != "" && !strings.Contains(it.name, match) })
	for _, it := range items {
		if _, err := h.login(it.user, !it.api, it.api); err != nil {
			return err
		}
	}
	hello := h.client(nil, httpTimeout)
	conc := []int{1, 8}
	warm := min(10, n)
	fmt.Fprintf(h.out, "\nHTTP：本机回环地址上的真实服务与真实登录，每项 %d 次请求（另先发 %d 次不计）；倍数 = 同一轮 hello-world 在同一并发下同一分位的倍数\n", n, warm)
	fmt.Fprintf(h.out, "账号：社工 %s，站长 %s，县级管理员 %s，省级管理员 %s\n", users.worker, users.head, users.county, users.province)
	fmt.Fprintf(h.out, "%s %4s %10s %10s %10s   %-22s %s\n", padRight("页面 / 接口", 44), "并发", "p50", "p95", "p99", "倍数 p50/p95/p99", "非 200")
	base := map[int]sample{}
	line := func(name string, c int, s sample) {
		ratio := "—"
		if b, ok := base[c]; ok {
			r := func(p float64) string {
				if b.pct(p) <= 0 {
					return "—"
				}
				return fmt.Sprintf("×%.0f", float64(s.pct(p))/float64(b.pct(p)))
			}
			ratio = r(0.50) + " / " + r(0.95) + " / " + r(0.99)
		}
		bad := strconv.Itoa(s.badCount())
		if s.badCount() > 0 {
			bad += " " + statusList(s.bad)
		}
		fmt.Fprintf(h.out, "%s %4d %10s %10s %10s   %-22s %s\n", padRight(name, 44), c, dur(s.pct(0.50)), dur(s.pct(0.95)), dur(s.pct(0.99)), ratio, bad)
	}
	for _, c := range conc {
		send := func() (httpResult, error) { return h.do(hello, "GET", helloURL+"/", "", "", nil, nil) }
		if _, err := measure(warm, c, http.StatusOK, send); err != nil {
			return err
		}
		s, err := measure(n, c, http.StatusOK, send)
		if err != nil {
			return err
		}
		base[c] = s
		line("hello-world（同一进程的最小处理函数）", c, s)
	}
	for _, it := range items {
		s := h.sessions[it.user]
		send := func() (httpResult, error) { return h.do(s.web, "GET", it.path, "", "", nil, nil) }
		if it.api {
			send = func() (httpResult, error) { return h.do(s.api, "GET", it.path, s.token, "", nil, nil) }
		}
		// The first answer must be the page itself, not a redirect or an
		// error: otherwise the figures would time the wrong thing.
		first, err := send()
		if err != nil {
			return err
		}
		if first.status != http.StatusOK {
			return fmt.Errorf("%s: GET %s as %s: status %d %s %s", it.name, it.path, it.user, first.status, first.header.Get("Location"), snippet(first.body))
		}
		for _, c := range conc {
			if _, err := measure(warm, c, http.StatusOK, send); err != nil {
				return err
			}
			sm, err := measure(n, c, http.StatusOK, send)
			if err != nil {
				return fmt.Errorf("%s: %w", it.name, err)
			}
			line(it.name, c, sm)
		}
	}
	return nil
}

func statusList(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := strconv.Itoa(k)
		if k == 0 {
			name = "无应答"
		}
		parts[i] = fmt.Sprintf("%s×%d", name, m[k])
	}
	return "（" + strings.Join(parts, "，") + "）"
}

// benchUsers are the accounts the HTTP part uses, and the contention's.
type benchUsers struct {
	worker, head, county, province string
	writers, idle                  []string
}

// contention is the scenario of the issue "under load, nobody sees
// 系统内部错误": a roster import of rows people checked then committed
// through the import pages by the county administrator, while writers
// create recipients through the API and idle sessions call /api/v1/me.
type contention struct {
	h        *httpBench
	rows     int
	county   string       // the importing county administrator
	stations []benchPlace // the county's stations (code, worker username)
	writers  []benchWriter
	idle     []string
	next     atomic.Int64 // the number of the next recipient a writer creates
}

type benchPlace struct {
	id, code, worker string
}

type benchWriter struct {
	username string
	place    benchPlace
}

// benchID is the ID number of bench recipient number j: one per birth
// date over 20,000 days from 1930, then the next sequence number, in an
// area gen does not use.
func benchID(j int) string {
	birth := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, j%20000)
	seq := j/20000 + 1
	first17 := fmt.Sprintf("%s%s%03d", benchIDArea, birth.Format("20060102"), seq)
	return first17 + string(validate.IDCardCheckDigit(first17))
}

func benchName(j int) string { return fmt.Sprintf("%s%07d", benchNamePrefix, j) }

// roster is the .xlsx the county administrator uploads: rows people
// spread over the county's stations, numbered from first.
func (c *contention) roster(first int) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	header := []any{"序号", "姓名", "身份证号", "联系电话", "现住址", "村（社区）", "居住情况", "所属站点", "责任社工"}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for i := 0; i < c.rows; i++ {
		j := first + i
		p := c.stations[i%len(c.stations)]
		row := []any{i + 1, benchName(j), benchID(j), fmt.Sprintf("139%08d", j%100_000_000), fmt.Sprintf("演练省%s号院%d栋", p.code, i%50+1),
			fmt.Sprintf("%s%03d", p.code, 200+i%16), "独居", p.code, p.worker}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	importBatchRe    = regexp.MustCompile(`/recipients/import/([0-9a-fA-F-]+)/commit`)
	importedCountRe  = regexp.MustCompile(`已导入服务对象名册“[^”]*”：(\d+) 人`)
	errNoImportBatch = errors.New("the check page names no batch to commit")
)

// timed collects the times and statuses of one kind of request.
type timed struct {
	mu       sync.Mutex
	times    []time.Duration
	statuses map[int]int
	first5xx string
}

func (t *timed) add(d time.Duration, res httpResult, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.statuses == nil {
		t.statuses = map[int]int{}
	}
	status := res.status
	if err != nil {
		status = 0 // no answer (time-out, connection closed)
	}
	t.statuses[status]++
	t.times = append(t.times, d)
	if (status >= 500 || status == 0) && t.first5xx == "" {
		if err != nil {
			t.first5xx = err.Error()
		} else {
			t.first5xx = fmt.Sprintf("%d %s", status, snippet(res.body))
		}
	}
}

func (t *timed) sample() sample {
	s := sample{times: slices.Clone(t.times)}
	slices.Sort(s.times)
	return s
}

// run runs the scenario and prints what it saw.
func (c *contention) run(firstNumber int) error {
	h := c.h
	data, err := c.roster(firstNumber)
	if err != nil {
		return fmt.Errorf("building the roster: %w", err)
	}
	c.next.Store(int64(firstNumber + c.rows))
	admin := h.sessions[c.county]
	importClient := h.client(admin.web.Jar, importTimeout)

	var creates, mes timed
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	pause := func(d time.Duration) {
		select {
		case <-stop:
		case <-time.After(d):
		}
	}
	var wg sync.WaitGroup
	for _, w := range c.writers {
		s := h.sessions[w.username]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At least one create each, then until the import ends.
			for i := 0; i < writerCap; i++ {
				j := int(c.next.Add(1)) - 1
				body, _ := json.Marshal(map[string]any{"org_id": w.place.id, "name": benchName(j), "id_number": benchID(j),
					"village_code": w.place.code + "201", "living_situation": "独居", "confirm_duplicate": true})
				t0 := time.Now()
				res, err := h.do(s.api, "POST", "/api/v1/recipients", s.token, "application/json", body, nil)
				creates.add(time.Since(t0), res, err)
				if stopped() {
					return
				}
				pause(writerPause)
			}
		}()
	}
	for _, u := range c.idle {
		s := h.sessions[u]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < idleCap; i++ {
				t0 := time.Now()
				res, err := h.do(s.api, "GET", "/api/v1/me", s.token, "", nil, nil)
				mes.add(time.Since(t0), res, err)
				if stopped() {
					return
				}
				pause(idlePause)
			}
		}()
	}

	checkTime, commitTime, imported, importErr := c.importRoster(importClient, admin.csrf, data)
	close(stop)
	wg.Wait()

	fmt.Fprintf(h.out, "\n争用：%s 经网页导入 %d 行名册（上传检查后提交，全部导入），同时 %d 个社工经接口新建服务对象（每人每次间隔 %s），%d 个闲置会话调用 /api/v1/me（每 %s 一次）\n",
		c.county, c.rows, len(c.writers), dur(writerPause), len(c.idle), dur(idlePause))
	if importErr != nil {
		fmt.Fprintf(h.out, "名册导入失败：%v\n", importErr)
	} else {
		fmt.Fprintf(h.out, "名册检查（上传）%s，导入（提交）%s，导入 %d 人\n", dur(checkTime), dur(commitTime), imported)
	}
	report := func(what string, t *timed, want int) (fivexx, busy int) {
		s := t.sample()
		var others map[int]int
		for st, n := range t.statuses {
			if st >= 500 || st == 0 {
				fivexx += n
			}
			if st == http.StatusServiceUnavailable {
				busy += n
			}
			if st != want {
				if others == nil {
					others = map[int]int{}
				}
				others[st] = n
			}
		}
		fmt.Fprintf(h.out, "%s：%d 次，%d 成功，p50 %s，p95 %s，p99 %s，最长 %s", what, len(s.times), t.statuses[want],
			dur(s.pct(0.50)), dur(s.pct(0.95)), dur(s.pct(0.99)), dur(s.pct(1)))
		if others != nil {
			fmt.Fprintf(h.out, "；其他状态 %s", statusList(others))
		}
		fmt.Fprintln(h.out)
		if t.first5xx != "" {
			fmt.Fprintf(h.out, "  第一个 5xx 或无应答：%s\n", t.first5xx)
		}
		return fivexx, busy
	}
	f1, b1 := report("接口新建服务对象 POST /api/v1/recipients", &creates, http.StatusCreated)
	f2, b2 := report("闲置会话 GET /api/v1/me", &mes, http.StatusOK)
	fmt.Fprintf(h.out, "5xx：%d（其中 503：%d）\n", f1+f2, b1+b2)
	return importErr
}

// importRoster uploads data on the import page (the check) and commits
// the batch it names, timing each request.
func (c *contention) importRoster(client *http.Client, csrf string, data []byte) (check, commit time.Duration, imported int, err error) {
	h := c.h
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", csrf)
	_ = mw.WriteField("mode", recipients.ImportAll)
	fw, err := mw.CreateFormFile("file", "基准测试名册.xlsx")
	if err != nil {
		return 0, 0, 0, err
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		return 0, 0, 0, err
	}
	t0 := time.Now()
	res, err := h.do(client, "POST", "/recipients/import", "", mw.FormDataContentType(), body.Bytes(), nil)
	check = time.Since(t0)
	if err != nil {
		return check, 0, 0, err
	}
	if res.status != http.StatusOK {
		return check, 0, 0, fmt.Errorf("upload: status %d: %s", res.status, snippet(res.body))
	}
	m := importBatchRe.FindSubmatch(res.body)
	if m == nil {
		return check, 0, 0, errNoImportBatch
	}
	form := url.Values{"csrf_token": {csrf}, "mode": {recipients.ImportAll}}
	t0 = time.Now()
	res, err = h.do(client, "POST", "/recipients/import/"+string(m[1])+"/commit", "", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	commit = time.Since(t0)
	if err != nil {
		return check, commit, 0, err
	}
	n := importedCountRe.FindSubmatch(res.body)
	if res.status != http.StatusOK || n == nil {
		return check, commit, 0, fmt.Errorf("commit: status %d: %s", res.status, snippet(res.body))
	}
	imported, _ = strconv.Atoi(string(n[1]))
	if imported != c.rows {
		return check, commit, imported, fmt.Errorf("commit imported %d of %d rows", imported, c.rows)
	}
	return check, commit, imported, nil
}

// startServer serves the app's web handler on a loopback port.
func (h *httpBench) startServer(b *bench) (func(), error) {
	handler, err := web.New(b.a)
	if err != nil {
		return nil, err
	}
	base, stop, err := serveLoopback(handler)
	if err != nil {
		return nil, err
	}
	h.base = base
	return stop, nil
}

// dur prints a duration with its unit: "0.42 ms", "12.3 ms", "1.25 s".
func dur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

// padRight pads s with spaces to width terminal columns, counting wide
// (CJK) characters as two.
func padRight(s string, width int) string {
	w := 0
	for _, r := range s {
		if r >= 0x1100 {
			w += 2
		} else {
			w++
		}
	}
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
}

// users picks the accounts: one of each role in the first county (and
// the province) for the pages, writers among the county's other workers
// (one per station first) and idle sessions among the rest.
func (b *bench) users(writers, idle int) (benchUsers, error) {
	u := benchUsers{worker: "gen_c1_s1_w1", head: "gen_c1_s1_head", county: "gen_c1_admin", province: "gen_province"}
	county, err := b.actorFor(u.county)
	if err != nil {
		return u, err
	}
	rows, err := b.a.DB.Query(b.ctx, `SELECT u.username, o.path FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.role = 'worker' AND u.username LIKE 'gen\_c%' ESCAPE '\' ORDER BY u.username`)
	if err != nil {
		return u, err
	}
	var inCounty, elsewhere []string
	for rows.Next() {
		var name, path string
		if err := rows.Scan(&name, &path); err != nil {
			rows.Close()
			return u, err
		}
		if name == u.worker {
			continue
		}
		if strings.HasPrefix(path, county.OrgPath) {
			inCounty = append(inCounty, name)
		} else {
			elsewhere = append(elsewhere, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return u, err
	}
	// Second workers first: each writer at another station.
	slices.SortStableFunc(inCounty, func(x, y string) int {
		return strings.Compare(x[strings.LastIndex(x, "_"):], y[strings.LastIndex(y, "_"):])
	})
	if len(inCounty) < writers {
		return u, fmt.Errorf("bench: %d writers asked for, the first county has %d other workers", writers, len(inCounty))
	}
	u.writers = inCounty[:writers]
	rest := append(elsewhere, inCounty[writers:]...)
	u.idle = rest[:min(idle, len(rest))]
	return u, nil
}

// contention runs the import scenario with rows rows.
func (b *bench) contention(h *httpBench, users benchUsers, rows int) error {
	ctx, d := b.ctx, b.a.DB
	county, err := b.actorFor(users.county)
	if err != nil {
		return err
	}
	c := &contention{h: h, rows: rows, county: users.county, idle: users.idle}
	q, err := d.Query(ctx, `SELECT o.id, o.division_code, MIN(u.username) FROM org_units o JOIN users u ON u.org_id = o.id AND u.role = 'worker'
		WHERE o.kind = 'station' AND o.path LIKE ? GROUP BY o.id, o.division_code ORDER BY o.division_code`, county.OrgPath+"%")
	if err != nil {
		return err
	}
	for q.Next() {
		var p benchPlace
		if err := q.Scan(&p.id, &p.code, &p.worker); err != nil {
			q.Close()
			return err
		}
		c.stations = append(c.stations, p)
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	if len(c.stations) == 0 {
		return fmt.Errorf("bench: %s has no station with workers", users.county)
	}
	for _, w := range users.writers {
		var p benchPlace
		if err := d.QueryRow(ctx, `SELECT o.id, o.division_code FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.username = ?`, w).Scan(&p.id, &p.code); err != nil {
			return err
		}
		c.writers = append(c.writers, benchWriter{username: w, place: p})
	}
	if _, err := h.login(users.county, true, false); err != nil {
		return err
	}
	for _, w := range users.writers {
		if _, err := h.login(w, false, true); err != nil {
			return err
		}
	}
	for _, u := range users.idle {
		if _, err := h.login(u, false, true); err != nil {
			return err
		}
	}
	// The idle sessions were last used minutes ago, so each one's next
	// request is one whose use must be recorded.
	if len(users.idle) > 0 {
		args := []any{cst.Stamp(time.Now().Add(-5 * time.Minute))}
		for _, u := range users.idle {
			args = append(args, u)
		}
		if _, err := d.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE user_id IN (SELECT id FROM users WHERE username IN (`+
			db.Placeholders(len(users.idle))+`))`, args...); err != nil {
			return err
		}
	}
	// Numbers after those of earlier runs keep the ID numbers unique.
	first := 0
	var last sql.NullString
	if err := d.QueryRow(ctx, `SELECT MAX(name) FROM recipients WHERE name LIKE ?`, benchNamePrefix+"%").Scan(&last); err != nil {
		return err
	}
	if last.Valid {
		if k, err := strconv.Atoi(strings.TrimPrefix(last.String, benchNamePrefix)); err == nil {
			first = k + 1
		}
	}
	return c.run(first)
}
