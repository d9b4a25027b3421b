package roster

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// The import of a roster, the same for every kind: upload → sealed
// staging (Batches) → check → commit once → report → rejected rows.
// An importer describes its file with a Spec and its people with a
// Rule; everything else is here.

// Import modes.
const (
	ModeCheck = "check" // validate only, write nothing
	ModeAll   = "all"   // write only if every row is valid (全部正确才导入)
	ModeValid = "valid" // write the valid rows, report the rest (只导入有效行)
)

// ModeLabel is the Chinese name of a mode.
func ModeLabel(mode string) string {
	switch mode {
	case ModeAll:
		return "全部正确才导入"
	case ModeValid:
		return "只导入有效行"
	}
	return "仅检查"
}

// Checked is what a Rule made of one row.
type Checked[T any] struct {
	Value T
	// Errors are the row's problems: template header ("" = the whole
	// row) → message. A row with none is valid.
	Errors map[string]string
	// Notes are shown in the report without stopping the row: header →
	// message (a possible duplicate to look at after the import).
	Notes map[string]string
	// Key identifies the person (e.g. the blind index of the ID
	// number): a later row of the file with the same key is refused.
	Key string
}

// Rule is how an importer checks and writes its rows, for one run.
type Rule[T any] struct {
	// Check turns a row into a checked value or problems. An error is
	// a failure that is not the row's fault and stops the run.
	Check func(ctx context.Context, row Record) (Checked[T], error)
	// Write stores a checked value in the commit's transaction. An
	// *apperr.Error (someone registered the same person a moment ago)
	// rejects the row alone; its fields are JSON names (Spec.Columns).
	Write func(ctx context.Context, tx *db.Tx, v T) error
	// Close, if set, releases what Begin took (a prepared statement)
	// when the run ends.
	Close func()
}

// Options are the uploader's choices beyond the file.
type Options struct {
	// Target is the station or room (org id) the roster belongs to,
	// "" for the uploader's own; a station column in the file, when
	// filled, overrides it per row.
	Target string `json:"target,omitempty"`
}

// heldRow is a checked row waiting to be written.
type heldRow[T any] struct {
	row int
	v   T
}

// Importer is one kind of roster import.
type Importer[T any] struct {
	Spec      Spec
	Table     string // the module's batches table (see Batches)
	Entity    string // the audit entity of the people imported
	KeyColumn string // the header a repeated Key is reported on: 身份证号
	// Begin prepares the rule of one run on q (the commit's transaction
	// when writing): lookups of the actor's stations, workers…
	Begin func(ctx context.Context, q db.Querier, actor *authz.Actor, opts Options) (Rule[T], error)
}

// Report is the outcome of checking or importing a roster.
type Report struct {
	Filename  string      `json:"filename"`
	Mode      string      `json:"mode"`
	Total     int         `json:"total"`    // data rows
	Valid     int         `json:"valid"`    // rows that pass every check
	Invalid   int         `json:"invalid"`  // rows with at least one problem
	Imported  int         `json:"imported"` // people written
	Errors    []CellError `json:"errors"`
	Notes     []CellError `json:"notes,omitempty"`   // worth a look, not stopping a row
	Skipped   []Skipped   `json:"skipped,omitempty"` // rows that are not people
	Ignored   []string    `json:"ignored,omitempty"` // headers of the file that were not read
	BatchID   string      `json:"batch_id,omitempty"`
	Committed bool        `json:"committed"`
	Target    string      `json:"target,omitempty"`
	header    []string
	rows      []Record
	spec      Spec
}

// Rejected returns the rows with problems, as uploaded.
func (r Report) Rejected() Rejected {
	out := Rejected{Header: r.header, spec: r.spec}
	for _, row := range r.rows {
		if len(row.Errors) > 0 {
			out.Rows = append(out.Rows, row)
		}
	}
	return out
}

// MaskedRejected returns copies of the rejected rows with the personal
// cells masked (Column.Mask), for replies that are not a logged export.
func (r Report) MaskedRejected() []Record {
	rej := r.Rejected().Rows
	out := make([]Record, len(rej))
	for i, row := range rej {
		row.Cells = r.spec.Columns.Mask(row.Cells)
		row.Raw = nil // the file's own columns are not known to be harmless
		out[i] = row
	}
	return out
}

// Fields returns the problems keyed "第5行·身份证号", for an apperr.
func (r Report) Fields() apperr.Fields { return Fields(r.Errors) }

// Rejected are the rows not imported, as uploaded, with the file's
// header: what the rejected-rows workbook is written from.
type Rejected struct {
	Header []string `json:"header"`
	Rows   []Record `json:"rows"`
	spec   Spec
}

// Reason is a row's problems for the 错误原因 column.
func (r Rejected) Reason(row Record) string { return r.spec.Columns.Reason(row.Errors) }

// Workbook writes the rejected rows for download (Spec.RejectedWorkbook).
func (r Rejected) Workbook() ([]byte, error) { return r.spec.RejectedWorkbook(r.Header, r.Rows) }

// errNoActor refuses a call without an actor.
func errNoActor() error { return apperr.New(apperr.Unauthorized, "请先登录") }

func validMode(mode string) error {
	if mode != ModeAll && mode != ModeValid {
		return &apperr.Error{Kind: apperr.Invalid, Message: "请选择导入方式",
			Fields: map[string]string{"mode": "请选择“全部正确才导入”或“只导入有效行”"}}
	}
	return nil
}

// Check reads and checks an upload without writing anything and
// without a transaction (on SQLite it would hold the write lock while
// thousands of rows are checked). A file that cannot be read is an
// error; problems of rows are in the report.
func (im Importer[T]) Check(ctx context.Context, d *db.DB, actor *authz.Actor, filename string, data []byte, opts Options) (Report, error) {
	if actor == nil {
		return Report{}, errNoActor()
	}
	sheet, err := im.Spec.Read(filename, data)
	if err != nil {
		return Report{Filename: filename, Mode: ModeCheck}, err
	}
	return im.run(ctx, d, nil, actor, filename, sheet, ModeCheck, opts)
}

// Run reads an upload and runs it at once, without keeping the file:
// checked only, or written by mode in one transaction. With ModeAll and
// any problem nothing is written and the error lists every problem
// keyed "第5行·身份证号"; the report is returned as well.
func (im Importer[T]) Run(ctx context.Context, d *db.DB, actor *authz.Actor, filename string, data []byte, mode string, opts Options) (Report, error) {
	if mode == ModeCheck {
		return im.Check(ctx, d, actor, filename, data, opts)
	}
	if actor == nil {
		return Report{}, errNoActor()
	}
	if err := validMode(mode); err != nil {
		return Report{Filename: filename}, err
	}
	sheet, err := im.Spec.Read(filename, data)
	if err != nil {
		return Report{Filename: filename, Mode: mode}, err
	}
	var rep Report
	err = d.InTx(ctx, func(tx *db.Tx) error {
		rep, err = im.run(ctx, tx, tx, actor, filename, sheet, mode, opts)
		return err
	})
	return rep, err
}

// Upload checks an upload (nothing is written) and keeps the file,
// sealed, for Commit and RejectedOf by the same user. A file that cannot
// be read is an error and is not kept.
func (im Importer[T]) Upload(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename, mode string, data []byte, opts Options) (Report, error) {
	if err := validMode(mode); err != nil {
		return Report{Filename: filename}, err
	}
	rep, err := im.Check(ctx, d, actor, filename, data, opts)
	if err != nil {
		return rep, err
	}
	rep.Mode = mode
	var id string
	err = d.InTx(ctx, func(tx *db.Tx) error {
		id, err = im.batches(keys).Stage(ctx, tx, actor, filename, encodeMode(mode, opts), data)
		return err
	})
	rep.BatchID = id
	return rep, err
}

// The options ride in the batch's mode column: "valid" or
// "valid {json}", so a kept upload needs no other column.
func encodeMode(mode string, opts Options) string {
	if opts == (Options{}) {
		return mode
	}
	js, _ := json.Marshal(opts)
	return mode + " " + string(js)
}

// StageMode is the mode column of a batch a module keeps itself
// (Batches.Stage) with the uploader's options, so Commit runs it with
// them.
func StageMode(mode string, opts Options) string { return encodeMode(mode, opts) }

func decodeMode(s string) (string, Options) {
	mode, rest, _ := strings.Cut(s, " ")
	var opts Options
	if rest != "" {
		_ = json.Unmarshal([]byte(rest), &opts)
	}
	return mode, opts
}

func (im Importer[T]) batches(keys *secure.Keyring) Batches {
	return Batches{Table: im.Table, Keys: keys}
}

// Commit imports a kept upload, once: mode "" uses the mode chosen at
// upload. The batch is claimed, imported and marked in one transaction:
// a second commit (a double click, a second tab) finds it claimed and is
// refused, and a refused or failed import leaves it unclaimed (e.g. "all
// or nothing" with problems: nothing is written, the user may still
// choose to import the valid rows; the report comes back with the
// error and its BatchID).
func (im Importer[T]) Commit(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id, mode string) (Report, error) {
	if actor == nil {
		return Report{}, errNoActor()
	}
	var rep Report
	bs := im.batches(keys)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		b, err := bs.Load(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		refused := func() error {
			return apperr.New(apperr.Conflict, "这份%s已于 %s 导入过（%d 人），请勿重复导入", im.Spec.What, cst.ShowStamp(b.CommittedAt), b.Imported)
		}
		if b.Committed() {
			return refused()
		}
		chosen, opts := decodeMode(b.Mode)
		if mode == "" {
			mode = chosen
		}
		if mode != ModeAll && mode != ModeValid {
			return apperr.New(apperr.BadRequest, "未知的导入方式：%s", mode)
		}
		if claimed, err := bs.Claim(ctx, tx, &b); err != nil {
			return err
		} else if !claimed {
			return refused()
		}
		sheet, err := im.Spec.Read(b.Filename, b.Data)
		if err != nil {
			return err
		}
		if rep, err = im.run(ctx, tx, tx, actor, b.Filename, sheet, mode, opts); err != nil {
			return err
		}
		rep.BatchID, rep.Committed = id, true
		return bs.Finish(ctx, tx, id, rep.Imported, rep.Rejected())
	})
	if err != nil && rep.Filename != "" {
		rep.BatchID = id // a refused "all or nothing": the report stays useful
	}
	return rep, err
}

// RejectedOf returns the rows of a kept upload that are (or, once
// committed, were) not imported, and the upload's file name.
//
// The rows are as uploaded (full ID numbers and phones), so handing them
// out is an export and is recorded in the audit log.
func (im Importer[T]) RejectedOf(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id string) (Rejected, string, error) {
	if actor == nil {
		return Rejected{}, "", errNoActor()
	}
	b, err := im.batches(keys).Load(ctx, d, actor, id)
	if err != nil {
		return Rejected{}, "", err
	}
	rej := Rejected{spec: im.Spec}
	if b.Committed() {
		if err := b.Rejected(&rej); err != nil {
			return Rejected{}, "", err
		}
	} else {
		_, opts := decodeMode(b.Mode)
		rep, err := im.Check(ctx, d, actor, b.Filename, b.Data, opts)
		if err != nil {
			return Rejected{}, "", err
		}
		rej = rep.Rejected()
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionExport, Entity: im.Entity, EntityID: id, OrgPath: actor.OrgPath,
			Summary: fmt.Sprintf("下载%s“%s”未导入的 %d 行（含完整身份证号等个人信息）", im.Spec.What, b.Filename, len(rej.Rows))})
	})
	return rej, b.Filename, err
}

// run checks the rows read and, by mode, writes them on tx (nil when
// only checking; q is tx then, or the pool).
func (im Importer[T]) run(ctx context.Context, q db.Querier, tx *db.Tx, actor *authz.Actor, filename string, sheet Sheet, mode string, opts Options) (Report, error) {
	rep := Report{Filename: filename, Mode: mode, Total: len(sheet.Records), Errors: []CellError{}, Skipped: sheet.Skipped,
		Ignored: sheet.Ignored, Target: opts.Target, header: sheet.Header, spec: im.Spec}
	rule, err := im.Begin(ctx, q, actor, opts)
	if err != nil {
		return rep, err
	}
	if rule.Close != nil {
		defer rule.Close()
	}
	write := mode != ModeCheck && tx != nil
	var held []heldRow[T]          // "all": the checked rows, written at the end
	firstRowOf := map[string]int{} // Key → first row with it
	for i := range sheet.Records {
		row := &sheet.Records[i]
		c, err := rule.Check(ctx, *row)
		if err != nil {
			return rep, fmt.Errorf("check row %d: %w", row.Row, err)
		}
		errs := map[string]string{}
		for h, m := range c.Errors {
			errs[h] = m
		}
		// A person twice in the file is named as such, before whatever
		// else the lookup found (in "all" mode the first row is written
		// already and would read as registered).
		if c.Key != "" {
			if first, dup := firstRowOf[c.Key]; dup {
				errs[im.KeyColumn] = "与第 " + strconv.Itoa(first) + " 行的" + im.KeyColumn + "重复（同一人只能登记一次）"
			} else {
				firstRowOf[c.Key] = row.Row
			}
		}
		// "Valid rows" writes a row as it passes; "all" writes once every
		// row has passed, so a roster with a wrong row costs no writes
		// to undo.
		if len(errs) == 0 && write {
			if mode == ModeAll {
				held = append(held, heldRow[T]{row.Row, c.Value})
			} else if err := im.write(ctx, tx, rule, c.Value, mode, row.Row, errs); err != nil {
				return rep, err
			} else if len(errs) == 0 {
				rep.Imported++
			}
		}
		row.Errors = nil
		if len(errs) > 0 {
			row.Errors = errs
			rep.Invalid++
			rep.Errors = append(rep.Errors, im.cellErrors(sheet, *row, errs)...)
		} else {
			rep.Valid++
		}
		if len(c.Notes) > 0 {
			rep.Notes = append(rep.Notes, im.cellErrors(sheet, *row, c.Notes)...)
		}
	}
	rep.rows = sheet.Records
	if mode == ModeCheck || tx == nil {
		return rep, nil
	}
	if mode == ModeAll && rep.Invalid == 0 {
		for _, h := range held {
			if err := im.write(ctx, tx, rule, h.v, mode, h.row, nil); err != nil {
				return rep, err
			}
			rep.Imported++
		}
	}
	if mode == ModeAll && rep.Invalid > 0 {
		rep.Imported = 0
		e := rep.Fields().Err().(*apperr.Error)
		e.Message = fmt.Sprintf("%s中有 %d 行有误，未导入任何数据；请按提示修改后重新上传，或选择只导入有效的 %d 行", im.Spec.What, rep.Invalid, rep.Valid)
		return rep, e // undoes the rows written
	}
	summary := fmt.Sprintf("导入%s“%s”（%s）：共 %d 行，导入 %d 人，未导入 %d 行", im.Spec.What, filename, ModeLabel(mode), rep.Total, rep.Imported, rep.Invalid)
	if len(rep.Skipped) > 0 {
		summary += fmt.Sprintf("，跳过非人员行 %d 行", len(rep.Skipped))
	}
	return rep, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionImport, Entity: im.Entity, OrgPath: actor.OrgPath,
		Summary: summary,
		Changes: []audit.Change{
			{Field: "total", Label: "文件行数", After: strconv.Itoa(rep.Total)},
			{Field: "imported", Label: "导入人数", After: strconv.Itoa(rep.Imported)},
			{Field: "rejected", Label: "未导入行数", After: strconv.Itoa(rep.Invalid)},
		}})
}

// write stores one valid row. In "valid rows" mode it does so in a
// savepoint: a row that fails while being written (someone registered
// the same person a moment ago) is rejected alone, with its problems in
// errs; on PostgreSQL a failed statement would otherwise abort the whole
// transaction. In "all" mode such a row fails the whole import, which
// spares a savepoint per row.
func (im Importer[T]) write(ctx context.Context, tx *db.Tx, rule Rule[T], v T, mode string, row int, errs map[string]string) error {
	if mode == ModeAll {
		err := rule.Write(ctx, tx, v)
		if _, ok := apperr.As(err); err != nil && !ok {
			return fmt.Errorf("import row %d: %w", row, err)
		}
		if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Unauthorized {
			fe := apperr.Fields{}
			for field, msg := range ae.Fields {
				fe.Add(im.Spec.Columns.CellKey(row, field), msg)
			}
			if len(fe) == 0 {
				fe.Add("第"+strconv.Itoa(row)+"行", ae.Message)
			}
			e := fe.Err().(*apperr.Error)
			e.Message = fmt.Sprintf("第 %d 行未能导入（%s），未导入任何数据；请重新上传检查", row, ae.Message)
			return e
		}
		return err
	}
	err := tx.InSavepoint(ctx, func() error { return rule.Write(ctx, tx, v) })
	if err == nil {
		return nil
	}
	ae, ok := apperr.As(err)
	if !ok {
		return fmt.Errorf("import row %d: %w", row, err)
	}
	if ae.Kind == apperr.Unauthorized {
		return err
	}
	if len(ae.Fields) == 0 {
		errs[""] = ae.Message
	}
	for field, msg := range ae.Fields {
		errs[im.Spec.Columns.HeaderOf(field)] = msg
	}
	return nil
}

// cellErrors lists a row's problems in column order, naming each cell
// as the file names it, and saying what a date cell held.
func (im Importer[T]) cellErrors(sheet Sheet, row Record, errs map[string]string) []CellError {
	out := im.Spec.Columns.CellErrors(row.Row, errs)
	for i := range out {
		e := &out[i]
		j := im.Spec.Columns.Index(e.Column)
		if j < 0 || j >= len(sheet.FileColumn) || sheet.FileColumn[j].Header == "" {
			continue
		}
		fc := sheet.FileColumn[j]
		e.Cell = cellName(fc.Letter, row.Row)
		if NormHeader(fc.Header) != e.Column {
			e.Place = "第 " + strconv.Itoa(row.Row) + " 行「" + fc.Header + "」"
		}
		if im.Spec.Columns[j].Date && row.Cells[j] != "" && !strings.Contains(e.Message, row.Cells[j]) {
			e.Message += "（" + e.Cell + " 单元格读到“" + row.Cells[j] + "”）"
		}
	}
	return out
}
