// Package roster reads and writes the Excel rosters (花名册) people are
// imported from: the workers' roster of the workforce module and the
// recipients' roster (服务对象名册), and runs their import.
//
// It knows spreadsheets and the import's steps, not people: the file
// checks and their messages (upload bombs included), finding and
// matching the header row (HeaderSynonyms), skipping the rows that are
// not people, dates, the template, and the one import flow of
// Importer — upload → sealed staging (Batches) → check → commit once →
// report → rejected rows, in check, all-or-nothing or valid-rows mode.
// What a row means, how it is checked and written stays with each
// importer, which gives its Spec and its Rule.
package roster

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
)

// Column is a column of a roster template.
type Column struct {
	Header   string
	Field    string // the input field (JSON name) validation reports
	Required bool
	Date     bool                // Excel date serials and 1950/3/8-style dates are converted; text in the template
	Text     bool                // formatted as text in the template (long digit strings)
	Hint     string              // shown in the template's instructions and on the page
	Aliases  []string            // other headers accepted for the column
	List     []string            // the choices of the template's drop-down list
	Mask     func(string) string // how a filled cell is shown outside a logged export
}

// Columns are a template's columns, in order.
type Columns []Column

// Index is the position of the column with this template header, -1 if
// none.
func (cs Columns) Index(header string) int {
	for i, c := range cs {
		if c.Header == header {
			return i
		}
	}
	return -1
}

// HeaderSynonyms are the names offices give the same column, one group
// a line. A file's header finds a column whose header or alias is in
// the header's group (Columns.Match), so every roster reads them alike.
var HeaderSynonyms = [][]string{
	{"出生日期", "出生年月", "出生年月日"},
	{"居住情况", "居住状况"},
	{"身份证号", "公民身份号码", "身份证号码", "证件号码", "身份证"},
	{"联系电话", "联系方式", "手机号码", "手机号", "手机", "电话"},
	{"现住址", "家庭住址", "居住地址", "现居住地址", "住址"},
	{"户籍地址", "户籍所在地", "户籍"},
	{"对象类别", "救助类别", "人员类别", "类别"},
	{"村（社区）", "所在村（社区）", "所在村", "所在社区", "所在村居", "所在村（居）", "村（居）", "村居", "村/社区", "村／社区", "村（社区）名称"},
	{"监护人", "监护人姓名"},
}

// synonymGroup maps a folded header to its group in HeaderSynonyms.
var synonymGroup = func() map[string]int {
	m := map[string]int{}
	for i, g := range HeaderSynonyms {
		for _, h := range g {
			m[NormHeader(h)] = i
		}
	}
	return m
}()

// Match finds the column a file's header names (folded by NormHeader):
// a column's header, then its aliases, then a header of the same
// HeaderSynonyms group; -1 if none.
func (cs Columns) Match(header string) int {
	h := NormHeader(header)
	if h == "" {
		return -1
	}
	for i, c := range cs {
		if NormHeader(c.Header) == h {
			return i
		}
	}
	for i, c := range cs {
		for _, a := range c.Aliases {
			if NormHeader(a) == h {
				return i
			}
		}
	}
	g, ok := synonymGroup[h]
	if !ok {
		return -1
	}
	for i, c := range cs {
		for _, a := range append([]string{c.Header}, c.Aliases...) {
			if og, ok := synonymGroup[NormHeader(a)]; ok && og == g {
				return i
			}
		}
	}
	return -1
}

// HeaderOf is the header of the column of an input field, "" if none.
func (cs Columns) HeaderOf(field string) string {
	for _, c := range cs {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

// CellKey is the apperr key of a row's input field: 第5行·身份证号 (第5行
// for a field of no column).
func (cs Columns) CellKey(row int, field string) string {
	k := "第" + strconv.Itoa(row) + "行"
	if h := cs.HeaderOf(field); h != "" {
		k += "·" + h
	}
	return k
}

// Value is the cell of an input field in a row's cells, "" if none.
func (cs Columns) Value(cells []string, field string) string {
	for i, c := range cs {
		if c.Field == field && i < len(cells) {
			return cells[i]
		}
	}
	return ""
}

// Headers are the column headers as written in files: with a * on the
// required ones when star is set.
func (cs Columns) Headers(star bool) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Header
		if star && c.Required {
			out[i] += "*"
		}
	}
	return out
}

// Sorted returns the headers of a row's problems in column order: the
// whole row ("") first, then the template's columns, then any other
// header by name.
func (cs Columns) Sorted(errs map[string]string) []string {
	hs := make([]string, 0, len(errs))
	for h := range errs {
		hs = append(hs, h)
	}
	rank := func(h string) int {
		if h == "" {
			return -1
		}
		if i := cs.Index(h); i >= 0 {
			return i
		}
		return len(cs)
	}
	sort.Slice(hs, func(i, j int) bool {
		if ri, rj := rank(hs[i]), rank(hs[j]); ri != rj {
			return ri < rj
		}
		return hs[i] < hs[j]
	})
	return hs
}

// Reason joins a row's problems for the 错误原因 column:
// 「身份证号」校验位错误；「性别」与身份证号不一致.
func (cs Columns) Reason(errs map[string]string) string {
	var parts []string
	for _, h := range cs.Sorted(errs) {
		if h == "" {
			parts = append(parts, errs[h])
		} else {
			parts = append(parts, "「"+h+"」"+errs[h])
		}
	}
	return strings.Join(parts, "；")
}

// CellErrors lists a row's problems in column order.
func (cs Columns) CellErrors(row int, errs map[string]string) []CellError {
	out := make([]CellError, 0, len(errs))
	n := strconv.Itoa(row)
	for _, h := range cs.Sorted(errs) {
		e := CellError{Row: row, Column: h, Key: "第" + n + "行", Place: "第 " + n + " 行", Message: errs[h]}
		if h != "" {
			e.Key += "·" + h
			e.Place += "「" + h + "」"
		}
		out = append(out, e)
	}
	return out
}

// Mask returns a copy of a row's cells with every filled cell of a
// column with a Mask masked, for replies that are not a logged export.
func (cs Columns) Mask(cells []string) []string {
	out := append([]string(nil), cells...)
	for i, c := range cs {
		if c.Mask != nil && i < len(out) && out[i] != "" {
			out[i] = c.Mask(out[i])
		}
	}
	return out
}

var headerSpace = strings.NewReplacer("(", "（", ")", "）", " ", "", "\u3000", "", "\n", "", "\r", "", "\t", "")

// NormHeader folds the ways a header is written: half-width brackets,
// spaces and line breaks, a required mark (* or （必填）), （选填）.
func NormHeader(h string) string {
	h = headerSpace.Replace(strings.TrimSpace(h))
	h = strings.Trim(h, "*＊")
	for _, s := range []string{"（必填）", "（选填）", "（可选）"} {
		h = strings.TrimSuffix(h, s)
	}
	return strings.Trim(h, "*＊")
}

// Record is one data row of a roster.
type Record struct {
	Row    int               `json:"row"`              // the row number in the file
	Cells  []string          `json:"cells"`            // in template column order
	Errors map[string]string `json:"errors,omitempty"` // header ("" = the whole row) → message
	// Raw are every cell of the row as uploaded, in the file's column
	// order (dates of the template's date columns as read), so the
	// rejected-rows file gives back the user's own columns.
	Raw []string `json:"raw,omitempty"`
	// Decision is a person's answer to the row's doubt (DecideImport,
	// DecideSkip, "" none), set from Options.Decisions before the rule
	// checks the row.
	Decision string `json:"decision,omitempty"`
}

// CellError is one problem of an uploaded roster.
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`         // the template header; "" for the whole row
	Key     string `json:"key"`            // 第5行·身份证号, the key of apperr fields
	Place   string `json:"place"`          // 第 5 行「身份证号」, as the file names the column
	Cell    string `json:"cell,omitempty"` // D5, when the file has the column
	Message string `json:"message"`        // 校验位错误…
}

// Text is the problem as one sentence: 第 5 行「身份证号」：校验位错误…
func (e CellError) Text() string { return e.Place + "：" + e.Message }

// Fields returns problems keyed "第5行·身份证号", for an apperr.
func Fields(errs []CellError) apperr.Fields {
	fe := apperr.Fields{}
	for _, e := range errs {
		fe.Add(e.Key, e.Message)
	}
	return fe
}

// SizeLabel shows a byte count as MB or KB.
func SizeLabel(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(max(n>>10, 1), 10) + " KB"
}

// IsBlank reports whether every cell is empty or white space.
func IsBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
