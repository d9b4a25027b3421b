package casework

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
)

// IntakeInput opens a case (接案). ID may be made by the client.
type IntakeInput struct {
	ID             string   `json:"id,omitempty"`
	RecipientID    string   `json:"recipient_id"`
	MemberIDs      []string `json:"member_ids,omitempty"` // other household members the case involves
	Source         string   `json:"source"`               // self, outreach, visit, referral
	SourceVisitID  string   `json:"source_visit_id,omitempty"`
	SourceReferrer string   `json:"source_referrer,omitempty"`
	OpenedOn       string   `json:"opened_on"` // YYYY-MM-DD, China date
	Risk           string   `json:"risk,omitempty"`
	Intake         string   `json:"intake"`                  // presenting problem and first assessment (sealed)
	CoWorkerIDs    []string `json:"co_worker_ids,omitempty"` // accounts working the case with the lead
	LeadID         string   `json:"lead_id,omitempty"`       // the lead worker; the actor when empty
}

// OpenCase records an intake, in tx: a new case numbered by the
// county's rule, at the client's station. A repeat with the same id
// returns the saved case (replayed). Errors: Forbidden, field errors
// (recipient_id out of scope, a date in the future…), Conflict.
func OpenCase(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in IntakeInput) (Case, bool, error) {
	if err := actor.Require(authz.PermCaseworkWrite); err != nil {
		return Case{}, false, err
	}
	fe := apperr.Fields{}
	id := newID(in.ID, fe)
	if in.ID != "" {
		if c, err := loadCase(ctx, tx, id); err == nil {
			if c.RecipientID != in.RecipientID {
				return Case{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一个个案", id)
			}
			c, err = Get(ctx, tx, actor, id)
			return c, true, err
		} else if !apperr.Is(err, apperr.NotFound) {
			return Case{}, false, err
		}
	}
	in.Intake, in.SourceReferrer = strings.TrimSpace(in.Intake), strings.TrimSpace(in.SourceReferrer)
	person, err := recipients.Get(ctx, tx, actor, in.RecipientID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		fe.Add("recipient_id", "服务对象不存在")
	case apperr.Is(err, apperr.OutOfScope):
		fe.Add("recipient_id", "服务对象不在您的范围内，不能为其接案")
	case apperr.Is(err, apperr.Forbidden):
		fe.Add("recipient_id", "您的角色无权为未满 14 周岁的儿童接案")
	case err != nil:
		return Case{}, false, err
	}
	if _, ok := SourceLabels[in.Source]; !ok {
		fe.Add("source", "请选择接案来源")
	}
	if in.Source == "visit" {
		var rid string
		err := tx.QueryRow(ctx, `SELECT recipient_id FROM visits WHERE id = ?`, in.SourceVisitID).Scan(&rid)
		if errors.Is(err, sql.ErrNoRows) || err == nil && rid != in.RecipientID {
			fe.Add("source_visit_id", "请选择发现问题的那次探访（须是该服务对象的探访记录）")
		} else if err != nil {
			return Case{}, false, err
		}
	} else {
		in.SourceVisitID = ""
	}
	if in.Source == "referral" && in.SourceReferrer == "" {
		fe.Add("source_referrer", "请填写转介来源（转介机构或人员）")
	}
	if !cst.IsDate(in.OpenedOn) {
		fe.Add("opened_on", "请填写接案日期（YYYY-MM-DD）")
	} else if in.OpenedOn > cst.Today() {
		fe.Add("opened_on", "接案日期不能晚于今天")
	} else if person.BirthDate != "" && in.OpenedOn < person.BirthDate {
		fe.Add("opened_on", "接案日期早于服务对象的出生日期")
	}
	if in.Risk != "" && in.Risk != "high" {
		fe.Add("risk", "风险等级只能为“高风险”或留空")
	}
	if in.Intake == "" {
		fe.Add("intake", "请填写求助问题与初步评估")
	} else if len([]rune(in.Intake)) > 8000 {
		fe.Add("intake", "初步评估不能超过 8000 字")
	}
	members := map[string]bool{}
	for _, m := range in.MemberIDs {
		if m == "" || m == in.RecipientID || members[m] {
			continue
		}
		r, err := recipients.Get(ctx, tx, actor, m)
		if err != nil || person.HouseholdID == "" || r.HouseholdID != person.HouseholdID {
			fe.Add("member_ids", "涉及的家庭成员须是服务对象同一家庭中您可查看的成员")
			break
		}
		members[m] = true
	}
	lead := in.LeadID
	if lead == "" {
		lead = actor.UserID
	}
	workers := []string{lead}
	for _, w := range in.CoWorkerIDs {
		if w != "" && w != lead && !strings.Contains(strings.Join(workers, ","), w) {
			workers = append(workers, w)
		}
	}
	for i, w := range workers {
		var role, path string
		err := tx.QueryRow(ctx, `SELECT u.role, o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ? AND u.active = 1`, w).Scan(&role, &path)
		r := authz.Role(role)
		if err != nil || r != authz.RoleWorker && r != authz.RoleStationHead || !(strings.HasPrefix(person.OrgPath, path) || strings.HasPrefix(path, person.OrgPath)) {
			field := "co_worker_ids"
			if i == 0 {
				field = "lead_id"
			}
			fe.Add(field, "个案社工须是该服务对象所在站点的社工或站长")
		}
	}
	if err := fe.Err(); err != nil {
		return Case{}, false, err
	}
	// The case belongs to the client's station (a room's client: its station).
	st, err := org.StationOf(ctx, tx, person.OrgPath)
	if err != nil {
		return Case{}, false, err
	}
	orgID, orgName := st.ID, st.Name
	if st.ID == "" { // a person registered above the stations
		orgID, orgName = person.OrgID, person.OrgName
	}
	s, err := SettingsFor(ctx, tx, person.OrgPath)
	if err != nil {
		return Case{}, false, err
	}
	number, err := nextNumber(ctx, tx, s, orgName, in.OpenedOn)
	if err != nil {
		return Case{}, false, err
	}
	now := cst.NowStamp()
	_, err = tx.Exec(ctx, `INSERT INTO cases (id, version, number, org_id, recipient_id, stage, risk, source, source_visit_id, source_referrer, opened_on, intake_enc, created_by, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, number, orgID, person.ID, StageIntake, in.Risk, in.Source, in.SourceVisitID, in.SourceReferrer, in.OpenedOn, keys.Seal(in.Intake), actor.UserID, now, now)
	if db.IsUniqueViolation(err) {
		return Case{}, false, apperr.New(apperr.Conflict, "该个案正在被同时保存，请稍后重试")
	}
	if err != nil {
		return Case{}, false, err
	}
	for i, w := range workers {
		if _, err := tx.Exec(ctx, `INSERT INTO case_workers (case_id, user_id, lead) VALUES (?, ?, ?)`, id, w, db.Bool(i == 0)); err != nil {
			return Case{}, false, err
		}
	}
	for m := range members {
		if _, err := tx.Exec(ctx, `INSERT INTO case_members (case_id, recipient_id) VALUES (?, ?)`, id, m); err != nil {
			return Case{}, false, err
		}
	}
	if err := event(ctx, tx, actor, id, "stage", StageIntake, "接案："+SourceLabels[in.Source]); err != nil {
		return Case{}, false, err
	}
	c, err := loadCase(ctx, tx, id)
	if err != nil {
		return Case{}, false, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "case", EntityID: id, OrgPath: c.OrgPath,
		Summary: "接案：" + c.Number + "（" + c.RecipientName + "）", Changes: audit.Diff(nil, c.fields())})
	return c, false, err
}

func (c Case) fields() []audit.Field {
	return []audit.Field{
		{Name: "number", Label: "个案编号", Value: c.Number}, {Name: "recipient", Label: "服务对象", Value: c.RecipientName},
		{Name: "stage", Label: "阶段", Value: c.StageLabel}, {Name: "source", Label: "来源", Value: SourceLabels[c.Source]},
		{Name: "opened_on", Label: "接案日期", Value: c.OpenedOn}, {Name: "lead", Label: "社工", Value: c.Lead()},
		{Name: "decision", Label: "接案决定", Value: c.Decision}, {Name: "close_reason", Label: "结案原因", Value: CloseReasonLabel(c.CloseReason)},
	}
}

// AgreementEntity owns the signed service agreement's scans
// (internal/attach): they are read under the content rule (Open).
const AgreementEntity = "case_agreement"

// DecisionInput is the intake decision: accept (with the service
// agreement's date, its signed scan attached to the case as
// "case_agreement"), decline (with a reason, and where referred), or
// refer (转介, naming where).
type DecisionInput struct {
	Decision    string `json:"decision"` // accept, decline, refer
	Reason      string `json:"reason,omitempty"`
	Referral    string `json:"referral,omitempty"`
	AgreementOn string `json:"agreement_on,omitempty"`
	DecidedOn   string `json:"decided_on,omitempty"` // today when empty
}

// Decide records the intake decision on a case at 接案.
func Decide(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, in DecisionInput) (Case, error) {
	c, err := forWrite(ctx, tx, actor, id)
	if err != nil {
		return Case{}, err
	}
	fe := apperr.Fields{}
	if c.Stage != StageIntake {
		fe.Add("decision", "该个案已作出接案决定（当前阶段："+c.StageLabel+"）")
	}
	in.Reason, in.Referral = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Referral)
	if in.DecidedOn == "" {
		in.DecidedOn = cst.Today()
	}
	if !cst.IsDate(in.DecidedOn) || in.DecidedOn > cst.Today() || in.DecidedOn < c.OpenedOn {
		fe.Add("decided_on", "决定日期应在接案日期与今天之间")
	}
	switch in.Decision {
	case "accept":
		if in.AgreementOn != "" && (!cst.IsDate(in.AgreementOn) || in.AgreementOn < c.OpenedOn || in.AgreementOn > cst.Today()) {
			fe.Add("agreement_on", "服务协议签订日期应在接案日期与今天之间")
		}
		in.Reason, in.Referral = "", ""
	case "decline":
		if in.Reason == "" {
			fe.Add("reason", "不予接案须填写原因")
		}
	case "refer":
		if in.Referral == "" {
			fe.Add("referral", "转介须填写转介去向")
		}
	default:
		fe.Add("decision", "请选择接案决定：接案、不予接案或转介")
	}
	if err := fe.Err(); err != nil {
		return Case{}, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE cases SET decision = ?, decided_on = ?, decline_reason = ?, decline_referral = ?, agreement_on = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, in.Decision, in.DecidedOn, in.Reason, in.Referral, in.AgreementOn, cst.NowStamp(), id, version)); err != nil {
		return Case{}, err
	}
	return afterWrite(ctx, tx, actor, c, "接案决定："+map[string]string{"accept": "接案", "decline": "不予接案", "refer": "转介"}[in.Decision])
}

// afterWrite recomputes the stage and audits the change of metadata.
func afterWrite(ctx context.Context, tx db.Querier, actor *authz.Actor, before Case, what string) (Case, error) {
	if _, err := refresh(ctx, tx, actor, before.ID, what); err != nil {
		return Case{}, err
	}
	after, err := loadCase(ctx, tx, before.ID)
	if err != nil {
		return Case{}, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "case", EntityID: before.ID, OrgPath: before.OrgPath,
		Summary: what + "：" + before.Number, Changes: audit.Diff(before.fields(), after.fields())})
	return after, err
}

// Reopen (重开) reopens a closed, declined or referred case, with a
// reason: its stage follows again from what is recorded.
func Reopen(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, version int, reason string) (Case, error) {
	c, err := forWrite(ctx, tx, actor, id)
	if err != nil {
		return Case{}, err
	}
	reason = strings.TrimSpace(reason)
	fe := apperr.Fields{}
	if c.Stage.Open() {
		fe.Add("stage", "个案尚未结案，无需重开")
	}
	if reason == "" {
		fe.Add("reason", "重开个案须填写原因")
	}
	if err := fe.Err(); err != nil {
		return Case{}, err
	}
	if c.Stage == StageDeclined || c.Stage == StageReferred {
		_, err = tx.Exec(ctx, `UPDATE cases SET decision = '', decided_on = '', decline_reason = '', decline_referral = '' WHERE id = ?`, id)
	} else {
		_, err = tx.Exec(ctx, `UPDATE case_closures SET status = 'reopened' WHERE case_id = ?`, id)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE cases SET closed_on = '', close_reason = '' WHERE id = ?`, id)
		}
	}
	if err != nil {
		return Case{}, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE cases SET reopen_count = reopen_count + 1, version = version + 1 WHERE id = ? AND version = ?`, id, version)); err != nil {
		return Case{}, err
	}
	if err := event(ctx, tx, actor, id, "reopened", c.Stage, reason); err != nil {
		return Case{}, err
	}
	return afterWrite(ctx, tx, actor, c, "重开个案（"+reason+"）")
}
