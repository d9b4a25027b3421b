package roster

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"

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

// Sheet is what Read found in a file.
type Sheet struct {
	Records   []Record // the data rows that are not blank
	Ignored   []string // headers of columns not read (IgnoreUnknown)
	HeaderRow int      // the header's row number
}

// Read opens an uploaded roster and returns its data rows, or an error
// the user can act on when the file itself is unusable.
//
// The header is the first of the first HeaderSearchRows rows that names
// every required column, else the first non-blank one (whose missing
// columns are then reported). Headers are matched by Columns.Match;
// blank rows are skipped; cells are trimmed and the Date columns'
// normalised by NormDate.
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
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return out, apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return out, apperr.New(apperr.BadRequest, "文件中没有工作表")
	}
	// Raw values: dates arrive as serial numbers instead of in whatever
	// display format the cell had, and are converted below.
	all, err := x.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return out, apperr.New(apperr.BadRequest, "无法读取工作表“%s”", sheets[0])
	}
	head := s.headerRow(all)
	if head < 0 {
		return out, apperr.New(apperr.BadRequest, "文件是空的：第 1 行应为列名，第 2 行起为数据")
	}
	out.HeaderRow = head + 1
	colOf, ignored, err := s.mapColumns(all[head], head+1)
	if err != nil {
		return out, err
	}
	out.Ignored = ignored
	n := 0
	for r := head + 1; r < len(all); r++ {
		if IsBlank(all[r]) {
			continue
		}
		if n++; s.MaxRows > 0 && n > s.MaxRows {
			continue // only counted, for the message
		}
		rec := Record{Row: r + 1, Cells: make([]string, len(s.Columns))}
		for i, v := range all[r] {
			if i < len(colOf) && colOf[i] >= 0 {
				v = strings.TrimSpace(v)
				if s.Columns[colOf[i]].Date {
					v = NormDate(v)
				}
				rec.Cells[colOf[i]] = v
			}
		}
		out.Records = append(out.Records, rec)
	}
	if n == 0 {
		return out, apperr.New(apperr.BadRequest, "文件中没有数据行：请从列名的下一行（第 %d 行）开始，每行填写一人", head+2)
	}
	if s.MaxRows > 0 && n > s.MaxRows {
		return out, apperr.New(apperr.TooLarge, "一次最多导入 %d 行，本文件有 %d 行，请分批导入", s.MaxRows, n)
	}
	return out, nil
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
		found := map[int]bool{}
		for _, h := range all[r] {
			if i := s.Columns.Match(h); i >= 0 {
				found[i] = true
			}
		}
		complete := true
		for i, c := range s.Columns {
			if c.Required && !found[i] {
				complete = false
			}
		}
		if complete {
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
