package exports

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

// testRows is a kind that writes params.N numbered rows (a negative N
// fails) and notes the rows done its job shows after the first progress
// report, read back from the database.
type testParams struct {
	N int `json:"n"`
}

var (
	testDB       *db.DB
	seenProgress int64
)

func init() {
	count := func(_ context.Context, _ db.Querier, _ *secure.Keyring, _ *authz.Actor, params []byte) (int, error) {
		var p testParams
		return p.N, json.Unmarshal(params, &p)
	}
	Register(Kind{Name: "test_rows", Label: "测试台账", File: "测试台账", Perm: authz.PermRecipientsExport, Count: count,
		Build: func(ctx context.Context, q db.Querier, _ *secure.Keyring, actor *authz.Actor, params []byte, w io.Writer, progress func(int)) (int, audit.Entry, error) {
			var p testParams
			if err := json.Unmarshal(params, &p); err != nil {
				return 0, audit.Entry{}, err
			}
			if p.N < 0 {
				return 0, audit.Entry{}, apperr.New(apperr.Invalid, "测试失败")
			}
			book, err := NewBook("台账", []string{"序号"})
			if err != nil {
				return 0, audit.Entry{}, err
			}
			defer book.Close()
			for i := 1; i <= p.N; i++ {
				if err := book.Add([]any{strconv.Itoa(i)}); err != nil {
					return 0, audit.Entry{}, err
				}
				if i%1000 == 0 {
					progress(i)
					if i == 1000 {
						_ = testDB.QueryRow(ctx, `SELECT rows_done FROM export_jobs WHERE status = 'running'`).Scan(&seenProgress)
					}
				}
			}
			if _, err := book.WriteTo(w); err != nil {
				return 0, audit.Entry{}, err
			}
			return book.Rows(), audit.Entry{Action: audit.ActionExport, Entity: "test", OrgPath: actor.OrgPath,
				Summary: "导出测试台账 " + strconv.Itoa(book.Rows()) + " 条"}, nil
		}})
}

type fixture struct {
	ctx    context.Context
	d      *db.DB
	keys   *secure.Keyring
	runner *Runner
	owner  *authz.Actor
	other  *authz.Actor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, secure.Module, audit.Module, org.Module, auth.Module, Module)
	testDB = d
	keys, err := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	now := cst.NowStamp()
	if _, err := d.Exec(ctx, `INSERT INTO org_units (id, kind, name, path, created_at, updated_at) VALUES ('o1', 'station', '站', '/o1/', ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	actors := map[string]*authz.Actor{}
	for _, u := range []string{"u1", "u2"} {
		if _, err := d.Exec(ctx, `INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, 'worker', 'o1', 'x', ?, ?)`, u, u, "社工"+u, now, now); err != nil {
			t.Fatal(err)
		}
		actors[u] = &authz.Actor{UserID: u, Username: u, DisplayName: "社工" + u, Role: authz.RoleWorker, OrgID: "o1", OrgPath: "/o1/"}
	}
	r := &Runner{DB: d, Store: Store{Dir: filepath.Join(t.TempDir(), "exports"), Keys: keys},
		Actor: func(_ context.Context, id string) (*authz.Actor, error) { return actors[id], nil }}
	return &fixture{ctx: ctx, d: d, keys: keys, runner: r, owner: actors["u1"], other: actors["u2"]}
}

func (f *fixture) start(t *testing.T, n int) Job {
	t.Helper()
	var total int
	err := f.d.ReadTx(f.ctx, func(q db.Querier) error {
		var err error
		total, err = Count(f.ctx, q, f.keys, f.owner, "test_rows", testParams{N: n})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var j Job
	err = f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		j, _, err = Start(f.ctx, tx, f.owner, "", "test_rows", testParams{N: n}, "站点：站", total)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobLifecycle(t *testing.T) {
	defer func(n int, p time.Duration) { SheetRows, progressEvery = n, p }(SheetRows, progressEvery)
	SheetRows, progressEvery = 1000, 0
	f := newFixture(t)
	j := f.start(t, 2500)
	if j.Status != StatusQueued || j.RowsTotal != 2500 || j.RowsDone != 0 || j.Percent != 0 {
		t.Fatalf("queued job: %+v", j)
	}
	if exp, _ := cst.ParseStamp(j.ExpiresAt); exp.Sub(mustStamp(t, j.CreatedAt)) != 24*time.Hour {
		t.Errorf("expires %s, created %s", j.ExpiresAt, j.CreatedAt)
	}
	// Another user's job is not theirs to see, list or download.
	if _, err := Get(f.ctx, f.d, f.other, j.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("other user's status: %v", err)
	}
	if list, err := List(f.ctx, f.d, f.other); err != nil || len(list) != 0 {
		t.Errorf("other user's list: %v %v", list, err)
	}
	// Not yet done: no download.
	if err := f.d.InTx(f.ctx, func(tx *db.Tx) error { _, err := Download(f.ctx, tx, f.owner, j.ID); return err }); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("download of a queued job: %v", err)
	}

	seenProgress = -1
	if ran, err := f.runner.RunOne(f.ctx); !ran || err != nil {
		t.Fatalf("run: %v %v", ran, err)
	}
	if seenProgress != 1000 {
		t.Errorf("rows done while running: %d, want 1000", seenProgress)
	}
	if ran, err := f.runner.RunOne(f.ctx); ran || err != nil {
		t.Fatalf("a second run found work: %v %v", ran, err)
	}
	j, err := Get(f.ctx, f.d, f.owner, j.ID)
	if err != nil || j.Status != StatusDone || j.RowsDone != 2500 || j.Percent != 100 || j.Size == 0 || j.FinishedAt == "" {
		t.Fatalf("done job: %+v %v", j, err)
	}
	if list, err := List(f.ctx, f.d, f.owner); err != nil || len(list) != 1 || list[0].ID != j.ID {
		t.Errorf("owner's list: %v %v", list, err)
	}
	// The file at rest is sealed: no zip header, no row text.
	raw, err := os.ReadFile(filepath.Join(f.runner.Store.Dir, j.ID+".xlsx.sealed"))
	if err != nil || bytes.Contains(raw, []byte("PK\x03\x04")) || bytes.Contains(raw, []byte("序号")) {
		t.Fatalf("file at rest (%d bytes) is not sealed: %v", len(raw), err)
	}

	// Another user: not found, and nothing audited.
	if err := f.d.InTx(f.ctx, func(tx *db.Tx) error { _, err := Download(f.ctx, tx, f.other, j.ID); return err }); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("other user's download: %v", err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'export'`); n != 0 {
		t.Errorf("%d export entries before a download", n)
	}
	// The owner: audited with the filter described, then the workbook.
	var got Job
	if err := f.d.InTx(f.ctx, func(tx *db.Tx) error { var err error; got, err = Download(f.ctx, tx, f.owner, j.ID); return err }); err != nil {
		t.Fatal(err)
	}
	var summary, actorID, entityID string
	if err := f.d.QueryRow(f.ctx, `SELECT summary, actor_id, entity_id FROM audit_log WHERE action = 'export'`).Scan(&summary, &actorID, &entityID); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "导出测试台账 2500 条") || !strings.Contains(summary, "站点：站") || actorID != "u1" || entityID != j.ID {
		t.Errorf("audit entry: %q by %s on %s", summary, actorID, entityID)
	}
	var body bytes.Buffer
	if err := f.runner.Store.Send(got, &body); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&body)
	if err != nil {
		t.Fatal(err)
	}
	if sheets := wb.GetSheetList(); len(sheets) != 3 {
		t.Errorf("sheets: %q", sheets)
	}
	last, _ := wb.GetRows("台账（3）")
	if len(last) != 503 || last[502][0] != "2500" {
		t.Errorf("last sheet: %d rows", len(last))
	}
	if got.Filename() == "" || !strings.HasPrefix(got.Filename(), "测试台账-") {
		t.Errorf("file name %q", got.Filename())
	}

	// A day later the runner deletes the file and the job.
	restore := cst.SetNowForTest(func() time.Time { return time.Now().Add(Expiry + time.Minute) })
	defer restore()
	if _, err := Get(f.ctx, f.d, f.owner, j.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("expired job still shown: %v", err)
	}
	if err := f.runner.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.runner.Store.Dir, j.ID+".xlsx.sealed")); !os.IsNotExist(err) {
		t.Errorf("expired file still there: %v", err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM export_jobs`); n != 0 {
		t.Errorf("%d jobs left after expiry", n)
	}
	if err := f.runner.Store.Send(got, io.Discard); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("send after expiry: %v", err)
	}
}

func TestFailedJobTellsWhy(t *testing.T) {
	f := newFixture(t)
	j := f.start(t, -1)
	if ran, err := f.runner.RunOne(f.ctx); !ran || err != nil {
		t.Fatalf("run: %v %v", ran, err)
	}
	j, err := Get(f.ctx, f.d, f.owner, j.ID)
	if err != nil || j.Status != StatusFailed || j.Message != "测试失败" || j.FinishedAt == "" {
		t.Fatalf("failed job: %+v %v", j, err)
	}
	if entries, _ := os.ReadDir(f.runner.Store.Dir); len(entries) != 0 {
		t.Errorf("a failed job left %d files", len(entries))
	}
}

// The runner started with the app runs a job as soon as it is woken,
// and stops.
func TestRunnerRunsWhenWoken(t *testing.T) {
	f := newFixture(t)
	f.runner.Every = time.Hour
	f.runner.Start()
	j := f.start(t, 10)
	f.runner.Wake()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := Get(f.ctx, f.d, f.owner, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Done() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	if err := f.runner.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStartNeedsTheKindsPermission(t *testing.T) {
	f := newFixture(t)
	volunteer := &authz.Actor{UserID: "u1", Role: authz.RoleVolunteer, OrgPath: "/o1/"}
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		_, _, err := Start(f.ctx, tx, volunteer, "", "test_rows", testParams{N: 1}, "", 1)
		return err
	})
	if !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("volunteer started an export: %v", err)
	}
	err = f.d.InTx(f.ctx, func(tx *db.Tx) error {
		_, _, err := Start(f.ctx, tx, f.owner, "", "no_such_kind", testParams{N: 1}, "", 1)
		return err
	})
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown kind: %v", err)
	}
	// At most MaxPending unfinished jobs each.
	for range MaxPending {
		f.start(t, 1)
	}
	err = f.d.InTx(f.ctx, func(tx *db.Tx) error {
		_, _, err := Start(f.ctx, tx, f.owner, "", "test_rows", testParams{N: 1}, "", 1)
		return err
	})
	if !apperr.Is(err, apperr.TooMany) {
		t.Errorf("job over the limit: %v", err)
	}
	if _, err := f.runner.RunOne(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.start(t, 1) // one finished: room for another
}

// A job carries the id its client made: the same request sent again
// under it is the job already queued (not another, and not refused for
// the pending limit); other content under it, another user's resend and
// a malformed id are refused, and nothing more is queued.
func TestStartReplaysAClientID(t *testing.T) {
	defer func(n int) { MaxPending = n }(MaxPending)
	MaxPending = 1
	f := newFixture(t)
	start := func(actor *authz.Actor, id string, n int, describe string) (Job, bool, error) {
		var j Job
		var replayed bool
		err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
			var err error
			j, replayed, err = Start(f.ctx, tx, actor, id, "test_rows", testParams{N: n}, describe, n)
			return err
		})
		return j, replayed, err
	}
	id := ids.New()
	first, replayed, err := start(f.owner, id, 10, "站点：站")
	if err != nil || replayed || first.ID != id || first.Status != StatusQueued {
		t.Fatalf("first: %+v %v %v", first, replayed, err)
	}
	again, replayed, err := start(f.owner, id, 10, "站点：站")
	if err != nil || !replayed || again.ID != id || again.CreatedAt != first.CreatedAt {
		t.Fatalf("resend: %+v %v %v", again, replayed, err)
	}
	for name, c := range map[string]struct {
		actor    *authz.Actor
		n        int
		describe string
		kind     apperr.Kind
	}{
		"other params":      {f.owner, 11, "站点：站", apperr.Conflict},
		"other description": {f.owner, 10, "全部", apperr.Conflict},
		"another user":      {f.other, 10, "站点：站", apperr.Conflict},
	} {
		if _, _, err := start(c.actor, id, c.n, c.describe); !apperr.Is(err, c.kind) {
			t.Errorf("%s under the id: %v, want %s", name, err, c.kind)
		}
	}
	if _, _, err := start(f.owner, strings.ToUpper(id), 10, "站点：站"); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("upper-case id: %v", err)
	}
	if _, _, err := start(f.owner, ids.New(), 10, "站点：站"); !apperr.Is(err, apperr.TooMany) {
		t.Errorf("a second job over the limit of one: %v", err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM export_jobs`); n != 1 {
		t.Fatalf("%d jobs queued, want 1", n)
	}
	// Once the job has expired, its id is not a way to reach it.
	if _, err := f.d.Exec(f.ctx, `UPDATE export_jobs SET expires_at = ?`, cst.NowStamp()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := start(f.owner, id, 10, "站点：站"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("resend after expiry: %v", err)
	}
}

func (f *fixture) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustStamp(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := cst.ParseStamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
