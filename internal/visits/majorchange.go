package visits

import (
	"context"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
)

// ChangeKind is what happened to a person (重大变化的类型).
type ChangeKind string

const (
	ChangeHospital    ChangeKind = "hospital"    // 住院或病情加重
	ChangeBereavement ChangeKind = "bereavement" // 家庭成员去世
	ChangeCarer       ChangeKind = "carer"       // 照料人或监护人变化
	ChangeAccident    ChangeKind = "accident"    // 意外事故或灾害
	ChangeIncome      ChangeKind = "income"      // 生活来源中断
	ChangeOther       ChangeKind = "other"       // 其他
)

// ChangeKinds lists the kinds in display order.
var ChangeKinds = []ChangeKind{ChangeHospital, ChangeBereavement, ChangeCarer, ChangeAccident, ChangeIncome, ChangeOther}

var changeKindLabels = map[ChangeKind]string{
	ChangeHospital: "住院或病情加重", ChangeBereavement: "家庭成员去世", ChangeCarer: "照料人或监护人变化",
	ChangeAccident: "意外事故或灾害", ChangeIncome: "生活来源中断", ChangeOther: "其他",
}

// Label is the kind's Chinese name.
func (k ChangeKind) Label() string { return changeKindLabels[k] }

// Valid reports whether k is a known kind.
func (k ChangeKind) Valid() bool { _, ok := changeKindLabels[k]; return ok }

// MajorChangeWithin is how soon a person must be visited after a major
// change is reported: "24 小时内", counted as by the end of the next
// China day, the granularity of every due date.
const MajorChangeWithin = 24 * time.Hour

// MajorChange is a reported major change and, once a visit has
// answered it, that visit.
type MajorChange struct {
	ID          string     `json:"id"`
	RecipientID string     `json:"recipient_id"`
	Kind        ChangeKind `json:"kind"`
	KindLabel   string     `json:"kind_label"`
	Note        string     `json:"note"`
	ReportedAt  string     `json:"reported_at"`
	DueOn       string     `json:"due_on"`
	VisitID     string     `json:"visit_id,omitempty"`
}

// ReportedAtLocal is the report time in China time for pages.
func (m MajorChange) ReportedAtLocal() string { return cst.ShowStamp(m.ReportedAt) }

// MajorChangeInput is a report: its id may be made by the client
// (UUIDv7), so a report made offline is replayed safely.
type MajorChangeInput struct {
	ID   string     `json:"id,omitempty"`
	Kind ChangeKind `json:"kind"`
	Note string     `json:"note"`
}

// ReportMajorChange records that something happened to a person and
// brings their next visit forward to within MajorChangeWithin, in tx.
// A report repeated with the same id returns the saved one.
func ReportMajorChange(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, recipientID string, in MajorChangeInput) (MajorChange, error) {
	if err := actor.Require(authz.PermVisitsWrite); err != nil {
		return MajorChange{}, err
	}
	in.ID, in.Note = strings.TrimSpace(in.ID), strings.TrimSpace(in.Note)
	fe := apperr.Fields{}
	if !in.Kind.Valid() {
		fe.Add("kind", "请选择重大变化的类型")
	}
	if in.Kind == ChangeOther && in.Note == "" {
		fe.Add("note", "类型为“其他”时请写明发生了什么")
	}
	if len([]rune(in.Note)) > 500 {
		fe.Add("note", "说明最多 500 字")
	}
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "编号应为 UUID")
	}
	if err := fe.Err(); err != nil {
		return MajorChange{}, err
	}
	p, err := recipientFor(ctx, tx, actor, recipientID)
	if err != nil {
		return MajorChange{}, err
	}
	// A replay (same id) answers with the saved report whatever happened
	// to the person since.
	if in.ID != "" {
		if saved, err := replayedMajorChange(ctx, tx, keys, p.ID, in); saved.ID != "" || err != nil {
			return saved, err
		}
	} else {
		in.ID = ids.New()
	}
	// Only people in care (在册) are on the due lists that would show it.
	if p.Status != recipients.StatusActive {
		return MajorChange{}, (apperr.Fields{"recipient_id": "该对象当前状态为“" + recipients.StatusLabel(p.Status) + "”，不在探访名单中；如需探访，请先把状态改回“在册”"}).Err()
	}
	now := cst.Now()
	due := now.Add(MajorChangeWithin).Format(cst.DateLayout)
	_, err = tx.Exec(ctx, `INSERT INTO visit_major_changes (id, recipient_id, org_id, kind, note_enc, reported_at, due_on, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.ID, p.ID, p.OrgID, in.Kind, keys.Seal(in.Note), cst.Stamp(now), due, actorID(actor), cst.Stamp(now))
	if db.IsUniqueViolation(err) {
		// The same report arriving twice at once: the other copy won.
		return MajorChange{}, apperr.New(apperr.Conflict, "该重大变化登记正在被同时保存，请稍后重试")
	}
	if err != nil {
		return MajorChange{}, err
	}
	if _, err := replan(ctx, tx, actor, p); err != nil {
		return MajorChange{}, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "visit_major_change", EntityID: in.ID, OrgPath: p.OrgPath,
		Summary: "登记重大变化：" + p.Name + "（" + in.Kind.Label() + "，最迟 " + due + " 当天探访）",
		Changes: audit.Diff(nil, []audit.Field{{Name: "kind", Label: "类型", Value: in.Kind.Label()}, {Name: "note", Label: "说明", Sensitive: true, Value: in.Note}})})
	if err != nil {
		return MajorChange{}, err
	}
	return getMajorChange(ctx, tx, keys, in.ID)
}

// replayedMajorChange returns the saved report with in's id, if there is
// one (an empty MajorChange if not); other content under that id is a
// conflict.
func replayedMajorChange(ctx context.Context, q db.Querier, keys *secure.Keyring, recipientID string, in MajorChangeInput) (MajorChange, error) {
	saved, err := getMajorChange(ctx, q, keys, in.ID)
	if apperr.Is(err, apperr.NotFound) {
		return MajorChange{}, nil
	}
	if err != nil {
		return MajorChange{}, err
	}
	if saved.RecipientID != recipientID || saved.Kind != in.Kind || saved.Note != in.Note {
		return MajorChange{}, apperr.New(apperr.Conflict, "编号 %s 已用于另一条重大变化登记", in.ID)
	}
	return saved, nil
}

const majorChangeColumns = `id, recipient_id, kind, note_enc, reported_at, due_on, COALESCE(visit_id, '')`

func scanMajorChange(keys *secure.Keyring) func(row interface{ Scan(...any) error }) (MajorChange, error) {
	return func(row interface{ Scan(...any) error }) (MajorChange, error) {
		var m MajorChange
		var sealed string
		if err := row.Scan(&m.ID, &m.RecipientID, &m.Kind, &sealed, &m.ReportedAt, &m.DueOn, &m.VisitID); err != nil {
			return m, err
		}
		m.KindLabel = m.Kind.Label()
		var err error
		m.Note, err = keys.Open(sealed)
		return m, err
	}
}

func getMajorChange(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (MajorChange, error) {
	rows, err := q.Query(ctx, `SELECT `+majorChangeColumns+` FROM visit_major_changes WHERE id = ?`, id)
	out, err := db.Collect(rows, err, scanMajorChange(keys))
	if err != nil {
		return MajorChange{}, err
	}
	if len(out) == 0 {
		return MajorChange{}, apperr.ErrNotFound("重大变化登记")
	}
	return out[0], nil
}

// MajorChangeSaved reports whether a major-change report with this id is
// already stored, so a client resending a report it made offline can be
// told it was not created again. An empty id is never saved.
func MajorChangeSaved(ctx context.Context, q db.Querier, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM visit_major_changes WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

// answerMajorChanges marks the open reports made up to a visit's time as
// answered by it, and reopens those it answered that now lie after it (a
// corrected visit time). Visit times are kept to the minute, so a report
// made within the visit's minute counts as before it.
func answerMajorChanges(ctx context.Context, tx db.Querier, recipientID, visitID string, visitedAt time.Time) error {
	bound := cst.Stamp(visitedAt.Truncate(time.Minute).Add(time.Minute))
	if _, err := tx.Exec(ctx, `UPDATE visit_major_changes SET visit_id = NULL, version = version + 1
		WHERE visit_id = ? AND reported_at >= ?`, visitID, bound); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE visit_major_changes SET visit_id = ?, version = version + 1
		WHERE recipient_id = ? AND visit_id IS NULL AND reported_at < ?`, visitID, recipientID, bound)
	return err
}

// openMajorChangeDue is the earliest due date of a person's unanswered
// reports, or "".
func openMajorChangeDue(ctx context.Context, q db.Querier, recipientID string) (string, error) {
	var due string
	err := q.QueryRow(ctx, `SELECT COALESCE(MIN(due_on), '') FROM visit_major_changes WHERE recipient_id = ? AND visit_id IS NULL`, recipientID).Scan(&due)
	return due, err
}

// Plan is a person's visit plan as pages and the API show it.
type Plan struct {
	RecipientID   string        `json:"recipient_id"`
	RiskTier      Tier          `json:"risk_tier"`
	RiskTierLabel string        `json:"risk_tier_label"`
	Rule          string        `json:"rule"` // the tier's interval, "每 1 周"
	LastVisitOn   string        `json:"last_visit_on"`
	NextVisitDue  string        `json:"next_visit_due"`
	Overdue       bool          `json:"overdue"`
	MajorChanges  []MajorChange `json:"open_major_changes"` // unanswered reports, oldest first
}

// PlanOf loads the visit plan of a person the actor may see.
func PlanOf(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, recipientID string) (Plan, error) {
	p, err := recipientFor(ctx, q, actor, recipientID)
	if err != nil {
		return Plan{}, err
	}
	out := Plan{RecipientID: p.ID}
	if err := q.QueryRow(ctx, `SELECT risk_tier, last_visit_on, next_visit_due FROM recipients WHERE id = ?`, p.ID).
		Scan(&out.RiskTier, &out.LastVisitOn, &out.NextVisitDue); err != nil {
		return Plan{}, err
	}
	out.RiskTierLabel = out.RiskTier.Label()
	out.Overdue = out.NextVisitDue != "" && out.NextVisitDue < cst.Today()
	rules, err := RulesFor(ctx, q, p.OrgPath)
	if err != nil {
		return Plan{}, err
	}
	out.Rule = rules.IntervalFor(out.RiskTier).String()
	rows, err := q.Query(ctx, `SELECT `+majorChangeColumns+` FROM visit_major_changes WHERE recipient_id = ? AND visit_id IS NULL ORDER BY reported_at`, p.ID)
	if out.MajorChanges, err = db.Collect(rows, err, scanMajorChange(keys)); err != nil {
		return Plan{}, err
	}
	return out, nil
}
