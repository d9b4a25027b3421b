package recipients_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/roster/rostertest"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// badCheckDigit changes the last digit of a valid ID number.
func badCheckDigit(id string) string {
	if id[17] == '1' {
		return id[:17] + "2"
	}
	return id[:17] + "1"
}

func (f *fixture) recipientCount() int { return f.count(`SELECT COUNT(*) FROM recipients`) }

func (f *fixture) auditCount(action string) int {
	return f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, action)
}

func TestImportGoodRoster(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	idA, idB, idC := fakeID("1948-03-08", true), fakeID("1975-11-02", false), fakeID(time.Now().AddDate(-8, 0, 0).Format("2006-01-02"), true)
	birthC, _ := validate.ParseIDCard(idC)
	header := []string{"序号", "姓名*", "身份证号码", "联系电话", "村（社区）", "对象类别", "所属站点", "责任社工", "监护人", "监护人关系", "出生日期", "残疾类别", "残疾等级", "备注"}
	data := rostertest.File(t, header,
		[]any{1, "甲老人", idA, "13812340001", "西街村", "低保对象、独居老人", "朝歌街道社工站", "朝歌社工", "", "", "", "", "", "无"},
		[]any{2, "乙女士", idB, "", "410622004201", "残疾人，低收入", "灵山街道", "", "", "", "", "肢体残疾", "2级"},
		nil,
		[]any{3, "丙儿童", idC, "", "南杨庄", "农村留守儿童", "410622001", "", "丙父", "父母", birthC.Birth, "", "", ""},
	)
	before, creates := f.recipientCount(), f.auditCount("create")
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "低保名册.xlsx", recipients.ImportAll, data)
	if err != nil {
		t.Fatalf("upload: %v (%+v)", err, rep.Errors)
	}
	if rep.Total != 3 || rep.Valid != 3 || rep.Invalid != 0 || rep.Imported != 0 || rep.BatchID == "" {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0] != "备注" {
		t.Fatalf("ignored columns %v (序号 is skipped silently, 备注 reported)", rep.Ignored)
	}
	if f.recipientCount() != before {
		t.Fatal("the check wrote recipients")
	}
	rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", nil)
	if err != nil || rep.Imported != 3 || !rep.Committed {
		t.Fatalf("commit: %+v %v", rep, err)
	}
	if f.recipientCount() != before+3 || f.auditCount("create") != creates+3 || f.auditCount("import") != 1 {
		t.Fatalf("after commit: %d new, %d create entries, %d import entries", f.recipientCount()-before, f.auditCount("create")-creates, f.auditCount("import"))
	}
	// The category links of the bulk write mirror their recipient's
	// columns (filled by the database, migration 0006).
	if n := f.count(`SELECT COUNT(*) FROM recipient_category_links l JOIN recipients r ON r.id = l.recipient_id
		WHERE r.name IN ('甲老人', '乙女士', '丙儿童')`); n != 5 {
		t.Fatalf("links of the imported people: %d, want 5", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM recipient_category_links l JOIN recipients r ON r.id = l.recipient_id
		WHERE l.org_id <> r.org_id OR l.name <> r.name OR l.birth_date <> r.birth_date OR l.status <> r.status`); n != 0 {
		t.Fatalf("%d links do not mirror their recipient", n)
	}
	// Found by the full ID number, shown masked, categories in the
	// county's order, village and worker resolved from names.
	got := f.list(admin, recipients.Filter{Text: idA})
	if len(got) != 1 {
		t.Fatalf("search by ID number: %v", names(got))
	}
	a := got[0]
	if a.Name != "甲老人" || a.IDNumber != secure.MaskID(idA) || a.IDNumber == idA || a.Phone != secure.MaskPhone("13812340001") ||
		strings.Join(a.Categories, "、") != "低保对象、独居老人" || a.VillageCode != "410622001200" || a.WorkerName != "朝歌社工" ||
		a.OrgID != f.chaoge.ID || a.Sex != "男" || a.BirthDate != "1948-03-08" {
		t.Fatalf("甲老人: %+v", a)
	}
	b := f.list(admin, recipients.Filter{IDNumber: idB})
	if len(b) != 1 || b[0].OrgID != f.lingshan.ID || b[0].Sex != "女" || b[0].DisabilityGrade != "二级" || strings.Join(b[0].Categories, "、") != "低收入、残疾人" {
		t.Fatalf("乙女士: %+v", b)
	}
	c := f.list(admin, recipients.Filter{IDNumber: idC})
	if len(c) != 1 || !c[0].Child || c[0].VillageCode != "410622001202" || c[0].GuardianName != "丙父" {
		t.Fatalf("丙儿童: %+v", c)
	}
	// Committing twice imports once.
	_, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", nil)
	if !apperr.Is(err, apperr.Conflict) || f.recipientCount() != before+3 || f.auditCount("import") != 1 {
		t.Fatalf("second commit: %v, %d new", err, f.recipientCount()-before)
	}
	// Nobody else may use the batch.
	if _, err := recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, f.actor("zhanzhang"), rep.BatchID, "", nil); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another user's batch: %v", err)
	}
	// The same file again: every row is now a registered ID number.
	rep, err = recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "低保名册.xlsx", data)
	if err != nil || rep.Valid != 0 || rep.Invalid != 3 || !strings.Contains(rep.Errors[0].Message, "已登记") {
		t.Fatalf("re-check: %+v %v", rep, err)
	}
}

func TestImportRowErrorsNameRowAndColumn(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	existing := f.input("已登记者", "1950-01-01")
	f.mustCreate(admin, existing)
	good := fakeID("1960-06-06", true)
	header := []string{"姓名", "身份证号", "出生日期", "联系电话", "村（社区）代码", "对象类别", "所属站点"}
	row := func(name, id, birth, phone, village, cats, site string) []any {
		return []any{name, id, birth, phone, village, cats, site}
	}
	data := rostertest.File(t, header,
		row("好人", good, "", "13812345678", "410622001200", "低保对象", "朝歌街道社工站"),                        // 2
		row("校验位", badCheckDigit(fakeID("1961-01-01", true)), "", "", "410622001200", "", "朝歌街道社工站"), // 3
		row("日期", fakeID("1962-02-02", true), "1962-02-30", "", "410622001200", "", "朝歌街道社工站"),       // 4
		row("电话", fakeID("1963-03-03", true), "", "12345", "410622001200", "", "朝歌街道社工站"),            // 5
		row("类别", fakeID("1964-04-04", true), "", "", "410622001200", "低保对象、外星人", "朝歌街道社工站"),         // 6
		row("站点", fakeID("1965-05-05", true), "", "", "410622001200", "", "不存在社工站"),                  // 7
		row("外村", fakeID("1966-06-06", true), "", "", "410622004200", "", "朝歌街道社工站"),                 // 8
		row("外村名", fakeID("1967-07-07", true), "", "", "赵庄村", "", "朝歌街道社工站"),                         // 9
		row("已登记", existing.IDNumber, "", "", "410622001200", "", "朝歌街道社工站"),                         // 10
		row("重复", good, "", "", "410622001200", "", "朝歌街道社工站"),                                       // 11
		row("出生", "410622"+"19500230"+"123"+"4", "", "", "410622001200", "", "朝歌街道社工站"),              // 12
		row("", fakeID("1968-08-08", true), "", "", "410622001200", "", "朝歌街道社工站"),                   // 13
	)
	before, imports := f.recipientCount(), f.auditCount("import")
	rep, err := recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", data, recipients.ImportAll)
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Invalid {
		t.Fatalf("want invalid, got %v", err)
	}
	want := map[string]string{
		"第3行·身份证号":  "校验位",
		"第4行·出生日期":  "出生日期",
		"第5行·联系电话":  "手机号",
		"第6行·对象类别":  "外星人",
		"第7行·所属站点":  "找不到",
		"第8行·村（社区）": "不在",
		"第9行·村（社区）": "赵庄村",
		"第10行·身份证号": "已登记",
		"第11行·身份证号": "与第 2 行的身份证号重复",
		"第12行·身份证号": "出生日期无效",
		"第13行·姓名":   "请填写姓名",
	}
	for key, text := range want {
		if !strings.Contains(ae.Fields[key], text) {
			t.Errorf("%s: %q, want it to mention %q (all: %v)", key, ae.Fields[key], text, ae.Fields)
		}
	}
	if len(ae.Fields) != 11 {
		t.Errorf("fields %v", ae.Fields)
	}
	var texts []string
	for _, e := range rep.Errors {
		texts = append(texts, e.Text())
	}
	if !strings.Contains(strings.Join(texts, "\n"), "第 3 行「身份证号」：身份证号校验位不正确") {
		t.Errorf("error sentences: %v", texts)
	}
	if rep.Total != 12 || rep.Valid != 1 || rep.Invalid != 11 || rep.Imported != 0 {
		t.Errorf("report %+v", rep)
	}
	// All or nothing: the good row was not written either.
	if f.recipientCount() != before || f.auditCount("import") != imports {
		t.Fatal("an all-or-nothing import with errors wrote something")
	}

	// Only the valid rows: the good row is imported, the rest can be
	// downloaded with their reasons.
	rep, err = recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", data, recipients.ImportValid)
	if err != nil || rep.Imported != 1 || rep.Invalid != 11 {
		t.Fatalf("valid rows: %+v %v", rep, err)
	}
	if f.recipientCount() != before+1 || f.auditCount("import") != imports+1 {
		t.Fatal("valid rows not written once")
	}
	book, err := rep.Rejected().Workbook()
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("未导入")
	n := len(header)
	if len(rows) != 12 || rows[0][n+1] != recipients.RejectReasonHeader || !strings.Contains(rows[1][n+1], "「身份证号」身份证号校验位不正确") || rows[1][n] != "3" {
		t.Fatalf("rejected workbook: %v", rows)
	}
	// The masked copy for pages hides the ID numbers.
	masked := rep.MaskedRejected()
	if masked[0].Cells[1] == rep.Rejected().Rows[0].Cells[1] || !strings.Contains(masked[0].Cells[1], "*") {
		t.Fatalf("masked: %v", masked[0].Cells)
	}
	// The corrected rejected file uploads as it is (its extra columns
	// are skipped): now 10 rows, all still wrong.
	again, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "未导入.xlsx", book)
	if err != nil || again.Total != 11 || len(again.Ignored) != 0 {
		t.Fatalf("rejected file re-uploaded: %+v %v", again, err)
	}
}

func TestImportFileProblems(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	big := recipients.MaxImportBytes
	recipients.MaxImportBytes = 20000
	defer func() { recipients.MaxImportBytes = big }()
	cases := []struct {
		name, file string
		data       []byte
		kind       apperr.Kind
		text       string
	}{
		{"not xlsx", "名册.csv", []byte("姓名,身份证号\n"), apperr.BadRequest, ".xlsx"},
		{"not xlsx inside", "名册.xlsx", []byte("姓名,身份证号\n"), apperr.BadRequest, ".xlsx"},
		{"old xls", "名册.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0, 0}, apperr.BadRequest, ".xls"},
		{"empty file", "名册.xlsx", nil, apperr.BadRequest, "空"},
		{"empty sheet", "名册.xlsx", rostertest.File(t, nil), apperr.BadRequest, "空"},
		{"no rows", "名册.xlsx", rostertest.File(t, []string{"姓名", "身份证号", "所属站点"}), apperr.BadRequest, "没有数据行"},
		{"missing column", "名册.xlsx", rostertest.File(t, []string{"姓名", "所属站点"}, []any{"甲", "朝歌街道社工站"}), apperr.BadRequest, "缺少必需的列：“身份证号”"},
		{"twice", "名册.xlsx", rostertest.File(t, []string{"姓名", "身份证号", "身份证号码"}, []any{"甲", "1", "1"}), apperr.BadRequest, "两次"},
		{"too large", "名册.xlsx", bytes.Repeat([]byte("x"), 20001), apperr.TooLarge, "KB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, c.file, recipients.ImportAll, c.data)
			ae, ok := apperr.As(err)
			if !ok || ae.Kind != c.kind || !strings.Contains(ae.Message, c.text) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if n := f.count(`SELECT COUNT(*) FROM recipient_import_batches`); n != 0 {
		t.Fatalf("%d unusable files kept", n)
	}
	// Too many rows.
	rows := recipients.MaxImportRows
	recipients.MaxImportRows = 2
	defer func() { recipients.MaxImportRows = rows }()
	many := rostertest.File(t, []string{"姓名", "身份证号"}, []any{"甲", "1"}, []any{"乙", "2"}, []any{"丙", "3"})
	if _, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", many); !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("too many rows: %v", err)
	}
	recipients.MaxImportRows = rows

	// A title above the header row, half-width brackets and aliases.
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"淇县朝歌街道低保对象花名册"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"姓名（必填）", "公民身份号码", "村(社区)", "负责站点"})
	_ = x.SetSheetRow("Sheet1", "A3", &[]any{"张标题", fakeID("1955-05-05", false), "西街", "朝歌街道"})
	var buf bytes.Buffer
	_ = x.Write(&buf)
	rep, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "花名册.xlsx", buf.Bytes())
	if err != nil || rep.Valid != 1 || rep.Total != 1 {
		t.Fatalf("title row: %+v %v", rep, err)
	}

	// The template itself: readable, and empty.
	tmpl, err := recipients.ImportTemplate(f.ctx, f.env.App.DB, admin)
	if err != nil {
		t.Fatal(err)
	}
	_, err = recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "模板.xlsx", tmpl)
	if ae, ok := apperr.As(err); !ok || !strings.Contains(ae.Message, "没有数据行") {
		t.Fatalf("empty template: %v", err)
	}
	tx, _ := excelize.OpenReader(bytes.NewReader(tmpl))
	lists, _ := tx.GetRows("可选值")
	if len(lists) < 10 || lists[1][0] == "" || lists[1][1] != "低保对象" {
		t.Fatalf("template lists: %v", lists)
	}
}

func TestImportScopeOfStationHead(t *testing.T) {
	f := start(t)
	head := f.actor("zhanzhang") // 朝歌街道社工站
	f.lingshanWorker()
	header := []string{"姓名", "身份证号", "村（社区）", "所属站点", "责任社工"}
	data := rostertest.File(t, header,
		[]any{"本站", fakeID("1950-01-01", true), "西街村", "", ""},                    // 2: the head's own station by default
		[]any{"他站", fakeID("1950-02-02", true), "赵庄村", "灵山街道社工站", ""},             // 3: another station
		[]any{"他站码", fakeID("1950-03-03", true), "410622004200", "410622004", ""}, // 4: by code
		[]any{"他社工", fakeID("1950-04-04", true), "西街村", "朝歌街道社工站", "lingshan"},    // 5: another station's worker
		[]any{"不存在", fakeID("1950-05-05", true), "西街村", "月球街道社工站", ""},            // 6: no such station
		[]any{"本站社工", fakeID("1950-06-06", true), "西街村", "朝歌街道社工站", "shegong"},    // 7
	)
	rep, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, head, "名册.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	fields := rep.Fields()
	if rep.Valid != 2 || rep.Invalid != 4 {
		t.Fatalf("report %+v", rep)
	}
	// Another station reads exactly like one that does not exist.
	notFound := func(v string) string {
		return "找不到“" + v + "”：须为您负责范围内的社工站或社工室的名称或区划代码"
	}
	if fields["第3行·所属站点"] != notFound("灵山街道社工站") || fields["第4行·所属站点"] != notFound("410622004") ||
		fields["第6行·所属站点"] != notFound("月球街道社工站") || !strings.Contains(fields["第5行·责任社工"], "找不到社工") {
		t.Fatalf("fields %v", fields)
	}
	for key, msg := range fields {
		if strings.Contains(msg, "灵山") && !strings.Contains(msg, "找不到") {
			t.Fatalf("%s reveals another station: %s", key, msg)
		}
	}
	rep, err = recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, head, "名册.xlsx", data, recipients.ImportValid)
	if err != nil || rep.Imported != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	mine := f.list(head, recipients.Filter{Name: "本站"})
	if len(mine) != 2 || mine[0].OrgID != f.chaoge.ID {
		t.Fatalf("imported into %v", mine)
	}
	if n := len(f.list(f.actor("admin"), recipients.Filter{OrgID: f.lingshan.ID, Name: "他站"})); n != 0 {
		t.Fatalf("%d written into another station", n)
	}
}

func TestImportCommitModes(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	data := rostertest.File(t, []string{"姓名", "身份证号", "村（社区）", "所属站点"},
		[]any{"好一", fakeID("1952-01-01", true), "西街村", "朝歌街道社工站"},
		[]any{"坏二", "123", "西街村", "朝歌街道社工站"},
	)
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
	if err != nil || rep.Invalid != 1 || rep.BatchID == "" {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	before := f.recipientCount()
	// "All or nothing" with a bad row: refused, nothing written, the
	// batch stays open.
	rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", nil)
	if !apperr.Is(err, apperr.Invalid) || rep.BatchID == "" || f.recipientCount() != before {
		t.Fatalf("all-or-nothing commit: %v %+v", err, rep)
	}
	// The user then takes the valid rows.
	rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, recipients.ImportValid, nil)
	if err != nil || rep.Imported != 1 || f.recipientCount() != before+1 {
		t.Fatalf("valid commit: %+v %v", rep, err)
	}
	exports := f.auditCount("export")
	rej, name, err := recipients.RejectedOf(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID)
	rows := rej.Rows
	if err != nil || name != "名册.xlsx" || len(rows) != 1 || rows[0].Row != 3 || !strings.Contains(rej.Reason(rows[0]), "身份证号") {
		t.Fatalf("rejected rows: %+v %s %v", rows, name, err)
	}
	if f.auditCount("export") != exports+1 {
		t.Fatal("the download of rejected rows was not logged")
	}
	if f.count(`SELECT COUNT(*) FROM recipient_import_batches WHERE content <> ''`) != 0 {
		t.Fatal("the committed file is still kept")
	}
	if _, err := recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, recipients.ImportValid, nil); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second commit: %v", err)
	}
	if f.recipientCount() != before+1 {
		t.Fatal("imported twice")
	}
}

// A full name two rooms share finds neither: the row must give the code.
func TestImportAmbiguousRoomName(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := org.Create(f.ctx, tx, nil, org.Input{ParentID: f.chaoge.ID, Kind: org.KindRoom, Name: "赵庄村社工室", DivisionCode: "410622001201"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	data := rostertest.File(t, []string{"姓名", "身份证号", "所属站点"},
		[]any{"同名室", fakeID("1955-05-05", true), "赵庄村社工室"},
		[]any{"用代码", fakeID("1956-06-06", true), "410622004200"})
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
	if err != nil {
		t.Fatal(err)
	}
	fields := rep.Fields()
	if !strings.Contains(fields["第2行·所属站点"], "对应多个站点") || fields["第3行·所属站点"] != "" {
		t.Fatalf("ambiguous room name: %v", fields)
	}
}

// An upload kept past its 24 hours cannot be committed, even if no later
// upload has purged it yet.
func TestImportUploadExpires(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	data := rostertest.File(t, []string{"姓名", "身份证号", "所属站点"}, []any{"过期者", fakeID("1957-07-07", true), "朝歌街道社工站"})
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
	if err != nil || rep.BatchID == "" {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	old := cst.Stamp(time.Now().Add(-25 * time.Hour))
	if _, err := f.env.App.DB.Exec(f.ctx, `UPDATE recipient_import_batches SET created_at = ? WHERE id = ?`, old, rep.BatchID); err != nil {
		t.Fatal(err)
	}
	before := f.recipientCount()
	if _, err := recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", nil); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("commit of an expired upload: %v", err)
	}
	if f.recipientCount() != before {
		t.Fatal("an expired upload was imported")
	}
}

// A roster as an office keeps it (a title, 出生年月 and other synonyms,
// blank rows, totals, signatures, notes under the table) imports "all
// or nothing" in one go; the rows that are not people are listed.
func TestImportRealRosterAllOrNothing(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	idA, idB := fakeID("1949-10-01", true), fakeID("1956-02-29", false)
	data := rostertest.Book(t,
		[]any{"朝歌街道 2024 年低保对象花名册"},
		[]any{"序号", "姓名", "公民身份号码", "出生年月", "联系方式", "家庭住址", "所在村（社区）", "救助类别", "居住状况", "所属站点"},
		[]any{1, "甲长者", idA, "1949.10.01", "13812340001", "西街村1号", "西街村", "低保对象", "独居", "朝歌街道社工站"},
		nil,
		[]any{2, "乙长者", idB, time.Date(1956, 2, 29, 0, 0, 0, 0, time.UTC), "", "", "西街村", "低保对象", "", "朝歌街道社工站"},
		[]any{"合计", "", "", "", "", "", "", "", "", "共 2 人"},
		[]any{"填表人：王某", "", "", "审核人：李某", "", "", "", "填表日期：2024年5月1日"},
		[]any{"注：低保对象每季度复核。"},
	)
	before := f.recipientCount()
	rep, err := recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "花名册.xlsx", data, recipients.ImportAll)
	if err != nil || rep.Imported != 2 || rep.Invalid != 0 || len(rep.Skipped) != 4 || len(rep.Ignored) != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if f.recipientCount() != before+2 {
		t.Fatal("not written")
	}
	a := f.list(admin, recipients.Filter{IDNumber: idA})
	if len(a) != 1 || a[0].LivingSituation != "独居" || a[0].Phone != secure.MaskPhone("13812340001") || a[0].BirthDate != "1949-10-01" {
		t.Fatalf("甲长者: %+v", a)
	}
}

// A birth date under any of its names is checked against the ID number
// (GB 11643: digits 7–14), the problem naming the file's column and cell.
func TestImportBirthDateAgainstIDNumber(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	for _, header := range []string{"出生日期", "出生年月", "出生年月日"} {
		data := rostertest.File(t, []string{"姓名", "身份证号", header, "所属站点", "村（社区）"},
			[]any{"生日错", fakeID("1960-06-06", true), "1960-06-07", "朝歌街道社工站", "西街村"})
		rep, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", data)
		if err != nil || len(rep.Errors) != 1 {
			t.Fatalf("%s: %+v %v", header, rep, err)
		}
		e := rep.Errors[0]
		if e.Key != "第2行·出生日期" || e.Place != "第 2 行「"+header+"」" || e.Cell != "C2" ||
			!strings.Contains(e.Message, "1960-06-06") || !strings.Contains(e.Message, "C2 单元格读到“1960-06-07”") {
			t.Fatalf("%s: %+v", header, e)
		}
	}
}

// A same name and birth date under another ID number (the duplicate
// rule registration uses) is a doubt a person decides per row: without a
// decision nothing is written; 跳过 leaves the row out, in the rejected
// rows with the reason; 导入 writes it, and only then does the audit speak
// of a confirmation, naming who gave it.
func TestImportPossibleDuplicateDecidedPerRow(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	f.mustCreate(admin, f.input("同名人", "1958-08-08"))
	f.mustCreate(admin, f.input("重名者", "1961-01-01"))
	data := rostertest.File(t, []string{"姓名", "身份证号", "所属站点", "村（社区）"},
		[]any{"同名人", fakeID("1958-08-08", true), "朝歌街道社工站", "西街村"},
		[]any{"新来者", fakeID("1970-07-07", true), "朝歌街道社工站", "西街村"},
		[]any{"重名者", fakeID("1961-01-01", false), "朝歌街道社工站", "西街村"})
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
	if err != nil || rep.Valid != 3 || len(rep.Doubts) != 2 || rep.Undecided != 2 || rep.Doubts[0].Key != "第2行·姓名" ||
		!strings.Contains(rep.Doubts[0].Message, "可能重复：朝歌街道社工站已登记同名、同出生日期（1958-08-08）") {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	before := f.recipientCount()
	// Undecided: refused, nothing written, the upload kept for a decision.
	rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", map[int]string{2: recipients.DecideImport})
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Fields["第4行·姓名"] == "" || ae.Fields["第2行·姓名"] != "" || rep.BatchID == "" {
		t.Fatalf("undecided: %v %+v", err, rep)
	}
	if f.recipientCount() != before {
		t.Fatal("an undecided import wrote rows")
	}
	rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "",
		map[int]string{2: recipients.DecideImport, 4: recipients.DecideSkip})
	if err != nil || rep.Imported != 2 || rep.Declined != 1 || f.recipientCount() != before+2 {
		t.Fatalf("decided: %+v %v", rep, err)
	}
	if got := f.list(admin, recipients.Filter{Name: "重名者"}); len(got) != 1 {
		t.Fatalf("the skipped row was written: %d", len(got))
	}
	// The audit: the row imported anyway names who decided; the plain row
	// claims nothing; the import entry counts the decisions.
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND summary = ?`,
		"名册导入服务对象：同名人（可能重复：已登记同名、同出生日期的 1 条记录；"+admin.DisplayName+"（admin）核对后确认不是同一人，选择导入）"); n != 1 {
		t.Fatalf("decided row's audit entries: %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND summary = ?`, "名册导入服务对象：新来者"); n != 1 {
		t.Fatalf("plain row's audit entries: %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND summary LIKE ?`, "%确认%"); n != 1 {
		t.Fatalf("entries claiming a confirmation: %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND summary LIKE ?`, "%可能重复 2 行，由 "+admin.DisplayName+"（admin） 逐行决定：导入 1 行，跳过 1 行%"); n != 1 {
		t.Fatalf("import audit entries: %d", n)
	}
	rej, _, err := recipients.RejectedOf(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID)
	if err != nil || len(rej.Rows) != 1 || rej.Rows[0].Row != 4 || !strings.Contains(rej.Reason(rej.Rows[0]), "核对后选择跳过") {
		t.Fatalf("rejected rows: %+v %v", rej.Rows, err)
	}
	// At once (the API's way), with the decisions in the request.
	again := rostertest.File(t, []string{"姓名", "身份证号", "所属站点", "村（社区）"},
		[]any{"同名人", fakeID("1958-08-08", false), "朝歌街道社工站", "西街村"})
	if _, err := recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", again, recipients.ImportValid); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("at once, undecided: %v", err)
	}
	rep, err = recipients.ImportDecided(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", again, recipients.ImportValid, "", map[int]string{2: recipients.DecideSkip})
	if err != nil || rep.Imported != 0 || rep.Declined != 1 || f.recipientCount() != before+2 {
		t.Fatalf("at once, skipped: %+v %v", rep, err)
	}
}

// The uploader chooses the station the roster belongs to; a filled
// 所属站点 cell overrides it for its row.
func TestImportUploadTarget(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	data := rostertest.File(t, []string{"姓名", "身份证号", "村（社区）", "所属站点"},
		[]any{"归灵山", fakeID("1953-03-03", true), "赵庄村", ""},
		[]any{"归朝歌", fakeID("1954-04-04", true), "西街村", "朝歌街道社工站"})
	// Without a target an administrator's row must name its station.
	rep, err := recipients.UploadImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
	if err != nil || rep.Fields()["第2行·所属站点"] == "" {
		t.Fatalf("no target: %+v %v", rep, err)
	}
	rep, err = recipients.UploadImportTo(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data, f.lingshan.ID)
	if err != nil || rep.Valid != 2 || rep.Target != f.lingshan.ID {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	if rep, err = recipients.CommitImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, rep.BatchID, "", nil); err != nil || rep.Imported != 2 {
		t.Fatalf("commit: %+v %v", rep, err)
	}
	if got := f.list(admin, recipients.Filter{Name: "归灵山"}); len(got) != 1 || got[0].OrgID != f.lingshan.ID {
		t.Fatalf("归灵山: %+v", got)
	}
	if got := f.list(admin, recipients.Filter{Name: "归朝歌"}); len(got) != 1 || got[0].OrgID != f.chaoge.ID {
		t.Fatalf("归朝歌: %+v", got)
	}
	// A station head may not send a roster to another station.
	_, err = recipients.UploadImportTo(f.ctx, f.env.App.DB, f.env.App.Keys, f.actor("zhanzhang"), "名册.xlsx", recipients.ImportAll, data, f.lingshan.ID)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Invalid || ae.Fields["target"] == "" {
		t.Fatalf("target out of scope: %v", err)
	}
}

func TestLookupKind(t *testing.T) {
	for text, want := range map[string]string{
		"410622199001011234":  recipients.LookupIDNumber,
		" 41062219900101123X": recipients.LookupIDNumber,
		"41062219900101123x":  recipients.LookupIDNumber,
		"410622900101123":     recipients.LookupIDNumber, // 15 digits, first generation
		"4106221990010112X3":  "",
		"13800138000":         recipients.LookupPhone,
		"138 0013 8000":       recipients.LookupPhone,
		"张三":                  "",
		"zs":                  "",
		"":                    "",
	} {
		if got := recipients.LookupKind(text); got != want {
			t.Errorf("LookupKind(%q) = %q, want %q", text, got, want)
		}
	}
}

// The duplicate rule is one indexed lookup per person, never a search:
// both seeks of personLookup use an index (the blind index of the ID
// number; name and birth date), on both engines.
func TestDuplicateRuleIsAnIndexedLookup(t *testing.T) {
	f := start(t)
	d := f.env.App.DB
	args := []any{"abc", "同名人", "1958-08-08"}
	var plan []string
	err := d.InTx(f.ctx, func(tx *db.Tx) error {
		query := "EXPLAIN QUERY PLAN " + recipients.PersonLookup
		if d.Dialect() == db.Postgres {
			// A test database is small enough to read whole; forbid it to
			// see which indexes the query can use.
			if _, err := tx.Exec(f.ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
			query = "EXPLAIN " + recipients.PersonLookup
		}
		rows, err := tx.Query(f.ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "recipients_id_index") {
		t.Errorf("the lookup does not use recipients_id_index:\n%s", text)
	}
	// The name and birth date branch: SQLite takes recipients_name_birth;
	// PostgreSQL's planner, on a table this small, may as well take the
	// birth-date index (the rollups' children line) and filter the name.
	if !strings.Contains(text, "recipients_name_birth") && (d.Dialect() != db.Postgres || !strings.Contains(text, "recipients_birth_date")) {
		t.Errorf("the lookup by name and birth date uses no index:\n%s", text)
	}
	if strings.Contains(text, "SCAN r") || strings.Contains(text, "Seq Scan on recipients") {
		t.Errorf("the lookup reads recipients whole:\n%s", text)
	}
}

// A row checked without a possible duplicate gets one if someone
// registers the same name and birth date before the commit writes it:
// the write refuses it (the batch, then the row alone, naming 姓名),
// nothing is written, and a row whose namesake is of its own file is
// still written.
func TestImportPossibleDuplicateRegisteredBeforeCommit(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	cells := map[string]string{"name": "后来者", "id_number": fakeID("1966-06-06", true), "org_id": "朝歌街道社工站", "village_code": "西街村"}
	write, doubt, err := recipients.CheckRowThenWrite(f.ctx, f.env.App.DB, f.env.App.Keys, admin, cells)
	if err != nil || doubt != nil {
		t.Fatalf("check: %v %v", doubt, err)
	}
	f.mustCreate(admin, f.input("后来者", "1966-06-06")) // another ID number
	before := f.recipientCount()
	for _, many := range []bool{true, false} {
		err := write(many)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || !strings.Contains(ae.Fields["name"], "核对之后又有人登记了同名、同出生日期") {
			t.Fatalf("write (batch %v): %v", many, err)
		}
	}
	if f.recipientCount() != before {
		t.Fatal("a refused row was written")
	}
	// With no namesake, both ways write.
	for _, many := range []bool{true, false} {
		name := map[bool]string{true: "独一甲", false: "独一乙"}[many]
		cells := map[string]string{"name": name, "id_number": fakeID("1967-07-07", many), "org_id": "朝歌街道社工站", "village_code": "西街村"}
		write, _, err := recipients.CheckRowThenWrite(f.ctx, f.env.App.DB, f.env.App.Keys, admin, cells)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(many); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	if f.recipientCount() != before+2 {
		t.Fatal("rows without a namesake were not written")
	}
}

// The village column under the names offices give it is read; a missing
// village is asked for as a name or a code, as the column accepts.
func TestImportVillageHeadersAndMessage(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	for _, header := range []string{"所在村", "所在村（社区）", "村（居）", "村居", "所在社区", "村/社区", "村(社区)"} {
		data := rostertest.File(t, []string{"姓名", "身份证号", header, "所属站点"},
			[]any{"村名甲", fakeID("1950-03-08", true), "西街村", "朝歌街道社工站"},
			[]any{"村名乙", fakeID("1951-04-09", false), "", "朝歌街道社工站"})
		rep, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", data)
		if err != nil || rep.Valid != 1 || len(rep.Ignored) != 0 || len(rep.Errors) != 1 {
			t.Fatalf("%s: %+v %v", header, rep, err)
		}
		e := rep.Errors[0]
		if e.Row != 3 || e.Column != "村（社区）" || !strings.Contains(e.Message, "名称") || !strings.Contains(e.Message, "区划代码") {
			t.Fatalf("%s: %+v", header, e)
		}
	}
}

// 出生年月 holds a year and month in every style: one that agrees with
// the ID number's is accepted, one that does not names the cell and
// what was read; a whole date must agree to the day.
func TestImportBirthYearMonth(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	idBing := fakeID("1955-11-02", true)
	rows := [][]any{
		{"年月甲", fakeID("1950-03-08", true), "1950.03"},
		{"年月乙", fakeID("1948-05-20", false), "1948年5月"},
		{"年月丙", idBing, "195511"},
		{"年月丁", fakeID("1950-03-31", false), "1950-03"},
		{"年月戊", fakeID("1962-07-01", true), "1962-07"},
		{"年月己", fakeID("1953-10-09", true), "１９５３．１０"},
		{"年月庚", fakeID("1957-12-01", false), "１９５７年１２月"},
		{"年月辛", fakeID("1962-07-01", true), "1962-08"},
		{"年月壬", fakeID("1962-07-01", true), "1962-07-02"},
	}
	var data [][]any
	data = append(data, []any{"某村服务对象名册"}, []any{"姓名", "身份证号", "出生年月", "所属站点", "村（社区）"})
	for _, r := range rows {
		data = append(data, append(r, "朝歌街道社工站", "西街村"))
	}
	rep, err := recipients.CheckImport(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", rostertest.Book(t, data...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Valid != 7 || len(rep.Errors) != 2 {
		t.Fatalf("valid %d, errors %+v", rep.Valid, rep.Errors)
	}
	for i, want := range []struct{ cell, read, id string }{{"C10", "1962-08", "1962-07-01"}, {"C11", "1962-07-02", "1962-07-01"}} {
		e := rep.Errors[i]
		if e.Cell != want.cell || e.Place != "第 "+want.cell[1:]+" 行「出生年月」" || !strings.Contains(e.Message, "与身份证号不符") ||
			!strings.Contains(e.Message, want.id) || !strings.Contains(e.Message, "读到“"+want.read+"”") {
			t.Fatalf("error %d: %+v", i, e)
		}
	}
	rep, err = recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "名册.xlsx", rostertest.Book(t, data[:9]...), recipients.ImportAll)
	if err != nil || rep.Imported != 7 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if got := f.list(admin, recipients.Filter{IDNumber: idBing}); len(got) != 1 || got[0].BirthDate != "1955-11-02" {
		t.Fatalf("年月丙: %+v", got)
	}
}

// The roster as an office keeps it: a title, a header of two rows with
// 序号, 联系电话, 所在村 and 类别 merged down over both and 基本信息 merged
// across 姓名/性别/出生年月/身份证号码, people, totals and a signature line.
// Every column is read.
func TestImportTwoRowMergedHeader(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	idA, idB := fakeID("1950-03-08", true), fakeID("1948-05-20", false)
	data := rostertest.Merged(t, []string{"A1:I1", "A2:A3", "B2:E2", "F2:F3", "G2:G3", "H2:H3", "I2:I3"},
		[]any{"朝歌街道服务对象花名册"},
		[]any{"序号", "基本信息", "", "", "", "联系电话", "所在村", "类别", "所属站点"},
		[]any{"", "姓名", "性别", "出生年月", "身份证号码", "", "", "", ""},
		[]any{1, "合并甲", "男", "1950.03", idA, "13812340001", "西街村", "低保对象", "朝歌街道社工站"},
		[]any{2, "合并乙", "女", "1948年5月", idB, "13812340002", "南杨庄", "低收入", "朝歌街道社工站"},
		[]any{"合计", "", "", "", "", "", "", "", "2 人"},
		[]any{"填表人：王某", "", "", "", "审核人：李某"},
	)
	rep, err := recipients.Import(f.ctx, f.env.App.DB, f.env.App.Keys, admin, "花名册.xlsx", data, recipients.ImportAll)
	if err != nil || rep.Imported != 2 || rep.Invalid != 0 || len(rep.Ignored) != 0 || len(rep.Skipped) != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	a := f.list(admin, recipients.Filter{IDNumber: idA})
	if len(a) != 1 || a[0].Phone != secure.MaskPhone("13812340001") || a[0].VillageCode != "410622001200" ||
		strings.Join(a[0].Categories, "、") != "低保对象" || a[0].BirthDate != "1950-03-08" {
		t.Fatalf("合并甲: %+v", a)
	}
	b := f.list(admin, recipients.Filter{IDNumber: idB})
	if len(b) != 1 || b[0].VillageCode != "410622001202" || strings.Join(b[0].Categories, "、") != "低收入" {
		t.Fatalf("合并乙: %+v", b)
	}
}
