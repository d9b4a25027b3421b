package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

func record(t *testing.T, d *db.DB, summary string) {
	t.Helper()
	if err := Record(context.Background(), d, nil, Entry{Action: ActionUpdate, Entity: "x", Summary: summary}); err != nil {
		t.Fatal(err)
	}
}

// tamper lifts the append-only guard, as someone with database access could.
func tamper(t *testing.T, d *db.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if d.Dialect() == db.Postgres {
		if _, err := d.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`); err != nil {
			t.Fatal(err)
		}
		defer d.Exec(ctx, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`)
	} else {
		for _, s := range []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`} {
			if _, err := d.Exec(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.Exec(ctx, stmt, args...); err != nil {
		t.Fatal(err)
	}
}

func TestChainVerifyNamesTheFirstBrokenLink(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, Module)
	for i := range 6 {
		record(t, d, "第"+string(rune('1'+i))+"条")
	}
	// An entry whose transaction commits after later ones were chained
	// (its id, taken at the start, sorts before them) is chained after them.
	if n, err := Chain(ctx, d); err != nil || n != 6 {
		t.Fatalf("chained %d: %v", n, err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO audit_log (id, at, action, summary) VALUES ('00000000-0000-7000-8000-000000000001', ?, 'update', '迟到的一条')`, cst.NowStamp()); err != nil {
		t.Fatal(err)
	}
	record(t, d, "第8条")
	if n, err := Chain(ctx, d); err != nil || n != 2 {
		t.Fatalf("chained %d: %v", n, err)
	}
	v, err := Verify(ctx, d)
	if err != nil || v.Broken != nil || v.Checked != 8 || v.Unchained != 0 {
		t.Fatalf("intact chain: %+v %v", v, err)
	}
	// The chain columns are filled once; the entries themselves never change.
	if _, err := d.Exec(ctx, `UPDATE audit_log SET summary = 'x' WHERE seq = 2`); err == nil {
		t.Fatal("an entry was changed")
	}
	if _, err := d.Exec(ctx, `UPDATE audit_log SET hash = 'x' WHERE seq = 2`); err == nil {
		t.Fatal("a chained hash was changed")
	}
	if _, err := d.Exec(ctx, `DELETE FROM audit_log WHERE seq = 2`); err == nil {
		t.Fatal("a young entry was removed")
	}
	tamper(t, d, `UPDATE audit_log SET summary = '改过' WHERE seq = 3`)
	v, _ = Verify(ctx, d)
	if v.Broken == nil || v.Broken.Seq != 3 || !strings.Contains(v.Broken.Reason, "本条被修改") {
		t.Fatalf("changed entry: %+v", v.Broken)
	}
	tamper(t, d, `DELETE FROM audit_log WHERE seq <= 3`)
	v, _ = Verify(ctx, d)
	if v.Broken == nil || v.Broken.Seq != 1 || !strings.Contains(v.Broken.Reason, "缺失") {
		t.Fatalf("removed entries: %+v", v.Broken)
	}
}

func TestArchiveMovesOnlyOldEntriesToAVerifiedFile(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, Module)
	now := time.Now()
	at := now.Add(-200 * 24 * time.Hour)
	restore := cst.SetNowForTest(func() time.Time { return at })
	for range 3 {
		record(t, d, "旧记录")
	}
	restore()
	record(t, d, "新记录")
	// An old entry not chained yet cannot be removed either.
	if _, err := d.Exec(ctx, `DELETE FROM audit_log WHERE summary = '旧记录'`); err == nil {
		t.Fatal("an unchained old entry was removed")
	}
	path := filepath.Join(t.TempDir(), "audit-2026.jsonl")
	if _, err := Archive(ctx, d, now.Add(-100*24*time.Hour), path, now); err == nil {
		t.Fatal("archived entries younger than 180 days")
	}
	n, err := Archive(ctx, d, now.Add(-190*24*time.Hour), path, now)
	if err != nil || n != 3 {
		t.Fatalf("archived %d: %v", n, err)
	}
	if an, _, err := VerifyArchive(path); err != nil || an != 3 {
		t.Fatalf("archive file: %d %v", an, err)
	}
	var left int
	d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE summary = '旧记录'`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d archived entries left in the database", left)
	}
	// The chain left in the database still verifies from the archive's last link.
	Chain(ctx, d)
	if v, err := Verify(ctx, d); err != nil || v.Broken != nil || v.Checked != 2 {
		t.Fatalf("chain after archiving: %+v %v", v, err)
	}
	// A changed archive file is caught.
	body, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(body), "旧记录", "假记录", 1)), 0o600)
	if _, _, err := VerifyArchive(path); err == nil || !strings.Contains(err.Error(), "第 1 条") {
		t.Fatalf("tampered archive: %v", err)
	}
}
