package recipients

import (
	"context"
	"encoding/json"
	"io"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/secure"
)

// ExportHeaders are the column titles of the exported ledger (服务对象台账).
var ExportHeaders = []string{"姓名", "性别", "出生日期", "年龄", "身份证号", "民族", "联系电话", "户籍地址", "现住址", "村（社区）代码", "村（社区）名称",
	"负责站点", "居住情况", "对象类别", "残疾类别", "残疾等级", "主要收入来源", "监护人/联系人", "与本人关系", "监护人电话",
	"健康状况", "责任社工", "状态", "状态原因", "状态日期", "家庭关系"}

// ExportSheet is the name of the ledger's (first) sheet.
const ExportSheet = "服务对象"

// Export writes the recipients matching f as an Excel workbook to w and
// records the export in the audit log on q (pass a transaction). With
// full, personal values appear in full — only for actors who may reveal
// them; otherwise they are masked as on screen. It returns the rows
// written.
func Export(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter, full bool, describe string, w io.Writer) (int, error) {
	file, err := BuildExport(ctx, q, keys, actor, f, full, describe, w, nil)
	if err != nil {
		return 0, err
	}
	return file.Rows, audit.Record(ctx, q, actor, file.Audit)
}

// ExportFile is a built export of the ledger: its row count and the
// audit entry that must be recorded before it is sent.
type ExportFile struct {
	Rows  int
	Audit audit.Entry
}

// CountExport is how many rows an export of f would hold: run it in the
// same read transaction as BuildExport to size a progress bar, or to
// decide whether an export runs as a background job.
func CountExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter) (int, error) {
	if err := actor.Require(authz.PermRecipientsExport); err != nil {
		return 0, err
	}
	sel, err := f.selection(ctx, q, keys, actor)
	if err != nil {
		return 0, err
	}
	n, _, err := countUpTo(ctx, q, sel, 1<<40)
	return n, err
}

// BuildExport streams the workbook of Export to w without writing to the
// database: run it in db.ReadTx (one snapshot for the rows and their
// sealed values, no write lock held however many rows are written), then
// record file.Audit with audit.Record in a short write transaction and
// send w's bytes only if that succeeds (w is best an exports.Spool).
// There is no cap: a ledger longer than a sheet continues on further
// sheets. progress, if not nil, is called every 1,000 rows with the rows
// done so far.
func BuildExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter, full bool, describe string, w io.Writer, progress func(done int)) (ExportFile, error) {
	var none ExportFile
	if err := actor.Require(authz.PermRecipientsExport); err != nil {
		return none, err
	}
	if full {
		if err := actor.Require(authz.PermRecipientsReveal); err != nil {
			return none, apperr.New(apperr.Forbidden, "您的角色只能导出脱敏后的名册")
		}
		for _, f := range SealedFields {
			if AccessOf(actor, f) != AccessRevealable {
				return none, apperr.New(apperr.Forbidden, "您的角色只能导出脱敏后的名册")
			}
		}
	}
	sel, err := f.selection(ctx, q, keys, actor)
	if err != nil {
		return none, err
	}
	book, err := exports.NewBook(ExportSheet, ExportHeaders, exports.Width{From: 1, To: 1, Width: 10},
		exports.Width{From: 5, To: 5, Width: 22}, exports.Width{From: 8, To: 9, Width: 30})
	if err != nil {
		return none, err
	}
	defer book.Close()
	// Village names, read before the rows stream (a query while they
	// stream would share the transaction's one connection): those under
	// the actor's node in the division tree.
	var under string
	if actor.OrgID != "" {
		if err := q.QueryRow(ctx, `SELECT division_code FROM org_units WHERE id = ?`, actor.OrgID).Scan(&under); err != nil {
			return none, err
		}
	}
	villages, err := division.VillageNames(ctx, q, under)
	if err != nil {
		return none, err
	}
	err = book.FillTo(ctx, w, func(emit func([]any) error) error {
		return exportRows(ctx, q, f, sel, full, func(r Recipient, sealed *[6]string) error {
			applyAccess(actor, &r) // the role's view of each field (FieldAccess)
			idn, phone, hukou, cur, gphone, health := r.IDNumber, r.Phone, r.HukouAddress, r.CurrentAddress, r.GuardianPhone, ""
			if r.HasHealthNotes {
				health = "（已记录，导出完整信息时显示）"
			}
			if full {
				var p [6]string
				for i, v := range sealed {
					var err error
					if p[i], err = keys.Open(v); err != nil {
						return err
					}
				}
				idn, phone, hukou, cur, gphone, health = p[0], p[1], p[2], p[3], p[4], p[5]
			}
			// Codes and numbers that identify are text (an ID number as a
			// number would turn into 4.10622E+17 in Excel); the age is a number.
			var age any = ""
			if r.BirthDate != "" && AccessOf(actor, "birth_date") != AccessHidden {
				age = r.Age
			}
			return emit([]any{r.Name, r.Sex, r.BirthDate, age, idn, r.Ethnicity, phone, hukou, cur, r.VillageCode, villages[r.VillageCode],
				r.OrgName, r.LivingSituation, strings.Join(r.Categories, categorySep), r.DisabilityType, r.DisabilityGrade, r.IncomeSource,
				r.GuardianName, r.GuardianRelation, gphone, health, r.WorkerName, r.StatusLabel, r.StatusReason, r.StatusDate, r.HouseholdRelation})
		})
	}, progress)
	if err != nil {
		return none, err
	}
	kind := "脱敏"
	if full {
		kind = "含完整身份证号、电话、地址、健康状况"
	}
	summary := "导出服务对象名册 " + itoa(book.Rows()) + " 条（" + kind + "）"
	if describe != "" {
		summary += "；筛选：" + describe
	}
	return ExportFile{Rows: book.Rows(), Audit: audit.Entry{Action: audit.ActionExport, Entity: "recipient", OrgPath: actor.OrgPath, Summary: summary}}, nil
}

// exportRows reads every recipient of a selection in the list's order in
// one query, with the sealed columns when full (opened by the caller in
// its loop: one query for the whole ledger, never one per row).
func exportRows(ctx context.Context, q db.Querier, f Filter, sel selection, full bool, each func(r Recipient, sealed *[6]string) error) error {
	order := sortKeys[f.sortOf()].columns
	if f.Desc {
		terms := strings.Split(order, ", ")
		for i := range terms {
			terms[i] += " DESC"
		}
		order = strings.Join(terms, ", ")
	}
	where := strings.Join(sel.conds, " AND ")
	if sel.onLinks {
		where = `r.id IN (SELECT l.recipient_id FROM ` + linksTable + ` WHERE ` + where + `)`
	}
	cols := columns
	if full {
		cols += `, r.id_enc, r.phone_enc, r.hukou_address_enc, r.current_address_enc, r.guardian_phone_enc, r.health_notes_enc`
	}
	rows, err := q.Query(ctx, `SELECT `+cols+from+` WHERE `+where+` ORDER BY `+order, sel.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var sealed [6]string
	scan := scanRecipient
	if full {
		scan = func(row interface{ Scan(...any) error }) (Recipient, error) {
			return scanRecipient(extraScan{row, sealed[:]})
		}
	}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return err
		}
		if err := each(r, &sealed); err != nil {
			return err
		}
	}
	return rows.Err()
}

// extraScan scans a row with columns after those scanRecipient reads
// into extra.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []string
}

func (e extraScan) Scan(dest ...any) error {
	for i := range e.extra {
		dest = append(dest, &e.extra[i])
	}
	return e.row.Scan(dest...)
}

// ExportKind is the background export job kind of the ledger.
const ExportKind = "recipients"

// ExportParams are what an export job of the ledger stores: the filter,
// whether values are full, and the filter described for the audit log.
type ExportParams struct {
	Filter   Filter `json:"filter"`
	Full     bool   `json:"full"`
	Describe string `json:"describe"`
}

func init() {
	exports.Register(exports.Kind{Name: ExportKind, Label: "服务对象名册", File: "服务对象名册", Perm: authz.PermRecipientsExport,
		Count: func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte) (int, error) {
			var p ExportParams
			if err := json.Unmarshal(params, &p); err != nil {
				return 0, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			if p.Full {
				if err := actor.Require(authz.PermRecipientsReveal); err != nil {
					return 0, apperr.New(apperr.Forbidden, "您的角色只能导出脱敏后的名册")
				}
			}
			return CountExport(ctx, q, keys, actor, p.Filter)
		},
		Build: func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte, w io.Writer, progress func(int)) (int, audit.Entry, error) {
			var p ExportParams
			if err := json.Unmarshal(params, &p); err != nil {
				return 0, audit.Entry{}, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			file, err := BuildExport(ctx, q, keys, actor, p.Filter, p.Full, p.Describe, w, progress)
			return file.Rows, file.Audit, err
		},
	})
}
