// Package referrals is referral (转介) to other agencies and the
// directory of local agencies and resources they go to.
//
// A referral is sent from a case or for a person, with the person's
// consent (who gave it, when; the signed form attached as
// "referral_consent") or, where consent cannot be had, an override with
// its reason, which is audited. It moves 已发送 → 已接收 / 已拒绝 (with
// a reason) → 已完成 (with the result), or is withdrawn (撤回) by the
// sender while open; the station records the agency's answers. A
// referral from a case names the goal it serves, and its outcome says
// whether that goal was met. Each referral is a service record (转介).
package referrals

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/validate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the referrals schema, migrated after casework.
var Module = db.MustLoadModule("referrals", migrations, "migrations")

// ConsentEntity owns the scans of signed consent forms (internal/attach),
// read by those who write referrals in scope.
const ConsentEntity = "referral_consent"

// ServiceSource names referrals as the source of service records.
const ServiceSource = "referral"

func init() {
	secure.RegisterColumn("referrals", "id", "reason_enc")
	secure.RegisterColumn("referrals", "id", "result_enc")
	services.RegisterSource(services.SourceKind{Name: ServiceSource, Label: "转介记录", Link: func(id string) string { return "/referrals/" + id }})
}

// AgencyKinds are the kinds of agency, in display order.
var AgencyKinds = []struct{ Code, Label string }{
	{"civil", "民政"}, {"health", "卫健"}, {"education", "教育"}, {"disability", "残联"}, {"justice", "司法"},
	{"women", "妇联"}, {"hospital", "医院"}, {"school", "学校"}, {"charity", "慈善"}, {"other", "其他"},
}

// KindLabel names an agency kind.
func KindLabel(k string) string {
	for _, x := range AgencyKinds {
		if x.Code == k {
			return x.Label
		}
	}
	return k
}

// Agency is an entry of the directory.
type Agency struct {
	ID        string `json:"id"`
	Version   int    `json:"version"`
	OrgID     string `json:"org_id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Contact   string `json:"contact"`
	Phone     string `json:"phone"`
	Address   string `json:"address"`
	Services  string `json:"services"`
	Active    bool   `json:"active"`
}

// AgencyInput creates or edits an agency.
type AgencyInput struct {
	ID       string `json:"id,omitempty"`
	OrgID    string `json:"org_id,omitempty"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Contact  string `json:"contact,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Address  string `json:"address,omitempty"`
	Services string `json:"services,omitempty"`
}

// SaveAgency creates (version 0) or edits an agency of the directory.
func SaveAgency(ctx context.Context, tx *db.Tx, actor *authz.Actor, version int, in AgencyInput) (Agency, bool, error) {
	if err := actor.Require(authz.PermAgenciesManage); err != nil {
		return Agency{}, false, err
	}
	fe := apperr.Fields{}
	in.Name, in.Services = strings.TrimSpace(in.Name), strings.TrimSpace(in.Services)
	if in.ID == "" {
		in.ID = ids.New()
	} else if !ids.Valid(in.ID) {
		fe.Add("id", "编号应为小写的 UUID")
	}
	if version == 0 {
		if a, err := getAgency(ctx, tx, in.ID); err == nil {
			if a.Name == in.Name {
				return a, true, nil
			}
			return Agency{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一家机构", in.ID)
		}
	}
	if in.OrgID == "" {
		in.OrgID = actor.OrgID
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, in.OrgID).Scan(&path); err != nil || !actor.Covers(path) {
		fe.Add("org_id", "机构不存在或不在您的范围内")
	}
	if in.Name == "" || len([]rune(in.Name)) > 100 {
		fe.Add("name", "请填写机构名称（100 字以内）")
	}
	if KindLabel(in.Kind) == in.Kind {
		fe.Add("kind", "请选择机构类别")
	}
	if in.Services == "" {
		fe.Add("services", "请填写可提供的服务")
	}
	if err := fe.Err(); err != nil {
		return Agency{}, false, err
	}
	now := cst.NowStamp()
	var err error
	if version == 0 {
		_, err = tx.Exec(ctx, `INSERT INTO agencies (id, version, org_id, name, kind, contact, phone, address, services, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.OrgID, in.Name, in.Kind, in.Contact, in.Phone, in.Address, in.Services, now, now)
	} else {
		err = db.Versioned(tx.Exec(ctx, `UPDATE agencies SET name = ?, kind = ?, contact = ?, phone = ?, address = ?, services = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.Name, in.Kind, in.Contact, in.Phone, in.Address, in.Services, now, in.ID, version))
	}
	if err != nil {
		return Agency{}, false, err
	}
	a, err := getAgency(ctx, tx, in.ID)
	if err != nil {
		return a, false, err
	}
	action := audit.ActionCreate
	if version > 0 {
		action = audit.ActionUpdate
	}
	return a, false, audit.Record(ctx, tx, actor, audit.Entry{Action: action, Entity: "agency", EntityID: a.ID, OrgPath: path, Summary: "转介资源目录：" + a.Name})
}

const agencySelect = `SELECT id, version, org_id, name, kind, contact, phone, address, services, active FROM agencies`

func scanAgency(r interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	var active int
	err := r.Scan(&a.ID, &a.Version, &a.OrgID, &a.Name, &a.Kind, &a.Contact, &a.Phone, &a.Address, &a.Services, &active)
	a.Active, a.KindLabel = active == 1, KindLabel(a.Kind)
	return a, err
}

func getAgency(ctx context.Context, q db.Querier, id string) (Agency, error) {
	a, err := scanAgency(q.QueryRow(ctx, agencySelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.ErrNotFound("机构")
	}
	return a, err
}

// Agencies lists the directory the actor may use: entries kept at its
// node, above it (the county's) or below it, by kind and name.
func Agencies(ctx context.Context, q db.Querier, actor *authz.Actor, kind string) ([]Agency, error) {
	if err := actor.Require(authz.PermReferralsRead); err != nil {
		return nil, err
	}
	ancestors := pathIDs(actor.OrgPath)
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	args := append([]any{}, scopeArgs...)
	w := "(" + cond
	if len(ancestors) > 0 {
		w += " OR a.org_id IN (" + db.Placeholders(len(ancestors)) + ")"
		for _, x := range ancestors {
			args = append(args, x)
		}
	}
	w += ") AND a.active = 1"
	if kind != "" {
		w += " AND a.kind = ?"
		args = append(args, kind)
	}
	rows, err := q.Query(ctx, `SELECT a.id, a.version, a.org_id, a.name, a.kind, a.contact, a.phone, a.address, a.services, a.active
		FROM agencies a JOIN org_units o ON o.id = a.org_id WHERE `+w+` ORDER BY a.kind, a.name`, args...)
	out, err := db.Collect(rows, err, scanAgency)
	if out == nil {
		out = []Agency{}
	}
	return out, err
}

func pathIDs(path string) []string {
	var out []string
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Statuses of a referral.
const (
	StatusSent      = "sent"      // 已发送
	StatusReceived  = "received"  // 已接收
	StatusRejected  = "rejected"  // 已拒绝
	StatusCompleted = "completed" // 已完成
	StatusWithdrawn = "withdrawn" // 已撤回
)

var statusLabels = map[string]string{StatusSent: "已发送", StatusReceived: "已接收", StatusRejected: "已拒绝", StatusCompleted: "已完成", StatusWithdrawn: "已撤回"}

// StatusLabel names a status.
func StatusLabel(s string) string { return statusLabels[s] }

var urgencyLabels = map[string]string{"normal": "一般", "urgent": "紧急", "emergency": "特急"}

// Referral is one referral; Reason and Result are empty for readers
// who may not write referrals.
type Referral struct {
	ID              string `json:"id"`
	Version         int    `json:"version"`
	OrgID           string `json:"org_id"`
	OrgName         string `json:"org_name"`
	OrgPath         string `json:"-"`
	RecipientID     string `json:"recipient_id"`
	RecipientName   string `json:"recipient_name"`
	RecipientBorn   string `json:"-"`
	CaseID          string `json:"case_id,omitempty"`
	CaseNumber      string `json:"case_number,omitempty"`
	GoalID          string `json:"goal_id,omitempty"`
	AgencyID        string `json:"agency_id"`
	AgencyName      string `json:"agency_name"`
	Reason          string `json:"reason,omitempty"`
	Urgency         string `json:"urgency"`
	UrgencyLabel    string `json:"urgency_label"`
	ConsentBy       string `json:"consent_by,omitempty"`
	ConsentOn       string `json:"consent_on,omitempty"`
	ConsentOverride string `json:"consent_override,omitempty"`
	Documents       string `json:"documents,omitempty"`
	Status          string `json:"status"`
	StatusLabel     string `json:"status_label"`
	StatusReason    string `json:"status_reason,omitempty"`
	Result          string `json:"result,omitempty"`
	GoalMet         bool   `json:"goal_met"`
	SentOn          string `json:"sent_on"`
	AnsweredOn      string `json:"answered_on,omitempty"`
	CompletedOn     string `json:"completed_on,omitempty"`
	CreatedBy       string `json:"created_by"`
}

// Input is a referral as sent.
type Input struct {
	ID              string `json:"id,omitempty"`
	RecipientID     string `json:"recipient_id,omitempty"` // or the case's client
	CaseID          string `json:"case_id,omitempty"`
	GoalID          string `json:"goal_id,omitempty"`
	AgencyID        string `json:"agency_id"`
	Reason          string `json:"reason"`
	Urgency         string `json:"urgency"`
	ConsentBy       string `json:"consent_by,omitempty"`
	ConsentOn       string `json:"consent_on,omitempty"`
	ConsentOverride string `json:"consent_override,omitempty"`
	Documents       string `json:"documents,omitempty"`
	SentOn          string `json:"sent_on,omitempty"` // today when empty
}

// Send records a referral, in tx, with its service record. A repeat
// with the same id returns the saved referral. Refused without consent
// or an override reason, for a person out of scope, for a goal not of
// the case.
func Send(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in Input) (Referral, bool, error) {
	if err := actor.Require(authz.PermReferralsWrite); err != nil {
		return Referral{}, false, err
	}
	fe := apperr.Fields{}
	if in.ID == "" {
		in.ID = ids.New()
	} else if !ids.Valid(in.ID) {
		fe.Add("id", "编号应为小写的 UUID")
	} else if r, err := getRow(ctx, tx, keys, in.ID); err == nil {
		if r.AgencyID != in.AgencyID {
			return Referral{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一条转介", in.ID)
		}
		r, err = Get(ctx, tx, keys, actor, in.ID)
		return r, true, err
	}
	in.Reason, in.ConsentBy, in.ConsentOverride = strings.TrimSpace(in.Reason), strings.TrimSpace(in.ConsentBy), strings.TrimSpace(in.ConsentOverride)
	if in.SentOn = strings.TrimSpace(in.SentOn); in.SentOn == "" {
		in.SentOn = cst.Today()
	}
	var orgID string
	if in.CaseID != "" {
		c, err := casework.Get(ctx, tx, actor, in.CaseID)
		if err != nil {
			fe.Add("case_id", "个案不存在或不在您的范围内")
		} else {
			in.RecipientID, orgID = c.RecipientID, c.OrgID
			if in.GoalID != "" {
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_goals WHERE id = ? AND case_id = ?`, in.GoalID, in.CaseID).Scan(&n); err != nil {
					return Referral{}, false, err
				}
				if n == 0 {
					fe.Add("goal_id", "所服务的目标须是该个案服务计划中的目标")
				}
			}
		}
	} else if in.GoalID != "" {
		fe.Add("goal_id", "只有来自个案的转介才能关联个案目标")
	}
	person, err := recipients.Get(ctx, tx, actor, in.RecipientID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		fe.Add("recipient_id", "服务对象不存在")
	case apperr.Is(err, apperr.OutOfScope):
		fe.Add("recipient_id", "服务对象不在您的范围内")
	case apperr.Is(err, apperr.Forbidden):
		fe.Add("recipient_id", "您的角色无权为未满 14 周岁的儿童转介")
	case err != nil:
		return Referral{}, false, err
	}
	if orgID == "" {
		orgID = person.OrgID
	}
	if _, err := getAgency(ctx, tx, in.AgencyID); err != nil {
		fe.Add("agency_id", "请从转介资源目录中选择接收机构")
	}
	if in.Reason == "" {
		fe.Add("reason", "请填写转介原因")
	}
	if _, ok := urgencyLabels[in.Urgency]; !ok {
		fe.Add("urgency", "请选择紧急程度")
	}
	switch {
	case in.ConsentBy != "":
		in.ConsentOn, _, _ = validate.Date(fe, "consent_on", "同意日期", in.ConsentOn, true)
		in.ConsentOverride = ""
	case in.ConsentOverride != "":
		in.ConsentOn = ""
	default:
		fe.Add("consent", "转介须经服务对象（或监护人）同意：请填写同意人和日期，或说明未取得同意的原因")
	}
	in.SentOn, _, _ = validate.Date(fe, "sent_on", "转介日期", in.SentOn, true)
	if err := fe.Err(); err != nil {
		return Referral{}, false, err
	}
	now := cst.NowStamp()
	if _, err := tx.Exec(ctx, `INSERT INTO referrals (id, version, org_id, recipient_id, case_id, goal_id, agency_id, reason_enc, urgency, consent_by, consent_on,
		consent_override, documents, status, sent_on, created_by, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?)`,
		in.ID, orgID, person.ID, nullable(in.CaseID), in.GoalID, in.AgencyID, keys.Seal(in.Reason), in.Urgency, in.ConsentBy, in.ConsentOn,
		in.ConsentOverride, in.Documents, in.SentOn, actor.UserID, now, now); err != nil {
		return Referral{}, false, err
	}
	if err := event(ctx, tx, actor, in.ID, StatusSent, ""); err != nil {
		return Referral{}, false, err
	}
	r, err := getRow(ctx, tx, keys, in.ID)
	if err != nil {
		return Referral{}, false, err
	}
	if _, err := services.Derive(ctx, tx, keys, actor, ServiceSource, r.ID, services.Input{RecipientID: r.RecipientID, OrgID: r.OrgID,
		Kind: services.KindReferral, Category: "support", ServedAt: in.SentOn + " 09:00", Content: "转介至" + r.AgencyName}); err != nil {
		return Referral{}, false, err
	}
	e := audit.Entry{Action: audit.ActionCreate, Entity: "referral", EntityID: r.ID, OrgPath: r.OrgPath, Summary: "转介：" + r.RecipientName + " → " + r.AgencyName}
	if in.ConsentOverride != "" {
		e.Summary += "（未取得同意，原因：" + in.ConsentOverride + "）"
	}
	return r, false, audit.Record(ctx, tx, actor, e)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func event(ctx context.Context, tx db.Querier, actor *authz.Actor, id, status, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO referral_events (id, referral_id, at, status, note, actor_id) VALUES (?, ?, ?, ?, ?, ?)`,
		ids.New(), id, cst.NowStamp(), status, note, actor.UserID)
	return err
}

const referralSelect = `SELECT f.id, f.version, f.org_id, o.name, o.path, f.recipient_id, r.name, r.birth_date, COALESCE(f.case_id, ''), COALESCE(c.number, ''),
	f.goal_id, f.agency_id, a.name, f.reason_enc, f.urgency, f.consent_by, f.consent_on, f.consent_override, f.documents, f.status, f.status_reason,
	f.result_enc, f.goal_met, f.sent_on, f.answered_on, f.completed_on, f.created_by
	FROM referrals f JOIN org_units o ON o.id = f.org_id JOIN recipients r ON r.id = f.recipient_id JOIN agencies a ON a.id = f.agency_id
	LEFT JOIN cases c ON c.id = f.case_id`

func scanReferral(keys *secure.Keyring) func(row interface{ Scan(...any) error }) (Referral, error) {
	return func(row interface{ Scan(...any) error }) (Referral, error) {
		var f Referral
		var reason, result string
		var met int
		err := row.Scan(&f.ID, &f.Version, &f.OrgID, &f.OrgName, &f.OrgPath, &f.RecipientID, &f.RecipientName, &f.RecipientBorn, &f.CaseID, &f.CaseNumber,
			&f.GoalID, &f.AgencyID, &f.AgencyName, &reason, &f.Urgency, &f.ConsentBy, &f.ConsentOn, &f.ConsentOverride, &f.Documents, &f.Status,
			&f.StatusReason, &result, &met, &f.SentOn, &f.AnsweredOn, &f.CompletedOn, &f.CreatedBy)
		if err != nil {
			return f, err
		}
		f.GoalMet, f.StatusLabel, f.UrgencyLabel = met == 1, StatusLabel(f.Status), urgencyLabels[f.Urgency]
		if keys != nil {
			if f.Reason, err = keys.Open(reason); err != nil {
				return f, err
			}
			f.Result, err = keys.Open(result)
		}
		return f, err
	}
}

func getRow(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (Referral, error) {
	f, err := scanReferral(keys)(q.QueryRow(ctx, referralSelect+` WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.ErrNotFound("转介")
	}
	return f, err
}

// Get loads a referral for a reader (scope, children rule); the reason
// and result only for those who write referrals.
func Get(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string) (Referral, error) {
	if err := actor.Require(authz.PermReferralsRead); err != nil {
		return Referral{}, err
	}
	if !actor.Can(authz.PermReferralsWrite) {
		keys = nil
	}
	f, err := getRow(ctx, q, keys, id)
	if err != nil {
		return f, err
	}
	if err := actor.RequireScope(f.OrgPath); err != nil {
		return Referral{}, err
	}
	if recipients.Hidden(actor, f.RecipientBorn) {
		return Referral{}, apperr.New(apperr.Forbidden, "该服务对象是未满 %d 周岁的儿童，您的角色无权查看", recipients.ChildAge)
	}
	return f, nil
}

// Filter selects referrals.
type Filter struct {
	Status, RecipientID, CaseID string
	Limit, Offset               int
}

// List is a page of referrals in scope, newest first (no reason or result).
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Referral, int, error) {
	if err := actor.Require(authz.PermReferralsRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(cond, scopeArgs...)
	if vc, args := recipients.VisibleCond(actor, "r"); vc != "" {
		c.Add(vc, args...)
	}
	if f.Status != "" {
		c.Add("f.status = ?", f.Status)
	}
	if f.RecipientID != "" {
		c.Add("f.recipient_id = ?", f.RecipientID)
	}
	if f.CaseID != "" {
		c.Add("f.case_id = ?", f.CaseID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM referrals f JOIN org_units o ON o.id = f.org_id JOIN recipients r ON r.id = f.recipient_id`,
		Select: referralSelect, Where: c, Order: "f.sent_on DESC, f.id DESC", Limit: f.Limit, Offset: max(f.Offset, 0),
	}, scanReferral(nil))
}

// Answer is the next state of a referral: received, rejected (with a
// reason), completed (with the result, and whether the goal was met),
// withdrawn (by the sender, with a reason).
type Answer struct {
	Version int    `json:"version"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Result  string `json:"result,omitempty"`
	GoalMet bool   `json:"goal_met,omitempty"`
	On      string `json:"on,omitempty"` // the day; today when empty
}

var next = map[string][]string{StatusSent: {StatusReceived, StatusRejected, StatusWithdrawn}, StatusReceived: {StatusCompleted, StatusWithdrawn}}

// Move records the next state.
func Move(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, in Answer) (Referral, error) {
	if err := actor.Require(authz.PermReferralsWrite); err != nil {
		return Referral{}, err
	}
	f, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return Referral{}, err
	}
	fe := apperr.Fields{}
	ok := false
	for _, s := range next[f.Status] {
		ok = ok || s == in.Status
	}
	if !ok {
		fe.Add("status", "转介当前为“"+f.StatusLabel+"”，不能改为“"+StatusLabel(in.Status)+"”")
	}
	in.Reason, in.Result = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Result)
	if (in.Status == StatusRejected || in.Status == StatusWithdrawn) && in.Reason == "" {
		fe.Add("reason", "请填写"+map[string]string{StatusRejected: "拒绝", StatusWithdrawn: "撤回"}[in.Status]+"原因")
	}
	if in.Status == StatusWithdrawn && f.CreatedBy != actor.UserID && actor.Role != authz.RoleStationHead {
		fe.Add("status", "只有发起转介的社工（或站长）可以撤回")
	}
	if in.Status == StatusCompleted && in.Result == "" {
		fe.Add("result", "请填写转介结果")
	}
	if in.On = strings.TrimSpace(in.On); in.On == "" {
		in.On = cst.Today()
	}
	if on, _, ok := validate.Date(fe, "on", "日期", in.On, true); ok && on < f.SentOn {
		fe.Add("on", "日期应在转介日期与今天之间")
	}
	if err := fe.Err(); err != nil {
		return Referral{}, err
	}
	answered, completed, result := f.AnsweredOn, f.CompletedOn, keys.Seal(in.Result)
	switch in.Status {
	case StatusReceived, StatusRejected:
		answered = in.On
	case StatusCompleted:
		completed = in.On
	}
	if in.Status != StatusCompleted {
		result, in.GoalMet = keys.Seal(f.Result), f.GoalMet
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE referrals SET status = ?, status_reason = ?, result_enc = ?, goal_met = ?, answered_on = ?, completed_on = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, in.Status, in.Reason, result, db.Bool(in.GoalMet), answered, completed,
		cst.NowStamp(), id, in.Version)); err != nil {
		return Referral{}, err
	}
	if err := event(ctx, tx, actor, id, in.Status, in.Reason); err != nil {
		return Referral{}, err
	}
	after, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return Referral{}, err
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "referral", EntityID: id, OrgPath: f.OrgPath,
		Summary: "转介" + after.StatusLabel + "：" + f.RecipientName + " → " + f.AgencyName,
		Changes: []audit.Change{{Field: "status", Label: "状态", Before: f.StatusLabel, After: after.StatusLabel}}})
}
