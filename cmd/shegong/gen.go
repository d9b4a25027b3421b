package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/pinyin"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/validate"
	"github.com/shegong/shegong/internal/visits"
)

// `shegong gen` fills a database with a synthetic province (or county)
// for benchmarks: an org tree, accounts, recipients with valid fake ID
// numbers and sealed personal fields, households, category links, and
// years of visits with each person's plan (tier, last visit, next due)
// computed by the default rules. It writes straight into the tables in
// large transactions of multi-row INSERTs — the services' one-row paths
// would take hours for millions of rows — and writes no audit entries:
// the data is synthetic. Never run it on a database with real data.

// genPassword is the password of every account gen makes.
const genPassword = "demo123456"

type genOptions struct {
	recipients, visits int
	services, cases    int // typed service records besides the visits' own; cases
	activities         int // community activities (each held one adds a service record)
	counties           int
	stations, rooms    int // per county, per station
	seed               uint64
	batch              int
}

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("gen", stderr)
	var o genOptions
	f.fs.IntVar(&o.recipients, "recipients", 1_000_000, "服务对象人数")
	f.fs.IntVar(&o.visits, "visits", 5_000_000, "探访记录条数（约数）；每条探访另有一条服务记录")
	f.fs.IntVar(&o.services, "services", 0, "探访之外的服务记录条数（约数）")
	f.fs.IntVar(&o.cases, "cases", 0, "个案数（约数）")
	f.fs.IntVar(&o.activities, "activities", 0, "社区活动场数（已开展的另各有一条服务记录）")
	f.fs.IntVar(&o.counties, "counties", 0, "县（区）数；0 = 每 2 万人一个县")
	f.fs.IntVar(&o.stations, "stations", 12, "每县社工站数")
	f.fs.IntVar(&o.rooms, "rooms", 4, "每站社工室数")
	f.fs.Uint64Var(&o.seed, "seed", 1, "随机种子（同一种子生成相同的人名与日期）")
	f.fs.IntVar(&o.batch, "batch", 50_000, "每个事务写入的服务对象人数")
	f.fs.Usage = func() {
		fmt.Fprintf(f.fs.Output(), `用法: shegong gen [参数]
生成模拟的一个省（或县）供 shegong bench 测量：机构树、账号、服务对象（有效的虚拟身份证号）与探访记录。
只用于空的新数据目录，勿用于正式库。
账号：gen_province（省级管理员）、gen_cN_admin（第 N 县管理员）、gen_cN_sM_head（站长）、
gen_cN_sM_wK（社工），密码均为 %s。这些账号标为演示账号：只在演示模式（serve --demo）下
能登录，不须双因素认证；shegong bench 以演示模式打开数据库，用它们真实登录。
`, genPassword)
		f.fs.PrintDefaults()
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if o.counties <= 0 {
		o.counties = max(1, o.recipients/20_000)
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	// The registry and visits may not be in app.Modules() yet on every
	// branch; migrating them again is a no-op.
	if _, err := a.DB.Migrate(ctx, recipients.Module, services.Module, visits.Module, casework.Module, activities.Module); err != nil {
		return err
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM recipients`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database already has %d recipients: gen fills an empty one (use a new --data folder)", n)
	}
	if p := os.Getenv("SHEGONG_GEN_CPUPROFILE"); p != "" {
		pf, err := os.Create(p)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return generate(ctx, a, o, stdout)
}

// genStation is a station of the synthetic tree with its accounts.
type genStation struct {
	unit     org.Unit
	rooms    []org.Unit
	county   org.Unit
	workers  []string
	villages []string
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
		"梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋",
		"蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖",
		"邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱",
		"汤", "尹", "黎", "易", "常", "武", "乔", "贺", "赖", "龚", "文", "欧阳", "司马", "上官"}
	givenChars = []rune("秀英兰桂芳玉珍凤华明国建军伟强志勇德福海平春丽红梅霞云永长金淑荣素文清敏俊杰浩宇子轩欣怡佳琪思雨小大新立秋冬成宝贵山林")
	methods    = []visits.Method{visits.MethodHome, visits.MethodHome, visits.MethodHome, visits.MethodPhone, visits.MethodPhone, visits.MethodVideo,
		visits.MethodEntrusted, visits.MethodPaired}
	findings = []string{"老人独居，身体尚可，家中整洁，生活能自理。", "腿脚不便，需要定期送药，已联系村医。", "子女在外务工，每周电话联系，情绪稳定。",
		"冬季取暖设施老旧，已提醒注意用电安全。", "儿童学习正常，祖父母照料，营养一般。", "低保金按时发放，无新增困难。", "近期住院后出院，需加强关注。"}
)

func (g *generator) name() string {
	s := surnames[min(int(g.rng.ExpFloat64()*18), len(surnames)-1)]
	n := 2 // mostly two given characters
	if g.rng.IntN(10) < 3 {
		n = 1
	}
	var b strings.Builder
	b.WriteString(s)
	for i := 0; i < n; i++ {
		b.WriteRune(givenChars[g.rng.IntN(len(givenChars))])
	}
	return b.String()
}

type generator struct {
	svc, staff, cs, cw, ct, ce *batchInsert
	svcPer, casePer            float64
	ctx                        context.Context
	a                          *app.App
	o                          genOptions
	rng                        *rand.Rand
	keys                       *secure.Keyring
	today                      time.Time
	rules                      visits.Rules
	usedIDs                    map[string]bool
	stations                   []genStation
	cats                       []string
	out                        io.Writer
	rows                       int
	caseSeq                    map[string]int // per station: case numbers
}

func generate(ctx context.Context, a *app.App, o genOptions, out io.Writer) error {
	g := &generator{ctx: ctx, a: a, o: o, rng: rand.New(rand.NewPCG(o.seed, o.seed*7919)), keys: a.Keys, today: cst.Now(),
		rules: visits.DefaultRules(), usedIDs: make(map[string]bool, o.recipients), out: out, caseSeq: map[string]int{}}
	if a.DB.Dialect() == db.SQLite {
		// Every write goes through the one writer connection, so the
		// pragmas below hold for all of them: a large page cache keeps
		// the random index inserts in memory.
		for _, p := range []string{"PRAGMA cache_size = -2000000", "PRAGMA synchronous = OFF", "PRAGMA temp_store = MEMORY"} {
			if _, err := a.DB.Exec(ctx, p); err != nil {
				return err
			}
		}
	}
	start := time.Now()
	if err := g.tree(); err != nil {
		return fmt.Errorf("tree: %w", err)
	}
	fmt.Fprintf(out, "机构与账号：%d 个县、%d 个社工站，用时 %s\n", g.o.counties, len(g.stations), time.Since(start).Round(time.Millisecond))
	indexes, err := dropIndexes(ctx, a.DB, "recipients", "visits", "visit_visitors", "recipient_category_links", "households",
		"service_records", "service_record_staff", "cases", "case_workers", "case_tasks", "case_events", "activities")
	if err != nil {
		return err
	}
	if err := g.people(); err != nil {
		return err
	}
	if err := g.genActivities(); err != nil {
		return fmt.Errorf("activities: %w", err)
	}
	t0 := time.Now()
	for _, ix := range indexes {
		if _, err := a.DB.Exec(ctx, ix); err != nil {
			return fmt.Errorf("recreate index: %w", err)
		}
	}
	fmt.Fprintf(out, "重建 %d 个索引，用时 %s\n", len(indexes), time.Since(t0).Round(time.Second))
	if a.DB.Dialect() == db.SQLite {
		if _, err := a.DB.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return err
		}
		if _, err := a.DB.Exec(ctx, "ANALYZE"); err != nil {
			return err
		}
	} else if _, err := a.DB.Exec(ctx, "ANALYZE"); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(out, "完成：共 %d 行，用时 %s，%.0f 行/秒\n", g.rows, el.Round(time.Second), float64(g.rows)/el.Seconds())
	return nil
}

// dropIndexes drops the secondary indexes of tables and returns the
// statements that recreate them: building an index once over sorted data
// is many times faster than keeping it up to date through millions of
// random inserts. Unique indexes stay, so the data is still checked.
func dropIndexes(ctx context.Context, d *db.DB, tables ...string) ([]string, error) {
	var query string
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	if d.Dialect() == db.SQLite {
		query = `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN (` + db.Placeholders(len(tables)) + `)`
	} else {
		query = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE%' AND tablename IN (` + db.Placeholders(len(tables)) + `)`
	}
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var names, stmts []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return nil, err
		}
		names, stmts = append(names, name), append(stmts, stmt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := d.Exec(ctx, "DROP INDEX "+n); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// tree makes the province, its counties, stations, rooms and accounts.
func (g *generator) tree() error {
	pwHash := auth.HashPassword(genPassword)
	return g.a.DB.InTx(g.ctx, func(tx *db.Tx) error {
		root, err := org.Root(g.ctx, tx)
		if err != nil {
			if root, err = org.Create(g.ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "社工站服务管理平台"}); err != nil {
				return err
			}
		}
		prov, err := org.Create(g.ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindProvince, Name: "演练省民政厅", DivisionCode: "41"})
		if err != nil {
			return err
		}
		now := cst.NowStamp()
		user := func(username, name string, role authz.Role, unit org.Unit) (string, error) {
			id := ids.New()
			// Demo accounts: they log in only while the server runs in
			// demo mode, never expire and need no second factor, so a
			// benchmark can log the administrators in.
			_, err := tx.Exec(g.ctx, `INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at, updated_at, is_demo, password_changed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, id, username, name, role, unit.ID, pwHash, now, now, now)
			g.rows++
			return id, err
		}
		if _, err := user("gen_province", "省级管理员", authz.RoleAdmin, prov); err != nil {
			return err
		}
		cities := map[int]org.Unit{}
		for c := 0; c < g.o.counties; c++ {
			cityNo, countyNo := c/20+1, c%20+1
			city, ok := cities[cityNo]
			if !ok {
				city, err = org.Create(g.ctx, tx, nil, org.Input{ParentID: prov.ID, Kind: org.KindCity, Name: fmt.Sprintf("第%d市民政局", cityNo), DivisionCode: fmt.Sprintf("41%02d", cityNo)})
				if err != nil {
					return err
				}
				cities[cityNo] = city
			}
			code := fmt.Sprintf("41%02d%02d", cityNo, countyNo)
			county, err := org.Create(g.ctx, tx, nil, org.Input{ParentID: city.ID, Kind: org.KindCounty, Name: fmt.Sprintf("第%d县民政局", c+1), DivisionCode: code})
			if err != nil {
				return err
			}
			if err := recipients.EnsureCategories(g.ctx, tx, county.ID); err != nil {
				return err
			}
			if g.cats == nil {
				cs, err := recipients.Categories(g.ctx, tx, county.ID, true)
				if err != nil {
					return err
				}
				for _, c := range cs {
					g.cats = append(g.cats, c.Name)
				}
			}
			if _, err := user(fmt.Sprintf("gen_c%d_admin", c+1), "县级管理员", authz.RoleAdmin, county); err != nil {
				return err
			}
			for s := 0; s < g.o.stations; s++ {
				scode := fmt.Sprintf("%s%03d", code, s+1)
				st := genStation{county: county}
				st.unit, err = org.Create(g.ctx, tx, nil, org.Input{ParentID: county.ID, Kind: org.KindStation, Name: fmt.Sprintf("第%d县%d号街道社工站", c+1, s+1), DivisionCode: scode})
				if err != nil {
					return err
				}
				for v := 0; v < 16; v++ {
					st.villages = append(st.villages, fmt.Sprintf("%s%03d", scode, 200+v))
				}
				for r := 0; r < g.o.rooms; r++ {
					room, err := org.Create(g.ctx, tx, nil, org.Input{ParentID: st.unit.ID, Kind: org.KindRoom, Name: fmt.Sprintf("%d村社工室", r+1), DivisionCode: st.villages[r]})
					if err != nil {
						return err
					}
					st.rooms = append(st.rooms, room)
				}
				if _, err := user(fmt.Sprintf("gen_c%d_s%d_head", c+1, s+1), "站长", authz.RoleStationHead, st.unit); err != nil {
					return err
				}
				for w := 0; w < 3; w++ {
					id, err := user(fmt.Sprintf("gen_c%d_s%d_w%d", c+1, s+1, w+1), fmt.Sprintf("社工%d", w+1), authz.RoleWorker, st.unit)
					if err != nil {
						return err
					}
					st.workers = append(st.workers, id)
				}
				g.stations = append(g.stations, st)
			}
		}
		return nil
	})
}

// recipientCols are the columns gen writes, in order.
var recipientCols = []string{"id", "version", "org_id", "name", "name_initials", "sex", "birth_date", "id_enc", "id_index", "id_masked", "ethnicity",
	"phone_enc", "phone_index", "phone_masked", "current_address_enc", "current_address_masked", "village_code", "living_situation", "categories",
	"worker_id", "status", "status_reason", "status_date", "household_id", "household_relation", "created_by", "created_at", "updated_at",
	"risk_tier", "last_visit_on", "next_visit_due"}

var visitCols = []string{"id", "version", "recipient_id", "org_id", "visited_at", "visit_date", "method", "findings_enc", "score_living",
	"score_safety", "score_family", "score_care", "risk_tier", "follow_up", "next_due", "created_by", "created_at", "updated_at"}

// batchInsert writes rows in multi-row INSERTs of at most maxParams
// parameters each.
type batchInsert struct {
	table string
	cols  []string
	rows  [][]any
}

func (b *batchInsert) add(row ...any) { b.rows = append(b.rows, row) }

func (b *batchInsert) flush(ctx context.Context, tx *db.Tx) (int, error) {
	const maxParams = 30000
	per := maxParams / len(b.cols)
	one := "(" + db.Placeholders(len(b.cols)) + ")"
	n := 0
	for start := 0; start < len(b.rows); start += per {
		end := min(start+per, len(b.rows))
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
		args := make([]any, 0, (end-start)*len(b.cols))
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString(one)
			args = append(args, b.rows[i]...)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return n, fmt.Errorf("%s: %w", b.table, err)
		}
		n += end - start
	}
	b.rows = b.rows[:0]
	return n, nil
}

var tierWeights = []struct {
	tier   visits.Tier
	weight int
}{{visits.TierHigh, 5}, {visits.TierFocus, 25}, {visits.TierGeneral, 60}, {"", 10}}

func (g *generator) tier() visits.Tier {
	n := g.rng.IntN(100)
	for _, w := range tierWeights {
		if n < w.weight {
			return w.tier
		}
		n -= w.weight
	}
	return visits.TierGeneral
}

// people writes the recipients with their households, categories and
// visits, a batch of o.batch recipients per transaction.
func (g *generator) people() error {
	// Visits per assessed person, scaled so the total lands near o.visits:
	// the high tier is visited more often, so it gets more records.
	perPerson := float64(g.o.visits) / float64(g.o.recipients) / 0.9
	rec := &batchInsert{table: "recipients", cols: recipientCols}
	vis := &batchInsert{table: "visits", cols: visitCols}
	vv := &batchInsert{table: "visit_visitors", cols: []string{"visit_id", "position", "user_id", "name"}}
	links := &batchInsert{table: "recipient_category_links", cols: []string{"recipient_id", "category"}}
	hh := &batchInsert{table: "households", cols: []string{"id", "version", "org_id", "name", "created_at", "updated_at"}}
	g.svc = &batchInsert{table: "service_records", cols: serviceCols}
	g.staff = &batchInsert{table: "service_record_staff", cols: []string{"record_id", "position", "user_id", "worker_id", "volunteer_id", "name"}}
	g.cs = &batchInsert{table: "cases", cols: caseCols}
	g.cw = &batchInsert{table: "case_workers", cols: []string{"case_id", "user_id", "lead"}}
	g.ct = &batchInsert{table: "case_tasks", cols: []string{"id", "case_id", "org_id", "user_id", "kind", "due_on", "done_on"}}
	g.ce = &batchInsert{table: "case_events", cols: []string{"id", "case_id", "at", "kind", "stage", "note", "actor_id"}}
	g.svcPer = float64(g.o.services) / float64(g.o.recipients)
	g.casePer = float64(g.o.cases) / float64(g.o.recipients)
	now := cst.NowStamp()
	start := time.Now()
	nRec, nVis, nSvc, nCase := 0, 0, 0, 0
	for done := 0; done < g.o.recipients; {
		size := min(g.o.batch, g.o.recipients-done)
		t0 := time.Now()
		err := g.a.DB.InTx(g.ctx, func(tx *db.Tx) error {
			for i := 0; i < size; i++ {
				st := &g.stations[(done+i)%len(g.stations)]
				g.person(st, rec, vis, vv, links, hh, perPerson, now)
			}
			for _, b := range []*batchInsert{hh, rec, links, vis, vv, g.svc, g.staff, g.cs, g.cw, g.ct, g.ce} {
				n, err := b.flush(g.ctx, tx)
				if err != nil {
					return err
				}
				g.rows += n
				switch b.table {
				case "recipients":
					nRec += n
				case "visits":
					nVis += n
				case "service_records":
					nSvc += n
				case "cases":
					nCase += n
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += size
		if g.a.DB.Dialect() == db.SQLite {
			if _, err := g.a.DB.Exec(g.ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				return err
			}
		}
		el := time.Since(start).Seconds()
		fmt.Fprintf(g.out, "服务对象 %d / %d，探访记录 %d，服务记录 %d，个案 %d（本批 %s；累计 %.0f 行/秒）\n", nRec, g.o.recipients, nVis, nSvc, nCase,
			time.Since(t0).Round(time.Millisecond), float64(g.rows)/el)
	}
	return nil
}

// person generates one recipient (three in ten as the head of a
// household) and their visit history.
func (g *generator) person(st *genStation, rec, vis, vv, links, hh *batchInsert, perPerson float64, now string) {
	county := st.county.DivisionCode
	orgID, village := st.unit.ID, st.villages[g.rng.IntN(len(st.villages))]
	if r := g.rng.IntN(len(st.rooms) + 2); r < len(st.rooms) {
		orgID, village = st.rooms[r].ID, st.rooms[r].DivisionCode
	}
	worker := st.workers[g.rng.IntN(len(st.workers))]
	// Mostly elderly, some children and working-age adults.
	var age int
	switch x := g.rng.IntN(100); {
	case x < 65:
		age = 60 + g.rng.IntN(35)
	case x < 80:
		age = 3 + g.rng.IntN(14)
	default:
		age = 18 + g.rng.IntN(42)
	}
	birth := g.today.AddDate(-age, 0, -g.rng.IntN(365))
	male := g.rng.IntN(2) == 0
	var idNumber string
	for {
		idNumber = validate.FakeIDCard(g.rng, county, birth, male)
		if !g.usedIDs[idNumber] {
			g.usedIDs[idNumber] = true
			break
		}
	}
	sex := "女"
	if male {
		sex = "男"
	}
	name := g.name()
	phone := fmt.Sprintf("1%d%09d", 3+g.rng.IntN(7), g.rng.IntN(1_000_000_000))
	addr := fmt.Sprintf("演练省第%s县%s村%d组%d号", county[4:], village[9:], 1+g.rng.IntN(9), 1+g.rng.IntN(200))
	id := ids.New()
	var cats []string
	for k := 0; k < 1+g.rng.IntN(2); k++ {
		c := g.cats[g.rng.IntN(len(g.cats))]
		if len(cats) == 0 || cats[0] != c {
			cats = append(cats, c)
		}
	}
	for _, c := range cats {
		links.add(id, c) // the database fills the rest of the link from the recipient
	}
	var household any
	relation := ""
	if g.rng.IntN(10) < 3 {
		hid := ids.New()
		hh.add(hid, 1, orgID, name+"家", now, now)
		household, relation = hid, "户主"
	}
	status, reason, statusDate := recipients.StatusActive, "", ""
	if g.rng.IntN(100) < 4 {
		status, reason, statusDate = recipients.StatusMoved, "迁往外地", g.today.AddDate(0, -g.rng.IntN(24), 0).Format(cst.DateLayout)
	}

	// The visit history, newest first: the last visit lies within
	// 1.3 intervals of today, so about a quarter are overdue.
	tier := g.tier()
	iv := g.rules.IntervalFor(tier)
	n := int(perPerson*g.rng.Float64()*2 + 0.5)
	if tier == "" {
		n = 0 // registered, never visited
	}
	lastVisit, nextDue := "", ""
	period := iv.AddTo(g.today).Sub(g.today)
	day := g.today.Add(-time.Duration(g.rng.Float64() * 1.3 * float64(period)))
	for k := 0; k < n; k++ {
		at := time.Date(day.Year(), day.Month(), day.Day(), 8+g.rng.IntN(10), g.rng.IntN(60), 0, 0, cst.Loc)
		if at.After(g.today) {
			at = g.today.Add(-time.Hour)
		}
		date := at.Format(cst.DateLayout)
		if date < birth.Format(cst.DateLayout) {
			break
		}
		vid := ids.New()
		s := [4]int{1 + g.rng.IntN(3), 1 + g.rng.IntN(3), 1 + g.rng.IntN(3), 1 + g.rng.IntN(3)}
		if tier == visits.TierHigh {
			s[1] = 4 + g.rng.IntN(2)
		}
		due, _, _ := g.rules.NextDue(date, tier, nil)
		stamp := cst.Stamp(at)
		vis.add(vid, 1, id, orgID, stamp, date, methods[g.rng.IntN(len(methods))], g.keys.Seal(findings[g.rng.IntN(len(findings))]),
			s[0], s[1], s[2], s[3], tier, visits.FollowNone, due, worker, stamp, stamp)
		vv.add(vid, 1, worker, "社工")
		place := ""
		if vis.rows[len(vis.rows)-1][6] == visits.MethodHome {
			place = "服务对象家中"
		}
		g.svc.add(vid, 1, orgID, id, 1, services.KindVisit, "comfort", stamp, date, 0, place, "", 0, "", 0, "visit", vid, "", worker, stamp, stamp)
		g.staff.add(vid, 1, worker, "", "", "社工")
		if k == 0 {
			lastVisit, nextDue = date, due
		}
		day = day.Add(-period - time.Duration(g.rng.IntN(72))*time.Hour)
	}
	if lastVisit == "" {
		tier = ""
	}
	g.serviceRecords(st, id, orgID, worker, birth, status)
	g.cases(st, id, worker, birth)
	rec.add(id, 1, orgID, name, pinyin.NameInitials(name), sex, birth.Format(cst.DateLayout),
		g.keys.Seal(idNumber), g.keys.BlindIndex("idcard", idNumber), secure.MaskID(idNumber), "汉族",
		g.keys.Seal(phone), g.keys.BlindIndex("phone", phone), secure.MaskPhone(phone),
		g.keys.Seal(addr), secure.MaskAddress(addr), village, "独居", strings.Join(cats, "、"),
		worker, status, reason, statusDate, household, relation, "", now, now, string(tier), lastVisit, nextDue)
}

// serviceCols and caseCols are the columns gen writes.
var serviceCols = []string{"id", "version", "org_id", "recipient_id", "participants", "kind", "category", "served_at", "served_on", "minutes", "place",
	"content_enc", "satisfaction", "change_observed", "value_fen", "source", "source_id", "content_hash", "created_by", "created_at", "updated_at"}

var caseCols = []string{"id", "version", "number", "org_id", "recipient_id", "stage", "risk", "source", "opened_on", "intake_enc", "decision",
	"decided_on", "closed_on", "close_reason", "created_by", "created_at", "updated_at"}

var (
	svcKinds   = []services.Kind{services.KindCase, services.KindCase, services.KindGroup, services.KindCommunity, services.KindPolicy, services.KindResource, services.KindReferral}
	svcCats    = []string{"policy", "relief", "comfort", "capacity", "support", "crisis", "rights", "integration", "participation", "health"}
	svcContent = []string{"面谈，倾听近况并情绪疏导。", "协助申请临时救助，材料已递交。", "组织邻里互助小组活动。", "政策宣讲：养老服务补贴。", "链接助餐服务，每日送餐上门。"}
	caseStages = []casework.Stage{casework.StageIntake, casework.StageAssessment, casework.StagePlan, casework.StageIntervention, casework.StageIntervention,
		casework.StageIntervention, casework.StageEvaluation, casework.StageClosed, casework.StageClosed, casework.StageClosed, casework.StageFollowUp, casework.StageDeclined}
)

// serviceRecords writes a person's typed service records (besides the
// visits' own), spread over the last two years.
func (g *generator) serviceRecords(st *genStation, id, orgID, worker string, birth time.Time, status string) {
	n := int(g.svcPer*g.rng.Float64()*2 + 0.5)
	for k := 0; k < n; k++ {
		at := g.today.Add(-time.Duration(g.rng.Int64N(int64(730 * 24 * time.Hour))))
		if at.Before(birth) {
			continue
		}
		rid := ids.New()
		stamp, date := cst.Stamp(at), at.In(cst.Loc).Format(cst.DateLayout)
		kind := svcKinds[g.rng.IntN(len(svcKinds))]
		value := int64(0)
		if kind == services.KindResource {
			value = int64(1+g.rng.IntN(500)) * 100
		}
		g.svc.add(rid, 1, orgID, id, 1, kind, svcCats[g.rng.IntN(len(svcCats))], stamp, date, 15*(1+g.rng.IntN(8)), "",
			g.keys.Seal(svcContent[g.rng.IntN(len(svcContent))]), 3+g.rng.IntN(3), string(services.Changes[g.rng.IntN(3)]), value, "", "", "", worker, stamp, stamp)
		g.staff.add(rid, 1, worker, "", "", "社工")
	}
}

// cases writes a person's cases (most have none): a stage, the lead
// worker, the stage's event and, for an open case, the task it is due,
// a fifth of them overdue.
func (g *generator) cases(st *genStation, id, worker string, birth time.Time) {
	n := 0
	if x := g.casePer * float64(g.rng.IntN(1000)) / 1000 * 2; g.rng.Float64() < x-float64(int(x)) {
		n = int(x) + 1
	} else {
		n = int(x)
	}
	for k := 0; k < n; k++ {
		cid := ids.New()
		stage := caseStages[g.rng.IntN(len(caseStages))]
		opened := g.today.AddDate(0, 0, -g.rng.IntN(700))
		if opened.Before(birth) {
			continue
		}
		openedOn := opened.Format(cst.DateLayout)
		g.caseSeq[st.unit.ID]++
		number := fmt.Sprintf("GA-%s-%s-%05d", openedOn[:4], st.unit.DivisionCode, g.caseSeq[st.unit.ID])
		decision, decided, closed, reason := "accept", openedOn, "", ""
		switch stage {
		case casework.StageIntake:
			decision, decided = "", ""
		case casework.StageDeclined:
			decision = "decline"
		case casework.StageClosed, casework.StageFollowUp:
			closed, reason = opened.AddDate(0, 0, 30+g.rng.IntN(150)).Format(cst.DateLayout), casework.CloseReasons[g.rng.IntN(len(casework.CloseReasons))]
			if closed > g.today.Format(cst.DateLayout) {
				closed = g.today.Format(cst.DateLayout)
			}
		}
		stamp := cst.Stamp(opened)
		risk := ""
		if g.rng.IntN(10) == 0 {
			risk = "high"
		}
		g.cs.add(cid, 1, number, st.unit.ID, id, stage, risk, "self", openedOn, g.keys.Seal("独居，情绪低落，需要陪伴与资源链接。"), decision, decided,
			closed, reason, worker, stamp, stamp)
		g.cw.add(cid, worker, 1)
		g.ce.add(ids.New(), cid, stamp, "stage", stage, "", worker)
		if stage.Open() {
			kind := map[casework.Stage]string{casework.StageIntake: "assessment", casework.StageAssessment: "assessment", casework.StagePlan: "plan",
				casework.StageIntervention: "evaluation", casework.StageEvaluation: "evaluation"}[stage]
			due := g.today.AddDate(0, 0, g.rng.IntN(60)-12).Format(cst.DateLayout)
			g.ct.add(ids.New(), cid, st.unit.ID, worker, kind, due, "")
		}
	}
}
