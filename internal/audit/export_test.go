package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

// The CSV export holds every entry of the filter in the actor's scope,
// newest first, in one pass (more than a page of the list, with its
// changes and chain columns), and writes nothing itself: the entry it
// returns is recorded by the caller.
func TestExportCSVHoldsEveryEntryInScope(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, Module)
	const inScope = 230 // more than one page of List (200)
	for i := range inScope {
		e := Entry{Action: ActionUpdate, Entity: "x", OrgPath: "/a/s/", Summary: fmt.Sprintf("第%d条, \"引号\"", i)}
		if i == 0 {
			e.Changes = []Change{{Field: "name", Label: "姓名", Before: "甲", After: "乙"}}
		}
		if err := Record(ctx, d, nil, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/b/", "/ab/"} {
		if err := Record(ctx, d, nil, Entry{Action: ActionUpdate, Entity: "x", OrgPath: path, Summary: "范围外"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Chain(ctx, d); err != nil {
		t.Fatal(err)
	}
	actor := &authz.Actor{UserID: "u", Username: "audit", Role: authz.RoleAuditAdmin, OrgPath: "/a/"}
	var buf bytes.Buffer
	var n int
	var entry Entry
	err := d.ReadTx(ctx, func(q db.Querier) error {
		var err error
		n, entry, err = ExportCSV(ctx, q, actor, Filter{Entity: "x"}, &buf)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "\ufeff") {
		t.Fatal("no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n != inScope || len(rows) != inScope+1 || rows[0][0] != "时间" {
		t.Fatalf("%d rows written, %d read, want %d", n, len(rows)-1, inScope)
	}
	if rows[1][5] != fmt.Sprintf("第%d条, \"引号\"", inScope-1) || rows[inScope][5] != "第0条, \"引号\"" {
		t.Errorf("not newest first: %q … %q", rows[1][5], rows[inScope][5])
	}
	if rows[inScope][6] != "姓名：甲 → 乙；" || rows[inScope][10] == "0" || len(rows[inScope][11]) != 64 {
		t.Errorf("changes or chain columns: %q", rows[inScope])
	}
	for _, r := range rows[1:] {
		if r[5] == "范围外" {
			t.Fatal("an entry out of the actor's scope was exported")
		}
	}
	if entry.Action != ActionExport || !strings.Contains(entry.Summary, fmt.Sprint(inScope)) {
		t.Errorf("the export's own entry: %+v", entry)
	}
	var logged int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, ActionExport).Scan(&logged); err != nil || logged != 0 {
		t.Errorf("the export wrote %d entries itself (%v)", logged, err)
	}
	if _, _, err := ExportCSV(ctx, d, &authz.Actor{UserID: "w", Role: authz.RoleWorker, OrgPath: "/a/"}, Filter{}, &buf); err == nil {
		t.Error("a worker exported the audit log")
	}
}
