package roster

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/roster/rostertest"
)

// A real roster: a title, a header, people with blank rows between
// them, totals, signature lines, the header repeated on a second page,
// and notes under the table. Only the people are records; every other
// non-blank row is listed with its reason.
func TestReadSkipsRowsThatAreNotPeople(t *testing.T) {
	s := testSpec(IgnoreUnknown)
	s.MaxRows = 100
	data := rostertest.Book(t,
		[]any{"朝歌街道低保对象花名册"},                        // 1
		[]any{"序号", "姓名", "身份证号", "村（社区）"},          // 2
		[]any{1, "张三", "410622195003080011", "西街村"}, // 3
		nil, // 4 blank, between people
		[]any{2, "李四", "410622195104050022", "西街村"}, // 5
		[]any{"小计", "", "", "2 人"},                  // 6
		[]any{"序号", "姓名", "身份证号", "村（社区）"},          // 7 the header again
		[]any{3, "王五", "410622195205060033", "南关村"}, // 8
		[]any{"", "只有姓名"},                           // 9 one cell, but people follow: data
		[]any{4, "赵六", "410622195306070044", "南关村"}, // 10
		[]any{"合计", "", "", ""},                     // 11
		[]any{"", "共 4 人"},                          // 12
		[]any{"填表人：王某", "", "审核人：李某", ""},           // 13
		[]any{"填表日期：2024年5月1日"},                     // 14
		[]any{"", "", "单位（盖章）"},                     // 15
		nil,                                         // 16
		[]any{"注：低保对象名单每季度更新一次。"},                   // 17 a note under the table
		[]any{"", "", "", "数据来源：民政局"},               // 18
		nil, nil, // trailing blanks
	)
	sheet, err := s.Read("名册.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sheet.Records {
		got = append(got, strconv.Itoa(r.Row)+r.Cells[0])
	}
	if want := []string{"3张三", "5李四", "8王五", "9只有姓名", "10赵六"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	reasons := map[int]string{}
	for _, sk := range sheet.Skipped {
		reasons[sk.Row] = sk.Reason
	}
	want := map[int]string{4: "空行", 6: "合计行", 7: "重复的表头行", 11: "合计行", 12: "合计行", 13: "签名栏", 14: "签名栏", 15: "签名栏",
		17: "表格下方的说明文字", 18: "表格下方的说明文字"}
	if !reflect.DeepEqual(reasons, want) {
		t.Fatalf("skipped %+v, want %v", sheet.Skipped, want)
	}
	if sheet.Skipped[len(sheet.Skipped)-1].Text != "数据来源：民政局" {
		t.Fatalf("skipped text %+v", sheet.Skipped)
	}
}

// A row that looks like a total but holds an ID number is a person.
func TestReadKeepsAPersonWhoseCellsLookLikeFooters(t *testing.T) {
	data := rostertest.Book(t,
		[]any{"姓名", "身份证号", "村"},
		[]any{"合计", "410622195003080011", "西街村"},
	)
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", data)
	if err != nil || len(sheet.Records) != 1 || len(sheet.Skipped) != 0 {
		t.Fatalf("%+v %v", sheet, err)
	}
}

func TestHeaderSynonyms(t *testing.T) {
	cols := Columns{
		{Header: "姓名", Field: "name"},
		{Header: "出生日期", Field: "birth_date"},
		{Header: "居住情况", Field: "living"},
		{Header: "身份证号", Field: "id_number"},
		{Header: "联系电话", Field: "phone"},
		{Header: "现住址", Field: "address"},
		{Header: "户籍地址", Field: "hukou"},
		{Header: "对象类别", Field: "categories"},
		{Header: "村（社区）", Field: "village"},
		{Header: "监护人", Field: "guardian"},
	}
	for header, want := range map[string]string{
		"出生年月": "出生日期", "出生年月日": "出生日期", "出生日期": "出生日期",
		"居住状况":   "居住情况",
		"公民身份号码": "身份证号", "身份证号码": "身份证号", "证件号码": "身份证号", "身份证号": "身份证号",
		"联系方式": "联系电话", "手机号码": "联系电话",
		"家庭住址": "现住址", "居住地址": "现住址",
		"户籍所在地": "户籍地址",
		"救助类别":  "对象类别", "人员类别": "对象类别",
		"所在村(社区)": "村（社区）", "村（居）": "村（社区）", "所在村": "村（社区）", "所在村（社区）": "村（社区）",
		"村居": "村（社区）", "所在社区": "村（社区）", "村/社区": "村（社区）", "村(社区)": "村（社区）", "村(居)": "村（社区）",
		"监护人姓名": "监护人",
	} {
		i := cols.Match(header)
		if i < 0 || cols[i].Header != want {
			t.Errorf("Match(%q) = %d, want %s", header, i, want)
		}
	}
	// A column that writes another name of the group finds it too.
	other := Columns{{Header: "手机号", Field: "phone"}, {Header: "出生年月", Field: "birth"}}
	if other.Match("联系电话") != 0 || other.Match("出生日期") != 1 || other.Match("血型") != -1 {
		t.Fatal("synonyms of a column's own header")
	}
}

// book1904 is a workbook saved in the 1904 date system, with a date cell.
func book1904(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	yes := true
	if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if err := x.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadDates1904AndTimeOfDay(t *testing.T) {
	s := testSpec(IgnoreUnknown)
	data := book1904(t,
		[]any{"姓名", "身份证号", "出生日期"},
		[]any{"甲", "1", time.Date(1950, 3, 8, 0, 0, 0, 0, time.UTC)},
		[]any{"乙", "2", time.Date(1961, 12, 31, 15, 45, 0, 0, time.UTC)}, // a time of day
	)
	sheet, err := s.Read("名册.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	if !sheet.Date1904 || sheet.Records[0].Cells[2] != "1950-03-08" || sheet.Records[1].Cells[2] != "1961-12-31" {
		t.Fatalf("1904 dates: %v %+v", sheet.Date1904, sheet.Records)
	}
	// The same serial in a 1900 workbook is four years and a day later.
	if NormDateIn("16802", true) != "1950-01-01" || NormDateIn("16802", false) != "1945-12-31" {
		t.Fatalf("serials: %s %s", NormDateIn("16802", true), NormDateIn("16802", false))
	}
	sheet, err = s.Read("名册.xlsx", rostertest.Book(t, []any{"姓名", "身份证号", "出生日期"},
		[]any{"丙", "3", time.Date(1975, 6, 1, 9, 30, 0, 0, time.UTC)}))
	if err != nil || sheet.Date1904 || sheet.Records[0].Cells[2] != "1975-06-01" {
		t.Fatalf("1900 date with a time: %+v %v", sheet, err)
	}
}

// bomb is a valid .xlsx whose sheet is replaced by sheetXML, stored
// with the given declared size (0: the true one).
func bomb(t *testing.T, sheetXML []byte, declared uint64) []byte {
	t.Helper()
	src := rostertest.Book(t, []any{"姓名", "身份证号"}, []any{"甲", "1"})
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var packed bytes.Buffer
		fw, _ := flate.NewWriter(&packed, flate.BestCompression)
		_, _ = fw.Write(sheetXML)
		_ = fw.Close()
		size := uint64(len(sheetXML))
		if declared != 0 {
			size = declared
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, CompressedSize64: uint64(packed.Len()), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(packed.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sheetOf(rows string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`)
}

// Small files that inflate hugely are refused quickly, with a message
// the user can read, and leave no temporary file behind.
func TestReadRefusesUploadBombs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := testSpec(IgnoreUnknown)
	s.MaxRows = 100

	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>`
	manyRows := sheetOf(header + strings.Repeat(`<row/>`, 300000)) // 1.8 MB
	// One row far down: the sheet skips to it, the reader must not walk
	// a million empty rows either.
	farRow := sheetOf(header + `<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>甲</t></is></c></row>`)
	huge := sheetOf(header + strings.Repeat(`<row/>`, 1<<20)) // 6 MB of empty rows
	cases := []struct {
		name   string
		data   []byte
		limit  int64
		texts  []string
		within time.Duration
	}{
		{"many empty rows", bomb(t, manyRows, 0), 0, []string{"行数过多"}, 5 * time.Second},
		{"a row far down", bomb(t, farRow, 0), 0, []string{"行数过多"}, 5 * time.Second},
		{"inflates beyond the limit", bomb(t, huge, 0), 1 << 20, []string{"文件解压后过大"}, 5 * time.Second},
		{"declares a small size and inflates", bomb(t, huge, 100), 1 << 20, []string{"文件解压后过大"}, 5 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.data) > 200<<10 {
				t.Fatalf("the bomb is %d bytes, not small", len(c.data))
			}
			if c.limit > 0 {
				old := MaxUnzipped
				MaxUnzipped = c.limit
				defer func() { MaxUnzipped = old }()
			}
			start := time.Now()
			_, err := s.Read("名册.xlsx", c.data)
			refused(t, err, apperr.TooLarge, c.texts...)
			if d := time.Since(start); d > c.within {
				t.Fatalf("refused after %v", d)
			}
		})
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// A sheet above excelize's in-memory limit is inflated into a temporary
// file, read, and the file removed.
func TestReadLargeSheetLeavesNoTemporaryFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 17 MB sheet")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>`)
	rows.WriteString(`<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2" t="inlineStr"><is><t>1</t></is></c>` +
		strings.Repeat(" ", 17<<20) + `</row>`)
	s := testSpec(IgnoreUnknown)
	sheet, err := s.Read("名册.xlsx", bomb(t, sheetOf(rows.String()), 0))
	if err != nil || len(sheet.Records) != 1 {
		t.Fatalf("%+v %v", sheet, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	_ = io.Discard
}

// The rejected-rows file gives back every column the user uploaded, in
// their order, unknown ones included, then 原行号 and 错误原因; uploaded
// again it reads as the same rows.
func TestRejectedWorkbookKeepsTheUploadedColumns(t *testing.T) {
	s := testSpec(IgnoreUnknown)
	data := rostertest.Book(t,
		[]any{"序号", "备注", "公民身份号码", "对象姓名", "家庭人口", "出生年月"},
		[]any{1, "老党员", "410622195003080011", "张三", 3, time.Date(1950, 3, 8, 0, 0, 0, 0, time.UTC)},
		[]any{2, "", "2", "李四", 1, "1951.4.5"},
	)
	sheet, err := s.Read("名册.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	recs := sheet.Records
	recs[0].Errors = map[string]string{"身份证号": "校验位错误"}
	recs[1].Errors = map[string]string{"": "已登记"}
	book, err := s.RejectedWorkbook(sheet.Header, recs)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := excelize.OpenReader(bytes.NewReader(book))
	got, _ := x.GetRows("未导入")
	want := [][]string{
		{"序号", "备注", "公民身份号码", "对象姓名", "家庭人口", "出生年月", RejectRowHeader, RejectReasonHeader},
		{"1", "老党员", "410622195003080011", "张三", "3", "1950-03-08", "2", "「身份证号」校验位错误"},
		{"2", "", "2", "李四", "1", "1951-04-05", "3", "已登记"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rejected file\n%v\nwant\n%v", got, want)
	}
	// Uploaded again: the same people, the added columns skipped, and
	// its own 原行号 / 错误原因 replaced when rejected a second time.
	again, err := s.Read("未导入.xlsx", book)
	if err != nil || len(again.Records) != 2 || !reflect.DeepEqual(again.Records[0].Cells, sheet.Records[0].Cells) ||
		!reflect.DeepEqual(again.Ignored, []string{"备注", "家庭人口"}) {
		t.Fatalf("re-read: %+v %v", again, err)
	}
	again.Records[0].Errors = map[string]string{"": "仍有误"}
	book2, _ := s.RejectedWorkbook(again.Header, again.Records[:1])
	x2, _ := excelize.OpenReader(bytes.NewReader(book2))
	got2, _ := x2.GetRows("未导入")
	if len(got2[0]) != 8 || got2[1][7] != "仍有误" || got2[1][6] != "2" {
		t.Fatalf("rejected twice: %v", got2)
	}
}

// A last row holding only a name is a person whose other cells were
// left empty (reported by the importer), not a note under the table.
func TestReadLastRowWithOnlyAName(t *testing.T) {
	data := rostertest.Book(t,
		[]any{"姓名", "身份证号", "村"},
		[]any{"甲", "410622195003080011", "西街村"},
		[]any{"乙某"},
		[]any{"", "", "以上人员经村委会核实"},
	)
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", data)
	if err != nil || len(sheet.Records) != 2 || sheet.Records[1].Cells[0] != "乙某" || len(sheet.Skipped) != 1 || sheet.Skipped[0].Row != 4 {
		t.Fatalf("%+v %v", sheet, err)
	}
}

// A header of two rows: 序号, 村 and 联系电话 merged down over both, 基本信息
// merged across its sub-headers. Every column is read under the name of
// its merged cell or its sub-header, the group header is not a column,
// and the data start below the second header row.
func TestReadTwoRowMergedHeader(t *testing.T) {
	spec := testSpec(IgnoreUnknown)
	for _, title := range []bool{true, false} {
		rows := [][]any{
			{"序号", "基本信息", "", "", "", "村", "联系电话"},
			{"", "姓名", "性别", "出生年月", "身份证号码", "", ""},
			{1, "张三", "男", "1950.03", "410622195003081234", "西街村", "13812340001"},
			{2, "李四", "女", "1948年5月", "410622194805201244", "东街村", ""},
			{"合计", "", "", "", "", "", "2 人"},
			{"填表人：王某"},
		}
		merges := []string{"A2:A3", "B2:E2", "F2:F3", "G2:G3"}
		first := 3
		if title {
			rows = append([][]any{{"某镇服务对象花名册"}}, rows...)
			merges = append(merges, "A1:G1")
		} else {
			rows = append([][]any{nil}, rows...) // the header from row 2 all the same
		}
		sheet, err := spec.Read("名册.xlsx", rostertest.Merged(t, merges, rows...))
		if err != nil {
			t.Fatal(err)
		}
		if sheet.HeaderRow != first || len(sheet.Records) != 2 || len(sheet.Skipped) != 2 {
			t.Fatalf("title %v: header row %d, %d records, skipped %+v", title, sheet.HeaderRow, len(sheet.Records), sheet.Skipped)
		}
		if want := []string{"张三", "410622195003081234", "1950-03", "西街村", "男"}; !reflect.DeepEqual(sheet.Records[0].Cells, want) {
			t.Fatalf("title %v: cells %q", title, sheet.Records[0].Cells)
		}
		if len(sheet.Ignored) != 1 || sheet.Ignored[0] != "联系电话" {
			t.Fatalf("title %v: ignored %q (the phone column is not the test template's: it is said)", title, sheet.Ignored)
		}
		if fc := sheet.FileColumn[3]; fc.Header != "村" || fc.Letter != "F" {
			t.Fatalf("village column %+v", fc)
		}
	}
}

// A column holding data under no header is not read, and the report
// says so.
func TestReadColumnWithoutHeaderIsReported(t *testing.T) {
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", rostertest.Book(t,
		[]any{"姓名", "身份证号", ""},
		[]any{"张三", "410622195003081234", "13812340001"},
		[]any{"李四", "410622194805201244"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet.Ignored) != 1 || sheet.Ignored[0] != "C 列（没有列名）" {
		t.Fatalf("ignored %q", sheet.Ignored)
	}
}

// A value merged down over several data rows (a household's village)
// is each row's.
func TestReadMergedDataCell(t *testing.T) {
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", rostertest.Merged(t, []string{"C2:C3"},
		[]any{"姓名", "身份证号", "村"},
		[]any{"张三", "410622195003081234", "西街村"},
		[]any{"李四", "410622194805201244", ""}))
	if err != nil {
		t.Fatal(err)
	}
	if len(sheet.Records) != 2 || sheet.Records[1].Cells[3] != "西街村" {
		t.Fatalf("records %+v", sheet.Records)
	}
}

// An Excel date cell formatted as a year and month is read as one
// (YYYY-MM), not as the first of the month; a date cell formatted as a
// whole date stays a whole date.
func TestReadDateCellFormattedAsYearMonth(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号", "出生年月"})
	formats := []string{"yyyy年m月", "yyyy-mm", "yyyy\"年\"mm\"月\"", "yyyy-mm-dd"}
	for i, f := range formats {
		row := strconv.Itoa(i + 2)
		_ = x.SetSheetRow("Sheet1", "A"+row, &[]any{"某人" + row, "41062219500308123" + row, time.Date(1950, 3, 1, 0, 0, 0, 0, time.UTC)})
		style, err := x.NewStyle(&excelize.Style{CustomNumFmt: &f})
		if err != nil {
			t.Fatal(err)
		}
		_ = x.SetCellStyle("Sheet1", "C"+row, "C"+row, style)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"1950-03", "1950-03", "1950-03", "1950-03-01"} {
		if got := sheet.Records[i].Cells[2]; got != want {
			t.Errorf("%s: %q, want %q", formats[i], got, want)
		}
	}
}

// The merged ranges are found wherever the pieces the sheet is scanned
// in cut it.
func TestFirstSheetMergesInPieces(t *testing.T) {
	var ranges []string
	rows := [][]any{{"姓名", "身份证号", "村"}}
	for i := 0; i < 60; i++ {
		rows = append(rows, []any{"某人", "410622195003081234", "西街村"}, []any{"某人", "410622195003081234"})
		ranges = append(ranges, "C"+strconv.Itoa(2*i+2)+":C"+strconv.Itoa(2*i+3))
	}
	data := rostertest.Merged(t, ranges, rows...)
	defer func(n int) { mergeChunk = n }(mergeChunk)
	for _, n := range []int{1 << 20, 1000, 333, 97, 7} {
		mergeChunk = n
		got := firstSheetMerges(data)
		if len(got) != len(ranges) || got[0] != (mergeRange{top: 2, left: 3, bottom: 3, right: 3}) || got[59].bottom != 121 {
			t.Fatalf("chunk %d: %d ranges %v", n, len(got), got)
		}
	}
}

// Which number formats show a year and month without a day (the sheet is
// read a second time, as shown, only when one is used).
func TestYearMonthFormat(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		id     int
		custom *string
		want   bool
	}{
		{57, nil, true}, {17, nil, true}, {14, nil, false}, {31, nil, false}, {0, nil, false},
		{176, str(`yyyy"年"m"月"`), true}, {177, str("yyyy-mm"), true}, {178, str("yyyy/m/d"), false},
		{179, str(`[$-804]yyyy"年"m"月"d"日"`), false}, {180, str(`[DBNum1]yyyy"年"m"月"`), true}, {181, str("0.00"), false},
	} {
		if got := yearMonthFormat(c.id, c.custom); got != c.want {
			t.Errorf("format %d %v: %v, want %v", c.id, c.custom, got, c.want)
		}
	}
}
