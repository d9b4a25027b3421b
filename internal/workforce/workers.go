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
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/pinyin"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// Qualification is one dated qualification record.
type Qualification struct {
	ID         string `json:"id"`
	WorkerID   string `json:"worker_id"`
	Level      string `json:"level"`
	LevelLabel string `json:"level_label"`
	Stage      string `json:"stage"`
	CertNo     string `json:"cert_no"`
	ObtainedOn string `json:"obtained_on"`
	// ValidUntil is set for a 高级 exam pass: the review must follow by then.
	ValidUntil string `json:"valid_until,omitempty"`
	Expired    bool   `json:"expired,omitempty"`
}

// Label describes the record in Chinese.
func (q Qualification) Label() string {
	if q.Stage == StageExam {
		return q.LevelLabel + "（考试合格）"
	}
	return q.LevelLabel
}

// Worker is a social worker as a reader sees them: the ID number is
// masked for managers and absent for everyone else; the phone is masked.
type Worker struct {
	ID         string `json:"id"`
	OrgID      string `json:"org_id"`
	OrgName    string `json:"org_name"`
	OrgPath    string `json:"-"`
	Name       string `json:"name"`
	Sex        string `json:"sex"` // 男 / 女
	BirthDate  string `json:"birth_date"`
	Age        int    `json:"age"`
	IDNumber   string `json:"id_number,omitempty"`
	Phone      string `json:"phone"`
	Education  string `json:"education"`
	Major      string `json:"major"`
	Post       string `json:"post"`
	Employer   string `json:"employer"`
	HiredOn    string `json:"hired_on"`
	LeftOn     string `json:"left_on"`
	Status     string `json:"status"`
	UserID     string `json:"user_id,omitempty"`
	Username   string `json:"username,omitempty"`
	Certified  bool   `json:"certified"`
	Level      string `json:"level"` // highest certificate held ("" for none)
	LevelLabel string `json:"level_label"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	Version    int    `json:"version"`
	// Qualifications are loaded for a single worker and for lists.
	Qualifications []Qualification `json:"qualifications"`
	// SeniorExamUntil is the end of a still-valid 高级 exam pass.
	SeniorExamUntil string `json:"senior_exam_until,omitempty"`

	idSealed, phoneSealed string
}

// Labels for templates.
func (w Worker) EducationLabel() string { return labelOf(Educations, w.Education) }
func (w Worker) PostLabel() string      { return labelOf(Posts, w.Post) }
func (w Worker) StatusLabel() string    { return labelOf(WorkerStatuses, w.Status) }

// QualificationInput is a qualification record submitted by a user.
type QualificationInput struct {
	ID         string `json:"id,omitempty"` // AddQualification only: the id the form was drawn with (createID)
	Level      string `json:"level"`
	Stage      string `json:"stage"` // certificate (default) or exam
	CertNo     string `json:"cert_no"`
	ObtainedOn string `json:"obtained_on"`
}

// WorkerInput is what a manager submits for a social worker. Sex and
// BirthDate are optional: they come from the ID number, and when given
// must agree with it.
type WorkerInput struct {
	ID        string `json:"id,omitempty"` // create only: a client-made UUIDv7 (createID)
	OrgID     string `json:"org_id"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"` // on update, empty keeps the saved number
	Sex       string `json:"sex"`
	BirthDate string `json:"birth_date"`
	Phone     string `json:"phone"` // on update, empty keeps the saved number
	Education string `json:"education"`
	Major     string `json:"major"`
	Post      string `json:"post"`
	Employer  string `json:"employer"`
	HiredOn   string `json:"hired_on"`
	LeftOn    string `json:"left_on"`
	Status    string `json:"status"`
	UserID    string `json:"user_id"`
	// Qualifications are added with a new worker (create only).
	Qualifications []QualificationInput `json:"qualifications,omitempty"`
}

const workerColumns = `w.id, w.org_id, o.name, o.path, w.name, w.sex, w.birth_date, w.idcard_enc, w.phone_enc, w.education, w.major, w.post,
	w.employer, w.hired_on, w.left_on, w.status, COALESCE(w.user_id, ''), COALESCE(u.username, ''), w.created_at, w.updated_at, w.version`

const workerFrom = ` FROM wf_workers w JOIN org_units o ON o.id = w.org_id LEFT JOIN users u ON u.id = w.user_id`

// view shapes a scanned worker for the actor: masked ID for managers,
// none for other readers; masked phone.
func view(keys *secure.Keyring, actor *authz.Actor, w *Worker) {
	if actor.Can(authz.PermWorkforceManage) {
		if plain, err := keys.Open(w.idSealed); err == nil {
			w.IDNumber = secure.MaskID(plain)
		}
	}
	if plain, err := keys.Open(w.phoneSealed); err == nil {
		w.Phone = secure.MaskPhone(plain)
	}
	w.Age = ageOn(w.BirthDate, cst.Today())
}

func scanWorker(row interface{ Scan(...any) error }) (Worker, error) {
	var w Worker
	var sex string
	err := row.Scan(&w.ID, &w.OrgID, &w.OrgName, &w.OrgPath, &w.Name, &sex, &w.BirthDate, &w.idSealed, &w.phoneSealed, &w.Education,
		&w.Major, &w.Post, &w.Employer, &w.HiredOn, &w.LeftOn, &w.Status, &w.UserID, &w.Username, &w.CreatedAt, &w.UpdatedAt, &w.Version)
	w.Sex = sexLabel(sex)
	return w, err
}

func sexLabel(code string) string {
	switch code {
	case "M":
		return "男"
	case "F":
		return "女"
	}
	return ""
}

func getWorker(ctx context.Context, q db.Querier, id string) (Worker, error) {
	w, err := scanWorker(q.QueryRow(ctx, `SELECT `+workerColumns+workerFrom+` WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Worker{}, apperr.ErrNotFound("社工")
	}
	if err != nil {
		return Worker{}, err
	}
	quals, err := loadQualifications(ctx, q, []string{id})
	if err != nil {
		return Worker{}, err
	}
	w.setQualifications(quals[id], cst.Today())
	return w, nil
}

// GetWorker loads a worker the actor may see, shaped for them (see
// ListWorkers).
func GetWorker(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string) (Worker, error) {
	w, err := getWorker(ctx, q, id)
	if err != nil {
		return w, err
	}
	if err := actor.RequireScope(w.OrgPath); err != nil {
		return Worker{}, err
	}
	view(keys, actor, &w)
	return w, nil
}

// setQualifications attaches records and derives the certified level as
// of a date: the highest certificate obtained by then. A 高级 exam pass is
// not a certificate; it shows while valid.
func (w *Worker) setQualifications(qs []Qualification, on string) {
	w.Qualifications = qs
	if w.Qualifications == nil {
		w.Qualifications = []Qualification{}
	}
	w.Level, w.SeniorExamUntil = highestLevel(qs, on), ""
	for i := range w.Qualifications {
		q := &w.Qualifications[i]
		if q.Stage == StageExam {
			q.ValidUntil = addYears(q.ObtainedOn, SeniorExamValidYears)
			q.Expired = q.ValidUntil < on
			if !q.Expired && q.ValidUntil > w.SeniorExamUntil {
				w.SeniorExamUntil = q.ValidUntil
			}
		}
	}
	w.Certified = w.Level != ""
	w.LevelLabel = LevelLabel(w.Level)
}

// highestLevel is the highest certificate in qs obtained on or before on.
func highestLevel(qs []Qualification, on string) string {
	best := ""
	for _, q := range qs {
		if q.Stage == StageCertificate && q.ObtainedOn <= on && levelRank[q.Level] > levelRank[best] {
			best = q.Level
		}
	}
	return best
}

func loadQualifications(ctx context.Context, q db.Querier, workerIDs []string) (map[string][]Qualification, error) {
	out := map[string][]Qualification{}
	if len(workerIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(workerIDs))
	for i, id := range workerIDs {
		args[i] = id
	}
	rows, err := q.Query(ctx, `SELECT id, worker_id, level, stage, cert_no, obtained_on FROM wf_qualifications
		WHERE worker_id IN (`+db.Placeholders(len(args))+`) ORDER BY obtained_on, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x Qualification
		if err := rows.Scan(&x.ID, &x.WorkerID, &x.Level, &x.Stage, &x.CertNo, &x.ObtainedOn); err != nil {
			return nil, err
		}
		x.LevelLabel = LevelLabel(x.Level)
		out[x.WorkerID] = append(out[x.WorkerID], x)
	}
	return out, rows.Err()
}

// checkedWorker is a validated input with its derived and sealed parts.
type checkedWorker struct {
	in        WorkerInput
	unit      org.Unit
	idNumber  string // normalised 18-digit number ("" on update = keep)
	idIndex   string
	sex       string // M / F
	birthDate string
}

// validateWorker checks an input. before is nil when creating. Field
// names are the JSON names; the importer maps them to roster columns.
func validateWorker(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in WorkerInput, before *Worker) (checkedWorker, apperr.Fields) {
	fe := apperr.Fields{}
	c := checkedWorker{in: in}
	c.in.Name = validate.Text(fe, "name", "姓名", in.Name, 30, true)
	c.in.Major = validate.Text(fe, "major", "专业", in.Major, 40, false)
	c.in.Employer = validate.Text(fe, "employer", "工作单位", in.Employer, 60, false)
	c.unit = checkUnit(ctx, q, actor, fe, "org_id", strings.TrimSpace(in.OrgID), false)

	if strings.TrimSpace(in.IDNumber) == "" && before != nil {
		c.sex, c.birthDate = sexCode(before.Sex), before.BirthDate
	} else if card, err := validate.ParseIDCard(in.IDNumber); err != nil {
		fe.Add("id_number", err.Error())
	} else {
		c.idNumber = card.Number
		c.idIndex = keys.BlindIndex("idcard", card.Number)
		c.birthDate = card.Birth.Format(cst.DateLayout)
		c.sex = "F"
		if card.Male {
			c.sex = "M"
		}
	}
	if b := normDate(roster.NormDate(strings.TrimSpace(in.BirthDate))); b != "" && c.birthDate != "" && !roster.SameDate(b, c.birthDate) {
		fe.Add("birth_date", "出生日期与身份证号不符（身份证号中为 "+c.birthDate+"）")
	}
	if sx := strings.TrimSpace(in.Sex); sx != "" && c.sex != "" {
		if code := sexCode(sx); code == "" {
			fe.Add("sex", "性别应为“男”或“女”")
		} else if code != c.sex {
			fe.Add("sex", "性别与身份证号不符（身份证号中为"+sexLabel(c.sex)+"）")
		}
	}
	c.in.Phone = validate.NormalizePhone(in.Phone)
	if c.in.Phone != "" && !validate.Phone(c.in.Phone) {
		fe.Add("phone", validate.PhoneMessage)
	}
	if in.Education != "" {
		if code, ok := codeOf(Educations, in.Education); ok {
			c.in.Education = code
		} else {
			fe.Add("education", "学历不在可选范围内")
		}
	}
	if in.Post != "" {
		if code, ok := codeOf(Posts, in.Post); ok {
			c.in.Post = code
		} else {
			fe.Add("post", "岗位不在可选范围内")
		}
	}
	c.in.Status = "active"
	if in.Status != "" {
		if code, ok := codeOf(WorkerStatuses, in.Status); ok {
			c.in.Status = code
		} else {
			fe.Add("status", "状态不在可选范围内")
		}
	}
	c.in.HiredOn, c.in.LeftOn = normDate(in.HiredOn), normDate(in.LeftOn)
	_, hired, hiredOK := validate.Date(fe, "hired_on", "入职日期", c.in.HiredOn, false)
	_, _, leftOK := validate.Date(fe, "left_on", "离职日期", c.in.LeftOn, false)
	if hiredOK && c.birthDate != "" && c.in.HiredOn < addYears(c.birthDate, 16) {
		fe.Add("hired_on", "入职日期早于 16 周岁，请核对")
	}
	if hiredOK && leftOK && c.in.LeftOn < hired.Format(cst.DateLayout) {
		fe.Add("left_on", "离职日期不能早于入职日期")
	}
	if c.in.LeftOn != "" && c.in.Status == "active" {
		c.in.Status = "left" // a leaving date means the person has left
	}
	if c.in.Status == "left" && c.in.LeftOn == "" {
		fe.Add("left_on", "离职人员请填写离职日期")
	}
	c.in.UserID = strings.TrimSpace(in.UserID)
	if c.in.UserID != "" {
		var path string
		err := q.QueryRow(ctx, `SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, c.in.UserID).Scan(&path)
		switch {
		case err != nil:
			fe.Add("user_id", "所选登录账号不存在")
		case !actor.Covers(path):
			fe.Add("user_id", "只能关联您负责范围内的账号")
		default:
			var other string
			err := q.QueryRow(ctx, `SELECT name FROM wf_workers WHERE user_id = ? AND id <> ?`, c.in.UserID, beforeID(before)).Scan(&other)
			if err == nil {
				fe.Add("user_id", "该登录账号已关联社工“"+other+"”")
			}
		}
	}
	if before == nil {
		for i := range c.in.Qualifications {
			validateQualification(fe, "qualifications["+strconv.Itoa(i)+"].", &c.in.Qualifications[i], c.birthDate)
		}
	}
	// The same person may be registered once: the blind index finds them
	// without decrypting anything.
	if c.idIndex != "" && fe["id_number"] == "" {
		var otherID, otherName, otherPath string
		err := q.QueryRow(ctx, `SELECT w.id, w.name, o.path FROM wf_workers w JOIN org_units o ON o.id = w.org_id WHERE w.idcard_index = ?`, c.idIndex).
			Scan(&otherID, &otherName, &otherPath)
		if err == nil && (before == nil || otherID != before.ID) {
			if actor.Covers(otherPath) {
				fe.Add("id_number", "该身份证号已登记（"+otherName+"），请勿重复录入")
			} else {
				fe.Add("id_number", "该身份证号已在其他机构登记，请联系县级管理员")
			}
		}
	}
	return c, fe
}

func beforeID(w *Worker) string {
	if w == nil {
		return ""
	}
	return w.ID
}

func sexCode(s string) string {
	switch strings.TrimSpace(s) {
	case "男", "M", "m":
		return "M"
	case "女", "F", "f":
		return "F"
	}
	return ""
}

// validateQualification checks one record (prefix names its fields) for
// a person born on birthDate ("" when unknown).
func validateQualification(fe apperr.Fields, prefix string, in *QualificationInput, birthDate string) {
	if code, ok := codeOf(Levels, in.Level); ok {
		in.Level = code
	} else {
		fe.Add(prefix+"level", "请选择证书等级：助理社会工作师、社会工作师或高级社会工作师")
	}
	switch in.Stage {
	case "", StageCertificate, "证书":
		in.Stage = StageCertificate
	case StageExam, "考试合格":
		in.Stage = StageExam
		if in.Level != LevelSenior {
			fe.Add(prefix+"stage", "只有高级社会工作师有“考试合格”阶段（有效期 "+strconv.Itoa(SeniorExamValidYears)+" 年）")
		}
	default:
		fe.Add(prefix+"stage", "阶段应为“证书”或“考试合格”")
	}
	in.CertNo = validate.Text(fe, prefix+"cert_no", "证书编号", in.CertNo, 40, false)
	in.ObtainedOn = normDate(in.ObtainedOn)
	if _, _, ok := validate.Date(fe, prefix+"obtained_on", "取得日期", in.ObtainedOn, true); ok && birthDate != "" {
		if adult := addYears(birthDate, MinCertificateAge); in.ObtainedOn < adult {
			fe.Add(prefix+"obtained_on", "取得日期早于 "+strconv.Itoa(MinCertificateAge)+" 周岁（"+adult+"），请核对")
		}
	}
}

func (w Worker) auditFields(idNumber, phone string) []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "姓名", Value: w.Name},
		{Name: "id_number", Label: "身份证号", Value: idNumber, Sensitive: true},
		{Name: "sex", Label: "性别", Value: w.Sex},
		{Name: "birth_date", Label: "出生日期", Value: w.BirthDate},
		{Name: "phone", Label: "手机号", Value: phone, Sensitive: true},
		{Name: "org", Label: "所属站点", Value: w.OrgName},
		{Name: "education", Label: "学历", Value: w.EducationLabel()},
		{Name: "major", Label: "专业", Value: w.Major},
		{Name: "post", Label: "岗位", Value: w.PostLabel()},
		{Name: "employer", Label: "工作单位", Value: w.Employer},
		{Name: "hired_on", Label: "入职日期", Value: w.HiredOn},
		{Name: "left_on", Label: "离职日期", Value: w.LeftOn},
		{Name: "status", Label: "状态", Value: w.StatusLabel()},
		{Name: "user", Label: "登录账号", Value: w.Username},
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateWorker registers a social worker (with any qualifications).
func CreateWorker(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in WorkerInput) (Worker, error) {
	w, err := createWorker(ctx, tx, keys, actor, in)
	if err != nil {
		return Worker{}, err
	}
	view(keys, actor, &w)
	return w, nil
}

func createWorker(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in WorkerInput) (Worker, error) {
	id, exists, err := createID(ctx, tx, "wf_workers", in.ID)
	if err != nil {
		return Worker{}, err
	}
	if exists {
		w, err := getWorker(ctx, tx, id)
		if err != nil {
			return Worker{}, err
		}
		return w, actor.RequireScope(w.OrgPath)
	}
	in.ID = id
	in.Qualifications = append([]QualificationInput(nil), in.Qualifications...)
	c, fe := validateWorker(ctx, tx, keys, actor, in, nil)
	if err := fe.Err(); err != nil {
		return Worker{}, err
	}
	return insertWorker(ctx, tx, keys, actor, c)
}

// insertWorker writes a validated worker, their qualifications and the
// audit entry.
func insertWorker(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, c checkedWorker) (Worker, error) {
	now := cst.NowStamp()
	id := c.in.ID // a client's id for a double-tap-safe create (createWorker), else a new one
	if id == "" {
		id = ids.New()
	}
	_, err := tx.Exec(ctx, `INSERT INTO wf_workers (id, org_id, name, sex, birth_date, idcard_enc, idcard_index, phone_enc, phone_index,
		education, major, post, employer, hired_on, left_on, status, user_id, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		id, c.unit.ID, c.in.Name, c.sex, c.birthDate, keys.Seal(c.idNumber), c.idIndex, keys.Seal(c.in.Phone),
		keys.BlindIndex("phone", c.in.Phone), c.in.Education, c.in.Major, c.in.Post, c.in.Employer, c.in.HiredOn, c.in.LeftOn,
		c.in.Status, nullable(c.in.UserID), now, now)
	if err != nil {
		return Worker{}, uniqueWorkerError(err)
	}
	for _, q := range c.in.Qualifications {
		if _, err := tx.Exec(ctx, `INSERT INTO wf_qualifications (id, worker_id, level, stage, cert_no, obtained_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ids.New(), id, q.Level, q.Stage, q.CertNo, q.ObtainedOn, now); err != nil {
			return Worker{}, err
		}
	}
	w, err := getWorker(ctx, tx, id)
	if err != nil {
		return Worker{}, err
	}
	changes := audit.Diff(nil, w.auditFields(c.idNumber, c.in.Phone))
	for _, q := range w.Qualifications {
		changes = append(changes, audit.Change{Field: "qualification", Label: "资格证书", After: q.Label() + " " + q.ObtainedOn})
	}
	return w, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_worker", EntityID: id, OrgPath: w.OrgPath,
		Summary: "新增社工：" + w.Name, Changes: changes})
}

func uniqueWorkerError(err error) error {
	if db.IsUniqueViolation(err) {
		msg := err.Error()
		if strings.Contains(msg, "user") {
			return (apperr.Fields{"user_id": "该登录账号已关联其他社工"}).Err()
		}
		return (apperr.Fields{"id_number": "该身份证号已登记，请勿重复录入"}).Err()
	}
	return err
}

// UpdateWorker changes a worker's details, checking the version the
// editor saw. Empty ID number and phone keep the saved values (forms
// never show them in full).
func UpdateWorker(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int, in WorkerInput) (Worker, error) {
	before, err := getWorker(ctx, tx, id)
	if err != nil {
		return Worker{}, err
	}
	if err := actor.RequireScope(before.OrgPath); err != nil {
		return Worker{}, err
	}
	in.Qualifications = nil
	c, fe := validateWorker(ctx, tx, keys, actor, in, &before)
	if err := fe.Err(); err != nil {
		return Worker{}, err
	}
	oldID, _ := keys.Open(before.idSealed)
	oldPhone, _ := keys.Open(before.phoneSealed)
	idEnc, idIndex, idNumber := before.idSealed, keys.BlindIndex("idcard", oldID), oldID
	if c.idNumber != "" && c.idNumber != oldID {
		idEnc, idIndex, idNumber = keys.Seal(c.idNumber), c.idIndex, c.idNumber
	}
	phoneEnc, phone := before.phoneSealed, oldPhone
	if c.in.Phone != "" && c.in.Phone != oldPhone {
		phoneEnc, phone = keys.Seal(c.in.Phone), c.in.Phone
	}
	res, err := tx.Exec(ctx, `UPDATE wf_workers SET org_id = ?, name = ?, sex = ?, birth_date = ?, idcard_enc = ?, idcard_index = ?,
		phone_enc = ?, phone_index = ?, education = ?, major = ?, post = ?, employer = ?, hired_on = ?, left_on = ?, status = ?, user_id = ?,
		updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		c.unit.ID, c.in.Name, c.sex, c.birthDate, idEnc, idIndex, phoneEnc, keys.BlindIndex("phone", phone), c.in.Education, c.in.Major,
		c.in.Post, c.in.Employer, c.in.HiredOn, c.in.LeftOn, c.in.Status, nullable(c.in.UserID), cst.NowStamp(), id, version)
	if err != nil {
		return Worker{}, uniqueWorkerError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Worker{}, apperr.ErrStale()
	}
	w, err := getWorker(ctx, tx, id)
	if err != nil {
		return Worker{}, err
	}
	if changes := audit.Diff(before.auditFields(oldID, oldPhone), w.auditFields(idNumber, phone)); len(changes) > 0 {
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "wf_worker", EntityID: id, OrgPath: w.OrgPath,
			Summary: "修改社工：" + w.Name, Changes: changes}); err != nil {
			return Worker{}, err
		}
	}
	view(keys, actor, &w)
	return w, nil
}

// AddQualification records a qualification for a worker.
func AddQualification(ctx context.Context, tx *db.Tx, actor *authz.Actor, workerID string, in QualificationInput) (Qualification, error) {
	var out Qualification
	err := func() error {
		w, err := getWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if err := actor.RequireScope(w.OrgPath); err != nil {
			return err
		}
		id, exists, err := createID(ctx, tx, "wf_qualifications", in.ID)
		if err != nil {
			return err
		}
		if exists {
			// The same form sent again: answer with what it saved.
			out = Qualification{ID: id, WorkerID: workerID}
			err := tx.QueryRow(ctx, `SELECT level, stage, cert_no, obtained_on FROM wf_qualifications WHERE id = ? AND worker_id = ?`, id, workerID).
				Scan(&out.Level, &out.Stage, &out.CertNo, &out.ObtainedOn)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.Conflict, "编号 %s 已用于另一条记录", id)
			}
			out.LevelLabel = LevelLabel(out.Level)
			return err
		}
		fe := apperr.Fields{}
		validateQualification(fe, "", &in, w.BirthDate)
		if err := fe.Err(); err != nil {
			return err
		}
		out = Qualification{ID: id, WorkerID: workerID, Level: in.Level, LevelLabel: LevelLabel(in.Level), Stage: in.Stage,
			CertNo: in.CertNo, ObtainedOn: in.ObtainedOn}
		if out.Stage == StageExam {
			out.ValidUntil = addYears(out.ObtainedOn, SeniorExamValidYears)
			out.Expired = out.ValidUntil < cst.Today()
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_qualifications (id, worker_id, level, stage, cert_no, obtained_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			out.ID, workerID, out.Level, out.Stage, out.CertNo, out.ObtainedOn, cst.NowStamp()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "wf_worker", EntityID: workerID, OrgPath: w.OrgPath,
			Summary: "新增资格证书：" + w.Name + " " + out.Label(),
			Changes: []audit.Change{{Field: "qualification", Label: "资格证书", After: out.Label() + " " + out.CertNo + " " + out.ObtainedOn}}})
	}()
	return out, err
}

// DeleteQualification removes a record entered by mistake.
func DeleteQualification(ctx context.Context, tx *db.Tx, actor *authz.Actor, workerID, qualID string) error {
	w, err := getWorker(ctx, tx, workerID)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(w.OrgPath); err != nil {
		return err
	}
	var found *Qualification
	for i := range w.Qualifications {
		if w.Qualifications[i].ID == qualID {
			found = &w.Qualifications[i]
		}
	}
	if found == nil {
		return apperr.ErrNotFound("资格证书记录")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM wf_qualifications WHERE id = ? AND worker_id = ?`, qualID, workerID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "wf_worker", EntityID: workerID, OrgPath: w.OrgPath,
		Summary: "删除资格证书：" + w.Name + " " + found.Label(),
		Changes: []audit.Change{{Field: "qualification", Label: "资格证书", Before: found.Label() + " " + found.CertNo + " " + found.ObtainedOn}}})
}

// Revealed is a worker's full personal data.
type Revealed struct {
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// RevealWorker opens a worker's ID number and phone for an actor allowed
// to see them, and records that they did (in tx, so the view and its
// record stand or fall together).
func RevealWorker(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string) (Revealed, error) {
	if err := actor.Require(authz.PermWorkforceReveal); err != nil {
		return Revealed{}, err
	}
	w, err := getWorker(ctx, tx, id)
	if err != nil {
		return Revealed{}, err
	}
	if err := actor.RequireScope(w.OrgPath); err != nil {
		return Revealed{}, err
	}
	var out Revealed
	if out.IDNumber, err = keys.Open(w.idSealed); err != nil {
		return Revealed{}, err
	}
	if out.Phone, err = keys.Open(w.phoneSealed); err != nil {
		return Revealed{}, err
	}
	return out, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionReveal, Entity: "wf_worker", EntityID: id, OrgPath: w.OrgPath,
		Summary: "查看社工完整身份证号和手机号：" + w.Name})
}

// WorkerFilter selects workers for a list.
type WorkerFilter struct {
	Text   string // name, or a full ID number or phone
	OrgID  string // this node and below
	Level  string // highest certificate: a level code, "none" or "any"
	Status string
	Post   string
	Sort   string // name, age, hired, org, created
	Desc   bool
	Offset int
	Limit  int // 0 = 20; -1 = all (exports, statistics)
}

const levelRankSQL = `(SELECT MAX(CASE q.level WHEN 'junior' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'senior' THEN 3 END)
	FROM wf_qualifications q WHERE q.worker_id = w.id AND q.stage = 'certificate')`

// workerOrder is the whitelist of worker list orders; "age" lists the
// youngest first (latest birth date), and desc the oldest.
var workerOrder = db.Order{
	Keys:    map[string]string{"name": "w.name", "age": "w.birth_date DESC", "hired": "w.hired_on", "org": "o.path", "created": "w.created_at"},
	Default: "o.path, w.name", Tie: "w.id",
}

// ListWorkers returns the workers in scope that match f, with their
// qualifications, and the total. Each is shaped for the actor: the ID
// number masked for managers and left out for other readers, the phone
// masked.
func ListWorkers(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f WorkerFilter) ([]Worker, int, error) {
	out, total, err := listWorkers(ctx, q, keys, actor, f)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		view(keys, actor, &out[i])
	}
	return out, total, nil
}

// workerConds is the condition of the workers in the actor's scope that
// f selects (list, count and export alike).
func workerConds(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f WorkerFilter) (db.Conds, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if t := strings.TrimSpace(f.Text); t != "" {
		c.Add(`(w.name LIKE ? ESCAPE '\' OR w.idcard_index = ? OR w.phone_index = ?)`,
			"%"+db.Like(t)+"%", keys.BlindIndex("idcard", strings.ToUpper(strings.ReplaceAll(t, " ", ""))),
			keys.BlindIndex("phone", validate.NormalizePhone(t)))
	}
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return c, err
		}
		if err := actor.RequireScope(u.Path); err != nil {
			return c, err
		}
		c.Add("o.path LIKE ?", u.Path+"%")
	}
	switch f.Level {
	case "":
	case "none":
		c.Add(levelRankSQL + " IS NULL")
	case "any":
		c.Add(levelRankSQL + " IS NOT NULL")
	default:
		c.Add(levelRankSQL+" = ?", levelRank[f.Level])
	}
	if f.Status != "" {
		c.Add("w.status = ?", f.Status)
	}
	if f.Post != "" {
		c.Add("w.post = ?", f.Post)
	}
	return c, nil
}

// listWorkers is ListWorkers without opening anything sealed: keys are
// needed only to search by ID number or phone (f.Text).
func listWorkers(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f WorkerFilter) ([]Worker, int, error) {
	c, err := workerConds(ctx, q, keys, actor, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit == 0 || f.Limit > 200 {
		f.Limit = 20
	}
	// Page closes its rows before the qualifications are read: a
	// transaction's connection runs one query at a time.
	out, total, err := db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*)` + workerFrom,
		Select: `SELECT ` + workerColumns + workerFrom,
		Where:  c,
		Order:  workerOrder.By(f.Sort, f.Desc),
		Limit:  f.Limit, // -1: every worker
		Offset: max(f.Offset, 0),
	}, scanWorker)
	if err != nil {
		return nil, 0, err
	}
	idList := make([]string, len(out))
	for i := range out {
		idList[i] = out[i].ID
	}
	quals, err := qualificationsFor(ctx, q, idList)
	if err != nil {
		return nil, 0, err
	}
	today := cst.Today()
	for i := range out {
		out[i].setQualifications(quals[out[i].ID], today)
	}
	return out, total, nil
}

// qualificationsFor loads records for many workers, in chunks so the IN
// list stays within both engines' parameter limits.
func qualificationsFor(ctx context.Context, q db.Querier, workerIDs []string) (map[string][]Qualification, error) {
	out := map[string][]Qualification{}
	for start := 0; start < len(workerIDs); start += 500 {
		part, err := loadQualifications(ctx, q, workerIDs[start:min(start+500, len(workerIDs))])
		if err != nil {
			return nil, err
		}
		for k, v := range part {
			out[k] = v
		}
	}
	return out, nil
}

// FindLinkableUsers finds the active accounts in the actor's scope a
// worker may be linked to, for a picker: text "" lists them in tree
// order; Latin letters match the pinyin initials of the name or the
// start of the user name, anything else a part of the name or the start
// of the user name. Options are "姓名（用户名）"; it returns at most limit
// (1–200, default 20) and whether there are more.
func FindLinkableUsers(ctx context.Context, q db.Querier, actor *authz.Actor, text string, limit int) ([]Option, bool, error) {
	text = strings.TrimSpace(text)
	limit = db.PickLimit(limit)
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	latin, max := "", limit+1
	if text != "" {
		if pinyin.IsInitials(text) {
			// Initials are not stored: read the accounts in scope (a
			// province has a few thousand) and match them here.
			latin, max = strings.ToLower(text), 20000
		} else {
			cond += ` AND (u.display_name LIKE ? ESCAPE '\' OR u.username LIKE ? ESCAPE '\')`
			args = append(args, "%"+db.Like(text)+"%", db.Like(text)+"%")
		}
	}
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.username FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 ORDER BY o.path, u.username LIMIT ?`, append(args, max)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []Option{}
	for rows.Next() {
		var id, name, username string
		if err := rows.Scan(&id, &name, &username); err != nil {
			return nil, false, err
		}
		if latin != "" && !strings.HasPrefix(pinyin.NameInitials(name), latin) && !strings.HasPrefix(strings.ToLower(username), latin) {
			continue
		}
		if len(out) == limit {
			return out, true, rows.Err()
		}
		out = append(out, Option{id, name + "（" + username + "）"})
	}
	return out, false, rows.Err()
}

// LinkableUserLabel is the picker label of an account in the actor's
// scope ("姓名（用户名）"), or "" when there is none.
func LinkableUserLabel(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (string, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	var name, username string
	err := q.QueryRow(ctx, `SELECT u.display_name, u.username FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ? AND `+cond,
		append([]any{id}, args...)...).Scan(&name, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return name + "（" + username + "）", nil
}
