package casework

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
)

// LogSource names case log entries as the source of service records.
const LogSource = "case_log"

// LogKinds are the kinds of intervention (介入) entries.
var LogKinds = []string{"interview", "phone", "home", "escort", "resource", "crisis", "followup", "other"}

var logKindLabels = map[string]string{"interview": "面谈", "phone": "电话", "home": "家访", "escort": "陪同", "resource": "资源链接",
	"crisis": "危机干预", "followup": "跟进回访", "other": "其他"}

// LogKindLabel names a log kind.
func LogKindLabel(k string) string { return logKindLabels[k] }

// LogInput is one dated entry of the intervention log. LoggedAt is
// "YYYY-MM-DD HH:MM" (China time) or RFC 3339; Category is a content
// category of the county's list (services), by default 社会支持, and
// 危机干预 for a crisis entry.
type LogInput struct {
	ID           string `json:"id,omitempty"`
	LoggedAt     string `json:"logged_at"`
	Kind         string `json:"kind"`
	Minutes      int    `json:"minutes"`
	Content      string `json:"content"`
	NextStep     string `json:"next_step,omitempty"`
	Category     string `json:"category,omitempty"`
	Place        string `json:"place,omitempty"`
	Satisfaction int    `json:"satisfaction,omitempty"`
	Change       string `json:"change_observed,omitempty"`
	ValueFen     int64  `json:"value_fen,omitempty"` // a resource linked: its value in 分
}

// Log is a stored entry.
type Log struct {
	ID        string `json:"id"`
	CaseID    string `json:"case_id"`
	LoggedAt  string `json:"logged_at"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Minutes   int    `json:"minutes"`
	Content   string `json:"content"`
	NextStep  string `json:"next_step"`
	CreatedBy string `json:"created_by"`
}

// LoggedAtLocal is the entry's time in China.
func (l Log) LoggedAtLocal() string { return cst.ShowStamp(l.LoggedAt) }

// AddLog records an intervention entry and its service record, in tx.
// Refused before the case is accepted, after it is closed (a follow-up
// entry is allowed while follow-ups are due), in the future or before
// intake. A resend with the same id and content returns the saved entry
// (replayed = true); the same id with other content, or on another case,
// is a Conflict (field "id").
func AddLog(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, caseID string, in LogInput) (Log, bool, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Log{}, false, err
	}
	fe := apperr.Fields{}
	id := newID(in.ID, fe)
	in.LoggedAt, in.Content, in.NextStep = strings.TrimSpace(in.LoggedAt), strings.TrimSpace(in.Content), strings.TrimSpace(in.NextStep)
	hashed := in
	hashed.ID = ""
	hash := createHash(keys, "case-log-create", hashed)
	if in.ID != "" && len(fe) == 0 {
		var owner, saved string
		err := tx.QueryRow(ctx, `SELECT case_id, create_hash FROM case_logs WHERE id = ?`, id).Scan(&owner, &saved)
		switch {
		case err == nil && owner == caseID && (saved == "" || saved == hash):
			l, err := getLog(ctx, tx, keys, id)
			return l, true, err
		case err == nil:
			return Log{}, false, &apperr.Error{Kind: apperr.Conflict, Message: "记录编号 " + id + " 已用于另一条内容不同的个案服务记录",
				Fields: map[string]string{"id": "记录编号已存在"}}
		case !errors.Is(err, sql.ErrNoRows):
			return Log{}, false, err
		}
	}
	if c.Stage == StageIntake || c.Stage == StageDeclined || c.Stage == StageReferred || c.Stage == StageClosed {
		fe.Add("stage", "当前阶段（"+c.StageLabel+"）不能记录介入服务：须已接案且未结案")
	}
	at, err := parseTime(in.LoggedAt)
	switch {
	case err != nil:
		fe.Add("logged_at", "请填写服务时间（年-月-日 时:分）")
	case at.After(cst.Now().Add(10 * time.Minute)):
		fe.Add("logged_at", "服务时间不能晚于现在")
	case at.In(cst.Loc).Format(cst.DateLayout) < c.OpenedOn:
		fe.Add("logged_at", "服务时间不能早于接案日期（"+c.OpenedOn+"）")
	}
	if _, ok := logKindLabels[in.Kind]; !ok {
		fe.Add("kind", "请选择服务方式")
	}
	if in.Minutes < 1 || in.Minutes > 1440 {
		fe.Add("minutes", "服务时长应为 1–1440 分钟")
	}
	if in.Content == "" {
		fe.Add("content", "请填写服务内容")
	}
	if in.ValueFen < 0 || in.ValueFen > 0 && in.Kind != "resource" {
		fe.Add("value_fen", "资源价值只用于“资源链接”，且不能为负数")
	}
	if err := fe.Err(); err != nil {
		return Log{}, false, err
	}
	stamp := cst.Stamp(at)
	if _, err := tx.Exec(ctx, `INSERT INTO case_logs (id, version, case_id, logged_at, kind, minutes, content_enc, next_step_enc, create_hash, created_by, created_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, caseID, stamp, in.Kind, in.Minutes, keys.Seal(in.Content), keys.Seal(in.NextStep), hash, actor.UserID, cst.NowStamp()); err != nil {
		return Log{}, false, err
	}
	category := in.Category
	if category == "" {
		category = "support"
		if in.Kind == "crisis" {
			category = "crisis"
		}
	}
	kind := services.KindCase
	if in.Kind == "resource" {
		kind = services.KindResource
	}
	var staff []services.Staff
	for _, w := range c.Workers {
		if w.UserID == actor.UserID {
			staff = append(staff, services.Staff{UserID: w.UserID})
		}
	}
	if len(staff) == 0 {
		staff = []services.Staff{{UserID: actor.UserID}}
	}
	if _, err := services.Derive(ctx, tx, keys, actor, LogSource, id, services.Input{RecipientID: c.RecipientID, OrgID: c.OrgID, Kind: kind,
		Category: category, ServedAt: stamp, Minutes: in.Minutes, Place: in.Place, Content: logKindLabels[in.Kind] + "：" + in.Content,
		Satisfaction: in.Satisfaction, Change: services.Change(in.Change), ValueFen: in.ValueFen, Staff: staff}); err != nil {
		return Log{}, false, err
	}
	if c.Stage == StageFollowUp {
		// A follow-up entry answers the earliest follow-up due.
		if _, err := tx.Exec(ctx, `UPDATE case_tasks SET done_on = ? WHERE id = (SELECT id FROM case_tasks WHERE case_id = ? AND kind = 'followup' AND done_on = '' ORDER BY due_on LIMIT 1)`,
			cst.Today(), caseID); err != nil {
			return Log{}, false, err
		}
	}
	if err := bump(ctx, tx, caseID, 0); err != nil {
		return Log{}, false, err
	}
	if _, err := afterWrite(ctx, tx, actor, c, "介入记录（"+logKindLabels[in.Kind]+"）"); err != nil {
		return Log{}, false, err
	}
	l, err := getLog(ctx, tx, keys, id)
	return l, false, err
}

func scanLog(keys *secure.Keyring) func(r interface{ Scan(...any) error }) (Log, error) {
	return func(r interface{ Scan(...any) error }) (l Log, err error) {
		var content, next string
		if err = r.Scan(&l.ID, &l.CaseID, &l.LoggedAt, &l.Kind, &l.Minutes, &content, &next, &l.CreatedBy); err != nil {
			return l, err
		}
		l.KindLabel = logKindLabels[l.Kind]
		if keys == nil {
			return l, nil
		}
		if l.Content, err = keys.Open(content); err != nil {
			return l, err
		}
		l.NextStep, err = keys.Open(next)
		return l, err
	}
}

const logSelect = `SELECT id, case_id, logged_at, kind, minutes, content_enc, next_step_enc, created_by FROM case_logs`

func getLog(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (Log, error) {
	l, err := scanLog(keys)(q.QueryRow(ctx, logSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, apperr.ErrNotFound("个案服务记录")
	}
	return l, err
}

func caseLogs(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID string) ([]Log, error) {
	rows, err := q.Query(ctx, logSelect+` WHERE case_id = ? ORDER BY logged_at, id`, caseID)
	return db.Collect(rows, err, scanLog(keys))
}

// LogCase is the case a log entry belongs to (for its page).
func LogCase(ctx context.Context, q db.Querier, logID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT case_id FROM case_logs WHERE id = ?`, logID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.ErrNotFound("个案服务记录")
	}
	return id, err
}
