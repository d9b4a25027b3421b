package workforce

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/secure"
)

// WorkersExportKind is the workers roster (社工花名册) as an export job.
const WorkersExportKind = "wf_workers"

// WorkersExportSheet is the name of the roster's (first) sheet.
const WorkersExportSheet = "社工花名册"

func init() {
	exports.Register(exports.Kind{Name: WorkersExportKind, Label: "社工花名册", File: "社工花名册", Perm: authz.PermWorkforceRead,
		Count: func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte) (int, error) {
			var f WorkerFilter
			if err := json.Unmarshal(params, &f); err != nil {
				return 0, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			return CountWorkersExport(ctx, q, keys, actor, f)
		},
		Build: func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte, w io.Writer, progress func(int)) (int, audit.Entry, error) {
			var f WorkerFilter
			if err := json.Unmarshal(params, &f); err != nil {
				return 0, audit.Entry{}, apperr.Fields{"params": "导出条件格式不正确"}.Err()
			}
			return BuildWorkersExport(ctx, q, keys, actor, f, w, progress)
		},
	})
}

// WorkersExportHeader is the roster's header for the actor: the masked
// ID number only for those who manage the workforce (as on screen).
func WorkersExportHeader(actor *authz.Actor) []string {
	header := []string{"姓名", "性别", "出生日期", "年龄"}
	if actor.Can(authz.PermWorkforceManage) {
		header = append(header, "身份证号（脱敏）")
	}
	return append(header, "手机号（脱敏）", "学历", "专业", "岗位", "所属站点", "工作单位", "入职日期", "离职日期", "状态", "持证等级", "资格证书")
}

// CountWorkersExport is how many workers an export of f holds: whether
// it is sent at once or runs as a job (exports.SyncMax), and the job's
// progress total.
func CountWorkersExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f WorkerFilter) (int, error) {
	if err := actor.Require(authz.PermWorkforceRead); err != nil {
		return 0, err
	}
	c, err := workerConds(ctx, q, keys, actor, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = q.QueryRow(ctx, `SELECT COUNT(*)`+workerFrom+c.Where(), c.Args()...).Scan(&n)
	return n, err
}

// BuildWorkersExport streams the roster of every worker f selects, in
// the list's order, as a workbook to w without writing to the database,
// and returns its rows and the audit entry to record: run it in a read
// transaction, record the entry in a short write transaction and send
// w's bytes only if that succeeds (w is best an exports.Spool). ID
// numbers and phones are masked as on screen (the ID left out for
// readers who do not manage the workforce); the age is a number. One
// query reads the workers with their qualifications, however many; a
// roster longer than a sheet continues on further sheets. progress, if
// not nil, is called every 1,000 rows with the rows done so far.
func BuildWorkersExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f WorkerFilter, w io.Writer, progress func(done int)) (int, audit.Entry, error) {
	var none audit.Entry
	if err := actor.Require(authz.PermWorkforceRead); err != nil {
		return 0, none, err
	}
	c, err := workerConds(ctx, q, keys, actor, f)
	if err != nil {
		return 0, none, err
	}
	header := WorkersExportHeader(actor)
	seesID := actor.Can(authz.PermWorkforceManage)
	book, err := exports.NewBook(WorkersExportSheet, header, exports.Width{From: 1, To: len(header), Width: 14})
	if err != nil {
		return 0, none, err
	}
	defer book.Close()
	today := cst.Today()
	row := func(wk *Worker, quals []Qualification) []any {
		wk.setQualifications(quals, today)
		view(keys, actor, wk)
		out := []any{wk.Name, wk.Sex, wk.BirthDate, wk.Age}
		if seesID {
			out = append(out, wk.IDNumber)
		}
		var qs []string
		for _, x := range wk.Qualifications {
			qs = append(qs, x.Label()+" "+x.ObtainedOn)
		}
		return append(out, wk.Phone, wk.EducationLabel(), wk.Major, wk.PostLabel(), wk.OrgName, wk.Employer, wk.HiredOn, wk.LeftOn,
			wk.StatusLabel(), wk.LevelLabel, strings.Join(qs, "；"))
	}
	err = book.FillTo(ctx, w, func(emit func([]any) error) error {
		// A worker's qualifications come on consecutive rows of the same
		// query (the order ends with the worker's id), so the ledger is
		// one query however long, and only one worker is held at a time.
		rows, err := q.Query(ctx, `SELECT `+workerColumns+`, COALESCE(wq.id, ''), COALESCE(wq.level, ''), COALESCE(wq.stage, ''),
			COALESCE(wq.cert_no, ''), COALESCE(wq.obtained_on, '')`+workerFrom+` LEFT JOIN wf_qualifications wq ON wq.worker_id = w.id`+
			c.Where()+` ORDER BY `+workerOrder.By(f.Sort, f.Desc)+`, wq.obtained_on, wq.id`, c.Args()...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var cur *Worker
		var quals []Qualification
		for rows.Next() {
			var wk Worker
			var sex string
			var x Qualification
			if err := rows.Scan(&wk.ID, &wk.OrgID, &wk.OrgName, &wk.OrgPath, &wk.Name, &sex, &wk.BirthDate, &wk.idSealed, &wk.phoneSealed,
				&wk.Education, &wk.Major, &wk.Post, &wk.Employer, &wk.HiredOn, &wk.LeftOn, &wk.Status, &wk.UserID, &wk.Username,
				&wk.CreatedAt, &wk.UpdatedAt, &wk.Version, &x.ID, &x.Level, &x.Stage, &x.CertNo, &x.ObtainedOn); err != nil {
				return err
			}
			if cur == nil || cur.ID != wk.ID {
				if cur != nil {
					if err := emit(row(cur, quals)); err != nil {
						return err
					}
				}
				wk.Sex = sexLabel(sex)
				cur, quals = &wk, nil
			}
			if x.ID != "" {
				x.WorkerID, x.LevelLabel = wk.ID, LevelLabel(x.Level)
				quals = append(quals, x)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if cur != nil {
			return emit(row(cur, quals))
		}
		return nil
	}, progress)
	if err != nil {
		return 0, none, err
	}
	return book.Rows(), audit.Entry{Action: audit.ActionExport, Entity: "wf_worker", OrgPath: actor.OrgPath,
		Summary: fmt.Sprintf("导出社工花名册：%d 人", book.Rows())}, nil
}
