package main

import (
	"bytes"
	"context"
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

	out.Reset()
	if err := run(ctx, append([]string{"bench", "-n", "2"}, flags...), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"服务对象 3000", "姓名前缀（全省，2 字）", "对象列表：类别+高风险（全省）", "探访记录：高风险（县，第一页）"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, out.String())
		}
	}
}
