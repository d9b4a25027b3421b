package roster

import (
	"bytes"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// templateListRows is how many rows get the drop-down lists when the
// Spec sets no row limit.
const templateListRows = 5000

func (s Spec) width() float64 {
	if s.Width > 0 {
		return s.Width
	}
	return 14
}

// Template writes the downloadable empty roster: the header row (text
// format for the Text and Date columns, drop-down lists for the columns
// with a List), and a 填写说明 sheet with each column's hint followed by
// notes. extra, if not nil, may add sheets.
func (s Spec) Template(notes []string, extra func(x *excelize.File) error) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := s.Sheet
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	header := s.Columns.Headers(s.Star)
	if err := x.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"FCE4D6"}, Pattern: 1}})
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keeps 18-digit numbers intact
	last, _ := excelize.ColumnNumberToName(len(s.Columns))
	_ = x.SetColWidth(sheet, "A", last, s.width())
	rows := s.MaxRows
	if rows <= 0 {
		rows = templateListRows
	}
	for i, c := range s.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if c.Text || c.Date {
			_ = x.SetColStyle(sheet, col, text)
		}
		if c.List != nil {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(col + "2:" + col + strconv.Itoa(rows+1))
			_ = dv.SetDropList(c.List)
			_ = x.AddDataValidation(sheet, dv)
		}
	}
	_ = x.SetCellStyle(sheet, "A1", last+"1", bold) // after the column styles

	const help = "填写说明"
	_, _ = x.NewSheet(help)
	_ = x.SetSheetRow(help, "A1", &[]string{"列名", "说明"})
	for i, c := range s.Columns {
		_ = x.SetSheetRow(help, "A"+strconv.Itoa(i+2), &[]string{c.Header, c.Hint})
	}
	for i, line := range notes {
		_ = x.SetCellValue(help, "A"+strconv.Itoa(len(s.Columns)+3+i), line)
	}
	_ = x.SetColWidth(help, "A", "A", 14)
	_ = x.SetColWidth(help, "B", "B", 80)
	if extra != nil {
		if err := extra(x); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	err := x.Write(&buf)
	return buf.Bytes(), err
}

// RejectedWorkbook writes rows that were not imported so the user can
// fix them and upload the file again: every column of the file as
// uploaded (header, the file's own header row; columns nobody
// recognised included, in their order), then 原行号 and 错误原因 (Read
// skips both). Rows read before files kept their own columns (no Raw)
// are written under the template's headers.
func (s Spec) RejectedWorkbook(header []string, rows []Record) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "未导入"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	// The file's own 原行号 / 错误原因 columns (a rejected file uploaded
	// again) are replaced by this upload's.
	var keep []int
	raw := len(header) > 0 && len(rows) > 0 && rows[0].Raw != nil
	if raw {
		for i, h := range header {
			if n := NormHeader(h); n != RejectReasonHeader && n != RejectRowHeader {
				keep = append(keep, i)
			}
		}
	}
	var head []any
	if raw {
		for _, i := range keep {
			head = append(head, header[i])
		}
	} else {
		for _, h := range s.Columns.Headers(s.Star) {
			head = append(head, h)
		}
	}
	n := len(head)
	head = append(head, RejectRowHeader, RejectReasonHeader)
	if err := x.SetSheetRow(sheet, "A1", &head); err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(max(n, 1))
	rowCol, _ := excelize.ColumnNumberToName(n + 1)
	reasonCol, _ := excelize.ColumnNumberToName(n + 2)
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49})
	red, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "B3261E"}})
	if n > 0 {
		_ = x.SetColStyle(sheet, "A:"+last, text)
	}
	_ = x.SetColStyle(sheet, reasonCol, red)
	for i, r := range rows {
		vals := make([]any, 0, n+2)
		if raw {
			for _, j := range keep {
				v := ""
				if j < len(r.Raw) {
					v = r.Raw[j]
				}
				vals = append(vals, v)
			}
		} else {
			for j := range s.Columns {
				v := ""
				if j < len(r.Cells) {
					v = r.Cells[j]
				}
				vals = append(vals, v)
			}
		}
		vals = append(vals, r.Row, s.Columns.Reason(r.Errors))
		_ = x.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &vals)
	}
	if n > 0 {
		_ = x.SetColWidth(sheet, "A", last, s.width())
	}
	_ = x.SetColWidth(sheet, rowCol, rowCol, 8)
	_ = x.SetColWidth(sheet, reasonCol, reasonCol, 60)
	var buf bytes.Buffer
	err := x.Write(&buf)
	return buf.Bytes(), err
}
