package workforce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/validate"
)

// Programme is an honour (社工之星) or talent programme with its rounds.
type Programme struct {
	ID          string  `json:"id"`
	OrgID       string  `json:"org_id"`
	OrgName     string  `json:"org_name"`
	OrgPath     string  `json:"-"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Description string  `json:"description"`
	RoundCount  int     `json:"round_count"`
	Rounds      []Round `json:"rounds,omitempty"`
	Version     int     `json:"version"`
}

// KindLabel is the programme kind in Chinese.
func (p Programme) KindLabel() string { return labelOf(ProgrammeKinds, p.Kind) }

// Round is one selection round of a programme.
type Round struct {
	ID          string    `json:"id"`
	ProgrammeID string    `json:"programme_id"`
	Name        string    `json:"name"`
	Year        int       `json:"year"`
	Benefits    string    `json:"benefits"`
	Nominees    []Nominee `json:"nominees"`
}

// Nominee is a worker nominated in a round, and perhaps selected.
type Nominee struct {
	ID         string    `json:"id"`
	RoundID    string    `json:"round_id"`
	WorkerID   string    `json:"worker_id"`
	WorkerName string    `json:"worker_name"`
	OrgName    string    `json:"org_name"`
	Status     string    `json:"status"`
	Note       string    `json:"note"`
	Version    int       `json:"version"`
	Allowance  *Schedule `json:"allowance,omitempty"`
}

// StatusLabel is the nominee's status in Chinese.
func (n Nominee) StatusLabel() string { return labelOf(NomineeStatuses, n.Status) }

// Schedule is an allowance granted to a selected person, with its lines.
type Schedule struct {
	ID         string `json:"id"`
	NomineeID  string `json:"nominee_id"`
	AnnualFen  int64  `json:"annual_fen"`
	Years      int    `json:"years"`
	StartMonth string `json:"start_month"`
	Frequency  string `json:"frequency"`
	TotalFen   int64  `json:"total_fen"`
	PaidFen    int64  `json:"paid_fen"`
	Lines      []Line `json:"lines"`
}

// FrequencyLabel is the payment frequency in Chinese.
func (s Schedule) FrequencyLabel() string { return labelOf(Frequencies, s.Frequency) }

// Annual, Total and Paid are amounts in 元 for display.
func (s Schedule) Annual() string { return FormatYuan(s.AnnualFen) }
func (s Schedule) Total() string  { return FormatYuan(s.TotalFen) }
func (s Schedule) Paid() string   { return FormatYuan(s.PaidFen) }

// Line is one payment due under a schedule.
type Line struct {
	ID              string `json:"id"`
	ScheduleID      string `json:"schedule_id"`
	Seq             int    `json:"seq"`
	PeriodStart     string `json:"period_start"`
	PeriodEnd       string `json:"period_end"`
	DueOn           string `json:"due_on"`
	AmountFen       int64  `json:"amount_fen"`
	Paid            bool   `json:"paid"`
	PaidOn          string `json:"paid_on"`
	ConfirmedBy     string `json:"confirmed_by"`
	ConfirmedByName string `json:"confirmed_by_name"`
	ConfirmedAt     string `json:"confirmed_at"`
	Version         int    `json:"version"`
	// Context for lists across schedules.
	WorkerName    string `json:"worker_name,omitempty"`
	ProgrammeName string `json:"programme_name,omitempty"`
	RoundName     string `json:"round_name,omitempty"`
	ProgrammeID   string `json:"programme_id,omitempty"`
}

// Amount is the line's amount in 元.
func (l Line) Amount() string { return FormatYuan(l.AmountFen) }

// Period describes the months a line covers.
func (l Line) Period() string {
	if l.PeriodStart == l.PeriodEnd {
		return l.PeriodStart
	}
	return l.PeriodStart + " 至 " + l.PeriodEnd
}

// Inputs.
type ProgrammeInput struct {
	ID          string `json:"id,omitempty"` // create only: a client-made UUIDv7 (createID)
	OrgID       string `json:"org_id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

type RoundInput struct {
	ID       string `json:"id,omitempty"` // the id the form was drawn with (createID)
	Name     string `json:"name"`
	Year     int    `json:"year"`
	Benefits string `json:"benefits"`
}

type NomineeInput struct {
	WorkerID string `json:"worker_id"`
	Note     string `json:"note"`
}

// AllowanceInput grants an allowance: Annual is 元 a year as text ("3000"
// or "3,000.00"; money is never a float), for Years years from
// StartMonth (YYYY-MM), paid by Frequency.
type AllowanceInput struct {
	Annual     string `json:"annual"`
	Years      int    `json:"years"`
	StartMonth string `json:"start_month"`
	Frequency  string `json:"frequency"`
}

// PlannedLine is a payment an allowance produces.
type PlannedLine struct {
	Seq         int
	PeriodStart string // YYYY-MM
	PeriodEnd   string // YYYY-MM
	DueOn       string // first day of the period
	Months      int
	AmountFen   int64
}

// PlanAllowance splits annualFen × years over the months from startMonth
// into payment periods: calendar years (按年, so a schedule starting
// mid-year pays part of a year first and last), calendar quarters or
// months. Each period's amount is the cumulative share at its end minus
// the share at its start, so the lines always add up to the total exactly
// in 分 whatever the rounding.
func PlanAllowance(annualFen int64, years int, startMonth, frequency string) ([]PlannedLine, error) {
	y, m, ok := parseMonth(startMonth)
	if !ok || annualFen <= 0 || years <= 0 {
		return nil, errors.New("workforce: bad allowance plan")
	}
	step := map[string]int{"year": 12, "quarter": 3, "month": 1}[frequency]
	if step == 0 {
		return nil, errors.New("workforce: bad allowance frequency")
	}
	n := years * 12
	total := annualFen * int64(years)
	var out []PlannedLine
	for i := 0; i < n; {
		cy, cm := y+(m-1+i)/12, (m-1+i)%12+1
		// The period runs to the end of the calendar year/quarter/month
		// containing month i, or to the end of the schedule.
		left := step - (cm-1)%step
		j := min(i+left, n)
		ey, em := y+(m-1+j-1)/12, (m-1+j-1)%12+1
		out = append(out, PlannedLine{
			Seq:         len(out) + 1,
			PeriodStart: fmt.Sprintf("%04d-%02d", cy, cm),
			PeriodEnd:   fmt.Sprintf("%04d-%02d", ey, em),
			DueOn:       fmt.Sprintf("%04d-%02d-01", cy, cm),
			Months:      j - i,
			AmountFen:   total*int64(j)/int64(n) - total*int64(i)/int64(n),
		})
		i = j
	}
	return out, nil
}

func parseMonth(s string) (int, int, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "/", "-"))
	if len(s) > 7 {
		s = s[:7]
	}
	ys, ms, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	y, e1 := strconv.Atoi(ys)
	m, e2 := strconv.Atoi(ms)
	if e1 != nil || e2 != nil || y < 2000 || y > 2200 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return y, m, true
}

func getProgramme(ctx context.Context, q db.Querier, id string) (Programme, error) {
	var p Programme
	err := q.QueryRow(ctx, `SELECT p.id, p.org_id, o.name, o.path, p.name, p.kind, p.description, p.version,
		(SELECT COUNT(*) FROM wf_rounds r WHERE r.programme_id = p.id)
		FROM wf_programmes p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`, id).
		Scan(&p.ID, &p.OrgID, &p.OrgName, &p.OrgPath, &p.Name, &p.Kind, &p.Description, &p.Version, &p.RoundCount)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.ErrNotFound("人才项目")
	}
	return p, err
}

// CreateProgramme starts an honour or talent programme for a unit.
func CreateProgramme(ctx context.Context, tx *db.Tx, actor *authz.Actor, in ProgrammeInput) (Programme, error) {
	var p Programme
	err := func() error {
		id, exists, err := createID(ctx, tx, "wf_programmes", in.ID)
		if err != nil {
			return err
		}
		if exists {
			if p, err = getProgramme(ctx, tx, id); err != nil {
				return err
			}
			return actor.RequireScope(p.OrgPath)
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
		if err := fe.Err(); err != nil {
			return err
		}
		now := cst.NowStamp()
		if _, err := tx.Exec(ctx, `INSERT INTO wf_programmes (id, org_id, name, kind, description, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
			id, unit.ID, in.Name, in.Kind, in.Description, now, now); err != nil {
			return err
		}
		if p, err = getProgramme(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_programme", EntityID: id, OrgPath: p.OrgPath,
			Summary: "新增人才项目：" + p.Name, Changes: audit.Diff(nil, []audit.Field{{Name: "name", Label: "项目名称", Value: p.Name},
				{Name: "kind", Label: "类别", Value: p.KindLabel()}, {Name: "description", Label: "说明", Value: p.Description}})})
	}()
	return p, err
}

// ListProgrammes returns the programmes in scope, newest first.
func ListProgrammes(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Programme, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT p.id, p.org_id, o.name, o.path, p.name, p.kind, p.description, p.version,
		(SELECT COUNT(*) FROM wf_rounds r WHERE r.programme_id = p.id)
		FROM wf_programmes p JOIN org_units o ON o.id = p.org_id WHERE `+cond+` ORDER BY p.created_at DESC, p.id LIMIT 500`, args...)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (p Programme, err error) {
		err = row.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.OrgPath, &p.Name, &p.Kind, &p.Description, &p.Version, &p.RoundCount)
		return p, err
	})
}

// GetProgramme loads a programme with its rounds, nominees, allowances
// and payment lines.
func GetProgramme(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Programme, error) {
	p, err := getProgramme(ctx, q, id)
	if err != nil {
		return p, err
	}
	if err := actor.RequireScope(p.OrgPath); err != nil {
		return Programme{}, err
	}
	rows, err := q.Query(ctx, `SELECT id, programme_id, name, year, benefits FROM wf_rounds WHERE programme_id = ? ORDER BY year DESC, created_at DESC`, id)
	p.Rounds, err = db.Collect(rows, err, func(row interface{ Scan(...any) error }) (r Round, err error) {
		err = row.Scan(&r.ID, &r.ProgrammeID, &r.Name, &r.Year, &r.Benefits)
		r.Nominees = []Nominee{}
		return r, err
	})
	if err != nil {
		return p, err
	}
	byID := map[string]int{}
	for i, r := range p.Rounds {
		byID[r.ID] = i
	}
	rows, err = q.Query(ctx, `SELECT n.id, n.round_id, n.worker_id, w.name, o.name, n.status, n.note, n.version,
		COALESCE(a.id, ''), COALESCE(a.annual_fen, 0), COALESCE(a.years, 0), COALESCE(a.start_month, ''), COALESCE(a.frequency, '')
		FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id JOIN wf_workers w ON w.id = n.worker_id JOIN org_units o ON o.id = w.org_id
		LEFT JOIN wf_allowance_schedules a ON a.nominee_id = n.id
		WHERE r.programme_id = ? ORDER BY n.created_at, n.id`, id)
	nominees, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (Nominee, error) {
		var n Nominee
		var sc Schedule
		if err := row.Scan(&n.ID, &n.RoundID, &n.WorkerID, &n.WorkerName, &n.OrgName, &n.Status, &n.Note, &n.Version,
			&sc.ID, &sc.AnnualFen, &sc.Years, &sc.StartMonth, &sc.Frequency); err != nil {
			return n, err
		}
		if sc.ID != "" {
			sc.NomineeID = n.ID
			sc.TotalFen = sc.AnnualFen * int64(sc.Years)
			n.Allowance = &sc
		}
		return n, nil
	})
	if err != nil {
		return p, err
	}
	for _, n := range nominees {
		r := &p.Rounds[byID[n.RoundID]]
		r.Nominees = append(r.Nominees, n)
	}
	// Pointers into Nominees stay valid: the slices are not appended to again.
	for _, r := range p.Rounds {
		for _, n := range r.Nominees {
			if n.Allowance != nil {
				lines, err := loadLines(ctx, q, `l.schedule_id = ?`, n.Allowance.ID)
				if err != nil {
					return p, err
				}
				n.Allowance.Lines = lines
				for _, l := range lines {
					if l.Paid {
						n.Allowance.PaidFen += l.AmountFen
					}
				}
			}
		}
	}
	return p, nil
}

const lineColumns = `l.id, l.schedule_id, l.seq, l.period_start, l.period_end, l.due_on, l.amount_fen, l.paid, l.paid_on, l.confirmed_by,
	l.confirmed_by_name, l.confirmed_at, l.version, w.name, p.name, r.name, p.id`

const lineFrom = ` FROM wf_allowance_lines l JOIN wf_allowance_schedules a ON a.id = l.schedule_id JOIN wf_nominees n ON n.id = a.nominee_id
	JOIN wf_rounds r ON r.id = n.round_id JOIN wf_programmes p ON p.id = r.programme_id JOIN org_units o ON o.id = p.org_id
	JOIN wf_workers w ON w.id = n.worker_id`

func loadLines(ctx context.Context, q db.Querier, where string, args ...any) ([]Line, error) {
	rows, err := q.Query(ctx, `SELECT `+lineColumns+lineFrom+` WHERE `+where+` ORDER BY l.due_on, w.name, l.seq`, args...)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (l Line, err error) {
		err = row.Scan(&l.ID, &l.ScheduleID, &l.Seq, &l.PeriodStart, &l.PeriodEnd, &l.DueOn, &l.AmountFen, &l.Paid, &l.PaidOn,
			&l.ConfirmedBy, &l.ConfirmedByName, &l.ConfirmedAt, &l.Version, &l.WorkerName, &l.ProgrammeName, &l.RoundName, &l.ProgrammeID)
		return l, err
	})
}

// LineFilter selects payment lines across programmes.
type LineFilter struct {
	Year int    // due in this year (0 = any)
	Paid string // "", "1", "0"
}

// ListLines returns the allowance payment lines in scope.
func ListLines(ctx context.Context, q db.Querier, actor *authz.Actor, f LineFilter) ([]Line, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	where := []string{cond}
	if f.Year > 0 {
		where, args = append(where, "l.due_on LIKE ?"), append(args, strconv.Itoa(f.Year)+"-%")
	}
	if f.Paid == "1" || f.Paid == "0" {
		where, args = append(where, "l.paid = ?"), append(args, db.Bool(f.Paid == "1"))
	}
	return loadLines(ctx, q, strings.Join(where, " AND "), args...)
}

// AddRound opens a selection round.
func AddRound(ctx context.Context, tx *db.Tx, actor *authz.Actor, programmeID string, in RoundInput) (Round, error) {
	var r Round
	err := func() error {
		p, err := getProgramme(ctx, tx, programmeID)
		if err != nil {
			return err
		}
		if err := actor.RequireScope(p.OrgPath); err != nil {
			return err
		}
		id, exists, err := createID(ctx, tx, "wf_rounds", in.ID)
		if err != nil {
			return err
		}
		if exists {
			// The same form sent again: answer with what it saved.
			r = Round{ID: id, ProgrammeID: programmeID, Nominees: []Nominee{}}
			err := tx.QueryRow(ctx, `SELECT name, year, benefits FROM wf_rounds WHERE id = ? AND programme_id = ?`, id, programmeID).
				Scan(&r.Name, &r.Year, &r.Benefits)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.Conflict, "编号 %s 已用于另一条记录", id)
			}
			return err
		}
		fe := apperr.Fields{}
		in.Name = validate.Text(fe, "name", "批次名称", in.Name, 60, true)
		in.Benefits = validate.Text(fe, "benefits", "待遇", in.Benefits, 500, false)
		if this := cst.Now().Year(); in.Year < 2000 || in.Year > this+1 {
			fe.Add("year", "年度应在 2000 至 "+strconv.Itoa(this+1)+" 之间")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		r = Round{ID: id, ProgrammeID: programmeID, Name: in.Name, Year: in.Year, Benefits: in.Benefits, Nominees: []Nominee{}}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_rounds (id, programme_id, name, year, benefits, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.ID, programmeID, r.Name, r.Year, r.Benefits, cst.NowStamp()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_programme", EntityID: programmeID, OrgPath: p.OrgPath,
			Summary: "新增评选批次：" + p.Name + " · " + r.Name, Changes: audit.Diff(nil, []audit.Field{{Name: "round", Label: "批次", Value: r.Name},
				{Name: "year", Label: "年度", Value: strconv.Itoa(r.Year)}, {Name: "benefits", Label: "待遇", Value: r.Benefits}})})
	}()
	return r, err
}

// roundContext loads a round with its programme and checks scope.
func roundContext(ctx context.Context, q db.Querier, actor *authz.Actor, roundID string) (Round, Programme, error) {
	var r Round
	err := q.QueryRow(ctx, `SELECT id, programme_id, name, year, benefits FROM wf_rounds WHERE id = ?`, roundID).
		Scan(&r.ID, &r.ProgrammeID, &r.Name, &r.Year, &r.Benefits)
	if errors.Is(err, sql.ErrNoRows) {
		return r, Programme{}, apperr.ErrNotFound("评选批次")
	} else if err != nil {
		return r, Programme{}, err
	}
	p, err := getProgramme(ctx, q, r.ProgrammeID)
	if err != nil {
		return r, p, err
	}
	return r, p, actor.RequireScope(p.OrgPath)
}

// Nominate puts a worker forward in a round. The worker must belong to
// the programme's unit.
func Nominate(ctx context.Context, tx *db.Tx, actor *authz.Actor, roundID string, in NomineeInput) (Nominee, error) {
	var n Nominee
	r, p, err := roundContext(ctx, tx, actor, roundID)
	if err != nil {
		return n, err
	}
	fe := apperr.Fields{}
	in.Note = validate.Text(fe, "note", "推荐理由", in.Note, 500, false)
	w, err := getWorker(ctx, tx, in.WorkerID)
	if err != nil {
		fe.Add("worker_id", "请选择被提名的社工")
	} else if !actor.Covers(w.OrgPath) {
		// Out of scope: say nothing about the person (not even the name).
		fe.Add("worker_id", "所选社工不存在或不在您负责的范围内")
	} else if !strings.HasPrefix(w.OrgPath, p.OrgPath) {
		fe.Add("worker_id", w.Name+"不属于"+p.OrgName+"，不能参加本项目")
	}
	if err := fe.Err(); err != nil {
		return n, err
	}
	now := cst.NowStamp()
	n = Nominee{ID: ids.New(), RoundID: roundID, WorkerID: w.ID, WorkerName: w.Name, OrgName: w.OrgName, Status: "nominated", Note: in.Note, Version: 1}
	_, err = tx.Exec(ctx, `INSERT INTO wf_nominees (id, round_id, worker_id, status, note, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
		n.ID, roundID, w.ID, n.Status, n.Note, now, now)
	if db.IsUniqueViolation(err) {
		return n, (apperr.Fields{"worker_id": w.Name + "已在本批次提名名单中"}).Err()
	} else if err != nil {
		return n, err
	}
	return n, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_programme", EntityID: p.ID, OrgPath: p.OrgPath,
		Summary: "提名：" + p.Name + " · " + r.Name + " · " + w.Name})
}

func nomineeContext(ctx context.Context, q db.Querier, actor *authz.Actor, nomineeID string) (Nominee, Round, Programme, error) {
	var n Nominee
	err := q.QueryRow(ctx, `SELECT n.id, n.round_id, n.worker_id, w.name, n.status, n.note, n.version FROM wf_nominees n
		JOIN wf_workers w ON w.id = n.worker_id WHERE n.id = ?`, nomineeID).Scan(&n.ID, &n.RoundID, &n.WorkerID, &n.WorkerName, &n.Status, &n.Note, &n.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return n, Round{}, Programme{}, apperr.ErrNotFound("提名")
	} else if err != nil {
		return n, Round{}, Programme{}, err
	}
	r, p, err := roundContext(ctx, q, actor, n.RoundID)
	return n, r, p, err
}

// SetNomineeStatus records the outcome for a nominee (version-checked).
// A person with an allowance schedule stays selected.
func SetNomineeStatus(ctx context.Context, tx *db.Tx, actor *authz.Actor, nomineeID string, version int, status string) error {
	n, r, p, err := nomineeContext(ctx, tx, actor, nomineeID)
	if err != nil {
		return err
	}
	code, ok := codeOf(NomineeStatuses, status)
	if !ok {
		return (apperr.Fields{"status": "请选择评选结果"}).Err()
	}
	if code != "selected" {
		var has int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wf_allowance_schedules WHERE nominee_id = ?`, nomineeID).Scan(&has); err != nil {
			return err
		}
		if has > 0 {
			return (apperr.Fields{"status": "已为其设置津贴发放计划，不能改为未入选"}).Err()
		}
	}
	res, err := tx.Exec(ctx, `UPDATE wf_nominees SET status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		code, cst.NowStamp(), nomineeID, version)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return apperr.ErrStale()
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_programme", EntityID: p.ID, OrgPath: p.OrgPath,
		Summary: "评选结果：" + p.Name + " · " + r.Name + " · " + n.WorkerName,
		Changes: []audit.Change{{Field: "status", Label: "评选结果", Before: n.StatusLabel(), After: labelOf(NomineeStatuses, code)}}})
}

// CreateAllowance grants a selected nominee an allowance and produces its
// payment lines.
func CreateAllowance(ctx context.Context, tx *db.Tx, actor *authz.Actor, nomineeID string, in AllowanceInput) (Schedule, error) {
	var sc Schedule
	n, r, p, err := nomineeContext(ctx, tx, actor, nomineeID)
	if err != nil {
		return sc, err
	}
	fe := apperr.Fields{}
	if n.Status != "selected" {
		fe.Add("nominee_id", "只有入选人员才能设置津贴")
	}
	annual, ok := ParseYuan(in.Annual)
	if !ok || annual <= 0 {
		fe.Add("annual", "每年金额应为大于 0 的数字（元，最多两位小数），如 3000")
	}
	if in.Years < 1 || in.Years > 10 {
		fe.Add("years", "发放年限应为 1 至 10 年")
	}
	in.StartMonth = strings.TrimSpace(in.StartMonth)
	if _, _, ok := parseMonth(in.StartMonth); !ok {
		fe.Add("start_month", "起始月份格式应为 年-月，如 2024-07")
	} else {
		in.StartMonth = in.StartMonth[:7]
	}
	code, ok := codeOf(Frequencies, in.Frequency)
	if !ok {
		fe.Add("frequency", "请选择发放方式")
	}
	if err := fe.Err(); err != nil {
		return sc, err
	}
	plan, err := PlanAllowance(annual, in.Years, in.StartMonth, code)
	if err != nil {
		return sc, err
	}
	sc = Schedule{ID: ids.New(), NomineeID: nomineeID, AnnualFen: annual, Years: in.Years, StartMonth: in.StartMonth, Frequency: code,
		TotalFen: annual * int64(in.Years)}
	_, err = tx.Exec(ctx, `INSERT INTO wf_allowance_schedules (id, nominee_id, annual_fen, years, start_month, frequency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sc.ID, nomineeID, annual, in.Years, in.StartMonth, code, cst.NowStamp())
	if db.IsUniqueViolation(err) {
		return sc, (apperr.Fields{"nominee_id": n.WorkerName + "已有津贴发放计划"}).Err()
	} else if err != nil {
		return sc, err
	}
	for _, pl := range plan {
		l := Line{ID: ids.New(), ScheduleID: sc.ID, Seq: pl.Seq, PeriodStart: pl.PeriodStart, PeriodEnd: pl.PeriodEnd, DueOn: pl.DueOn,
			AmountFen: pl.AmountFen, Version: 1}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_allowance_lines (id, schedule_id, seq, period_start, period_end, due_on, amount_fen, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1)`, l.ID, l.ScheduleID, l.Seq, l.PeriodStart, l.PeriodEnd, l.DueOn, l.AmountFen); err != nil {
			return sc, err
		}
		sc.Lines = append(sc.Lines, l)
	}
	return sc, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_programme", EntityID: p.ID, OrgPath: p.OrgPath,
		Summary: "设置津贴：" + p.Name + " · " + r.Name + " · " + n.WorkerName,
		Changes: []audit.Change{{Field: "allowance", Label: "津贴", After: fmt.Sprintf("每年 %s 元，%d 年，自 %s 起，%s，共 %d 笔",
			FormatYuan(annual), in.Years, in.StartMonth, labelOf(Frequencies, code), len(plan))}}})
}

// ConfirmPayment marks a payment line paid on a date (or, with paid
// false, takes the mark back), recording who confirmed it.
func ConfirmPayment(ctx context.Context, tx *db.Tx, actor *authz.Actor, lineID string, version int, paid bool, paidOn string) (Line, error) {
	var out Line
	ls, err := loadLines(ctx, tx, `l.id = ?`, lineID)
	if err != nil {
		return out, err
	}
	if len(ls) == 0 {
		return out, apperr.ErrNotFound("发放记录")
	}
	l := ls[0]
	p, err := getProgramme(ctx, tx, l.ProgrammeID)
	if err != nil {
		return out, err
	}
	if err := actor.RequireScope(p.OrgPath); err != nil {
		return out, err
	}
	fe := apperr.Fields{}
	if paid {
		paidOn = normDate(paidOn)
		validate.Date(fe, "paid_on", "发放日期", paidOn, true)
	} else {
		paidOn = ""
	}
	if err := fe.Err(); err != nil {
		return out, err
	}
	by, byName, at := "", "", ""
	if paid {
		at = cst.NowStamp()
		by, byName = actor.UserID, actor.DisplayName
	}
	res, err := tx.Exec(ctx, `UPDATE wf_allowance_lines SET paid = ?, paid_on = ?, confirmed_by = ?, confirmed_by_name = ?, confirmed_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`, db.Bool(paid), paidOn, by, byName, at, lineID, version)
	if err != nil {
		return out, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return out, apperr.ErrStale()
	}
	out = l
	out.Paid, out.PaidOn, out.ConfirmedBy, out.ConfirmedByName, out.ConfirmedAt, out.Version = paid, paidOn, by, byName, at, version+1
	before, after := "未发放", "已发放 "+paidOn
	if !paid {
		before, after = "已发放 "+l.PaidOn, "未发放"
	}
	return out, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_programme", EntityID: p.ID, OrgPath: p.OrgPath,
		Summary: "津贴发放确认：" + l.WorkerName + " " + l.Period() + " " + l.Amount() + " 元",
		Changes: []audit.Change{{Field: "paid", Label: "发放状态", Before: before, After: after}}})
}

// programmeOfQueries find the programme a round, nominee or payment line
// belongs to.
var programmeOfQueries = map[string]string{
	"round":   `SELECT programme_id FROM wf_rounds WHERE id = ?`,
	"nominee": `SELECT r.programme_id FROM wf_nominees n JOIN wf_rounds r ON r.id = n.round_id WHERE n.id = ?`,
	"line": `SELECT r.programme_id FROM wf_allowance_lines l JOIN wf_allowance_schedules a ON a.id = l.schedule_id
		JOIN wf_nominees n ON n.id = a.nominee_id JOIN wf_rounds r ON r.id = n.round_id WHERE l.id = ?`,
}

// ProgrammeOf returns the id of the programme a sub-record belongs to, for
// a page to return to after editing it. kind is "round", "nominee" or
// "line" (an allowance payment line). Errors: apperr.ErrNotFound when there
// is no such record, apperr.ErrOutOfScope when the programme's unit is
// outside the actor's scope.
func ProgrammeOf(ctx context.Context, q db.Querier, actor *authz.Actor, kind, id string) (string, error) {
	query, ok := programmeOfQueries[kind]
	if !ok {
		return "", fmt.Errorf("workforce: ProgrammeOf: unknown kind %q", kind)
	}
	var pid string
	err := q.QueryRow(ctx, query, id).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrNotFound("记录")
	} else if err != nil {
		return "", err
	}
	p, err := getProgramme(ctx, q, pid)
	if err != nil {
		return "", err
	}
	return pid, actor.RequireScope(p.OrgPath)
}
