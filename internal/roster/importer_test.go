package roster_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/roster/rostertest"
	"github.com/shegong/shegong/internal/secure"
)

// A tiny importer of people (name, ID number, station) into a table of
// the test, to try the framework on both engines.

type person struct{ Name, IDNo, Station string }

type importFixture struct {
	ctx  context.Context
	d    *db.DB
	keys *secure.Keyring
	im   roster.Importer[person]
	// taken is an ID number Check does not know about but the table
	// already has: a row registered "a moment ago" by someone else.
	began []roster.Options
	// many: the rule writes with WriteMany (multi-row INSERTs), falling
	// back to Write to name a row that cannot be written.
	many     bool
	prepared int
}

func newImportFixture(t *testing.T, many ...bool) *importFixture {
	t.Helper()
	f := &importFixture{ctx: context.Background(), d: dbtest.Open(t, audit.Module), many: len(many) > 0 && many[0]}
	for _, ddl := range []string{
		`CREATE TABLE test_import_batches (id TEXT PRIMARY KEY, actor_id TEXT NOT NULL, org_path TEXT NOT NULL, filename TEXT NOT NULL,
			mode TEXT NOT NULL DEFAULT '', content TEXT NOT NULL, created_at TEXT NOT NULL, committed_at TEXT NOT NULL DEFAULT '',
			imported INTEGER NOT NULL DEFAULT 0, rejected TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE test_people (idno TEXT PRIMARY KEY, name TEXT NOT NULL, station TEXT NOT NULL)`,
	} {
		if _, err := f.d.Exec(f.ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.keys, err = secure.LoadOrCreate(filepath.Join(t.TempDir(), "keys")); err != nil {
		t.Fatal(err)
	}
	spec := roster.Spec{What: "测试名册", Sheet: "名册", Unknown: roster.IgnoreUnknown, Skip: []string{"序号"}, MaxRows: 100,
		Columns: roster.Columns{
			{Header: "姓名", Field: "name", Required: true},
			{Header: "身份证号", Field: "idno", Required: true, Mask: func(string) string { return "***" }},
			{Header: "出生日期", Field: "birth", Date: true},
			{Header: "所属站点", Field: "station"},
		}}
	f.im = roster.Importer[person]{Spec: spec, Table: "test_import_batches", Entity: "test_person", KeyColumn: "身份证号",
		Begin: func(ctx context.Context, q db.Querier, actor *authz.Actor, opts roster.Options) (roster.Rule[person], error) {
			f.began = append(f.began, opts)
			rule := roster.Rule[person]{
				Check: func(ctx context.Context, row roster.Record) (roster.Checked[person], error) {
					p := person{Name: row.Cells[0], IDNo: row.Cells[1], Station: row.Cells[3]}
					if p.Station == "" {
						p.Station = opts.Target
					}
					c := roster.Checked[person]{Value: p, Key: p.IDNo, Errors: map[string]string{}}
					if len(p.IDNo) != 4 {
						c.Errors["身份证号"] = "应为 4 位"
					}
					if b := row.Cells[2]; b != "" && !strings.HasPrefix(b, "19") {
						c.Errors["出生日期"] = "与身份证号不符"
					}
					if p.Name == "张三" {
						c.Notes = map[string]string{"姓名": "可能重复"}
					}
					if p.Name == "李四" {
						c.Doubt = map[string]string{"姓名": "可能重复：已有同名同出生日期的人"}
						if row.Decision == roster.DecideImport {
							p.Name += "（确认导入）"
							c.Value = p
						}
					}
					return c, nil
				},
				Write: func(ctx context.Context, tx *db.Tx, p person) error {
					_, err := tx.Exec(ctx, `INSERT INTO test_people (idno, name, station) VALUES (?, ?, ?)`, p.IDNo, p.Name, p.Station)
					if db.IsUniqueViolation(err) {
						return apperr.Fields{"idno": "已登记"}.Err()
					}
					return err
				},
			}
			if f.many {
				rule.Prepare = func(p person) person { f.prepared++; return p }
				rule.WriteMany = func(ctx context.Context, tx *db.Tx, ps []person) error {
					query, args := `INSERT INTO test_people (idno, name, station) VALUES `, []any{}
					for i, p := range ps {
						if i > 0 {
							query += ", "
						}
						query += "(?, ?, ?)"
						args = append(args, p.IDNo, p.Name, p.Station)
					}
					_, err := tx.Exec(ctx, query, args...)
					if db.IsUniqueViolation(err) {
						return apperr.New(apperr.Conflict, "有人已登记")
					}
					return err
				}
			}
			return rule, nil
		}}
	return f
}

func (f *importFixture) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var importer = &authz.Actor{UserID: "u1", Username: "u1", DisplayName: "导入者", OrgPath: "/county/"}

// "All or nothing" succeeds on a roster as offices keep them: the rows
// that are not people are skipped and listed, not errors.
func TestImporterAllOrNothingOnARealRoster(t *testing.T) {
	f := newImportFixture(t)
	data := rostertest.Book(t,
		[]any{"2024 年测试名册"},
		[]any{"序号", "姓名", "身份证号", "所属站点", "备注"},
		[]any{1, "甲", "0001", "朝歌", "x"},
		nil,
		[]any{2, "张三", "0002", "朝歌"},
		[]any{"合计", "", "", "", "2 人"},
		[]any{"填表人：某某", "", "审核人：某某"},
		[]any{"注：本表每季度更新"},
	)
	rep, err := f.im.Upload(f.ctx, f.d, f.keys, importer, "名册.xlsx", roster.ModeAll, data, roster.Options{})
	if err != nil || rep.Valid != 2 || rep.Invalid != 0 || rep.BatchID == "" || len(rep.Skipped) != 4 || len(rep.Notes) != 1 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	if rep.Notes[0].Key != "第5行·姓名" || rep.Notes[0].Message != "可能重复" {
		t.Fatalf("notes %+v", rep.Notes)
	}
	if f.count(t, `SELECT COUNT(*) FROM test_people`) != 0 {
		t.Fatal("the upload wrote people")
	}
	rep, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", nil)
	if err != nil || rep.Imported != 2 || !rep.Committed || len(rep.Skipped) != 4 {
		t.Fatalf("commit: %+v %v", rep, err)
	}
	if f.count(t, `SELECT COUNT(*) FROM test_people`) != 2 || f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'import'`) != 1 {
		t.Fatal("not imported once")
	}
	var summary string
	_ = f.d.QueryRow(f.ctx, `SELECT summary FROM audit_log WHERE action = 'import'`).Scan(&summary)
	if !strings.Contains(summary, "导入 2 人") || !strings.Contains(summary, "跳过非人员行 4 行") {
		t.Fatalf("audit summary %q", summary)
	}
	// Committing twice imports once.
	if _, err := f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", nil); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second commit: %v", err)
	}
	if f.count(t, `SELECT COUNT(*) FROM test_people`) != 2 {
		t.Fatal("imported twice")
	}
}

func TestImporterModesAndRejectedRows(t *testing.T) {
	for _, many := range []bool{false, true} {
		t.Run(map[bool]string{false: "row by row", true: "many at once"}[many], func(t *testing.T) { importerModesAndRejectedRows(t, many) })
	}
}

func importerModesAndRejectedRows(t *testing.T, many bool) {
	f := newImportFixture(t, many)
	data := rostertest.File(t, []string{"身份证号", "自定义列", "姓名", "出生年月"},
		[]any{"0001", "a", "甲", "1950-01-01"},
		[]any{"01", "b", "乙", ""},           // bad ID
		[]any{"0001", "c", "丙", ""},         // twice in the file
		[]any{"0004", "d", "丁", "2050/1/2"}, // bad birth date, under a synonym
		[]any{"0005", "e", "戊", ""},         // registered while the user read the report
	)
	rep, err := f.im.Upload(f.ctx, f.d, f.keys, importer, "名册.xlsx", roster.ModeAll, data, roster.Options{Target: "灵山"})
	if err != nil || rep.Valid != 2 || rep.Invalid != 3 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	fields := rep.Fields()
	if fields["第4行·身份证号"] != "与第 2 行的身份证号重复（同一人只能登记一次）" || fields["第3行·身份证号"] != "应为 4 位" {
		t.Fatalf("fields %v", fields)
	}
	// The date problem names the file's column, the cell and what it held.
	var birth roster.CellError
	for _, e := range rep.Errors {
		if e.Key == "第5行·出生日期" {
			birth = e
		}
	}
	if birth.Place != "第 5 行「出生年月」" || birth.Cell != "D5" || !strings.Contains(birth.Message, "D5 单元格读到“2050-01-02”") {
		t.Fatalf("date problem %+v", birth)
	}
	// The masked rows of a reply hide the marked columns and the file's
	// own cells.
	masked := rep.MaskedRejected()
	if len(masked) != 3 || masked[0].Cells[1] != "***" || masked[0].Raw != nil {
		t.Fatalf("masked %+v", masked)
	}
	// "All or nothing" with problems: refused, nothing written, the
	// upload still open.
	rep, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", nil)
	if !apperr.Is(err, apperr.Invalid) || rep.BatchID == "" || f.count(t, `SELECT COUNT(*) FROM test_people`) != 0 {
		t.Fatalf("all-or-nothing: %v %+v", err, rep)
	}
	if _, err := f.d.Exec(f.ctx, `INSERT INTO test_people (idno, name, station) VALUES ('0005', '别人', '')`); err != nil {
		t.Fatal(err)
	}
	// The valid rows: 0005 fails while being written and is rejected
	// alone (on PostgreSQL the failed INSERT must not abort the rest).
	rep, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, roster.ModeValid, nil)
	if err != nil || rep.Imported != 1 || rep.Invalid != 4 || rep.Fields()["第6行·身份证号"] != "已登记" {
		t.Fatalf("valid rows: %+v %v", rep, err)
	}
	if many && f.prepared != 2 {
		t.Fatalf("prepared %d rows, want the 2 valid rows of the one writing run", f.prepared)
	}
	var station string
	if err := f.d.QueryRow(f.ctx, `SELECT station FROM test_people WHERE idno = '0001'`).Scan(&station); err != nil || station != "灵山" {
		t.Fatalf("the upload's target reached the commit: %q %v (%+v)", station, err, f.began)
	}
	exports := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'export'`)
	rej, name, err := f.im.RejectedOf(f.ctx, f.d, f.keys, importer, rep.BatchID)
	if err != nil || name != "名册.xlsx" || len(rej.Rows) != 4 || f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'export'`) != exports+1 {
		t.Fatalf("rejected: %+v %s %v", rej, name, err)
	}
	book, err := rej.Workbook()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := excelize.OpenReader(bytes.NewReader(book))
	rows, _ := x.GetRows("未导入")
	if strings.Join(rows[0], "|") != "身份证号|自定义列|姓名|出生年月|原行号|错误原因" || strings.Join(rows[1][:5], "|") != "01|b|乙||3" {
		t.Fatalf("rejected file %v", rows)
	}
	// Another user finds nothing.
	if _, _, err := f.im.RejectedOf(f.ctx, f.d, f.keys, &authz.Actor{UserID: "u2", OrgPath: "/county/"}, rep.BatchID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another user: %v", err)
	}
	// No actor, no import.
	if _, err := f.im.Check(f.ctx, f.d, nil, "名册.xlsx", data, roster.Options{}); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("nil actor: %v", err)
	}
}

// In "all or nothing" a row that fails while being written (registered
// by someone else since the check) fails the whole import, naming it.
func TestImporterAllOrNothingWriteFailure(t *testing.T) {
	for _, many := range []bool{false, true} {
		t.Run(map[bool]string{false: "row by row", true: "many at once"}[many], func(t *testing.T) { importerAllOrNothingWriteFailure(t, many) })
	}
}

func importerAllOrNothingWriteFailure(t *testing.T, many bool) {
	f := newImportFixture(t, many)
	data := rostertest.File(t, []string{"姓名", "身份证号"}, []any{"甲", "0001"}, []any{"乙", "0002"})
	rep, err := f.im.Upload(f.ctx, f.d, f.keys, importer, "名册.xlsx", roster.ModeAll, data, roster.Options{})
	if err != nil || rep.Valid != 2 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	if _, err := f.d.Exec(f.ctx, `INSERT INTO test_people (idno, name, station) VALUES ('0002', '别人', '')`); err != nil {
		t.Fatal(err)
	}
	_, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", nil)
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Invalid || ae.Fields["第3行·身份证号"] != "已登记" || !strings.Contains(ae.Message, "第 3 行未能导入") {
		t.Fatalf("commit: %v", err)
	}
	if f.count(t, `SELECT COUNT(*) FROM test_people`) != 1 || f.count(t, `SELECT COUNT(*) FROM test_import_batches WHERE committed_at <> ''`) != 0 {
		t.Fatal("a failed all-or-nothing import wrote rows or used up the upload")
	}
}

// A row in doubt is written only by a person's decision: none stops a
// writing run before anything is written; 跳过 leaves the row out, in the
// rejected rows with the reason; 导入 writes it, and the audit names who
// decided.
func TestImporterDoubtsDecidedPerRow(t *testing.T) {
	f := newImportFixture(t)
	data := rostertest.File(t, []string{"姓名", "身份证号"}, []any{"甲", "0001"}, []any{"李四", "0002"}, []any{"李四", "0003"}, []any{"乙", "01"})
	rep, err := f.im.Upload(f.ctx, f.d, f.keys, importer, "名册.xlsx", roster.ModeValid, data, roster.Options{})
	if err != nil || rep.Valid != 3 || rep.Invalid != 1 || len(rep.Doubts) != 2 || rep.Undecided != 2 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	if d := rep.Doubts[0]; d.Row != 3 || d.Key != "第3行·姓名" || d.Cell != "A3" || d.Decision != "" || !strings.Contains(d.Message, "可能重复") {
		t.Fatalf("doubt %+v", d)
	}
	// Undecided, or decided in part: nothing written, the upload still open.
	for _, decisions := range []map[int]string{nil, {3: roster.DecideImport}, {3: roster.DecideImport, 4: "maybe"}} {
		rep, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", decisions)
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Fields["第4行·姓名"] == "" || !strings.Contains(ae.Message, "跳过") || rep.BatchID == "" || rep.Committed {
			t.Fatalf("%v: %v %+v", decisions, err, rep)
		}
		if f.count(t, `SELECT COUNT(*) FROM test_people`) != 0 || f.count(t, `SELECT COUNT(*) FROM test_import_batches WHERE committed_at <> ''`) != 0 {
			t.Fatalf("%v: an undecided import wrote rows or used up the upload", decisions)
		}
	}
	rep, err = f.im.Commit(f.ctx, f.d, f.keys, importer, rep.BatchID, "", map[int]string{3: roster.DecideImport, 4: roster.DecideSkip})
	if err != nil || rep.Imported != 2 || rep.Declined != 1 || rep.Undecided != 0 || rep.DecidedBy != "导入者（u1）" {
		t.Fatalf("decided: %+v %v", rep, err)
	}
	if f.count(t, `SELECT COUNT(*) FROM test_people WHERE name = '李四（确认导入）'`) != 1 || f.count(t, `SELECT COUNT(*) FROM test_people WHERE idno = '0003'`) != 0 {
		t.Fatal("the decisions were not followed")
	}
	var summary string
	_ = f.d.QueryRow(f.ctx, `SELECT summary FROM audit_log WHERE action = 'import'`).Scan(&summary)
	if !strings.Contains(summary, "由 导入者（u1） 逐行决定：导入 1 行，跳过 1 行") || !strings.Contains(summary, "未导入 2 行") {
		t.Fatalf("audit summary %q", summary)
	}
	rej, _, err := f.im.RejectedOf(f.ctx, f.d, f.keys, importer, rep.BatchID)
	if err != nil || len(rej.Rows) != 2 || rej.Rows[0].Row != 4 || !strings.Contains(rej.Reason(rej.Rows[0]), "导入者核对后选择跳过") {
		t.Fatalf("rejected %+v %v", rej, err)
	}
	// At once (Run), the decisions come with the request.
	data = rostertest.File(t, []string{"姓名", "身份证号"}, []any{"李四", "0005"})
	if _, err := f.im.Run(f.ctx, f.d, importer, "名册.xlsx", data, roster.ModeAll, roster.Options{}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("run undecided: %v", err)
	}
	rep, err = f.im.Run(f.ctx, f.d, importer, "名册.xlsx", data, roster.ModeAll, roster.Options{Decisions: map[int]string{2: roster.DecideSkip}})
	if err != nil || rep.Imported != 0 || rep.Declined != 1 || rep.DecidedBy != "导入者（u1）" || f.count(t, `SELECT COUNT(*) FROM test_people WHERE idno = '0005'`) != 0 {
		t.Fatalf("run skip: %+v %v", rep, err)
	}
	// Checking only reports the doubt, decided or not.
	if rep, err = f.im.Check(f.ctx, f.d, importer, "名册.xlsx", data, roster.Options{}); err != nil || rep.Undecided != 1 {
		t.Fatalf("check: %+v %v", rep, err)
	}
}
