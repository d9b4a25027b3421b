// Package visits is screening and home visits (探访排查): the record of
// each visit with its structured assessment, the risk tier it results in,
// and the visit plan that follows from it — each recipient's next due
// date under the county's rules — so that overdue visits are visible to
// the worker, the station and the county.
//
// Recording a visit is one transaction: the visit, its visitors, the
// person's new tier and due date, a person newly met and registered on
// the spot, photos, and the audit entries, all or nothing.
package visits

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"strconv"
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

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the visits schema; it extends the recipients table, so it
// is migrated after recipients.Module.
var Module = db.MustLoadModule("visits", migrations, "migrations")

func init() {
	secure.RegisterColumn("visits", "id", "findings_enc")
	secure.RegisterColumn("visits", "id", "needs_enc")
	secure.RegisterColumn("visits", "id", "notes_enc")
	secure.RegisterColumn("visit_major_changes", "id", "note_enc")
}

// FutureTolerance is how far past the server's clock a visit time may
// lie: phones' clocks drift, but a visit "tomorrow" is a mistake.
const FutureTolerance = 10 * time.Minute

// Visit is one recorded visit.
type Visit struct {
	ID            string     `json:"id"`
	Version       int        `json:"version"`
	RecipientID   string     `json:"recipient_id"`
	RecipientName string     `json:"recipient_name"`
	OrgID         string     `json:"org_id"`
	OrgName       string     `json:"org_name"`
	OrgPath       string     `json:"-"`
	CampaignID    string     `json:"campaign_id,omitempty"`
	CampaignName  string     `json:"campaign_name,omitempty"`
	VisitedAt     string     `json:"visited_at"` // instant, UTC stamp
	VisitDate     string     `json:"visit_date"` // China date
	Method        Method     `json:"method"`
	MethodLabel   string     `json:"method_label"`
	Visitors      []Visitor  `json:"visitors"`
	Findings      string     `json:"findings"`
	Needs         string     `json:"needs"`
	Assessment    Assessment `json:"assessment"`
	RiskTier      Tier       `json:"risk_tier"`
	RiskTierLabel string     `json:"risk_tier_label"`
	FollowUp      FollowUp   `json:"follow_up"`
	FollowUpLabel string     `json:"follow_up_label"`
	NextDue       string     `json:"next_due"`
	CreatedBy     string     `json:"created_by"`
	CreatedByName string     `json:"created_by_name"`
	CreatedAt     string     `json:"created_at"`
	UpdatedAt     string     `json:"updated_at"`
}

// VisitedAtLocal is the visit time in China, for display and forms.
func (v Visit) VisitedAtLocal() string { return cst.ShowStamp(v.VisitedAt) }

// VisitorNames joins the visitors' names.
func (v Visit) VisitorNames() string {
	names := make([]string, len(v.Visitors))
	for i, p := range v.Visitors {
		names[i] = p.Name
	}
	return strings.Join(names, "、")
}

// Input is what a visitor submits. ID may be made by the client (a
// UUIDv7), so an offline phone can replay the same record safely.
type Input struct {
	ID          string `json:"id,omitempty"`
	RecipientID string `json:"recipient_id,omitempty"`
	// NewRecipient registers a person met on the visit, in the same
	// transaction; RecipientID is then left empty.
	NewRecipient *NewRecipient `json:"new_recipient,omitempty"`
	CampaignID   string        `json:"campaign_id,omitempty"`
	// VisitedAt is "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM" in China
	// time, or an RFC 3339 instant.
	VisitedAt  string     `json:"visited_at"`
	Method     Method     `json:"method"`
	Visitors   []Visitor  `json:"visitors,omitempty"`
	Findings   string     `json:"findings,omitempty"`
	Needs      string     `json:"needs,omitempty"`
	Assessment Assessment `json:"assessment"`
	RiskTier   Tier       `json:"risk_tier,omitempty"`
	FollowUp   FollowUp   `json:"follow_up,omitempty"`
	// Reason says why a saved visit is corrected (Update requires it;
	// a create ignores it).
	Reason string `json:"reason,omitempty"`
}

// ParseVisitedAt reads a visit time as typed or sent.
func ParseVisitedAt(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, cst.Loc); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

// normalize trims the text and fills defaults; it returns the visit
// time it read (zero if unreadable).
func (in *Input) normalize() time.Time {
	in.ID = strings.TrimSpace(in.ID)
	in.RecipientID = strings.TrimSpace(in.RecipientID)
	in.CampaignID = strings.TrimSpace(in.CampaignID)
	in.Findings = strings.TrimSpace(in.Findings)
	in.Needs = strings.TrimSpace(in.Needs)
	if in.FollowUp == "" {
		in.FollowUp = FollowNone
	}
	for _, d := range Dimensions {
		p := in.Assessment.ptr(d.Key)
		p.Note = strings.TrimSpace(p.Note)
	}
	var kept []Visitor
	for _, v := range in.Visitors {
		v.UserID, v.Name = strings.TrimSpace(v.UserID), strings.TrimSpace(v.Name)
		if v.UserID != "" || v.Name != "" {
			kept = append(kept, v)
		}
	}
	in.Visitors = kept
	t, err := ParseVisitedAt(in.VisitedAt)
	if err != nil {
		return time.Time{}
	}
	in.VisitedAt = cst.Stamp(t)
	return t
}

// check validates what can be checked without the database. The
// assessment rule: a tier may be given only with a complete assessment
// (all four dimensions scored); a complete assessment without a tier
// gets the suggested one.
func (in *Input) check(at time.Time, fe apperr.Fields) {
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "记录编号应为小写的 UUID（如 0190…-…），或留空由系统生成")
	}
	if in.RecipientID == "" && in.NewRecipient == nil {
		fe.Add("recipient_id", "请选择探访对象，或当场登记新发现的对象")
	}
	if at.IsZero() {
		fe.Add("visited_at", "请填写探访时间（年-月-日 时:分）")
	} else if at.After(cst.Now().Add(FutureTolerance)) {
		fe.Add("visited_at", "探访时间不能晚于现在")
	}
	if !in.Method.Valid() {
		fe.Add("method", "请选择探访方式")
	}
	if !in.FollowUp.Valid() {
		fe.Add("follow_up", "请选择后续跟进方式")
	}
	if len([]rune(in.Findings)) > 4000 {
		fe.Add("findings", "探访情况不能超过 4000 字")
	}
	if len([]rune(in.Needs)) > 2000 {
		fe.Add("needs", "需求不能超过 2000 字")
	}
	if len(in.Visitors) > 20 {
		fe.Add("visitors", "探访人员最多 20 人")
	}
	for _, d := range Dimensions {
		s := in.Assessment.Get(d.Key)
		if s.Score < 0 || s.Score > 5 {
			fe.Add("score_"+d.Key, d.Label+"的评分应为 1–5")
		}
		if len([]rune(s.Note)) > 500 {
			fe.Add("note_"+d.Key, d.Label+"的说明不能超过 500 字")
		}
	}
	if in.RiskTier != "" && !in.RiskTier.Valid() {
		fe.Add("risk_tier", "未知的风险等级")
		return
	}
	n := in.Assessment.scored()
	switch {
	case in.RiskTier != "" && n < len(Dimensions):
		fe.Add("risk_tier", "评定风险等级须先完成四项评估（基本生活、安全风险、家庭赡养/抚养、关爱服务）")
		for _, d := range Dimensions {
			if in.Assessment.Get(d.Key).Score == 0 {
				fe.Add("score_"+d.Key, "请为“"+d.Label+"”评分")
			}
		}
	case n > 0 && n < len(Dimensions):
		for _, d := range Dimensions {
			if in.Assessment.Get(d.Key).Score == 0 {
				fe.Add("score_"+d.Key, "评估须四项都评分：请为“"+d.Label+"”评分")
			}
		}
	case n == len(Dimensions) && in.RiskTier == "":
		in.RiskTier = in.Assessment.SuggestTier()
	}
}

// hash fingerprints the submitted content (everything but the id), so a
// replayed create can be told from a different record reusing an id.
func (in Input) hash() string {
	in.ID, in.Reason = "", ""
	return ids.Fingerprint(in)
}

// Record saves a visit and updates the person's visit plan, in tx. A
// create repeated with the same id and the same content returns the
// existing visit (replayed = true) and writes nothing; the same id with
// different content is a conflict.
func Record(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input) (v Visit, replayed bool, err error) {
	if err := actor.Require(authz.PermVisitsWrite); err != nil {
		return Visit{}, false, err
	}
	at := in.normalize()
	fe := apperr.Fields{}
	in.check(at, fe)
	if in.ID != "" && ids.Valid(in.ID) {
		existing, err := getRow(ctx, tx, keys, in.ID)
		if err == nil {
			if err := actor.RequireScope(existing.OrgPath); err != nil {
				return Visit{}, false, err
			}
			var storedHash string
			if err := tx.QueryRow(ctx, `SELECT content_hash FROM visits WHERE id = ?`, in.ID).Scan(&storedHash); err != nil {
				return Visit{}, false, err
			}
			if storedHash == in.hash() {
				return existing, true, nil
			}
			return Visit{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一条探访记录，内容不同；如需修改请编辑该记录", in.ID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return Visit{}, false, err
		}
		if gone, err := deleted(ctx, tx, in.ID); err != nil {
			return Visit{}, false, err
		} else if gone {
			return Visit{}, false, apperr.New(apperr.Conflict, "编号 %s 的探访记录已被删除，不能再次保存", in.ID)
		}
	}
	if err := fe.Err(); err != nil {
		return Visit{}, false, err
	}
	hash := in.hash()
	var person person
	registered := false
	if in.NewRecipient != nil {
		person, err = registerRecipient(ctx, tx, keys, actor, in.NewRecipient)
		if err != nil {
			return Visit{}, false, prefixFields(err, "new_recipient.")
		}
		registered = true
		in.RecipientID = person.ID
	} else {
		person, err = recipientFor(ctx, tx, actor, in.RecipientID)
		if apperr.Is(err, apperr.NotFound) {
			return Visit{}, false, (apperr.Fields{"recipient_id": "探访对象不存在"}).Err()
		}
		if err != nil {
			return Visit{}, false, err
		}
	}
	visitDate := at.In(cst.Loc).Format(cst.DateLayout)
	if err := checkVisitDate(person, visitDate); err != nil {
		return Visit{}, false, err
	}
	if in.CampaignID != "" {
		c, err := getCampaign(ctx, tx, in.CampaignID)
		if apperr.Is(err, apperr.NotFound) || err == nil && !actor.Covers(c.OrgPath) && !strings.HasPrefix(person.OrgPath, c.OrgPath) {
			return Visit{}, false, (apperr.Fields{"campaign_id": "探访排查计划不存在或不在您的范围内"}).Err()
		} else if err != nil {
			return Visit{}, false, err
		}
	}
	visitors, err := resolveVisitors(ctx, tx, actor, in.Visitors)
	if err != nil {
		return Visit{}, false, err
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	notes, err := sealNotes(keys, in.Assessment)
	if err != nil {
		return Visit{}, false, err
	}
	now := cst.NowStamp()
	_, err = tx.Exec(ctx, `INSERT INTO visits (id, version, recipient_id, org_id, campaign_id, visited_at, visit_date, method, findings_enc, needs_enc, notes_enc,
		score_living, score_safety, score_family, score_care, risk_tier, follow_up, content_hash, created_by, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, person.ID, person.OrgID, nullable(in.CampaignID), in.VisitedAt, visitDate, in.Method, keys.Seal(in.Findings), keys.Seal(in.Needs), notes,
		in.Assessment.Living.Score, in.Assessment.Safety.Score, in.Assessment.Family.Score, in.Assessment.Care.Score,
		in.RiskTier, in.FollowUp, hash, actorID(actor), now, now)
	if db.IsUniqueViolation(err) {
		// A concurrent replay won the race: the caller retries and
		// gets the existing record.
		return Visit{}, false, apperr.New(apperr.Conflict, "该探访记录正在被同时保存，请稍后重试")
	}
	if err != nil {
		return Visit{}, false, err
	}
	if err := saveVisitors(ctx, tx, id, visitors); err != nil {
		return Visit{}, false, err
	}
	if err := answerMajorChanges(ctx, tx, person.ID, id, at); err != nil {
		return Visit{}, false, err
	}
	if _, err := replan(ctx, tx, actor, person); err != nil {
		return Visit{}, false, err
	}
	v, err = getRow(ctx, tx, keys, id)
	if err != nil {
		return Visit{}, false, err
	}
	if err := serviceRecord(ctx, tx, keys, actor, v); err != nil {
		return Visit{}, false, err
	}
	summary := "记录探访：" + person.Name + "（" + v.VisitDate + "，" + v.MethodLabel + "）"
	if registered {
		summary += "，当场登记为服务对象"
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "visit", EntityID: id, OrgPath: person.OrgPath,
		Summary: summary, Changes: audit.Diff(nil, v.fields())})
	if err != nil {
		return Visit{}, false, err
	}
	return v, false, nil
}

// Update corrects a visit, checking the version the editor saw. Only the
// person who recorded it or a station head over it may (CanCorrect), and
// in.Reason says why (into the audit entry). The person cannot change
// (record a new visit instead); their plan is recomputed from their
// latest visit.
func Update(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, id string, version int, in Input) (Visit, error) {
	if err := actor.Require(authz.PermVisitsWrite); err != nil {
		return Visit{}, err
	}
	before, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return Visit{}, err
	}
	if err := requireCorrect(actor, before); err != nil {
		return Visit{}, err
	}
	in.ID, in.RecipientID, in.NewRecipient = "", before.RecipientID, nil
	at := in.normalize()
	fe := apperr.Fields{}
	in.check(at, fe)
	reason := checkReason(fe, in.Reason)
	if version <= 0 {
		fe.Add("version", "缺少版本号，请刷新页面后重试")
	}
	if err := fe.Err(); err != nil {
		return Visit{}, err
	}
	person, err := recipientFor(ctx, tx, actor, before.RecipientID)
	if err != nil {
		return Visit{}, err
	}
	visitDate := at.In(cst.Loc).Format(cst.DateLayout)
	if err := checkVisitDate(person, visitDate); err != nil {
		return Visit{}, err
	}
	if in.CampaignID != "" {
		c, err := getCampaign(ctx, tx, in.CampaignID)
		if apperr.Is(err, apperr.NotFound) || err == nil && !actor.Covers(c.OrgPath) && !strings.HasPrefix(person.OrgPath, c.OrgPath) {
			return Visit{}, (apperr.Fields{"campaign_id": "探访排查计划不存在或不在您的范围内"}).Err()
		} else if err != nil {
			return Visit{}, err
		}
	}
	visitors, err := resolveVisitors(ctx, tx, actor, in.Visitors)
	if err != nil {
		return Visit{}, err
	}
	notes, err := sealNotes(keys, in.Assessment)
	if err != nil {
		return Visit{}, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE visits SET campaign_id = ?, visited_at = ?, visit_date = ?, method = ?, findings_enc = ?, needs_enc = ?, notes_enc = ?,
		score_living = ?, score_safety = ?, score_family = ?, score_care = ?, risk_tier = ?, follow_up = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		nullable(in.CampaignID), in.VisitedAt, visitDate, in.Method, keys.Seal(in.Findings), keys.Seal(in.Needs), notes,
		in.Assessment.Living.Score, in.Assessment.Safety.Score, in.Assessment.Family.Score, in.Assessment.Care.Score,
		in.RiskTier, in.FollowUp, cst.NowStamp(), id, version)); err != nil {
		return Visit{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM visit_visitors WHERE visit_id = ?`, id); err != nil {
		return Visit{}, err
	}
	if err := saveVisitors(ctx, tx, id, visitors); err != nil {
		return Visit{}, err
	}
	if err := answerMajorChanges(ctx, tx, person.ID, id, at); err != nil {
		return Visit{}, err
	}
	if _, err := replan(ctx, tx, actor, person); err != nil {
		return Visit{}, err
	}
	after, err := getRow(ctx, tx, keys, id)
	if err != nil {
		return Visit{}, err
	}
	if err := serviceRecord(ctx, tx, keys, actor, after); err != nil {
		return Visit{}, err
	}
	changes := audit.Diff(before.fields(), after.fields())
	if len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "visit", EntityID: id, OrgPath: after.OrgPath,
			Summary: "修改探访记录：" + after.RecipientName + "（" + after.VisitDate + "），原因：" + reason, Changes: changes})
	}
	return after, err
}

// checkVisitDate refuses a visit the person cannot have had: before
// their birth, or after they died or moved away (from the status date
// on; without one, any visit once the status is set). A closed or
// suspended case can still be visited.
func checkVisitDate(p person, visitDate string) error {
	if p.BirthDate != "" && visitDate < p.BirthDate {
		return (apperr.Fields{"visited_at": "探访日期早于对象的出生日期（" + p.BirthDate + "）"}).Err()
	}
	if p.Status != recipients.StatusDeceased && p.Status != recipients.StatusMoved {
		return nil
	}
	what := "已" + recipients.StatusLabel(p.Status)
	switch {
	case p.StatusDate == "":
		return (apperr.Fields{"recipient_id": "该对象" + what + "，不能再登记探访；如状态有误，请先修改服务对象的状态"}).Err()
	case visitDate > p.StatusDate:
		return (apperr.Fields{"visited_at": "该对象于 " + p.StatusDate + " " + what + "，探访日期不能晚于该日"}).Err()
	}
	return nil
}

// nextVisitDue is the one rule for when a person is next due: by the
// rules after the last visit (none if never visited), or by an
// unanswered major change (urgent) if that comes sooner.
func nextVisitDue(rules Rules, last string, tier Tier, categories []string, urgent string) (due, why string, err error) {
	if last != "" {
		if due, why, err = rules.NextDue(last, tier, categories); err != nil {
			return "", "", err
		}
	}
	if urgent != "" && (due == "" || urgent < due) {
		due, why = urgent, "重大变化：24 小时内探访"
	}
	return due, why, nil
}

// replan recomputes a person's tier, last visit and next due date from
// their latest visit: the tier is that of the latest visit that set one,
// the due date follows the rules in force where the person is, or an
// unanswered major change if that comes sooner. It works
// from the stored visits rather than the one just saved, so a visit
// entered late (older than the latest) or corrected never moves the plan
// backwards. It returns the new due date.
func replan(ctx context.Context, tx db.Querier, actor *authz.Actor, person person) (string, error) {
	var last string
	err := tx.QueryRow(ctx, `SELECT visit_date FROM visits WHERE recipient_id = ? ORDER BY visit_date DESC, visited_at DESC LIMIT 1`, person.ID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		last = ""
	} else if err != nil {
		return "", err
	}
	var tier string
	err = tx.QueryRow(ctx, `SELECT risk_tier FROM visits WHERE recipient_id = ? AND risk_tier <> '' ORDER BY visit_date DESC, visited_at DESC LIMIT 1`, person.ID).Scan(&tier)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	rules, err := RulesFor(ctx, tx, person.OrgPath)
	if err != nil {
		return "", err
	}
	urgent, err := openMajorChangeDue(ctx, tx, person.ID)
	if err != nil {
		return "", err
	}
	due, why, err := nextVisitDue(rules, last, Tier(tier), person.Categories, urgent)
	if err != nil {
		return "", err
	}
	var oldTier, oldLast, oldDue string
	if err := tx.QueryRow(ctx, `SELECT risk_tier, last_visit_on, next_visit_due FROM recipients WHERE id = ?`, person.ID).Scan(&oldTier, &oldLast, &oldDue); err != nil {
		return "", err
	}
	if oldTier == tier && oldLast == last && oldDue == due {
		return due, nil
	}
	// The plan columns belong to this package: the recipient's version is
	// left alone so a visit never makes someone's open edit form stale.
	if _, err := tx.Exec(ctx, `UPDATE recipients SET risk_tier = ?, last_visit_on = ?, next_visit_due = ? WHERE id = ?`, tier, last, due, person.ID); err != nil {
		return "", err
	}
	planFields := func(t, l, d string) []audit.Field {
		return []audit.Field{{Name: "risk_tier", Label: "风险等级", Value: Tier(t).Label()}, {Name: "last_visit_on", Label: "最近探访", Value: l},
			{Name: "next_visit_due", Label: "下次应探访", Value: d}}
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: person.ID, OrgPath: person.OrgPath,
		Summary: "更新探访计划：" + person.Name + "（" + why + "）", Changes: audit.Diff(planFields(oldTier, oldLast, oldDue), planFields(tier, last, due))})
	return due, err
}

// Replan recomputes one person's visit plan (after their categories or
// station change, or the rules change for them).
func Replan(ctx context.Context, tx db.Querier, actor *authz.Actor, recipientID string) (string, error) {
	person, err := recipientFor(ctx, tx, actor, recipientID)
	if err != nil {
		return "", err
	}
	return replan(ctx, tx, actor, person)
}

func prefixFields(err error, prefix string) error {
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	out := &apperr.Error{Kind: ae.Kind, Message: ae.Message, Fields: map[string]string{}}
	for k, v := range ae.Fields {
		out.Fields[prefix+k] = v
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func actorID(a *authz.Actor) string {
	if a == nil {
		return ""
	}
	return a.UserID
}

func sealNotes(keys *secure.Keyring, a Assessment) (string, error) {
	notes := map[string]string{}
	for _, d := range Dimensions {
		if n := a.Get(d.Key).Note; n != "" {
			notes[d.Key] = n
		}
	}
	if len(notes) == 0 {
		return "", nil
	}
	b, err := json.Marshal(notes)
	if err != nil {
		return "", err
	}
	return keys.Seal(string(b)), nil
}

// resolveVisitors checks the accounts named as visitors (they must exist
// and lie in the actor's scope, or be the actor) and fills in their
// names. With nobody named, the actor made the visit.
func resolveVisitors(ctx context.Context, q db.Querier, actor *authz.Actor, in []Visitor) ([]Visitor, error) {
	if len(in) == 0 && actor != nil {
		return []Visitor{{UserID: actor.UserID, Name: actor.DisplayName}}, nil
	}
	out := make([]Visitor, 0, len(in))
	seen := map[string]bool{}
	for i, v := range in {
		if v.UserID == "" {
			if len([]rune(v.Name)) > 40 {
				return nil, (apperr.Fields{"visitors": "探访人员姓名不能超过 40 个字"}).Err()
			}
			out = append(out, v)
			continue
		}
		if seen[v.UserID] {
			continue
		}
		seen[v.UserID] = true
		var name, path string
		err := q.QueryRow(ctx, `SELECT u.display_name, o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, v.UserID).Scan(&name, &path)
		if errors.Is(err, sql.ErrNoRows) || err == nil && actor != nil && v.UserID != actor.UserID && !actor.Covers(path) && !strings.HasPrefix(actor.OrgPath, path) {
			return nil, (apperr.Fields{"visitors": "第 " + itoa(i+1) + " 位探访人员的账号不存在或不在您的范围内"}).Err()
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Visitor{UserID: v.UserID, Name: name})
	}
	return out, nil
}

func saveVisitors(ctx context.Context, tx db.Querier, visitID string, vs []Visitor) error {
	for i, v := range vs {
		if _, err := tx.Exec(ctx, `INSERT INTO visit_visitors (visit_id, position, user_id, name) VALUES (?, ?, ?, ?)`, visitID, i+1, v.UserID, v.Name); err != nil {
			return err
		}
	}
	return nil
}

func (v Visit) fields() []audit.Field {
	out := []audit.Field{
		{Name: "recipient", Label: "探访对象", Value: v.RecipientName},
		{Name: "visited_at", Label: "探访时间", Value: v.VisitedAtLocal()},
		{Name: "method", Label: "方式", Value: v.MethodLabel},
		{Name: "visitors", Label: "探访人员", Value: v.VisitorNames()},
		{Name: "campaign", Label: "排查计划", Value: v.CampaignName},
		{Name: "findings", Label: "探访情况", Value: v.Findings, Sensitive: true},
		{Name: "needs", Label: "需求", Value: v.Needs, Sensitive: true},
	}
	for _, d := range Dimensions {
		s := v.Assessment.Get(d.Key)
		val := ""
		if s.Score > 0 {
			val = itoa(s.Score)
		}
		out = append(out, audit.Field{Name: "score_" + d.Key, Label: d.Label + "评分", Value: val},
			audit.Field{Name: "note_" + d.Key, Label: d.Label + "说明", Value: s.Note, Sensitive: true})
	}
	return append(out,
		audit.Field{Name: "risk_tier", Label: "风险等级", Value: v.RiskTierLabel},
		audit.Field{Name: "follow_up", Label: "后续跟进", Value: v.FollowUpLabel})
}

func itoa(n int) string { return strconv.Itoa(n) }
