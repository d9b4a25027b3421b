package workforce

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// Attendee kinds.
const (
	PersonWorker    = "worker"
	PersonVolunteer = "volunteer"
)

// Training is a training session.
type Training struct {
	ID            string     `json:"id"`
	OrgID         string     `json:"org_id"`
	OrgName       string     `json:"org_name"`
	OrgPath       string     `json:"-"`
	Title         string     `json:"title"`
	Kind          string     `json:"kind"`
	Organiser     string     `json:"organiser"`
	StartOn       string     `json:"start_on"`
	EndOn         string     `json:"end_on"`
	Minutes       int        `json:"minutes"`
	Hours         string     `json:"hours"`
	Place         string     `json:"place"`
	AttendeeCount int        `json:"attendee_count"`
	Attendees     []Attendee `json:"attendees,omitempty"`
	Version       int        `json:"version"`
}

// KindLabel is the training form in Chinese.
func (t Training) KindLabel() string { return labelOf(TrainingKinds, t.Kind) }

// Attendee is a person who attended a training.
type Attendee struct {
	Kind     string `json:"kind"`
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	OrgName  string `json:"org_name"`
}

// KindLabel is 社工 or 志愿者.
func (a Attendee) KindLabel() string {
	if a.Kind == PersonVolunteer {
		return "志愿者"
	}
	return "社工"
}

// TrainingInput is a training session as submitted.
type TrainingInput struct {
	ID        string `json:"id,omitempty"` // create only: a client-made UUIDv7 (createID)
	OrgID     string `json:"org_id"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Organiser string `json:"organiser"`
	StartOn   string `json:"start_on"`
	EndOn     string `json:"end_on"`
	Hours     string `json:"hours"`
	Place     string `json:"place"`
}

// AttendeeInput names a person to add to a training.
type AttendeeInput struct {
	Kind     string `json:"kind"` // worker / volunteer
	PersonID string `json:"person_id"`
}

const trainingColumns = `t.id, t.org_id, o.name, o.path, t.title, t.kind, t.organiser, t.start_on, t.end_on, t.minutes, t.place, t.version,
	(SELECT COUNT(*) FROM wf_training_attendees a WHERE a.training_id = t.id)`

const trainingFrom = ` FROM wf_trainings t JOIN org_units o ON o.id = t.org_id`

func scanTraining(row interface{ Scan(...any) error }) (Training, error) {
	var t Training
	err := row.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OrgPath, &t.Title, &t.Kind, &t.Organiser, &t.StartOn, &t.EndOn, &t.Minutes, &t.Place,
		&t.Version, &t.AttendeeCount)
	t.Hours = FormatHours(t.Minutes)
	return t, err
}

func getTraining(ctx context.Context, q db.Querier, id string) (Training, error) {
	t, err := scanTraining(q.QueryRow(ctx, `SELECT `+trainingColumns+trainingFrom+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Training{}, apperr.ErrNotFound("培训")
	}
	return t, err
}

// GetTraining loads a training with its attendees.
func GetTraining(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Training, error) {
	t, err := getTraining(ctx, q, id)
	if err != nil {
		return t, err
	}
	if err := actor.RequireScope(t.OrgPath); err != nil {
		return Training{}, err
	}
	rows, err := q.Query(ctx, `SELECT a.person_kind, a.person_id, COALESCE(w.name, v.name, ''), COALESCE(ow.name, ov.name, '')
		FROM wf_training_attendees a
		LEFT JOIN wf_workers w ON a.person_kind = 'worker' AND w.id = a.person_id LEFT JOIN org_units ow ON ow.id = w.org_id
		LEFT JOIN wf_volunteers v ON a.person_kind = 'volunteer' AND v.id = a.person_id LEFT JOIN org_units ov ON ov.id = v.org_id
		WHERE a.training_id = ? ORDER BY a.person_kind DESC, a.created_at, a.person_id`, id)
	t.Attendees, err = db.Collect(rows, err, func(row interface{ Scan(...any) error }) (a Attendee, err error) {
		err = row.Scan(&a.Kind, &a.PersonID, &a.Name, &a.OrgName)
		return a, err
	})
	if err != nil {
		return Training{}, err
	}
	return t, nil
}

// CreateTraining records a training session held by a unit in scope.
func CreateTraining(ctx context.Context, tx *db.Tx, actor *authz.Actor, in TrainingInput) (Training, error) {
	var t Training
	err := func() error {
		id, exists, err := createID(ctx, tx, "wf_trainings", in.ID)
		if err != nil {
			return err
		}
		if exists {
			if t, err = getTraining(ctx, tx, id); err != nil {
				return err
			}
			return actor.RequireScope(t.OrgPath)
		}
		fe := apperr.Fields{}
		unit, minutes := checkTraining(ctx, tx, actor, fe, &in)
		if err := fe.Err(); err != nil {
			return err
		}
		now := cst.NowStamp()
		if _, err := tx.Exec(ctx, `INSERT INTO wf_trainings (id, org_id, title, kind, organiser, start_on, end_on, minutes, place, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, id, unit.ID, in.Title, in.Kind, in.Organiser, in.StartOn, in.EndOn, minutes, in.Place, now, now); err != nil {
			return err
		}
		if t, err = getTraining(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_training", EntityID: id, OrgPath: t.OrgPath,
			Summary: "新增培训：" + t.Title, Changes: audit.Diff(nil, []audit.Field{
				{Name: "title", Label: "培训主题", Value: t.Title}, {Name: "kind", Label: "形式", Value: t.KindLabel()},
				{Name: "organiser", Label: "主办方", Value: t.Organiser}, {Name: "dates", Label: "日期", Value: t.StartOn + " 至 " + t.EndOn},
				{Name: "hours", Label: "学时", Value: t.Hours}, {Name: "place", Label: "地点", Value: t.Place}})})
	}()
	return t, err
}

// AddAttendee adds a worker or volunteer to a training. The person must
// belong to the same county as the training.
func AddAttendee(ctx context.Context, tx *db.Tx, actor *authz.Actor, trainingID string, in AttendeeInput) error {
	t, err := getTraining(ctx, tx, trainingID)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(t.OrgPath); err != nil {
		return err
	}
	fe := apperr.Fields{}
	var table string
	switch in.Kind {
	case PersonWorker:
		table = "wf_workers"
	case PersonVolunteer:
		table = "wf_volunteers"
	default:
		fe.Add("kind", "请选择参训人员类别（社工或志愿者）")
		return fe.Err()
	}
	var name, orgID string
	err = tx.QueryRow(ctx, `SELECT name, org_id FROM `+table+` WHERE id = ?`, in.PersonID).Scan(&name, &orgID)
	if errors.Is(err, sql.ErrNoRows) {
		fe.Add("person_id", "所选人员不存在")
		return fe.Err()
	} else if err != nil {
		return err
	}
	tUnit, err := org.Get(ctx, tx, t.OrgID)
	if err != nil {
		return err
	}
	pUnit, err := org.Get(ctx, tx, orgID)
	if err != nil {
		return err
	}
	// The person must lie in the actor's scope too: a station head
	// may not put another station's people on a list (nor learn
	// their names from the reply).
	if !actor.Covers(pUnit.Path) {
		fe.Add("person_id", "所选人员不存在或不在您负责的范围内")
		return fe.Err()
	}
	county, err := trainingReach(ctx, tx, tUnit)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(pUnit.Path, county.Path) {
		fe.Add("person_id", name+"不属于"+county.Name+"，不能参加本县（区）的培训")
		return fe.Err()
	}
	_, err = tx.Exec(ctx, `INSERT INTO wf_training_attendees (training_id, person_kind, person_id, created_at) VALUES (?, ?, ?, ?)`,
		trainingID, in.Kind, in.PersonID, cst.NowStamp())
	if db.IsUniqueViolation(err) {
		fe.Add("person_id", name+"已在参训名单中")
		return fe.Err()
	} else if err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_training", EntityID: trainingID, OrgPath: t.OrgPath,
		Summary: "添加参训人员：" + t.Title + " · " + name, Changes: []audit.Change{{Field: "attendee", Label: "参训人员", After: name}}})
}

// RemoveAttendee takes a person off a training's list.
func RemoveAttendee(ctx context.Context, tx *db.Tx, actor *authz.Actor, trainingID string, in AttendeeInput) error {
	t, err := getTraining(ctx, tx, trainingID)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(t.OrgPath); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `DELETE FROM wf_training_attendees WHERE training_id = ? AND person_kind = ? AND person_id = ?`, trainingID, in.Kind, in.PersonID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound("参训人员")
	}
	return auditAttendeeRemoved(ctx, tx, actor, t, in)
}

// TrainingFilter selects trainings for a list.
type TrainingFilter struct {
	Text   string
	Kind   string
	Year   int
	Sort   string // start, title, hours
	Desc   bool
	Offset int
	Limit  int
}

// trainingOrder is the whitelist of training list orders.
var trainingOrder = db.Order{
	Keys:    map[string]string{"start": "t.start_on", "title": "t.title", "hours": "t.minutes"},
	Default: "t.start_on DESC", Tie: "t.id",
}

// ListTrainings returns the trainings in scope that match f.
func ListTrainings(ctx context.Context, q db.Querier, actor *authz.Actor, f TrainingFilter) ([]Training, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(t) + "%"
		c.Add(`(t.title LIKE ? ESCAPE '\' OR t.organiser LIKE ? ESCAPE '\')`, p, p)
	}
	if f.Kind != "" {
		c.Add("t.kind = ?", f.Kind)
	}
	if f.Year > 0 {
		c.Add("t.start_on LIKE ?", strconv.Itoa(f.Year)+"-%")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + trainingFrom,
		Select: `SELECT ` + trainingColumns + trainingFrom,
		Where:  c,
		Order:  trainingOrder.By(f.Sort, f.Desc),
		Limit:  f.Limit,
		Offset: max(f.Offset, 0),
	}, scanTraining)
}

// YearHours is a person's training in one year.
type YearHours struct {
	Year     int    `json:"year"`
	Sessions int    `json:"sessions"`
	Hours    string `json:"hours"`
	minutes  int
}

// TrainingHoursByYear totals the trainings a person (kind PersonWorker or
// PersonVolunteer) in the actor's scope attended per year (by start
// date), newest first.
func TrainingHoursByYear(ctx context.Context, q db.Querier, actor *authz.Actor, kind, personID string) ([]YearHours, error) {
	table := "wf_workers"
	if kind == PersonVolunteer {
		table = "wf_volunteers"
	}
	var path string
	err := q.QueryRow(ctx, `SELECT o.path FROM `+table+` p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`, personID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.ErrNotFound(Attendee{Kind: kind}.KindLabel())
	} else if err != nil {
		return nil, err
	}
	if err := actor.RequireScope(path); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT SUBSTR(t.start_on, 1, 4), COUNT(*), SUM(t.minutes) FROM wf_training_attendees a
		JOIN wf_trainings t ON t.id = a.training_id WHERE a.person_kind = ? AND a.person_id = ?
		GROUP BY SUBSTR(t.start_on, 1, 4) ORDER BY SUBSTR(t.start_on, 1, 4) DESC`, kind, personID)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (YearHours, error) {
		var y string
		var n, m int64
		if err := row.Scan(&y, &n, &m); err != nil {
			return YearHours{}, err
		}
		yr, _ := strconv.Atoi(y)
		return YearHours{Year: yr, Sessions: int(n), minutes: int(m), Hours: FormatHours(int(m))}, nil
	})
}
