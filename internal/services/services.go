// Package services is the one service record (服务记录): every act of
// service — a visit, a casework session, a group, a community activity,
// policy publicity, a referral, a resource linked — leaves one line here,
// written in the same transaction as the act, never typed twice.
//
// A record is either typed here (Create, Update) or derived from a
// record of another module (Derive, called by that module in its own
// transaction): a derived record names its source and is corrected only
// there. Modules that derive records register their source kind
// (RegisterSource) so pages can say where to correct one and the
// timeline leaves out what the source already shows. This package
// imports none of them, so any module may import it.
//
// Who served are people of the workforce registries (wf_workers,
// wf_volunteers); an account of a station role is linked to its person
// there (LinkAccount) the first time it serves, by name within its org
// node when no link exists yet.
package services

import (
	"context"
	"database/sql"
	"embed"
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

// Module is the services schema; it refers to recipients and the
// workforce registries, so it is migrated after both (and before the
// modules that derive records, which backfill theirs).
var Module = db.MustLoadModule("services", migrations, "migrations")

func init() {
	secure.RegisterColumn("service_records", "id", "content_enc")
}

// FutureTolerance is how far past the server's clock a service time may
// lie (phones' clocks drift).
const FutureTolerance = 10 * time.Minute

// Kind is the type of service (服务类型).
type Kind string

const (
	KindVisit     Kind = "visit"     // 探访
	KindCase      Kind = "case"      // 个案
	KindGroup     Kind = "group"     // 小组
	KindCommunity Kind = "community" // 社区活动
	KindPolicy    Kind = "policy"    // 政策宣讲
	KindReferral  Kind = "referral"  // 转介
	KindResource  Kind = "resource"  // 资源链接
	KindOther     Kind = "other"     // 其他
)

// Kinds lists the types in display order.
var Kinds = []Kind{KindVisit, KindCase, KindGroup, KindCommunity, KindPolicy, KindReferral, KindResource, KindOther}

var kindLabels = map[Kind]string{KindVisit: "探访", KindCase: "个案", KindGroup: "小组", KindCommunity: "社区活动",
	KindPolicy: "政策宣讲", KindReferral: "转介", KindResource: "资源链接", KindOther: "其他"}

// Label is the type's Chinese name.
func (k Kind) Label() string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

// Valid reports whether k is a known type.
func (k Kind) Valid() bool { _, ok := kindLabels[k]; return ok }

// Change is the change observed (改善情况).
type Change string

const (
	ChangeMuch  Change = "much"  // 明显改善
	ChangeSome  Change = "some"  // 有所改善
	ChangeNone  Change = "none"  // 无明显变化
	ChangeWorse Change = "worse" // 有所恶化
)

// Changes lists them in display order.
var Changes = []Change{ChangeMuch, ChangeSome, ChangeNone, ChangeWorse}

var changeLabels = map[Change]string{ChangeMuch: "明显改善", ChangeSome: "有所改善", ChangeNone: "无明显变化", ChangeWorse: "有所恶化"}

// Label is the Chinese name ("未评估" when empty).
func (c Change) Label() string {
	if c == "" {
		return "未评估"
	}
	if l, ok := changeLabels[c]; ok {
		return l
	}
	return string(c)
}

// Valid reports whether c is empty or known.
func (c Change) Valid() bool { _, ok := changeLabels[c]; return ok || c == "" }

// SatisfactionLabel names a 满意度 score 1–5 (0: not asked).
func SatisfactionLabel(n int) string {
	switch n {
	case 1:
		return "很不满意"
	case 2:
		return "不满意"
	case 3:
		return "一般"
	case 4:
		return "满意"
	case 5:
		return "很满意"
	}
	return "未调查"
}

// Staff is one person who served.
type Staff struct {
	UserID      string `json:"user_id,omitempty"`
	WorkerID    string `json:"worker_id,omitempty"`
	VolunteerID string `json:"volunteer_id,omitempty"`
	Name        string `json:"name"`
}

// Record is one service record.
type Record struct {
	ID            string  `json:"id"`
	Version       int     `json:"version"`
	OrgID         string  `json:"org_id"`
	OrgName       string  `json:"org_name"`
	OrgPath       string  `json:"-"`
	RecipientID   string  `json:"recipient_id,omitempty"`
	RecipientName string  `json:"recipient_name,omitempty"`
	RecipientBorn string  `json:"-"`
	Participants  int     `json:"participants"`
	Kind          Kind    `json:"kind"`
	KindLabel     string  `json:"kind_label"`
	Category      string  `json:"category"`
	CategoryLabel string  `json:"category_label"`
	ServedAt      string  `json:"served_at"` // instant, UTC stamp
	ServedOn      string  `json:"served_on"` // China date
	Minutes       int     `json:"minutes"`
	Place         string  `json:"place"`
	Content       string  `json:"content"`
	Satisfaction  int     `json:"satisfaction"`
	Change        Change  `json:"change_observed"`
	ValueFen      int64   `json:"value_fen"`
	Source        string  `json:"source,omitempty"`
	SourceID      string  `json:"source_id,omitempty"`
	SourceLink    string  `json:"source_link,omitempty"`
	Staff         []Staff `json:"staff"`
	CreatedBy     string  `json:"created_by"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

// ServedAtLocal is the service time in China, for display.
func (r Record) ServedAtLocal() string { return cst.ShowStamp(r.ServedAt) }

// StaffNames joins the names of who served.
func (r Record) StaffNames() string {
	names := make([]string, len(r.Staff))
	for i, s := range r.Staff {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}

// Derived reports whether the record is corrected at its source.
func (r Record) Derived() bool { return r.Source != "" }

// Input is a service record as typed or sent, or as a module derives it.
// ServedAt is "YYYY-MM-DD HH:MM" (China time) or an RFC 3339 instant.
type Input struct {
	ID           string  `json:"id,omitempty"`
	RecipientID  string  `json:"recipient_id,omitempty"`
	Participants int     `json:"participants,omitempty"` // anonymous participants (no recipient); a named record counts 1
	OrgID        string  `json:"org_id,omitempty"`       // station or room; defaults to the person's node, else the actor's
	Kind         Kind    `json:"kind"`
	Category     string  `json:"category"`
	ServedAt     string  `json:"served_at"`
	Minutes      int     `json:"minutes"`
	Place        string  `json:"place,omitempty"`
	Content      string  `json:"content,omitempty"`
	Satisfaction int     `json:"satisfaction,omitempty"`
	Change       Change  `json:"change_observed,omitempty"`
	ValueFen     int64   `json:"value_fen,omitempty"`
	Staff        []Staff `json:"staff,omitempty"`
}

// ParseTime reads a service time as typed or sent.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, cst.Loc); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

func (in *Input) normalize() time.Time {
	in.ID, in.RecipientID, in.OrgID = strings.TrimSpace(in.ID), strings.TrimSpace(in.RecipientID), strings.TrimSpace(in.OrgID)
	in.Category, in.Place, in.Content = strings.TrimSpace(in.Category), strings.TrimSpace(in.Place), strings.TrimSpace(in.Content)
	if in.RecipientID != "" {
		in.Participants = 1
	}
	var kept []Staff
	for _, s := range in.Staff {
		s.UserID, s.WorkerID, s.VolunteerID, s.Name = strings.TrimSpace(s.UserID), strings.TrimSpace(s.WorkerID), strings.TrimSpace(s.VolunteerID), strings.TrimSpace(s.Name)
		if s.UserID != "" || s.WorkerID != "" || s.VolunteerID != "" || s.Name != "" {
			kept = append(kept, s)
		}
	}
	in.Staff = kept
	t, err := ParseTime(in.ServedAt)
	if err != nil {
		return time.Time{}
	}
	in.ServedAt = cst.Stamp(t)
	return t
}

func (in *Input) check(at time.Time, cats []Category, fe apperr.Fields) {
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "记录编号应为小写的 UUID，或留空由系统生成")
	}
	if in.RecipientID == "" && in.Participants <= 0 {
		fe.Add("recipient_id", "请选择服务对象，或填写匿名参与人数")
	}
	if in.Participants > 100000 {
		fe.Add("participants", "参与人数过大")
	}
	if !in.Kind.Valid() {
		fe.Add("kind", "请选择服务类型")
	}
	if !hasCategory(cats, in.Category) {
		fe.Add("category", "请从本县的服务内容分类中选择")
	}
	if at.IsZero() {
		fe.Add("served_at", "请填写服务时间（年-月-日 时:分）")
	} else if at.After(cst.Now().Add(FutureTolerance)) {
		fe.Add("served_at", "服务时间不能晚于现在")
	}
	if in.Minutes < 0 || in.Minutes > 24*60 {
		fe.Add("minutes", "服务时长应为 0–1440 分钟")
	}
	if len([]rune(in.Place)) > 200 {
		fe.Add("place", "服务地点不能超过 200 字")
	}
	if len([]rune(in.Content)) > 4000 {
		fe.Add("content", "服务内容不能超过 4000 字")
	}
	if in.Satisfaction < 0 || in.Satisfaction > 5 {
		fe.Add("satisfaction", "满意度应为 1–5，未调查留空")
	}
	if !in.Change.Valid() {
		fe.Add("change_observed", "未知的改善情况")
	}
	if in.ValueFen < 0 {
		fe.Add("value_fen", "资源价值不能为负数")
	}
	if len(in.Staff) > 50 {
		fe.Add("staff", "服务人员最多 50 人")
	}
}

func (in Input) hash() string {
	in.ID = ""
	return ids.Fingerprint(in)
}

// Create saves a record typed by a user, in tx. A create repeated with
// the same id and content returns the saved record (replayed = true);
// the same id with other content is a Conflict. Errors: Forbidden
// (services.write), OutOfScope, field errors (Chinese, by field).
func Create(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, in Input) (Record, bool, error) {
	if err := actor.Require(authz.PermServicesWrite); err != nil {
		return Record{}, false, err
	}
	at := in.normalize()
	if in.ID != "" && ids.Valid(in.ID) {
		existing, err := Get(ctx, tx, keys, actor, in.ID)
		if err == nil {
			var h string
			if err := tx.QueryRow(ctx, `SELECT content_hash FROM service_records WHERE id = ?`, in.ID).Scan(&h); err != nil {
				return Record{}, false, err
			}
			if h == in.hash() {
				return existing, true, nil
			}
			return Record{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一条服务记录，内容不同；如需修改请编辑该记录", in.ID)
		} else if !apperr.Is(err, apperr.NotFound) {
			return Record{}, false, err
		}
	}
	r, err := write(ctx, tx, keys, actor, "", "", in, at, 0)
	return r, false, err
}

// Update corrects a typed record, checking the version the editor saw.
// A derived record is refused (BadRequest naming its source).
func Update(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int, in Input) (Record, error) {
	if err := actor.Require(authz.PermServicesWrite); err != nil {
		return Record{}, err
	}
	before, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return Record{}, err
	}
	if before.Derived() {
		return Record{}, derivedErr(before)
	}
	if version <= 0 {
		return Record{}, apperr.Fields{"version": "缺少版本号，请刷新页面后重试"}.Err()
	}
	in.ID = id
	at := in.normalize()
	return write(ctx, tx, keys, actor, "", "", in, at, version)
}

func derivedErr(r Record) error {
	label := r.Source
	if s, ok := sources[r.Source]; ok {
		label = s.Label
	}
	return apperr.New(apperr.BadRequest, "该服务记录由%s生成，请在%s中修改", label, label)
}

// Delete removes a typed record (a derived one goes with its source).
func Delete(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int) error {
	if err := actor.Require(authz.PermServicesWrite); err != nil {
		return err
	}
	before, err := Get(ctx, tx, keys, actor, id)
	if err != nil {
		return err
	}
	if before.Derived() {
		return derivedErr(before)
	}
	if err := db.Versioned(tx.Exec(ctx, `DELETE FROM service_records WHERE id = ? AND version = ?`, id, version)); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "service_record", EntityID: id, OrgPath: before.OrgPath,
		Summary: "删除服务记录：" + before.label(), Changes: audit.Diff(before.fields(), nil)})
}

// Derive writes the record of a source record (source kind, source id),
// in the source's transaction: created the first time, replaced after.
// The record's id is the source's id. The actor is the one who acted on
// the source; its permission to do so was checked there, so only scope
// is checked here. Field errors are those of Input (a module maps them
// to its own fields or treats them as a programming error).
func Derive(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, source, sourceID string, in Input) (Record, error) {
	if actor == nil {
		return Record{}, apperr.ErrForbidden()
	}
	if _, ok := sources[source]; !ok || sourceID == "" {
		return Record{}, errors.New("services: unregistered source " + source)
	}
	in.ID = sourceID
	at := in.normalize()
	var version int
	err := tx.QueryRow(ctx, `SELECT version FROM service_records WHERE id = ?`, sourceID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		version = 0
	} else if err != nil {
		return Record{}, err
	}
	return write(ctx, tx, keys, actor, source, sourceID, in, at, version)
}

// Underive removes the record of a source record that was deleted.
func Underive(ctx context.Context, tx db.Querier, source, sourceID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM service_records WHERE source = ? AND source_id = ?`, source, sourceID)
	return err
}

// write validates and inserts (version 0) or updates a record.
func write(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, source, sourceID string, in Input, at time.Time, version int) (Record, error) {
	fe := apperr.Fields{}
	var person struct{ id, orgID, orgPath, name, birth, status, statusDate string }
	if in.RecipientID != "" {
		r, err := recipients.Get(ctx, tx, actor, in.RecipientID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			fe.Add("recipient_id", "服务对象不存在")
		case apperr.Is(err, apperr.OutOfScope):
			fe.Add("recipient_id", "服务对象不在您的范围内")
		case apperr.Is(err, apperr.Forbidden):
			fe.Add("recipient_id", "您的角色无权为该服务对象（未满 14 周岁的儿童）记录服务")
		case err != nil:
			return Record{}, err
		default:
			person.id, person.orgID, person.orgPath, person.name, person.birth = r.ID, r.OrgID, r.OrgPath, r.Name, r.BirthDate
		}
	}
	orgID := in.OrgID
	if orgID == "" {
		orgID = person.orgID
	}
	if orgID == "" {
		orgID = actor.OrgID
	}
	var orgPath, orgKind string
	err := tx.QueryRow(ctx, `SELECT path, kind FROM org_units WHERE id = ?`, orgID).Scan(&orgPath, &orgKind)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(orgPath) {
		fe.Add("org_id", "服务站点不存在或不在您的范围内")
	} else if err != nil {
		return Record{}, err
	}
	cats, err := Categories(ctx, tx, orgPath)
	if err != nil {
		return Record{}, err
	}
	if source != "" && !hasCategory(cats, in.Category) {
		// A source has no say in the county's list: its record is
		// then left unclassified rather than refused.
		cats = append(cats, Category{Code: in.Category})
	}
	in.check(at, cats, fe)
	if person.birth != "" && !at.IsZero() && at.In(cst.Loc).Format(cst.DateLayout) < person.birth {
		fe.Add("served_at", "服务日期早于对象的出生日期（"+person.birth+"）")
	}
	if err := fe.Err(); err != nil {
		return Record{}, err
	}
	staff, err := resolveStaff(ctx, tx, actor, in.Staff)
	if err != nil {
		return Record{}, err
	}
	var before *Record
	if version > 0 {
		b, err := getRow(ctx, tx, keys, in.ID)
		if err != nil {
			return Record{}, err
		}
		if err := actor.RequireScope(b.OrgPath); err != nil {
			return Record{}, err
		}
		before = &b
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	now := cst.NowStamp()
	servedOn := at.In(cst.Loc).Format(cst.DateLayout)
	var recipient any
	if person.id != "" {
		recipient = person.id
	}
	if before == nil {
		_, err = tx.Exec(ctx, `INSERT INTO service_records (id, version, org_id, recipient_id, participants, kind, category, served_at, served_on, minutes, place,
			content_enc, satisfaction, change_observed, value_fen, source, source_id, content_hash, created_by, created_at, updated_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, orgID, recipient, in.Participants, in.Kind, in.Category, in.ServedAt, servedOn, in.Minutes, in.Place,
			keys.Seal(in.Content), in.Satisfaction, in.Change, in.ValueFen, source, sourceID, in.hash(), actor.UserID, now, now)
		if db.IsUniqueViolation(err) {
			return Record{}, apperr.New(apperr.Conflict, "该服务记录正在被同时保存，请稍后重试")
		}
	} else {
		err = db.Versioned(tx.Exec(ctx, `UPDATE service_records SET org_id = ?, recipient_id = ?, participants = ?, kind = ?, category = ?, served_at = ?, served_on = ?,
			minutes = ?, place = ?, content_enc = ?, satisfaction = ?, change_observed = ?, value_fen = ?, content_hash = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`,
			orgID, recipient, in.Participants, in.Kind, in.Category, in.ServedAt, servedOn, in.Minutes, in.Place, keys.Seal(in.Content),
			in.Satisfaction, in.Change, in.ValueFen, in.hash(), now, id, version))
		if err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM service_record_staff WHERE record_id = ?`, id)
		}
	}
	if err != nil {
		return Record{}, err
	}
	for i, s := range staff {
		if _, err := tx.Exec(ctx, `INSERT INTO service_record_staff (record_id, position, user_id, worker_id, volunteer_id, name) VALUES (?, ?, ?, ?, ?, ?)`,
			id, i+1, s.UserID, s.WorkerID, s.VolunteerID, s.Name); err != nil {
			return Record{}, err
		}
	}
	after, err := getRow(ctx, tx, keys, id)
	if err != nil {
		return Record{}, err
	}
	if source != "" {
		// The source's own audit entry covers the act.
		return after, nil
	}
	e := audit.Entry{Action: audit.ActionCreate, Entity: "service_record", EntityID: id, OrgPath: after.OrgPath,
		Summary: "记录服务：" + after.label(), Changes: audit.Diff(nil, after.fields())}
	if before != nil {
		e.Action, e.Summary, e.Changes = audit.ActionUpdate, "修改服务记录："+after.label(), audit.Diff(before.fields(), after.fields())
	}
	return after, audit.Record(ctx, tx, actor, e)
}

func (r Record) label() string {
	who := r.RecipientName
	if r.RecipientID == "" {
		who = strconv.Itoa(r.Participants) + " 人次"
	}
	return who + "（" + r.ServedOn + "，" + r.KindLabel + "）"
}

func (r Record) fields() []audit.Field {
	return []audit.Field{
		{Name: "recipient", Label: "服务对象", Value: r.RecipientName},
		{Name: "participants", Label: "人次", Value: strconv.Itoa(r.Participants)},
		{Name: "org", Label: "服务站点", Value: r.OrgName},
		{Name: "kind", Label: "服务类型", Value: r.KindLabel},
		{Name: "category", Label: "内容分类", Value: r.CategoryLabel},
		{Name: "served_at", Label: "服务时间", Value: r.ServedAtLocal()},
		{Name: "minutes", Label: "时长（分钟）", Value: strconv.Itoa(r.Minutes)},
		{Name: "place", Label: "地点", Value: r.Place},
		{Name: "content", Label: "服务内容", Value: r.Content, Sensitive: true},
		{Name: "satisfaction", Label: "满意度", Value: SatisfactionLabel(r.Satisfaction)},
		{Name: "change_observed", Label: "改善情况", Value: r.Change.Label()},
		{Name: "value_fen", Label: "资源价值（分）", Value: strconv.FormatInt(r.ValueFen, 10)},
		{Name: "staff", Label: "服务人员", Value: r.StaffNames()},
	}
}

const recordSelect = `SELECT s.id, s.version, s.org_id, o.name, o.path, COALESCE(s.recipient_id, ''), COALESCE(r.name, ''), COALESCE(r.birth_date, ''),
	s.participants, s.kind, s.category, s.served_at, s.served_on, s.minutes, s.place, s.content_enc, s.satisfaction, s.change_observed, s.value_fen,
	s.source, s.source_id, s.created_by, s.created_at, s.updated_at
	FROM service_records s JOIN org_units o ON o.id = s.org_id LEFT JOIN recipients r ON r.id = s.recipient_id`

func scanRecord(row interface{ Scan(...any) error }, sealed *string) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.Version, &r.OrgID, &r.OrgName, &r.OrgPath, &r.RecipientID, &r.RecipientName, &r.RecipientBorn,
		&r.Participants, &r.Kind, &r.Category, &r.ServedAt, &r.ServedOn, &r.Minutes, &r.Place, sealed, &r.Satisfaction, &r.Change, &r.ValueFen,
		&r.Source, &r.SourceID, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt)
	r.KindLabel = r.Kind.Label()
	r.CategoryLabel = r.Category
	if s, ok := sources[r.Source]; ok && s.Link != nil {
		r.SourceLink = s.Link(r.SourceID)
	}
	return r, err
}

func getRow(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (Record, error) {
	var sealed string
	r, err := scanRecord(q.QueryRow(ctx, recordSelect+` WHERE s.id = ?`, id), &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, apperr.ErrNotFound("服务记录")
	}
	if err != nil {
		return Record{}, err
	}
	if r.Content, err = keys.Open(sealed); err != nil {
		return Record{}, err
	}
	cats, err := Categories(ctx, q, r.OrgPath)
	if err != nil {
		return Record{}, err
	}
	r.CategoryLabel = CategoryLabel(cats, r.Category)
	rows, err := q.Query(ctx, `SELECT user_id, worker_id, volunteer_id, name FROM service_record_staff WHERE record_id = ? ORDER BY position`, id)
	r.Staff, err = db.Collect(rows, err, func(row interface{ Scan(...any) error }) (s Staff, err error) {
		err = row.Scan(&s.UserID, &s.WorkerID, &s.VolunteerID, &s.Name)
		return s, err
	})
	if r.Staff == nil {
		r.Staff = []Staff{}
	}
	return r, err
}

// Get loads one record the actor may read: services.read, scope, and
// the children rule for a named child.
func Get(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string) (Record, error) {
	if err := actor.Require(authz.PermServicesRead); err != nil {
		return Record{}, err
	}
	r, err := getRow(ctx, q, keys, id)
	if err != nil {
		return Record{}, err
	}
	if err := actor.RequireScope(r.OrgPath); err != nil {
		return Record{}, err
	}
	if r.RecipientID != "" && recipients.Hidden(actor, r.RecipientBorn) {
		return Record{}, apperr.New(apperr.Forbidden, "该服务对象是未满 %d 周岁的儿童，您的角色无权查看", recipients.ChildAge)
	}
	return r, nil
}

// Filter selects records for List.
type Filter struct {
	RecipientID string
	OrgID       string // a node: its subtree
	Kind        Kind
	From, To    string // China dates, inclusive; "" open
	Limit       int    // 1–200, 50 by default
	Offset      int
}

// List is a page of records the actor may read, newest first, without
// their content (open one with Get), and the total.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Record, int, error) {
	if err := actor.Require(authz.PermServicesRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	cond, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(cond, scopeArgs...)
	if vc, args := recipients.VisibleCond(actor, "r"); vc != "" {
		c.Add("(s.recipient_id IS NULL OR ("+vc+"))", args...)
	}
	if f.RecipientID != "" {
		c.Add("s.recipient_id = ?", f.RecipientID)
	}
	if f.OrgID != "" {
		var path string
		if err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, f.OrgID).Scan(&path); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, 0, apperr.Fields{"org_id": "站点不存在"}.Err()
			}
			return nil, 0, err
		}
		sc, sa := authz.SubtreeCond(q.Dialect(), "o.path", path)
		c.Add(sc, sa...)
	}
	if f.Kind != "" {
		c.Add("s.kind = ?", f.Kind)
	}
	if f.From != "" {
		c.Add("s.served_on >= ?", f.From)
	}
	if f.To != "" {
		c.Add("s.served_on <= ?", f.To)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	out, total, err := db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM service_records s JOIN org_units o ON o.id = s.org_id LEFT JOIN recipients r ON r.id = s.recipient_id`,
		Select: recordSelect, Where: c, Order: "s.served_at DESC, s.id DESC", Limit: f.Limit, Offset: max(f.Offset, 0),
	}, func(row interface{ Scan(...any) error }) (Record, error) {
		var sealed string
		r, err := scanRecord(row, &sealed)
		r.Staff = []Staff{}
		return r, err
	})
	if err != nil {
		return nil, 0, err
	}
	// Category names from each record's county list, read once per node.
	lists := map[string][]Category{}
	for i := range out {
		cats, ok := lists[out[i].OrgPath]
		if !ok {
			if cats, err = Categories(ctx, q, out[i].OrgPath); err != nil {
				return nil, 0, err
			}
			lists[out[i].OrgPath] = cats
		}
		out[i].CategoryLabel = CategoryLabel(cats, out[i].Category)
	}
	return out, total, nil
}

// SourceKind is a module whose records derive service records.
type SourceKind struct {
	Name  string                 // e.g. "visit"
	Label string                 // Chinese, e.g. 探访记录
	Link  func(id string) string // page of the source record
	// OwnTimeline: the module shows its records on the person's timeline
	// itself, so the services source leaves them out.
	OwnTimeline bool
}

var sources = map[string]SourceKind{}

// RegisterSource declares a source kind; call it from an init function.
func RegisterSource(s SourceKind) {
	if s.Name == "" || s.Label == "" {
		panic("services: incomplete source kind")
	}
	if _, dup := sources[s.Name]; dup {
		panic("services: source " + s.Name + " registered twice")
	}
	sources[s.Name] = s
}
