package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/pinyin"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/visits"
)

// `shegong bench` measures what users feel, on a database made by
// `shegong gen`: first the searches and lists that must stay fast at
// scale, through the same service functions the pages and the API call
// (p50/p95/max per query; each query first runs a few times unmeasured so
// the numbers are those of a warm server, not of a cold file cache); then
// the main pages and APIs through the real server (benchhttp.go); then a
// roster import under contention. The app is opened in demo mode, so the
// accounts gen made (demo accounts) log in without a second factor.

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("bench", stderr)
	n := f.fs.Int("n", 100, "每个查询测量的次数")
	match := f.fs.String("match", "", "只测名称含此文字的查询与页面")
	httpN := f.fs.Int("http-n", 200, "每个页面或接口在每个并发下测量的请求数；0 = 不测 HTTP")
	importRows := f.fs.Int("import-rows", 5000, "争用场景导入的名册行数；0 = 不测争用（会在库中新增这些服务对象，名为“基准对象…”）")
	writers := f.fs.Int("writers", 4, "争用场景中经接口新建服务对象的社工数")
	idle := f.fs.Int("idle", 8, "争用场景中调用 /api/v1/me 的闲置会话数")
	if err := f.parse(args); err != nil {
		return err
	}
	if *httpN < 0 || *importRows < 0 || *importRows > recipients.MaxImportRows || *writers < 1 || *idle < 0 {
		return fmt.Errorf("bench: -http-n and -import-rows (at most %d) must not be negative, -writers at least 1", recipients.MaxImportRows)
	}
	// The server's line per request would drown the figures; a level
	// given on the command line or in SHEGONG_LOG_LEVEL still holds.
	if _, set := os.LookupEnv("SHEGONG_LOG_LEVEL"); !set && !flagGiven(f.fs, "log-level") {
		f.logLevel = "warn"
	}
	// Demo mode: the accounts gen made are demo accounts, which log in
	// only then, and need no second factor.
	f.cfg.Demo = true
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.DB.Migrate(ctx, recipients.Module, services.Module, visits.Module, casework.Module, activities.Module); err != nil {
		return err
	}
	b := &bench{ctx: ctx, a: a, rng: rand.New(rand.NewPCG(7, 11)), out: stdout, match: *match}
	if err := b.header(); err != nil {
		return err
	}
	if err := b.run(*n); err != nil {
		return err
	}
	if *httpN == 0 && *importRows == 0 {
		return nil
	}
	// Audit entries are chained in the background, as under serve: the
	// logins, creates and the import write many.
	chainCtx, stopChain := context.WithCancel(ctx)
	chainDone := make(chan struct{})
	go func() { audit.RunChainer(chainCtx, a.DB, 2*time.Second, a.Log); close(chainDone) }()
	defer func() { stopChain(); <-chainDone }()
	h := newHTTPBench(ctx, stdout)
	stop, err := h.startServer(b)
	if err != nil {
		return err
	}
	defer stop()
	users, err := b.users(*writers, *idle)
	if err != nil {
		return err
	}
	if *httpN > 0 {
		if err := h.runHTTP(*httpN, *match, users); err != nil {
			return err
		}
	}
	if *importRows > 0 {
		return b.contention(h, users, *importRows)
	}
	return nil
}

type bench struct {
	ctx   context.Context
	a     *app.App
	rng   *rand.Rand
	out   io.Writer
	match string
}

// actorFor builds the actor of an account as a session would.
func (b *bench) actorFor(username string) (*authz.Actor, error) {
	a := &authz.Actor{Username: username}
	err := b.a.DB.QueryRow(b.ctx, `SELECT u.id, u.display_name, u.role, u.org_id, o.path, o.name FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.username = ?`,
		username).Scan(&a.UserID, &a.DisplayName, &a.Role, &a.OrgID, &a.OrgPath, &a.OrgName)
	if err != nil {
		return nil, fmt.Errorf("account %s (made by shegong gen): %w", username, err)
	}
	return a, nil
}

func (b *bench) strings(query string, args ...any) ([]string, error) {
	rows, err := b.a.DB.Query(b.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (b *bench) pick(list []string) string { return list[b.rng.IntN(len(list))] }

type measured struct {
	name   string
	target time.Duration
	run    func() error
}

// header names the database, its size and the time of the run.
func (b *bench) header() error {
	ctx, d := b.ctx, b.a.DB
	var total, visitsTotal int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM recipients`).Scan(&total); err != nil {
		return err
	}
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM visits`).Scan(&visitsTotal); err != nil {
		return err
	}
	var servicesTotal, casesTotal int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM service_records`).Scan(&servicesTotal); err != nil {
		return err
	}
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&casesTotal); err != nil {
		return err
	}
	where := string(d.Dialect())
	if d.Dialect() == db.SQLite {
		size := int64(0)
		for _, suffix := range []string{"", "-wal"} {
			if st, err := os.Stat(d.Path + suffix); err == nil {
				size += st.Size()
			}
		}
		where += fmt.Sprintf("（%s，%.2f GB）", d.Path, float64(size)/(1<<30))
	}
	fmt.Fprintf(b.out, "shegong bench %s（中国标准时间）；数据库：%s，服务对象 %d，探访记录 %d，服务记录 %d，个案 %d\n",
		cst.Now().Format("2006-01-02 15:04:05"), where, total, visitsTotal, servicesTotal, casesTotal)
	return nil
}

func (b *bench) run(n int) error {
	ctx, d, keys := b.ctx, b.a.DB, b.a.Keys
	province, err := b.actorFor("gen_province")
	if err != nil {
		return err
	}
	county, err := b.actorFor("gen_c1_admin")
	if err != nil {
		return err
	}
	heads, err := b.strings(`SELECT username FROM users WHERE username LIKE 'gen\_c%\_s%\_head' ESCAPE '\' ORDER BY username`)
	if err != nil {
		return err
	}
	workers, err := b.strings(`SELECT username FROM users WHERE username LIKE 'gen\_c%\_s%\_w%' ESCAPE '\' ORDER BY username`)
	if err != nil {
		return err
	}
	// A sample of real people to search for.
	// (of the county the county actor reads: a person of another county
	// is out of its scope).
	sample, err := b.strings(`SELECT r.id FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE o.path LIKE ? ORDER BY r.id LIMIT 2000`, county.OrgPath+"%")
	if err != nil || len(sample) == 0 {
		return fmt.Errorf("no recipients: run shegong gen first (%v)", err)
	}
	type person struct{ name, idNumber string }
	var people []person
	for i := 0; i < 300; i++ {
		var p person
		var sealed string
		id := sample[b.rng.IntN(len(sample))]
		if err := d.QueryRow(ctx, `SELECT name, id_enc FROM recipients WHERE id = ?`, id).Scan(&p.name, &sealed); err != nil {
			return err
		}
		if p.idNumber, err = keys.Open(sealed); err != nil {
			return err
		}
		people = append(people, p)
	}
	cats, err := b.strings(`SELECT DISTINCT category FROM recipient_category_links WHERE recipient_id IN (SELECT id FROM recipients ORDER BY id LIMIT 1000)`)
	if err != nil {
		return err
	}
	var stations []string
	if stations, err = b.strings(`SELECT id FROM org_units WHERE kind = 'station' AND path LIKE ?`, county.OrgPath+"%"); err != nil {
		return err
	}
	villages, err := b.strings(`SELECT division_code FROM org_units WHERE kind = 'room' AND path LIKE ?`, county.OrgPath+"%")
	if err != nil {
		return err
	}
	countyWorkers, err := b.strings(`SELECT u.id FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.role = 'worker' AND o.path LIKE ?`, county.OrgPath+"%")
	if err != nil {
		return err
	}
	// A month of the two years gen spreads activities over.
	calendarMonth := func() string { return time.Now().In(cst.Loc).AddDate(0, 1-b.rng.IntN(25), 0).Format("2006-01") }
	calendarYear := func() int { return time.Now().In(cst.Loc).Year() - b.rng.IntN(2) }
	var activitiesTotal int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM activities`).Scan(&activitiesTotal); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "社区活动 %d 场\n", activitiesTotal)
	randomPerson := func() person { return people[b.rng.IntN(len(people))] }
	prefix := func() string { return string([]rune(randomPerson().name)[:2]) }
	actorOf := func(list []string) *authz.Actor {
		a, err := b.actorFor(b.pick(list))
		if err != nil {
			panic(err)
		}
		return a
	}
	list := func(actor *authz.Actor, f recipients.Filter) error {
		f.Limit = 20
		_, _, _, err := recipients.List(ctx, d, keys, actor, f)
		return err
	}
	ms := 50 * time.Millisecond
	queries := []measured{
		{"姓名前缀（县，2 字）", 20 * time.Millisecond, func() error { return list(county, recipients.Filter{Text: prefix()}) }},
		{"姓名前缀（全省，2 字）", 20 * time.Millisecond, func() error { return list(province, recipients.Filter{Text: prefix()}) }},
		{"拼音首字母（县）", 20 * time.Millisecond, func() error {
			return list(county, recipients.Filter{Text: pinyin.NameInitials(randomPerson().name)})
		}},
		{"身份证号精确（全省）", 20 * time.Millisecond, func() error { return list(province, recipients.Filter{Text: randomPerson().idNumber}) }},
		{"站点逾期名单（第一页）", ms, func() error {
			_, _, err := visits.DueList(ctx, d, actorOf(heads), visits.DueFilter{Window: visits.WindowOverdue, Limit: 50})
			return err
		}},
		{"社工本周待探访", ms, func() error {
			w := actorOf(workers)
			_, _, err := visits.DueList(ctx, d, w, visits.DueFilter{Window: visits.WindowOpen, WorkerID: w.UserID, Limit: 50})
			return err
		}},
		{"县级各站逾期统计", ms, func() error { _, _, err := visits.DueCounts(ctx, d, county); return err }},
		{"县级逾期名单（第一页）", ms, func() error {
			_, _, err := visits.DueList(ctx, d, county, visits.DueFilter{Window: visits.WindowOverdue, Limit: 50})
			return err
		}},
		{"对象列表：类别（县）", ms, func() error { return list(county, recipients.Filter{Category: b.pick(cats)}) }},
		{"对象列表：站点+在册（县）", ms, func() error {
			return list(county, recipients.Filter{OrgID: b.pick(stations), Status: recipients.StatusActive})
		}},
		{"对象列表：村（县）", ms, func() error { return list(county, recipients.Filter{VillageCode: b.pick(villages)}) }},
		{"对象列表：责任社工（县）", ms, func() error { return list(county, recipients.Filter{WorkerID: b.pick(countyWorkers)}) }},
		{"对象列表：高风险（县）", ms, func() error {
			return list(county, recipients.Filter{Extra: map[string]string{"tier": "high"}})
		}},
		{"对象列表：类别+高风险（全省）", ms, func() error {
			return list(province, recipients.Filter{Category: b.pick(cats), Extra: map[string]string{"tier": "high"}})
		}},
		{"对象列表：类别+高风险（县）", ms, func() error {
			return list(county, recipients.Filter{Category: b.pick(cats), Extra: map[string]string{"tier": "high"}})
		}},
		{"对象列表：类别+站点+在册（县）", ms, func() error {
			return list(county, recipients.Filter{Category: b.pick(cats), OrgID: b.pick(stations), Status: recipients.StatusActive})
		}},
		{"对象列表：类别+责任社工（县）", ms, func() error {
			return list(county, recipients.Filter{Category: b.pick(cats), WorkerID: b.pick(countyWorkers)})
		}},
		{"对象列表：类别+村（县）", ms, func() error {
			return list(county, recipients.Filter{Category: b.pick(cats), VillageCode: b.pick(villages)})
		}},
		{"对象列表：高风险（全省）", ms, func() error {
			return list(province, recipients.Filter{Extra: map[string]string{"tier": "high"}})
		}},
		{"探访记录（站点，第一页）", ms, func() error {
			_, _, err := visits.List(ctx, d, actorOf(heads), visits.Filter{Limit: 20})
			return err
		}},
		{"个人时间线（第一页）", ms, func() error {
			_, _, err := timeline.Page(ctx, d, province, b.pick(sample), "", 50)
			return err
		}},
		{"站点在案个案（第一页）", ms, func() error {
			h := actorOf(heads)
			_, _, err := casework.List(ctx, d, h, casework.Filter{OrgID: h.OrgID, Stage: "open", Limit: 20})
			return err
		}},
		{"站点个案任务（第一页）", ms, func() error {
			h := actorOf(heads)
			_, _, err := casework.Tasks(ctx, d, h, casework.TaskFilter{OrgID: h.OrgID, Limit: 50})
			return err
		}},
		{"社工逾期个案任务", ms, func() error {
			w := actorOf(workers)
			_, _, err := casework.Tasks(ctx, d, w, casework.TaskFilter{UserID: w.UserID, OverdueOnly: true, Limit: 50})
			return err
		}},
		{"探访记录：高风险（县，第一页）", ms, func() error {
			_, _, err := visits.List(ctx, d, county, visits.Filter{Tier: visits.TierHigh, Limit: 20})
			return err
		}},
		{"站点活动月历", ms, func() error {
			h := actorOf(heads)
			_, err := activities.StationCalendar(ctx, d, h, h.OrgID, calendarMonth())
			return err
		}},
		{"县站点×月份活动表（全年）", ms, func() error {
			_, err := activities.CountyGrid(ctx, d, county, county.OrgID, calendarYear())
			return err
		}},
	}
	fmt.Fprintf(b.out, "\n查询（服务函数，不经 HTTP；每项 %d 次）\n", n)
	fmt.Fprintf(b.out, "%s %10s %10s %10s %10s\n", padRight("查询", 36), "p50", "p95", "max", "目标")
	for _, q := range queries {
		if b.match != "" && !strings.Contains(q.name, b.match) {
			continue
		}
		for i := 0; i < min(10, n); i++ { // warm-up
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
		}
		times := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		p50, p95, mx := times[len(times)/2], times[len(times)*95/100], times[len(times)-1]
		mark := ""
		if p95 > q.target {
			mark = " ✗"
		}
		fmt.Fprintf(b.out, "%s %10s %10s %10s %10s%s\n", padRight(q.name, 36), dur(p50), dur(p95), dur(mx), "< "+dur(q.target), mark)
	}
	return nil
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
