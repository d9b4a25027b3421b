package roster_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
)

// batchesFixture is a fresh database with a throwaway batches table.
type batchesFixture struct {
	ctx context.Context
	d   *db.DB
	bs  roster.Batches
}

func newBatches(t *testing.T) batchesFixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t)
	if _, err := d.Exec(ctx, `CREATE TABLE test_import_batches (
		id TEXT PRIMARY KEY,
		actor_id TEXT NOT NULL,
		org_path TEXT NOT NULL,
		filename TEXT NOT NULL,
		mode TEXT NOT NULL DEFAULT '',
		content TEXT NOT NULL,
		created_at TEXT NOT NULL,
		committed_at TEXT NOT NULL DEFAULT '',
		imported INTEGER NOT NULL DEFAULT 0,
		rejected TEXT NOT NULL DEFAULT ''
	)`); err != nil {
		t.Fatal(err)
	}
	keys, err := secure.LoadOrCreate(filepath.Join(t.TempDir(), "keys"))
	if err != nil {
		t.Fatal(err)
	}
	return batchesFixture{ctx: ctx, d: d, bs: roster.Batches{Table: "test_import_batches", Keys: keys}}
}

var (
	uploader = &authz.Actor{UserID: "u1", OrgPath: "/county/"}
	stranger = &authz.Actor{UserID: "u2", OrgPath: "/county/"}
)

const secretCell = "410711199003070012"

func (f batchesFixture) stage(t *testing.T, data []byte) string {
	t.Helper()
	var id string
	err := f.d.InTx(f.ctx, func(tx *db.Tx) (err error) {
		id, err = f.bs.Stage(f.ctx, tx, uploader, "名册.xlsx", "valid", data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f batchesFixture) column(t *testing.T, col, id string) string {
	t.Helper()
	var v string
	if err := f.d.QueryRow(f.ctx, `SELECT `+col+` FROM test_import_batches WHERE id = ?`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBatchesStageLoad(t *testing.T) {
	f := newBatches(t)
	data := []byte("PK fake xlsx " + secretCell)
	id := f.stage(t, data)
	if content := f.column(t, "content", id); content == "" || strings.Contains(content, secretCell) {
		t.Fatalf("the file is not sealed: %q", content)
	}
	b, err := f.bs.Load(f.ctx, f.d, uploader, id)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != id || b.Filename != "名册.xlsx" || b.Mode != "valid" || !bytes.Equal(b.Data, data) || b.Committed() || b.Imported != 0 {
		t.Fatalf("loaded %+v", b)
	}
	if path := f.column(t, "org_path", id); path != uploader.OrgPath {
		t.Fatalf("org_path %q", path)
	}

	// Only the uploader may load it, and a missing batch is the same.
	for _, c := range []struct {
		actor *authz.Actor
		id    string
	}{{stranger, id}, {uploader, "nope"}} {
		if _, err := f.bs.Load(f.ctx, f.d, c.actor, c.id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("load %s by %s: %v", c.id, c.actor.UserID, err)
		}
	}
}

func TestBatchesExpiry(t *testing.T) {
	f := newBatches(t)
	old, fresh := f.stage(t, []byte("old")), f.stage(t, []byte("fresh"))
	stale := cst.Stamp(cst.Now().Add(-roster.BatchLife - time.Minute))
	if _, err := f.d.Exec(f.ctx, `UPDATE test_import_batches SET created_at = ? WHERE id = ?`, stale, old); err != nil {
		t.Fatal(err)
	}
	_, err := f.bs.Load(f.ctx, f.d, uploader, old)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.NotFound || !strings.Contains(ae.Message, "24 小时") {
		t.Fatalf("expired batch: %v", err)
	}
	if _, err := f.bs.Load(f.ctx, f.d, uploader, fresh); err != nil {
		t.Fatalf("fresh batch: %v", err)
	}
	// The next upload purges it.
	f.stage(t, []byte("next"))
	var n int
	if err := f.d.QueryRow(f.ctx, `SELECT COUNT(*) FROM test_import_batches WHERE id = ?`, old).Scan(&n); err != nil || n != 0 {
		t.Fatalf("expired batch kept: %d %v", n, err)
	}
}

type rejectedRow struct {
	Row    int
	Cells  []string
	Errors map[string]string
}

func TestBatchesClaimFinish(t *testing.T) {
	f := newBatches(t)
	id := f.stage(t, []byte("file"))
	rejected := []rejectedRow{{Row: 3, Cells: []string{"张三", secretCell}, Errors: map[string]string{"身份证号": "校验位不对"}}}

	// A claim undone with its transaction leaves the batch unclaimed.
	undo := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		b, err := f.bs.Load(f.ctx, tx, uploader, id)
		if err != nil {
			return err
		}
		if ok, err := f.bs.Claim(f.ctx, tx, &b); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		return apperr.New(apperr.Invalid, "导入失败")
	})
	if !apperr.Is(undo, apperr.Invalid) {
		t.Fatal(undo)
	}

	commit := func() (bool, error) {
		var claimed bool
		err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
			b, err := f.bs.Load(f.ctx, tx, uploader, id)
			if err != nil {
				return err
			}
			if claimed, err = f.bs.Claim(f.ctx, tx, &b); err != nil || !claimed {
				return err
			}
			if b.CommittedAt == "" {
				t.Fatal("claimed without a stamp")
			}
			return f.bs.Finish(f.ctx, tx, id, 7, rejected)
		})
		return claimed, err
	}
	if ok, err := commit(); !ok || err != nil {
		t.Fatalf("first commit: %v %v", ok, err)
	}
	if ok, err := commit(); ok || err != nil {
		t.Fatalf("second commit claimed: %v %v", ok, err)
	}

	// A claim that lost the race (loaded before the first one committed)
	// is refused too.
	b, err := f.bs.Load(f.ctx, f.d, uploader, id)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Committed() || b.Imported != 7 || len(b.Data) != 0 {
		t.Fatalf("committed batch %+v", b)
	}
	b.CommittedAt = ""
	err = f.d.InTx(f.ctx, func(tx *db.Tx) error {
		ok, err := f.bs.Claim(f.ctx, tx, &b)
		if ok || err != nil || b.CommittedAt == "" {
			t.Fatalf("raced claim: %v %v %q", ok, err, b.CommittedAt)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// The rejected rows round-trip, sealed at rest; the file is dropped.
	if raw := f.column(t, "rejected", id); raw == "" || strings.Contains(raw, secretCell) || strings.Contains(raw, "张三") {
		t.Fatalf("the rejected rows are not sealed: %q", raw)
	}
	if content := f.column(t, "content", id); content != "" {
		t.Fatal("the file is kept after the commit")
	}
	var rows []rejectedRow
	if err := b.Rejected(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Row != 3 || rows[0].Cells[1] != secretCell || rows[0].Errors["身份证号"] != "校验位不对" {
		t.Fatalf("rejected rows %+v", rows)
	}
}

func TestBatchesRejectedBeforeCommit(t *testing.T) {
	f := newBatches(t)
	b, err := f.bs.Load(f.ctx, f.d, uploader, f.stage(t, []byte("file")))
	if err != nil {
		t.Fatal(err)
	}
	var rows []rejectedRow
	if err := b.Rejected(&rows); err != nil || rows != nil {
		t.Fatalf("rows before commit: %v %v", rows, err)
	}
}
