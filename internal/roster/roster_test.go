package roster

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/roster/rostertest"
)

var testColumns = Columns{
	{Header: "姓名", Field: "name", Required: true, Aliases: []string{"对象姓名"}},
	{Header: "身份证号", Field: "id_number", Required: true, Text: true, Aliases: []string{"身份证号码", "公民身份号码"},
		Mask: func(s string) string { return s[:2] + "**" }},
	{Header: "出生日期", Field: "birth_date", Date: true},
	{Header: "村（社区）", Field: "village", Aliases: []string{"村"}},
	{Header: "性别", Field: "sex", List: []string{"男", "女"}, Hint: "男/女"},
}

func testSpec(unknown Unknown) Spec {
	return Spec{What: "测试名册", Sheet: "测试", Columns: testColumns, Star: true, Unknown: unknown, Skip: []string{"序号"},
		MaxBytes: 1 << 20, MaxRows: 5}
}

// refused checks that err is an apperr of kind with a message holding
// every text.
func refused(t *testing.T, err error, kind apperr.Kind, texts ...string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != kind {
		t.Fatalf("want a %v error, got %v", kind, err)
	}
	for _, text := range texts {
		if !strings.Contains(ae.Message, text) {
			t.Fatalf("message %q lacks %q", ae.Message, text)
		}
	}
}

func TestReadHeaderUnderTitleWithAliases(t *testing.T) {
	data := rostertest.Book(t,
		[]any{"朝歌街道低保对象花名册"},
		nil,
		[]any{"序号", "对象姓名（必填）", " 公民身份号码* ", "村(社区)", "出生日期", "备注", RejectReasonHeader, RejectRowHeader},
		[]any{1, " 张三 ", "410622195003080011", "西街村", time.Date(1950, 3, 8, 0, 0, 0, 0, time.UTC), "x", "旧原因", 9},
		nil,
		[]any{2, "李四", "410622195104050022", "", "1951年4月5日"},
		[]any{"", "  ", ""}, // white space only: blank
	)
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	if sheet.HeaderRow != 3 || len(sheet.Records) != 2 {
		t.Fatalf("sheet %+v", sheet)
	}
	want := []Record{
		{Row: 4, Cells: []string{"张三", "410622195003080011", "1950-03-08", "西街村", ""},
			Raw: []string{"1", "张三", "410622195003080011", "西街村", "1950-03-08", "x", "旧原因", "9"}},
		{Row: 6, Cells: []string{"李四", "410622195104050022", "1951-04-05", "", ""},
			Raw: []string{"2", "李四", "410622195104050022", "", "1951-04-05"}},
	}
	if !reflect.DeepEqual(sheet.Records, want) {
		t.Fatalf("records %+v, want %+v", sheet.Records, want)
	}
	// 序号 and the rejected file's columns are skipped silently.
	if !reflect.DeepEqual(sheet.Ignored, []string{"备注"}) {
		t.Fatalf("ignored %v", sheet.Ignored)
	}
	// A roster that refuses unknown columns finds the same header and
	// refuses 备注.
	_, err = testSpec(RefuseUnknown).Read("名册.xlsx", data)
	refused(t, err, apperr.BadRequest, "第 3 行有无法识别的列名：“备注”。")
}

func TestReadUnknownColumns(t *testing.T) {
	data := rostertest.Book(t,
		[]any{"姓名", "身份证号", "血型", "备注", RejectReasonHeader, RejectRowHeader},
		[]any{"甲", "1", "A", "x", "原因", 2},
	)
	_, err := testSpec(RefuseUnknown).Read("名册.xlsx", data)
	refused(t, err, apperr.BadRequest, "第 1 行有无法识别的列名：“血型”、“备注”。")
	if strings.Contains(err.Error(), RejectReasonHeader) {
		t.Fatalf("the rejected file's own columns refused: %v", err)
	}
	sheet, err := testSpec(IgnoreUnknown).Read("名册.xlsx", data)
	if err != nil || !reflect.DeepEqual(sheet.Ignored, []string{"血型", "备注"}) || sheet.Records[0].Cells[0] != "甲" {
		t.Fatalf("ignore: %+v %v", sheet, err)
	}
	// Skip applies under either option.
	sheet, err = testSpec(RefuseUnknown).Read("名册.xlsx", rostertest.Book(t, []any{"序号", "姓名", "身份证号"}, []any{1, "甲", "1"}))
	if err != nil || len(sheet.Ignored) != 0 || sheet.Records[0].Cells[0] != "甲" {
		t.Fatalf("skip: %+v %v", sheet, err)
	}
}

func TestReadHeaderProblems(t *testing.T) {
	s := testSpec(IgnoreUnknown)
	cases := []struct {
		name  string
		rows  [][]any
		texts []string
	}{
		{"missing", [][]any{{"姓名", "村"}, {"甲", "西街"}}, []string{"第 1 行的列名中缺少必需的列：“身份证号”"}},
		{"missing two", [][]any{{"村"}, {"西街"}}, []string{"缺少必需的列：“姓名”、“身份证号”"}},
		{"twice", [][]any{{"姓名", "身份证号", "身份证号"}, {"甲", "1", "1"}}, []string{"第 1 行", "“身份证号”出现了两次"}},
		{"alias twice", [][]any{nil, {"姓名", "身份证号", "身份证号码"}, {"甲", "1", "1"}},
			[]string{"第 2 行", "“身份证号”和“身份证号码”都是“身份证号”列", "两次"}},
		{"no rows", [][]any{{"标题"}, {"姓名", "身份证号"}, nil}, []string{"没有数据行", "第 3 行"}},
		{"empty sheet", nil, []string{"文件是空的"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Read("名册.xlsx", rostertest.Book(t, c.rows...))
			refused(t, err, apperr.BadRequest, c.texts...)
		})
	}
	// The header is looked for in the first HeaderSearchRows rows only.
	rows := make([][]any, HeaderSearchRows+2)
	rows[HeaderSearchRows] = []any{"姓名", "身份证号"}
	rows[HeaderSearchRows+1] = []any{"甲", "1"}
	_, err := s.Read("名册.xlsx", rostertest.Book(t, rows...))
	refused(t, err, apperr.BadRequest, "文件是空的")
}

func TestReadFileProblems(t *testing.T) {
	s := testSpec(RefuseUnknown)
	s.MaxBytes = 20000
	good := rostertest.Book(t, []any{"姓名", "身份证号"}, []any{"甲", "1"})
	cases := []struct {
		name, file string
		data       []byte
		kind       apperr.Kind
		texts      []string
	}{
		{"empty", "名册.xlsx", nil, apperr.BadRequest, []string{"上传的文件是空的，请选择填好的测试名册（.xlsx）"}},
		{"xls by name", "名册.xls", good, apperr.BadRequest, []string{"旧版 Excel（.xls）"}},
		{"xls by signature", "名册.xlsx", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, apperr.BadRequest, []string{"旧版 Excel（.xls）"}},
		{"csv", "名册.csv", []byte("姓名,身份证号\n"), apperr.BadRequest, []string{"只能上传 Excel（.xlsx）文件"}},
		{"not a zip", "名册.xlsx", []byte("姓名,身份证号\n"), apperr.BadRequest, []string{"只能上传 Excel（.xlsx）文件"}},
		{"corrupt zip", "名册.xlsx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 100)...), apperr.BadRequest, []string{"已损坏"}},
		{"too large", "名册.xlsx", bytes.Repeat([]byte("x"), 20001), apperr.TooLarge, []string{"文件过大：上限为 19 KB"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Read(c.file, c.data)
			refused(t, err, c.kind, c.texts...)
		})
	}
	// No file name (the API may send none): the content decides.
	if _, err := s.Read("", good); err != nil {
		t.Fatalf("unnamed: %v", err)
	}
}

func TestReadTooManyRows(t *testing.T) {
	s := testSpec(RefuseUnknown)
	s.MaxRows = 2
	rows := [][]any{{"姓名", "身份证号"}, {"甲", "1"}, nil, {"乙", "2"}}
	if sheet, err := s.Read("名册.xlsx", rostertest.Book(t, rows...)); err != nil || len(sheet.Records) != 2 {
		t.Fatalf("at the limit (a blank row does not count): %+v %v", sheet, err)
	}
	rows = append(rows, []any{"丙", "3"}, []any{"丁", "4"})
	_, err := s.Read("名册.xlsx", rostertest.Book(t, rows...))
	refused(t, err, apperr.TooLarge, "一次最多导入 2 行，本文件有 4 行")
}

func TestNormDate(t *testing.T) {
	for in, want := range map[string]string{
		"18330":          "1950-03-08", // an Excel date serial
		"45352":          "2024-03-01",
		"1950/3/8":       "1950-03-08",
		"1950.3.8":       "1950-03-08",
		"1950-3-8":       "1950-03-08",
		"1950年3月8日":      "1950-03-08",
		"1950 年 3 月 8 日": "1950-03-08",
		"2019/12/31":     "2019-12-31",
		"19500308":       "1950-03-08",
		"1950-03-08":     "1950-03-08",
		"1950":           "1950", // a bare year is not a serial of 1905
		"2100":           "2100",
		"45352.5":        "2024-03-01", // a date with a time of day: its date
		"45352.99":       "2024-03-01",
		"2024/3/1 8:30":  "2024-03-01",
		"0":              "0",
		"-3":             "-3",
		"1950/3":         "1950-03", // a year and month (出生年月)
		"1950.03":        "1950-03",
		"1948年5月":        "1948-05",
		"1948 年 5 月":     "1948-05",
		"195511":         "1955-11",
		"1950-03":        "1950-03",
		"１９５０．０３":        "1950-03",
		"１９５０年３月８日":      "1950-03-08",
		"１９５０－３－８":       "1950-03-08",
		"195513":         "195513", // no month 13
		"1950.13":        "1950.13",
		"三月八日":           "三月八日",
		"":               "",
	} {
		if got := NormDate(in); got != want {
			t.Errorf("NormDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameDate(t *testing.T) {
	for _, c := range []struct {
		v, date string
		want    bool
	}{
		{"1962-07-01", "1962-07-01", true},
		{"1962-07", "1962-07-01", true},
		{"1962-07", "1962-07-31", true},
		{"1962-08", "1962-07-01", false},
		{"1962-07-02", "1962-07-01", false},
		{"1962", "1962-07-01", false},
		{"", "1962-07-01", false},
	} {
		if got := SameDate(c.v, c.date); got != c.want {
			t.Errorf("SameDate(%q, %q) = %v", c.v, c.date, got)
		}
	}
}

func TestNormHeaderAndMatch(t *testing.T) {
	for in, want := range map[string]string{
		" 姓名 ":     "姓名",
		"姓名*":      "姓名",
		"＊姓名":      "姓名",
		"姓名（必填）":   "姓名",
		"姓名(必填)*":  "姓名",
		"村(社区)":    "村（社区）",
		"村 （社区）\n": "村（社区）",
		"电话（选填）":   "电话",
	} {
		if got := NormHeader(in); got != want {
			t.Errorf("NormHeader(%q) = %q, want %q", in, got, want)
		}
	}
	if testColumns.Match("公民身份号码") != 1 || testColumns.Match("村") != 3 || testColumns.Match("血型") != -1 || testColumns.Match(" ") != -1 {
		t.Fatal("Match")
	}
	if testColumns.Index("村（社区）") != 3 || testColumns.Index("村") != -1 {
		t.Fatal("Index: template headers only")
	}
	if testColumns.HeaderOf("id_number") != "身份证号" || testColumns.HeaderOf("id") != "" {
		t.Fatal("HeaderOf")
	}
	cells := []string{"甲", "1", "", "西街"}
	if testColumns.Value(cells, "village") != "西街" || testColumns.Value(cells, "sex") != "" || testColumns.Value(cells, "x") != "" {
		t.Fatal("Value")
	}
	if got := testColumns.Headers(true); !reflect.DeepEqual(got, []string{"姓名*", "身份证号*", "出生日期", "村（社区）", "性别"}) {
		t.Fatalf("Headers: %v", got)
	}
}

func TestRowProblems(t *testing.T) {
	errs := map[string]string{"性别": "与身份证号不一致", "": "已登记", "身份证号": "校验位错误", "其他": "x"}
	if got := testColumns.Sorted(errs); !reflect.DeepEqual(got, []string{"", "身份证号", "性别", "其他"}) {
		t.Fatalf("Sorted: %v", got)
	}
	if got := testColumns.Reason(errs); got != "已登记；「身份证号」校验位错误；「性别」与身份证号不一致；「其他」x" {
		t.Fatalf("Reason: %s", got)
	}
	ces := testColumns.CellErrors(5, errs)
	if len(ces) != 4 || ces[0].Key != "第5行" || ces[0].Text() != "第 5 行：已登记" || ces[1].Key != "第5行·身份证号" ||
		ces[1].Text() != "第 5 行「身份证号」：校验位错误" || ces[1].Column != "身份证号" || ces[1].Row != 5 {
		t.Fatalf("CellErrors: %+v", ces)
	}
	if f := Fields(ces); len(f) != 4 || f["第5行·性别"] != "与身份证号不一致" {
		t.Fatalf("Fields: %v", f)
	}
	cells := []string{"甲", "410622", ""}
	masked := testColumns.Mask(cells)
	if !reflect.DeepEqual(masked, []string{"甲", "41**", ""}) || cells[1] != "410622" {
		t.Fatalf("Mask: %v (original %v)", masked, cells)
	}
	if got := testColumns.Mask([]string{"甲", ""}); got[1] != "" {
		t.Fatalf("an empty cell is masked: %v", got)
	}
}

func TestSizeLabelAndIsBlank(t *testing.T) {
	for n, want := range map[int64]string{5 << 20: "5 MB", 1 << 20: "1 MB", 20000: "19 KB", 100: "1 KB"} {
		if got := SizeLabel(n); got != want {
			t.Errorf("SizeLabel(%d) = %s, want %s", n, got, want)
		}
	}
	if !IsBlank(nil) || !IsBlank([]string{"", " \t", "\u3000"}) || IsBlank([]string{"", "x"}) {
		t.Fatal("IsBlank")
	}
}

func TestTemplate(t *testing.T) {
	s := testSpec(RefuseUnknown)
	data, err := s.Template([]string{"说明一", "说明二"}, func(x *excelize.File) error {
		_, err := x.NewSheet("可选值")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := x.GetSheetList(); !reflect.DeepEqual(got, []string{"测试", "填写说明", "可选值"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := x.GetRows("测试")
	if len(rows) != 1 || !reflect.DeepEqual(rows[0], []string{"姓名*", "身份证号*", "出生日期", "村（社区）", "性别"}) {
		t.Fatalf("header %v", rows)
	}
	dvs, _ := x.GetDataValidations("测试")
	if len(dvs) != 1 || dvs[0].Sqref != "E2:E6" || !strings.Contains(dvs[0].Formula1, "男,女") {
		t.Fatalf("drop-down lists %+v", dvs)
	}
	help, _ := x.GetRows("填写说明")
	if help[5][0] != "性别" || help[5][1] != "男/女" || help[7][0] != "说明一" || help[8][0] != "说明二" {
		t.Fatalf("instructions %v", help)
	}
	// The empty template reads, and has no data rows.
	_, err = s.Read("模板.xlsx", data)
	refused(t, err, apperr.BadRequest, "没有数据行", "第 2 行")
}

func TestRejectedWorkbookRoundTrip(t *testing.T) {
	s := testSpec(RefuseUnknown)
	rows := []Record{
		{Row: 3, Cells: []string{"甲", "410622195003080011", "1950-03-08", "西街", "男"}, Errors: map[string]string{"身份证号": "校验位错误"}},
		{Row: 7, Cells: []string{"乙", "2"}, Errors: map[string]string{"": "已登记"}}, // cells of an older, shorter column set
	}
	data, err := s.RejectedWorkbook(nil, rows)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := x.GetRows("未导入")
	if len(got) != 3 || got[0][6] != RejectReasonHeader || got[0][5] != RejectRowHeader || got[1][6] != "「身份证号」校验位错误" || got[1][5] != "3" ||
		got[2][6] != "已登记" || got[2][5] != "7" {
		t.Fatalf("rejected rows %v", got)
	}
	// Uploaded again as it is: the added columns are skipped, even by a
	// roster that refuses unknown columns.
	sheet, err := s.Read("未导入.xlsx", data)
	if err != nil || len(sheet.Records) != 2 || !reflect.DeepEqual(sheet.Records[0].Cells, rows[0].Cells) || sheet.Records[1].Cells[1] != "2" {
		t.Fatalf("re-read: %+v %v", sheet, err)
	}
}
