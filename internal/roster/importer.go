package roster

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

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
	// message.
	Notes map[string]string
	// Doubt, when set, is a question a person answers for this row
	// before it is written (a possible duplicate): header → message. The
	// row is written only if Record.Decision is DecideImport, and is
	// left out if it is DecideSkip; with no decision a writing run
	// writes nothing (see Report.Undecided).
	Doubt map[string]string
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
	// It runs after the check's read transaction has ended (and Close):
	// it must use only tx, never the q Begin was given.
	Write func(ctx context.Context, tx *db.Tx, v T) error
	// WriteMany, if set, stores many checked values at once (multi-row
	// INSERTs), as Write does one by one. When it returns an
	// *apperr.Error (one of the rows cannot be written), its work is
	// undone and the rows are written one by one with Write, which
	// names the row.
	WriteMany func(ctx context.Context, tx *db.Tx, vs []T) error
	// Prepare, if set, does the work of writing a value that needs no
	// database (sealing personal data, building the audit entry), after
	// the check and before the write lock is taken; it runs only when
	// the rows are to be written, on several rows at once (it must be
	// safe for concurrent use).
	Prepare func(v T) T
	// Close, if set, releases what Begin took (a prepared statement)
	// when the check ends.
	Close func()
}

// Options are the uploader's choices beyond the file.
type Options struct {
	// Target is the station or room (org id) the roster belongs to,
	// "" for the uploader's own; a station column in the file, when
	// filled, overrides it per row.
	Target string `json:"target,omitempty"`
	// Decisions are a person's answers to the rows in doubt, by row
	// number in the file: DecideImport or DecideSkip. They are made on
	// the check's report and given with the commit, never kept with the
	// upload.
	Decisions map[int]string `json:"-"`
}

// Decisions on a row in doubt (Checked.Doubt).
const (
	DecideImport = "import" // 导入: a person looked and imports the row all the same
	DecideSkip   = "skip"   // 跳过: the row is not imported
)

// DecisionLabel is the Chinese name of a decision.
func DecisionLabel(d string) string {
	switch d {
	case DecideImport:
		return "导入"
	case DecideSkip:
		return "跳过"
	}
	return "未选择"
}

// Doubt is a row in doubt as the report shows it, with the decision
// taken on it ("" none yet).
type Doubt struct {
	Row      int    `json:"row"`
	Key      string `json:"key"`            // 第5行·姓名
	Place    string `json:"place"`          // 第 5 行「姓名」
	Cell     string `json:"cell,omitempty"` // B5
	Message  string `json:"message"`
	Decision string `json:"decision,omitempty"` // import / skip
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
	// Begin prepares the rule of one run on q, the check's read
	// transaction: lookups of the actor's stations, workers…
	Begin func(ctx context.Context, q db.Querier, actor *authz.Actor, opts Options) (Rule[T], error)
}

// Report is the outcome of checking or importing a roster.
type Report struct {
	Filename string      `json:"filename"`
	Mode     string      `json:"mode"`
	Total    int         `json:"total"`    // data rows
	Valid    int         `json:"valid"`    // rows that pass every check
	Invalid  int         `json:"invalid"`  // rows with at least one problem
	Imported int         `json:"imported"` // people written
	Errors   []CellError `json:"errors"`
	Notes    []CellError `json:"notes,omitempty"` // worth a look, not stopping a row
	// Doubts are the valid rows a person decides on (import or skip)
	// before they are written; Declined of them were skipped by that
	// decision (they are in the rejected rows, with the reason), and
	// Undecided have no decision yet: a writing run then writes nothing.
	Doubts    []Doubt   `json:"doubts,omitempty"`
	Declined  int       `json:"declined"`
	Undecided int       `json:"undecided"`
	DecidedBy string    `json:"decided_by,omitempty"` // who decided, when any decision was taken
	Skipped   []Skipped `json:"skipped,omitempty"`    // rows that are not people
	Ignored   []string  `json:"ignored,omitempty"`    // headers of the file that were not read
	BatchID   string    `json:"batch_id,omitempty"`
	Committed bool      `json:"committed"`
	Target    string    `json:"target,omitempty"`
	header    []string
	rows      []Record
	spec      Spec
}

// Rejected returns the rows with problems and the rows skipped by a
// decision, as uploaded.
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
	return im.run(ctx, d, actor, filename, sheet, ModeCheck, opts)
}

// Run reads an upload and runs it at once, without keeping the file:
// checked only, or checked and then written by mode in one short
// transaction. With ModeAll and any problem nothing is written and the
// error lists every problem keyed "第5行·身份证号"; the report is returned
// as well. Rows in doubt are written or left out by opts.Decisions; one
// without a decision stops the run before anything is written.
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
	rep, held, rule, err := im.checkAll(ctx, d, actor, filename, sheet, mode, opts)
	if err != nil {
		return rep, err
	}
	prepare(rule, held)
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return im.writeAll(ctx, tx, rule, actor, &rep, held)
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
	if opts.Target == "" {
		return mode
	}
	opts.Decisions = nil
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
// upload; decisions answer the rows in doubt by row number (DecideImport,
// DecideSkip). The rows are checked first in a read transaction; then
// the batch is claimed, the rows written and the batch marked in one
// short write transaction, so the write lock is held only while writing:
// a second commit (a double click, a second tab) finds the batch claimed
// and is refused, and a refused or failed import leaves it unclaimed
// (e.g. "all or nothing" with problems, or rows in doubt without a
// decision: nothing is written, the user may still decide or choose to
// import the valid rows; the report comes back with the error and its
// BatchID). A person registered between the check and the write is
// caught by the database's unique ID index.
func (im Importer[T]) Commit(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id, mode string, decisions map[int]string) (Report, error) {
	if actor == nil {
		return Report{}, errNoActor()
	}
	var rep Report
	bs := im.batches(keys)
	refused := func(b Batch) error {
		return apperr.New(apperr.Conflict, "这份%s已于 %s 导入过（%d 人），请勿重复导入", im.Spec.What, cst.ShowStamp(b.CommittedAt), b.Imported)
	}
	b, err := bs.Load(ctx, d, actor, id)
	if err != nil {
		return rep, err
	}
	if b.Committed() {
		return rep, refused(b)
	}
	chosen, opts := decodeMode(b.Mode)
	if mode == "" {
		mode = chosen
	}
	if mode != ModeAll && mode != ModeValid {
		return rep, apperr.New(apperr.BadRequest, "未知的导入方式：%s", mode)
	}
	opts.Decisions = decisions
	sheet, err := im.Spec.Read(b.Filename, b.Data)
	if err != nil {
		return rep, err
	}
	rep, held, rule, err := im.checkAll(ctx, d, actor, b.Filename, sheet, mode, opts)
	if err == nil {
		prepare(rule, held)
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if claimed, err := bs.Claim(ctx, tx, &b); err != nil {
				return err
			} else if !claimed {
				if again, err := bs.Load(ctx, tx, actor, id); err == nil {
					b = again
				}
				return refused(b)
			}
			if err := im.writeAll(ctx, tx, rule, actor, &rep, held); err != nil {
				return err
			}
			rep.BatchID, rep.Committed = id, true
			return bs.Finish(ctx, tx, id, rep.Imported, rep.Rejected())
		})
	}
	if err != nil && rep.Filename != "" {
		rep.BatchID, rep.Committed = id, false // a refused "all or nothing": the report stays useful
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

// run checks the rows read in one read transaction (a consistent
// snapshot that never takes the write lock), for the report only.
func (im Importer[T]) run(ctx context.Context, d *db.DB, actor *authz.Actor, filename string, sheet Sheet, mode string, opts Options) (Report, error) {
	rep, _, _, err := im.checkAll(ctx, d, actor, filename, sheet, mode, opts)
	return rep, err
}

// checkAll checks every row read, in one read transaction, and returns
// the report and the rows to write by mode and decisions (none when only
// checking). With ModeAll and a row with problems, or in a writing mode
// with a row in doubt and no decision, it returns the report and an
// error (apperr.Invalid keyed "第5行·身份证号"), nothing to write.
func (im Importer[T]) checkAll(ctx context.Context, d *db.DB, actor *authz.Actor, filename string, sheet Sheet, mode string, opts Options) (Report, []heldRow[T], Rule[T], error) {
	rep := Report{Filename: filename, Mode: mode, Total: len(sheet.Records), Errors: []CellError{}, Skipped: sheet.Skipped,
		Ignored: sheet.Ignored, Target: opts.Target, header: sheet.Header, spec: im.Spec}
	var held []heldRow[T]
	var rule Rule[T]
	err := d.ReadTx(ctx, func(q db.Querier) error {
		var err error
		rule, err = im.Begin(ctx, q, actor, opts)
		if err != nil {
			return err
		}
		if rule.Close != nil {
			defer rule.Close()
		}
		held, err = im.checkRows(ctx, rule, actor, &rep, sheet, opts)
		return err
	})
	if err != nil {
		return rep, nil, rule, err
	}
	if mode == ModeCheck {
		return rep, nil, rule, nil
	}
	if mode == ModeAll && rep.Invalid > 0 {
		e := rep.Fields().Err().(*apperr.Error)
		e.Message = fmt.Sprintf("%s中有 %d 行有误，未导入任何数据；请按提示修改后重新上传，或选择只导入有效的 %d 行", im.Spec.What, rep.Invalid, rep.Valid)
		return rep, nil, rule, e
	}
	if rep.Undecided > 0 {
		fe := apperr.Fields{}
		for _, d := range rep.Doubts {
			if d.Decision == "" {
				fe.Add(d.Key, "请选择“导入”或“跳过”")
			}
		}
		e := fe.Err().(*apperr.Error)
		e.Message = fmt.Sprintf("%s中有 %d 行可能与已登记的人员重复，请逐行核对并选择“导入”或“跳过”后再确认导入；未导入任何数据", im.Spec.What, rep.Undecided)
		return rep, nil, rule, e
	}
	return rep, held, rule, nil
}

// checkRows runs the rule over the rows, filling the report; it returns
// the rows that may be written (valid, and imported by decision when in
// doubt).
func (im Importer[T]) checkRows(ctx context.Context, rule Rule[T], actor *authz.Actor, rep *Report, sheet Sheet, opts Options) ([]heldRow[T], error) {
	var held []heldRow[T]
	firstRowOf := map[string]int{} // Key → first row with it
	for i := range sheet.Records {
		row := &sheet.Records[i]
		row.Decision = opts.Decisions[row.Row]
		if row.Decision != DecideImport && row.Decision != DecideSkip {
			row.Decision = ""
		}
		c, err := rule.Check(ctx, *row)
		if err != nil {
			return nil, fmt.Errorf("check row %d: %w", row.Row, err)
		}
		errs := map[string]string{}
		for h, m := range c.Errors {
			errs[h] = m
		}
		// A person twice in the file is named as such, before whatever
		// else the lookup found.
		if c.Key != "" {
			if first, dup := firstRowOf[c.Key]; dup {
				errs[im.KeyColumn] = "与第 " + strconv.Itoa(first) + " 行的" + im.KeyColumn + "重复（同一人只能登记一次）"
			} else {
				firstRowOf[c.Key] = row.Row
			}
		}
		row.Errors = nil
		if len(c.Notes) > 0 {
			rep.Notes = append(rep.Notes, im.cellErrors(sheet, *row, c.Notes)...)
		}
		if len(errs) > 0 {
			row.Errors = errs
			rep.Invalid++
			rep.Errors = append(rep.Errors, im.cellErrors(sheet, *row, errs)...)
			continue
		}
		rep.Valid++
		if len(c.Doubt) > 0 {
			// A row with problems is fixed first; a valid one in doubt
			// waits for a person's decision.
			ds := im.cellErrors(sheet, *row, c.Doubt)
			msgs := make([]string, len(ds))
			for j, e := range ds {
				msgs[j] = e.Message
			}
			d := Doubt{Row: row.Row, Key: ds[0].Key, Place: ds[0].Place, Cell: ds[0].Cell, Message: strings.Join(msgs, "；"), Decision: row.Decision}
			rep.Doubts = append(rep.Doubts, d)
			if row.Decision != "" {
				rep.DecidedBy = actor.DisplayName + "（" + actor.Username + "）"
			}
			switch row.Decision {
			case DecideSkip:
				rep.Declined++
				row.Errors = map[string]string{"": d.Message + "；" + actor.DisplayName + "核对后选择跳过，未导入"}
				continue
			case "":
				rep.Undecided++
				continue
			}
		}
		held = append(held, heldRow[T]{row.Row, c.Value})
	}
	rep.rows = sheet.Records
	return held, nil
}

// writeAll writes the checked rows in tx and records the import in the
// audit log. ModeAll writes every row or none: a row that fails while
// being written (someone registered the same person a moment ago) fails
// the import. ModeValid writes the rows in one savepoint and, only if
// one of them fails so, again one savepoint per row, rejecting that row
// alone (on PostgreSQL a failed statement would otherwise abort the
// whole transaction).
func (im Importer[T]) writeAll(ctx context.Context, tx *db.Tx, rule Rule[T], actor *authz.Actor, rep *Report, held []heldRow[T]) error {
	rep.Imported = 0
	if rule.WriteMany != nil && len(held) > 0 {
		vs := make([]T, len(held))
		for i, h := range held {
			vs[i] = h.v
		}
		err := tx.InSavepoint(ctx, func() error { return rule.WriteMany(ctx, tx, vs) })
		if _, rowFault := apperr.As(err); err != nil && !rowFault {
			return err
		}
		if err == nil {
			rep.Imported = len(held)
			held = nil
		}
		// else: a row cannot be written; one by one, to name it.
	}
	if rep.Mode == ModeAll {
		for _, h := range held {
			if err := im.writeOne(ctx, tx, rule, h); err != nil {
				return err
			}
		}
		rep.Imported += len(held)
	} else if len(held) > 0 {
		err := tx.InSavepoint(ctx, func() error {
			for _, h := range held {
				if err := rule.Write(ctx, tx, h.v); err != nil {
					return err
				}
			}
			return nil
		})
		if _, rowFault := apperr.As(err); err != nil && !rowFault {
			return err
		}
		if err == nil {
			rep.Imported = len(held)
		} else if err := im.writeEach(ctx, tx, rule, rep, held); err != nil {
			return err
		}
	}
	summary := fmt.Sprintf("导入%s“%s”（%s）：共 %d 行，导入 %d 人，未导入 %d 行", im.Spec.What, rep.Filename, ModeLabel(rep.Mode), rep.Total, rep.Imported, rep.Invalid+rep.Declined)
	changes := []audit.Change{
		{Field: "total", Label: "文件行数", After: strconv.Itoa(rep.Total)},
		{Field: "imported", Label: "导入人数", After: strconv.Itoa(rep.Imported)},
		{Field: "rejected", Label: "未导入行数", After: strconv.Itoa(rep.Invalid + rep.Declined)},
	}
	if len(rep.Doubts) > 0 {
		summary += fmt.Sprintf("；可能重复 %d 行，由 %s 逐行决定：导入 %d 行，跳过 %d 行", len(rep.Doubts), rep.DecidedBy, len(rep.Doubts)-rep.Declined, rep.Declined)
		changes = append(changes, audit.Change{Field: "declined", Label: "决定跳过的可能重复行", After: strconv.Itoa(rep.Declined)})
	}
	if len(rep.Skipped) > 0 {
		summary += fmt.Sprintf("，跳过非人员行 %d 行", len(rep.Skipped))
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionImport, Entity: im.Entity, OrgPath: actor.OrgPath,
		Summary: summary, Changes: changes})
}

// prepare runs the rule's Prepare over the rows to write, outside the
// write lock, on every processor for a large roster (sealing 50,000
// rows is most of a second on one).
func prepare[T any](rule Rule[T], held []heldRow[T]) {
	if rule.Prepare == nil {
		return
	}
	workers := min(runtime.GOMAXPROCS(0), len(held)/1000+1)
	per := (len(held) + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < len(held); start += per {
		part := held[start:min(start+per, len(held))]
		wg.Go(func() {
			for i := range part {
				part[i].v = rule.Prepare(part[i].v)
			}
		})
	}
	wg.Wait()
}

// writeOne writes a row of an "all or nothing" import: a row that fails
// fails the import, its message naming the row.
func (im Importer[T]) writeOne(ctx context.Context, tx *db.Tx, rule Rule[T], h heldRow[T]) error {
	err := rule.Write(ctx, tx, h.v)
	if err == nil {
		return nil
	}
	ae, ok := apperr.As(err)
	if !ok {
		return fmt.Errorf("import row %d: %w", h.row, err)
	}
	if ae.Kind == apperr.Unauthorized {
		return err
	}
	fe := apperr.Fields{}
	for field, msg := range ae.Fields {
		fe.Add(im.Spec.Columns.CellKey(h.row, field), msg)
	}
	if len(fe) == 0 {
		fe.Add("第"+strconv.Itoa(h.row)+"行", ae.Message)
	}
	e := fe.Err().(*apperr.Error)
	e.Message = fmt.Sprintf("第 %d 行未能导入（%s），未导入任何数据；请重新上传检查", h.row, ae.Message)
	return e
}

// writeEach writes the rows of a "valid rows" import one savepoint each,
// rejecting a row that fails alone, with its problem in the report.
func (im Importer[T]) writeEach(ctx context.Context, tx *db.Tx, rule Rule[T], rep *Report, held []heldRow[T]) error {
	byRow := map[int]*Record{}
	for i := range rep.rows {
		byRow[rep.rows[i].Row] = &rep.rows[i]
	}
	for _, h := range held {
		err := tx.InSavepoint(ctx, func() error { return rule.Write(ctx, tx, h.v) })
		if err == nil {
			rep.Imported++
			continue
		}
		ae, ok := apperr.As(err)
		if !ok {
			return fmt.Errorf("import row %d: %w", h.row, err)
		}
		if ae.Kind == apperr.Unauthorized {
			return err
		}
		errs := map[string]string{}
		if len(ae.Fields) == 0 {
			errs[""] = ae.Message
		}
		for field, msg := range ae.Fields {
			errs[im.Spec.Columns.HeaderOf(field)] = msg
		}
		row := byRow[h.row]
		row.Errors = errs
		rep.Valid--
		rep.Invalid++
		rep.Errors = append(rep.Errors, im.Spec.Columns.CellErrors(h.row, errs)...)
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
