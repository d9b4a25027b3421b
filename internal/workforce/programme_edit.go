package workforce

import (
	"context"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/validate"
)

// Editing and deleting honours/talent programmes, and the honours of one
// social worker.

// auditFields lists a programme's fields for audit.Diff.
func (p Programme) auditFields() []audit.Field {
	return []audit.Field{{Name: "org", Label: "举办单位", Value: p.OrgName}, {Name: "name", Label: "项目名称", Value: p.Name},
		{Name: "kind", Label: "类别", Value: p.KindLabel()}, {Name: "description", Label: "说明", Value: p.Description}}
}

// UpdateProgramme changes a programme's name, kind, description or unit
// (version-checked). The unit may change only to one that still covers
// every worker already nominated.
func UpdateProgramme(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, in ProgrammeInput) (Programme, error) {
	var p Programme
	before, err := getProgramme(ctx, tx, id)
	if err != nil {
		return p, err
	}
	if err := actor.RequireScope(before.OrgPath); err != nil {
		return p, err
	}
	fe := apperr.Fields{}
	in.Name = validate.Text(fe, "name", "项目名称", in.Name, 60, true)
	in.Description = validate.Text(fe, "description", "说明", in.Description, 500, false)
	unit := checkUnit(ctx, tx, actor, fe, "org_id", strings.TrimSpace(in.OrgID), true)
	if code, ok := codeOf(ProgrammeKinds, in.Kind); ok {
		in.Kind = code
	} else {
		fe.Add("kind", "请选择项目类别")
	}
	if _, bad := fe["org_id"]; !bad && unit.ID != before.OrgID {
		var outside int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id
			JOIN wf_workers w ON w.id = n.worker_id JOIN org_units o ON o.id = w.org_id
			WHERE r.programme_id = ? AND o.path NOT LIKE ?`, id, unit.Path+"%").Scan(&outside); err != nil {
			return p, err
		}
		if outside > 0 {
			fe.Add("org_id", "已有 "+strconv.Itoa(outside)+" 名被提名社工不属于"+unit.Name+"，不能改为该单位举办")
		}
	}
	if err := fe.Err(); err != nil {
		return p, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE wf_programmes SET org_id = ?, name = ?, kind = ?, description = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`, unit.ID, in.Name, in.Kind, in.Description, cst.NowStamp(), id, version)); err != nil {
		return p, err
	}
	if p, err = getProgramme(ctx, tx, id); err != nil {
		return p, err
	}
	return p, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_programme", EntityID: id, OrgPath: p.OrgPath,
		Summary: "修改人才项目：" + p.Name, Changes: audit.Diff(before.auditFields(), p.auditFields())})
}

// DeleteProgramme deletes a programme with its rounds, nominees and
// allowance schedules (version-checked). A programme under which any
// allowance line has been marked paid is kept: the payment is a record of
// money spent.
func DeleteProgramme(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int) error {
	p, err := getProgramme(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(p.OrgPath); err != nil {
		return err
	}
	const ofProgramme = ` FROM wf_allowance_lines l JOIN wf_allowance_schedules a ON a.id = l.schedule_id JOIN wf_nominees n ON n.id = a.nominee_id
		JOIN wf_rounds r ON r.id = n.round_id WHERE r.programme_id = ?`
	var paid, lines int
	var paidFen int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN l.paid = 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN l.paid = 1 THEN l.amount_fen ELSE 0 END), 0)`+ofProgramme, id).Scan(&lines, &paid, &paidFen); err != nil {
		return err
	}
	if paid > 0 {
		return apperr.New(apperr.Conflict, "“%s”已有 %d 笔津贴确认发放（共 %s 元），不能删除；如确属误录，请先撤销这些发放确认", p.Name, paid, FormatYuan(paidFen))
	}
	var nominees, selected int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN n.status = 'selected' THEN 1 ELSE 0 END), 0)
		FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id WHERE r.programme_id = ?`, id).Scan(&nominees, &selected); err != nil {
		return err
	}
	// Children first, so the delete does not rely on ON DELETE CASCADE.
	for _, q := range []string{
		`DELETE FROM wf_allowance_lines WHERE schedule_id IN (SELECT a.id FROM wf_allowance_schedules a JOIN wf_nominees n ON n.id = a.nominee_id
			JOIN wf_rounds r ON r.id = n.round_id WHERE r.programme_id = ?)`,
		`DELETE FROM wf_allowance_schedules WHERE nominee_id IN (SELECT n.id FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id WHERE r.programme_id = ?)`,
		`DELETE FROM wf_nominees WHERE round_id IN (SELECT id FROM wf_rounds WHERE programme_id = ?)`,
		`DELETE FROM wf_rounds WHERE programme_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	// A stale version rolls back the children's deletion too.
	if err := db.Versioned(tx.Exec(ctx, `DELETE FROM wf_programmes WHERE id = ? AND version = ?`, id, version)); err != nil {
		return err
	}
	fields := append(p.auditFields(),
		audit.Field{Name: "rounds", Label: "评选批次", Value: strconv.Itoa(p.RoundCount)},
		audit.Field{Name: "nominees", Label: "提名人数", Value: strconv.Itoa(nominees)},
		audit.Field{Name: "selected", Label: "入选人数", Value: strconv.Itoa(selected)},
		audit.Field{Name: "allowance_lines", Label: "未发放的津贴明细", Value: strconv.Itoa(lines)})
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "wf_programme", EntityID: id, OrgPath: p.OrgPath,
		Summary: "删除人才项目：" + p.Name, Changes: removedChanges(fields)})
}

// Honour is a programme round in which a worker was selected.
type Honour struct {
	ProgrammeID   string    `json:"programme_id"`
	ProgrammeName string    `json:"programme_name"`
	ProgrammeKind string    `json:"programme_kind"`
	OrgName       string    `json:"org_name"`
	RoundID       string    `json:"round_id"`
	RoundName     string    `json:"round_name"`
	Year          int       `json:"year"`
	Benefits      string    `json:"benefits"`
	Allowance     *Schedule `json:"allowance,omitempty"`
	// Visible is whether the actor may open the programme (it may be
	// held by a unit above the actor's scope).
	Visible bool `json:"-"`
}

// KindLabel is the programme kind in Chinese.
func (h Honour) KindLabel() string { return labelOf(ProgrammeKinds, h.ProgrammeKind) }

// WorkerHonours lists the rounds in which a worker in scope was selected,
// newest first, with the allowance granted and how much of it is paid.
func WorkerHonours(ctx context.Context, q db.Querier, actor *authz.Actor, workerID string) ([]Honour, error) {
	w, err := getWorker(ctx, q, workerID)
	if err != nil {
		return nil, err
	}
	if err := actor.RequireScope(w.OrgPath); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT p.id, p.name, p.kind, o.name, o.path, r.id, r.name, r.year, r.benefits,
		COALESCE(a.id, ''), COALESCE(a.annual_fen, 0), COALESCE(a.years, 0), COALESCE(a.start_month, ''), COALESCE(a.frequency, ''),
		(SELECT COALESCE(SUM(l.amount_fen), 0) FROM wf_allowance_lines l WHERE l.schedule_id = a.id AND l.paid = 1)
		FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id JOIN wf_programmes p ON p.id = r.programme_id JOIN org_units o ON o.id = p.org_id
		LEFT JOIN wf_allowance_schedules a ON a.nominee_id = n.id
		WHERE n.worker_id = ? AND n.status = 'selected' ORDER BY r.year DESC, p.name, r.name`, workerID)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (Honour, error) {
		var h Honour
		var path string
		var sc Schedule
		if err := row.Scan(&h.ProgrammeID, &h.ProgrammeName, &h.ProgrammeKind, &h.OrgName, &path, &h.RoundID, &h.RoundName, &h.Year, &h.Benefits,
			&sc.ID, &sc.AnnualFen, &sc.Years, &sc.StartMonth, &sc.Frequency, &sc.PaidFen); err != nil {
			return h, err
		}
		if sc.ID != "" {
			sc.TotalFen = sc.AnnualFen * int64(sc.Years)
			h.Allowance = &sc
		}
		h.Visible = actor.Covers(path)
		return h, nil
	})
}
