package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/validate"
)

// gen fills a small synthetic province and bench runs every measured
// query on it: the tools behind the scale figures keep working.
func TestGenThenBench(t *testing.T) {
	ctx := context.Background()
	flags := dataFlags(t)
	var out, errOut bytes.Buffer
	args := append([]string{"gen", "--recipients", "3000", "--visits", "9000", "--counties", "2", "--stations", "3", "--rooms", "2", "--batch", "1000", "--activities", "600"}, flags...)
	if err := run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut.String())
	}

	a := openData(t, flags)
	count := func(query string) int {
		t.Helper()
		var n int
		if err := a.DB.QueryRow(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM recipients`); n != 3000 {
		t.Errorf("recipients: %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM visits`); n < 7000 || n > 11000 {
		t.Errorf("visits: %d, asked for about 9000", n)
	}
	if n := count(`SELECT COUNT(*) FROM activities`); n != 600 {
		t.Errorf("activities: %d", n)
	}
	if n := count(`SELECT COALESCE(SUM(planned), 0) FROM act_month_counts`); n != count(`SELECT COUNT(*) FROM activities WHERE status <> 'cancelled'`) {
		t.Errorf("month counts: %d planned", n)
	}
	if n := count(`SELECT COUNT(*) FROM service_records WHERE source = 'activity'`); n != count(`SELECT COUNT(*) FROM activities WHERE status IN ('held', 'archived')`) {
		t.Errorf("held activities and their service records differ: %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM recipient_category_links`); n < 1000 {
		t.Errorf("category links: %d", n)
	}
	// Bulk-written links are filled by the database like any other.
	if n := count(`SELECT COUNT(*) FROM recipient_category_links l JOIN recipients r ON r.id = l.recipient_id
		WHERE l.org_id <> r.org_id OR l.name <> r.name OR l.birth_date <> r.birth_date OR l.status <> r.status OR l.risk_tier <> r.risk_tier`); n != 0 {
		t.Errorf("%d links differ from their recipient", n)
	}
	// The fake ID numbers are valid and match the birth dates.
	var sealed, birth string
	if err := a.DB.QueryRow(ctx, `SELECT id_enc, birth_date FROM recipients ORDER BY id LIMIT 1`).Scan(&sealed, &birth); err != nil {
		t.Fatal(err)
	}
	number, err := a.Keys.Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if card, err := validate.ParseIDCard(number); err != nil || card.Birth.Format("2006-01-02") != birth {
		t.Errorf("generated ID %s (birth %s): %+v %v", number, birth, card, err)
	}

	// The accounts are demo accounts: the administrators log in
	// without a second factor, but only in demo mode.
	if n := count(`SELECT COUNT(*) FROM users WHERE username LIKE 'gen\_%' ESCAPE '\' AND is_demo = 0`); n != 0 {
		t.Errorf("%d generated accounts are not demo accounts", n)
	}

	// Queries, then every page and API through the real server at tiny
	// sizes, then a 50-row import under contention.
	out.Reset()
	benchArgs := append([]string{"bench", "-n", "2", "-http-n", "5", "-import-rows", "50", "-writers", "2", "-idle", "3"}, flags...)
	if err := run(ctx, benchArgs, &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, want := range []string{"数据库：" + string(a.DB.Dialect()), "服务对象 3000", "中国标准时间", "姓名前缀（全省，2 字）", "对象列表：类别+高风险（全省）", "探访记录：高风险（县，第一页）",
		"名册检查（上传）", "导入 50 人", "5xx：0（其中 503：0）"} {
		if !strings.Contains(text, want) {
			t.Errorf("bench output lacks %q:\n%s", want, text)
		}
	}
	// Every figure has its unit: no bare number where a time belongs.
	timed := regexp.MustCompile(`(\d+\.\d+ (ms|s)\s+){3}`)
	// Lines per name: the pages and APIs at concurrency 1 and 8, a query once.
	lineCounts := map[string]int{"hello-world": 2, "首页：社工": 2, "首页：站长": 2, "首页：县级管理员": 2, "首页：省级管理员": 2, "服务对象列表页": 2,
		"待探访名单页": 2, "统计数字 /figures": 2, "/api/v1/me（社工）": 2, "/api/v1/recipients?limit=20": 2, "/api/v1/visits/due?limit=20": 2,
		"姓名前缀（县，2 字）": 1}
	for name, want := range lineCounts {
		var lines []string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, name) {
				lines = append(lines, l)
			}
		}
		if len(lines) != want {
			t.Errorf("%d lines for %q, want %d:\n%s", len(lines), name, want, text)
		}
		for _, l := range lines {
			if !timed.MatchString(l) {
				t.Errorf("figures without units: %q", l)
			}
			// The pages answered 200 every time (last column: not 200).
			if want == 2 && !strings.HasSuffix(strings.TrimSpace(l), " 0") {
				t.Errorf("answers other than 200: %q", l)
			}
		}
	}
	if !regexp.MustCompile(`名册检查（上传）\d+\.\d+ (ms|s)，导入（提交）\d+\.\d+ (ms|s)`).MatchString(text) {
		t.Errorf("import times without units:\n%s", text)
	}
	if !regexp.MustCompile(`POST /api/v1/recipients：(\d+) 次，(\d+) 成功，p50 \d+\.\d+ (ms|s)`).MatchString(text) {
		t.Errorf("writers' line:\n%s", text)
	}
	// The import and the writers' creates are in the database, and a
	// second run numbers its people after them.
	if n := count(`SELECT COUNT(*) FROM recipients WHERE name LIKE '基准对象%'`); n < 52 {
		t.Errorf("%d bench recipients after one run, want the 50 imported and at least one per writer", n)
	}
}
