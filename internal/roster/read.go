package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
)

// Unknown is what Read does with a header that names no column.
type Unknown int

const (
	// RefuseUnknown refuses the file, naming the headers.
	RefuseUnknown Unknown = iota
	// IgnoreUnknown skips the column and lists its header in
	// Sheet.Ignored (unless it is one of Spec.Skip).
	IgnoreUnknown
)

// Headers of the columns the rejected-rows workbook adds. Read always
// skips them, so a corrected rejected file can be uploaded as it is.
const (
	RejectReasonHeader = "错误原因"
	RejectRowHeader    = "原行号"
)

// HeaderSearchRows is how far down the header row is looked for:
// rosters often carry a title (淇县低保对象花名册) above it.
const HeaderSearchRows = 10

// Bounds of reading one upload, whatever the Spec says: a small .xlsx
// may inflate to gigabytes (a "zip bomb"), so the zip's entries are
// measured before the workbook is opened, and the sheet is read row by
// row and given up at the first bound passed.
var (
	// MaxUnzipped is the most bytes all entries of the zip may inflate
	// to, as declared and as actually inflated.
	MaxUnzipped int64 = 200 << 20
	// MaxSheetRows is the most rows (blank ones included) a sheet may
	// hold beyond Spec.MaxRows.
	MaxSheetRows = 10000
	// MaxColumns is the most cells a row may hold.
	MaxColumns = 500
	// MaxReadTime is how long reading one file may take.
	MaxReadTime = 20 * time.Second
)

// Spec describes one kind of roster.
type Spec struct {
	What     string  // what the file is, in messages: 花名册, 服务对象名册
	Sheet    string  // the template's data sheet
	Columns  Columns // the template's columns, in order
	Star     bool    // required columns' headers carry a * in files written
	Unknown  Unknown // what to do with a header that names no column
	Skip     []string
	MaxBytes int64   // the largest file read; 0: no limit
	MaxRows  int     // the most data rows; 0: no limit
	Width    float64 // the width of the columns in files written; 0: 14
}

// Skipped is a row that holds no person and was left out.
type Skipped struct {
	Row    int    `json:"row"`
	Reason string `json:"reason"` // 空行, 合计行, 签名栏, 重复的表头, 表格下方的说明
	Text   string `json:"text"`   // the row's first words
}

// Sheet is what Read found in a file.
type Sheet struct {
	Records   []Record  // the data rows
	Skipped   []Skipped // rows that are not people, in file order
	Ignored   []string  // headers of columns not read (IgnoreUnknown)
	HeaderRow int       // the header's row number
	Header    []string  // the file's header row, every column, in order
	Date1904  bool      // the workbook counts dates from 1904
	// FileColumn is, per template column, the file's header for it
	// ("" when the file has no such column) and its column letter.
	FileColumn []FileColumn
}

// FileColumn is where a template column is in an uploaded file.
type FileColumn struct {
	Header string // as the file writes it: 出生年月
	Letter string // D
}

// Read opens an uploaded roster and returns its data rows, or an error
// the user can act on when the file itself is unusable.
//
// The header is the first of the first HeaderSearchRows rows that names
// every required column, else the first non-blank one (whose missing
// columns are then reported). Headers are matched by Columns.Match.
// Rows that hold no person (blank rows, totals, signature lines, a
// repeated header, notes under the table) are listed in Sheet.Skipped.
// Cells are trimmed and the Date columns' normalised by NormDateIn with
// the workbook's date system.
func (s Spec) Read(filename string, data []byte) (Sheet, error) {
	var out Sheet
	if s.MaxBytes > 0 && int64(len(data)) > s.MaxBytes {
		return out, apperr.New(apperr.TooLarge, "文件过大：上限为 %s，请分批导入", SizeLabel(s.MaxBytes))
	}
	if len(data) == 0 {
		return out, apperr.New(apperr.BadRequest, "上传的文件是空的，请选择填好的%s（.xlsx）", s.What)
	}
	ext := strings.ToLower(filepath.Ext(filename))
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) || ext == ".xls" {
		return out, apperr.New(apperr.BadRequest, "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再上传")
	}
	if (filename != "" && ext != ".xlsx") || !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return out, apperr.New(apperr.BadRequest, "只能上传 Excel（.xlsx）文件，请使用下载的模板填写")
	}
	if err := checkZip(data); err != nil {
		return out, err
	}
	// excelize inflates a large sheet into a temporary file: into a
	// directory of this read, removed whatever happens.
	tmp, err := os.MkdirTemp("", "roster-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(tmp)
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: 16 << 20, TmpDir: tmp})
	if err != nil {
		return out, apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return out, apperr.New(apperr.BadRequest, "文件中没有工作表")
	}
	if props, err := x.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		out.Date1904 = *props.Date1904
	}
	rows, err := x.Rows(sheets[0])
	if err != nil {
		return out, apperr.New(apperr.BadRequest, "无法读取工作表“%s”", sheets[0])
	}
	defer rows.Close()
	// The same rows as shown, for a date cell formatted as a year and
	// month (yyyy年m月): its raw value is a whole day.
	var shown *excelize.Rows
	if slices.ContainsFunc(s.Columns, func(c Column) bool { return c.Date }) && yearMonthStyled(x) {
		if shown, err = x.Rows(sheets[0]); err == nil {
			defer shown.Close()
		} else {
			shown = nil
		}
	}
	r := sheetReader{spec: s, sheet: &out, start: time.Now()}
	for _, m := range firstSheetMerges(data) {
		if m.vertical() && m.left <= MaxColumns {
			r.merges = append(r.merges, m)
			if m.top <= HeaderSearchRows {
				r.headerMerges = append(r.headerMerges, m)
			}
		}
	}
	slices.SortFunc(r.merges, func(a, b mergeRange) int { return a.top - b.top })
	for n := 1; rows.Next(); n++ {
		if err := r.bound(n); err != nil {
			return out, err
		}
		// Raw values: dates arrive as serial numbers instead of in
		// whatever display format the cell had, and are converted.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return out, apperr.New(apperr.BadRequest, "无法读取工作表“%s”的第 %d 行", sheets[0], n)
		}
		if len(cells) > MaxColumns {
			return out, apperr.New(apperr.TooLarge, "第 %d 行有 %d 列，超过 %d 列，请只保留名册的列", n, len(cells), MaxColumns)
		}
		if shown != nil && shown.Next() {
			if as, err := shown.Columns(); err == nil {
				yearMonthCells(cells, as, out.Date1904)
			}
		}
		// Next counts the rows a sheet leaves out as empty ones too: n is
		// the row's number.
		if err := r.row(n, r.fillMerged(n, cells)); err != nil {
			return out, err
		}
	}
	if err := rows.Error(); err != nil {
		return out, apperr.New(apperr.BadRequest, "无法读取工作表“%s”", sheets[0])
	}
	return out, r.finish()
}

// yearMonthStyled reports whether a cell style of the workbook shows a
// date as a year and month: only then is the sheet read a second time as
// shown (yearMonthCells), which costs as much as the first read.
func yearMonthStyled(x *excelize.File) bool {
	for i := 0; i < 65536; i++ {
		st, err := x.GetStyle(i)
		if err != nil || st == nil {
			return false // past the last style
		}
		if yearMonthFormat(st.NumFmt, st.CustomNumFmt) {
			return true
		}
	}
	return false
}

// yearMonthBuiltIn are the built-in number formats (ECMA-376 §18.8.30,
// and the zh-CN locale's) that show a year and month without a day:
// mmm-yy, and yyyy"年"m"月".
var yearMonthBuiltIn = map[int]bool{17: true, 27: true, 36: true, 50: true, 52: true, 57: true}

// yearMonthFormat reports whether a number format (built-in id, or a
// custom code) shows a year and a month but no day.
func yearMonthFormat(id int, custom *string) bool {
	if custom == nil || *custom == "" {
		return yearMonthBuiltIn[id]
	}
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range strings.ToLower(*custom) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case !bracket:
			b.WriteRune(r)
		}
	}
	code := b.String()
	return strings.ContainsRune(code, 'y') && strings.ContainsRune(code, 'm') && !strings.ContainsRune(code, 'd')
}

// yearMonthCells replaces a date serial shown as a year and month
// (its cell formatted yyyy年m月, yyyy-mm…) by YYYY-MM: the day of the
// serial is not what the office wrote.
func yearMonthCells(raw, shown []string, date1904 bool) {
	for i, v := range raw {
		if i >= len(shown) || shown[i] == v || v == "" {
			continue
		}
		ym := YearMonth(shown[i])
		if ym == "" {
			continue
		}
		if d := NormDateIn(v, date1904); d != v && strings.HasPrefix(d, ym+"-") {
			raw[i] = ym
		}
	}
}

// checkZip refuses a zip whose entries inflate beyond MaxUnzipped,
// counting what the headers declare and then what actually comes out
// (headers may lie), before anything is written to disk.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
	}
	tooBig := func() error {
		return apperr.New(apperr.TooLarge, "文件解压后过大（超过 %s），可能不是正常的名册，请检查后重新保存或分批导入", SizeLabel(MaxUnzipped))
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > uint64(MaxUnzipped) {
			return tooBig()
		}
	}
	left := MaxUnzipped
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, left+1))
		rc.Close()
		if errors.Is(err, zip.ErrFormat) {
			// The entry inflates beyond the size its header declares.
			return apperr.New(apperr.TooLarge, "文件解压后过大（超过文件自身记录的大小），可能不是正常的名册，请在 Excel 中重新保存后上传")
		}
		if err != nil {
			return apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
		}
		if left -= n; left < 0 {
			return tooBig()
		}
	}
	return nil
}

// sheetReader reads a sheet's rows one at a time.
type sheetReader struct {
	spec    Spec
	sheet   *Sheet
	start   time.Time
	head    [][]string // rows before the header is known, for finding it
	colOf   []int      // file column → template column, -1 for none
	n       int        // data rows, for the row limit
	blank   []Skipped  // blank rows since the last data row
	pending []pendingRow
	// merges are the sheet's ranges merged over several rows, by top
	// row; active those over the current row, with their value.
	merges []mergeRange
	active []activeMerge
	// headerMerges are those starting in the rows the header is looked
	// for in; headWait the last row of a header of several rows.
	headerMerges []mergeRange
	headWait     int
	// unnamed are the file's columns without a header that hold data.
	unnamed map[int]bool
}

type activeMerge struct {
	m     mergeRange
	value string
}

// fillMerged gives the cells under the top row of a range merged over
// several rows the range's value (in its top-left cell), in the
// range's first column: a header merged over two header rows names its
// column in both, a village merged over a household's rows is each
// person's. A range merged across columns only is left as it is (a
// group header over sub-headers).
func (r *sheetReader) fillMerged(n int, cells []string) []string {
	kept := r.active[:0]
	for _, a := range r.active {
		if a.m.bottom >= n {
			kept = append(kept, a)
		}
	}
	r.active = kept
	for len(r.merges) > 0 && r.merges[0].top <= n {
		m := r.merges[0]
		r.merges = r.merges[1:]
		if m.top < n {
			continue // a range starting in a row the sheet skips
		}
		v := ""
		if m.left <= len(cells) {
			v = cells[m.left-1]
		}
		r.active = append(r.active, activeMerge{m, v})
	}
	for _, a := range r.active {
		if a.m.top == n || strings.TrimSpace(a.value) == "" {
			continue
		}
		for len(cells) < a.m.left {
			cells = append(cells, "")
		}
		if strings.TrimSpace(cells[a.m.left-1]) == "" {
			cells[a.m.left-1] = a.value
		}
	}
	return cells
}

// pendingRow is a row of one cell after the data: a note under the
// table unless a data row follows.
type pendingRow struct {
	n     int
	cells []string
}

// bound stops reading at the bounds: a sheet of endless rows, or one
// that takes too long.
func (r *sheetReader) bound(n int) error {
	limit := MaxSheetRows + r.spec.MaxRows
	if n > limit {
		return apperr.New(apperr.TooLarge, "工作表行数过多（超过 %d 行，含空行），请删除多余的空行或分批导入", limit)
	}
	if n%1000 == 0 && time.Since(r.start) > MaxReadTime {
		return apperr.New(apperr.TooLarge, "文件读取超时（超过 %d 秒），请分批导入", int(MaxReadTime/time.Second))
	}
	return nil
}

func (r *sheetReader) row(n int, cells []string) error {
	if r.colOf == nil {
		return r.beforeHeader(n, cells)
	}
	if IsBlank(cells) {
		r.blank = append(r.blank, Skipped{Row: n, Reason: "空行"})
		return nil
	}
	if reason := r.notAPerson(cells); reason != "" {
		r.skip(n, reason, cells)
		return nil
	}
	if filled(cells) == 1 && len(r.sheet.Records) > 0 {
		r.pending = append(r.pending, pendingRow{n, cells})
		return nil
	}
	for _, p := range r.pending {
		if err := r.data(p.n, p.cells); err != nil {
			return err
		}
	}
	r.pending = nil
	return r.data(n, cells)
}

func (r *sheetReader) skip(n int, reason string, cells []string) {
	text := strings.Join(strings.Fields(strings.Join(cells, " ")), " ")
	if rs := []rune(text); len(rs) > 30 {
		text = string(rs[:30]) + "…"
	}
	r.sheet.Skipped = append(r.sheet.Skipped, Skipped{Row: n, Reason: reason, Text: text})
}

// beforeHeader collects the first rows until the header is found.
func (r *sheetReader) beforeHeader(n int, cells []string) error {
	r.head = append(r.head, cells)
	if r.headWait > 0 {
		if n < r.headWait {
			return nil // the header's lower rows
		}
		return r.pickHeader()
	}
	if len(r.head) < HeaderSearchRows && !r.spec.complete(cells) {
		return nil
	}
	if b := r.headerBottom(n, n+HeaderSearchRows); b > n && r.spec.complete(cells) {
		r.headWait = b
		return nil
	}
	return r.pickHeader()
}

// headerBottom is the last row (1-based) of a header starting at row
// top: the lowest bottom of the ranges merged down from it, at most
// rows (the rows collected); top for a header of one row.
func (r *sheetReader) headerBottom(top, rows int) int {
	last := top
	for _, m := range r.headerMerges {
		if m.top == top {
			last = max(last, m.bottom)
		}
	}
	return min(last, rows, top+HeaderSearchRows)
}

// pickHeader settles the header among the rows collected, and reads
// the rows below it.
func (r *sheetReader) pickHeader() error {
	all := r.head
	r.head = nil
	h := r.spec.headerRow(all)
	if h < 0 {
		return apperr.New(apperr.BadRequest, "文件是空的：第 1 行应为列名，第 2 行起为数据")
	}
	header := all[h]
	// A header of two rows: cells merged down from the first into the
	// second. Each column is named by its lowest header cell (a
	// sub-header, not the group header merged across it), and the data
	// start below the second row.
	if last := r.headerBottom(h+1, len(all)); last > h+1 {
		header = nil
		for _, row := range all[h:last] {
			for len(header) < len(row) {
				header = append(header, "")
			}
			for c, v := range row {
				if strings.TrimSpace(v) != "" {
					header[c] = v
				}
			}
		}
		h = last - 1
	}
	colOf, ignored, err := r.spec.mapColumns(header, h+1)
	if err != nil {
		return err
	}
	r.colOf, r.sheet.Ignored, r.sheet.HeaderRow = colOf, ignored, h+1
	r.sheet.Header = make([]string, len(header))
	for i, v := range header {
		r.sheet.Header[i] = strings.TrimSpace(v)
	}
	r.sheet.FileColumn = make([]FileColumn, len(r.spec.Columns))
	for i, c := range colOf {
		if c >= 0 {
			letter, _ := excelize.ColumnNumberToName(i + 1)
			r.sheet.FileColumn[c] = FileColumn{Header: r.sheet.Header[i], Letter: letter}
		}
	}
	for i := h + 1; i < len(all); i++ {
		if err := r.row(i+1, all[i]); err != nil {
			return err
		}
	}
	return nil
}

func (r *sheetReader) finish() error {
	if r.colOf == nil {
		if err := r.pickHeader(); err != nil {
			return err
		}
	}
	// Blank rows after the last data row are not worth a line; one-cell
	// rows there are notes under the table, unless the cell reads like
	// a name under a required column (a last person with the rest left
	// empty is reported, not dropped).
	for _, p := range r.pending {
		if r.lonePerson(p.cells) {
			if err := r.data(p.n, p.cells); err != nil {
				return err
			}
			continue
		}
		r.skip(p.n, "表格下方的说明文字", p.cells)
	}
	slices.SortFunc(r.sheet.Skipped, func(a, b Skipped) int { return a.Row - b.Row })
	// A column that holds data under no header is not read: say so.
	unnamed := make([]int, 0, len(r.unnamed))
	for i := range r.unnamed {
		unnamed = append(unnamed, i)
	}
	slices.Sort(unnamed)
	for _, i := range unnamed {
		letter, _ := excelize.ColumnNumberToName(i + 1)
		r.sheet.Ignored = append(r.sheet.Ignored, letter+" 列（没有列名）")
	}
	if r.n == 0 {
		return apperr.New(apperr.BadRequest, "文件中没有数据行：请从列名的下一行（第 %d 行）开始，每行填写一人", r.sheet.HeaderRow+1)
	}
	if r.spec.MaxRows > 0 && r.n > r.spec.MaxRows {
		return apperr.New(apperr.TooLarge, "一次最多导入 %d 行，本文件有 %d 行，请分批导入", r.spec.MaxRows, r.n)
	}
	return nil
}

// data adds a data row.
func (r *sheetReader) data(n int, cells []string) error {
	r.sheet.Skipped = append(r.sheet.Skipped, r.blank...)
	r.blank = nil
	if r.n++; r.spec.MaxRows > 0 && r.n > r.spec.MaxRows {
		return nil // only counted, for the message
	}
	rec := Record{Row: n, Cells: make([]string, len(r.spec.Columns)), Raw: make([]string, len(cells))}
	for i, v := range cells {
		v = strings.TrimSpace(v)
		if i < len(r.colOf) && r.colOf[i] >= 0 {
			if r.spec.Columns[r.colOf[i]].Date {
				v = NormDateIn(v, r.sheet.Date1904)
			}
			rec.Cells[r.colOf[i]] = v
		} else if v != "" && (i >= len(r.sheet.Header) || r.sheet.Header[i] == "") {
			if r.unnamed == nil {
				r.unnamed = map[int]bool{}
			}
			r.unnamed[i] = true
		}
		rec.Raw[i] = v
	}
	r.sheet.Records = append(r.sheet.Records, rec)
	return nil
}

var (
	totalRe     = regexp.MustCompile(`^(合计|小计|总计|共计|总数)|^共计?\d+(人|户|名|条|行)`)
	signatureRe = regexp.MustCompile(`^(填表人|填报人|制表人|审核人|审批人|负责人|经办人|联系人|填表日期|填报日期|制表日期|制表|审核|单位（盖章）|（盖章）|盖章)|盖章`)
	idLikeRe    = regexp.MustCompile(`\d{15}|\d{17}[\dXx]`)
)

// notAPerson names why a row after the header holds no person: a totals
// row, a signature line, the header repeated; "" for a data row. A row
// with an ID-number-like cell is always data.
func (r *sheetReader) notAPerson(cells []string) string {
	for _, c := range cells {
		if idLikeRe.MatchString(c) {
			return ""
		}
	}
	for _, c := range cells {
		c = strings.Join(strings.Fields(headerSpace.Replace(c)), "")
		if c == "" {
			continue
		}
		if totalRe.MatchString(c) {
			return "合计行"
		}
		if signatureRe.MatchString(c) {
			return "签名栏"
		}
	}
	if r.spec.complete(cells) {
		return "重复的表头行"
	}
	return ""
}

// lonePerson reports whether a row of one cell holds a short word
// without punctuation under a required column: a person's name.
func (r *sheetReader) lonePerson(cells []string) bool {
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if i >= len(r.colOf) || r.colOf[i] < 0 || !r.spec.Columns[r.colOf[i]].Required {
			return false
		}
		n := utf8.RuneCountInString(c)
		return n <= 6 && !strings.ContainsAny(c, " ：:，,。.；;、（）()")
	}
	return false
}

// filled counts the cells that are not blank.
func filled(cells []string) int {
	n := 0
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// complete reports whether a row names every required column: a
// header row.
func (s Spec) complete(row []string) bool {
	found := map[int]bool{}
	for _, h := range row {
		if i := s.Columns.Match(h); i >= 0 {
			found[i] = true
		}
	}
	required := false
	for i, c := range s.Columns {
		if c.Required && !found[i] {
			return false
		}
		required = required || c.Required
	}
	return required || len(found) > 0
}

// headerRow finds the header row's index, -1 if the first rows are blank.
func (s Spec) headerRow(all [][]string) int {
	head := -1
	for r := 0; r < len(all) && r < HeaderSearchRows; r++ {
		if IsBlank(all[r]) {
			continue
		}
		if head < 0 {
			head = r
		}
		if s.complete(all[r]) {
			return r
		}
	}
	return head
}

// mapColumns maps the file's columns (the header row, number n) to the
// template's: file column → template column, -1 for none.
func (s Spec) mapColumns(header []string, n int) ([]int, []string, error) {
	colOf := make([]int, len(header))
	seen := make([]string, len(s.Columns)) // template column → the file's header for it
	var unknown, ignored []string
	for i, h := range header {
		colOf[i] = -1
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		idx := s.Columns.Match(h)
		switch {
		case idx < 0:
			if s.skipped(h) {
				continue
			}
			if s.Unknown == RefuseUnknown {
				unknown = append(unknown, "“"+h+"”")
			} else {
				ignored = append(ignored, h)
			}
		case seen[idx] == h:
			return nil, nil, apperr.New(apperr.BadRequest, "第 %d 行的列名中“%s”出现了两次，请删除重复的列", n, h)
		case seen[idx] != "":
			return nil, nil, apperr.New(apperr.BadRequest, "第 %d 行的列名中“%s”和“%s”都是“%s”列（同一列出现了两次），请删除重复的列",
				n, seen[idx], h, s.Columns[idx].Header)
		default:
			colOf[i], seen[idx] = idx, h
		}
	}
	if len(unknown) > 0 {
		return nil, nil, apperr.New(apperr.BadRequest, "第 %d 行有无法识别的列名：%s。请使用下载的模板，不要修改列名", n, strings.Join(unknown, "、"))
	}
	var missing []string
	for i, c := range s.Columns {
		if c.Required && seen[i] == "" {
			missing = append(missing, "“"+c.Header+"”")
		}
	}
	if len(missing) > 0 {
		return nil, nil, apperr.New(apperr.BadRequest, "第 %d 行的列名中缺少必需的列：%s。请使用下载的模板，不要修改列名", n, strings.Join(missing, "、"))
	}
	return colOf, ignored, nil
}

// skipped reports whether a header that names no column is left out
// without a word: the rejected-rows workbook's own columns, and Skip.
func (s Spec) skipped(h string) bool {
	h = NormHeader(h)
	return h == RejectReasonHeader || h == RejectRowHeader || slices.ContainsFunc(s.Skip, func(k string) bool { return NormHeader(k) == h })
}

// cellName is a cell's reference: D5.
func cellName(letter string, row int) string { return letter + strconv.Itoa(row) }
