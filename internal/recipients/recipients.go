// Package recipients is the registry of service recipients (服务对象) and
// their households: who they are, where they live, which categories they
// fall in (低保, 特困, 留守儿童, 独居老人…), who serves them, and their
// status. Personal data is sealed at rest; pages and the API see masked
// values, and revealing a full value is a permission-checked, audited act.
//
// # Contract for other modules (visits relies on it; keep it stable)
//
//   - Module is the schema; app.Modules() lists it after auth.Module.
//     Other modules may add columns to the recipients table in their own
//     migrations (visits adds risk_tier, last_visit_on, next_visit_due).
//   - Recipient carries ID, OrgID, OrgPath, Name, BirthDate, Status,
//     WorkerID, VillageCode, Categories, Version and the masked personal
//     fields. It never holds a full ID number, phone or address.
//   - Get(ctx, q, actor, id) loads one recipient the actor may see: the
//     organisation scope and the children rule (CanSeeChildren) are
//     enforced. GetUnchecked(ctx, q, id) skips both, for system work.
//   - Create(ctx, q, keys, actor, in) validates and inserts, writing its
//     audit entry on q: pass a transaction so a visit can register a
//     newly met person together with the visit.
//   - OnUpdate(hook) runs a module's work in the transaction of every
//     recipient edit (visits replans on new categories or station).
//   - VisibleCond(actor, "r") is the children rule as SQL for other
//     packages' lists of recipients (they apply scope themselves).
//   - RegisterListFilter adds a typed filter to List, Count and Export
//     (visits: 风险等级, 探访); its condition, on columns of "r" (the
//     recipients row), is the registering module's code.
//   - recipient_category_links mirror the columns category lists filter
//     on (org_id, name, birth_date, status), kept by database triggers.
//     A module that adds a column and mirrors it the same way declares
//     it with MirrorOnLinks, and its filter conditions on that column
//     then run on the link indexes (visits does so for risk_tier).
//
// # Children's records
//
// A recipient younger than ChildAge (14, by birth date, China date) is a
// child; their records are visible only to roles holding
// authz.PermRecipientsChildren (the policy table says which) and, as every
// record, only within the actor's organisation scope. Every query of this
// package goes through visibleConds, the one place the rule is applied.
package recipients

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the recipients schema (recipients, households, categories).
var Module = db.MustLoadModule("recipients", migrations, "migrations")

func init() {
	for _, c := range []string{"id_enc", "phone_enc", "hukou_address_enc", "current_address_enc", "guardian_phone_enc", "health_notes_enc"} {
		secure.RegisterColumn("recipients", "id", c)
	}
	// The stored masked copies, rebuilt by key rotation when a mask rule
	// changes (migration 0011).
	for _, m := range []secure.MaskedColumn{
		{Table: "recipients", IDColumn: "id", Sealed: "id_enc", Masked: "id_masked", Mask: secure.MaskID},
		{Table: "recipients", IDColumn: "id", Sealed: "phone_enc", Masked: "phone_masked", Mask: secure.MaskPhone},
		{Table: "recipients", IDColumn: "id", Sealed: "hukou_address_enc", Masked: "hukou_address_masked", Mask: secure.MaskAddress},
		{Table: "recipients", IDColumn: "id", Sealed: "current_address_enc", Masked: "current_address_masked", Mask: secure.MaskAddress},
		{Table: "recipients", IDColumn: "id", Sealed: "guardian_phone_enc", Masked: "guardian_phone_masked", Mask: secure.MaskPhone},
	} {
		secure.RegisterMasked(m)
	}
}

// Statuses of a recipient.
const (
	StatusActive    = "active"    // 在册
	StatusSuspended = "suspended" // 暂停
	StatusMoved     = "moved"     // 迁出
	StatusDeceased  = "deceased"  // 死亡
	StatusClosed    = "closed"    // 结束服务
)

// Statuses lists the status codes in display order.
var Statuses = []string{StatusActive, StatusSuspended, StatusMoved, StatusDeceased, StatusClosed}

var statusLabels = map[string]string{
	StatusActive: "在册", StatusSuspended: "暂停", StatusMoved: "迁出", StatusDeceased: "死亡", StatusClosed: "结束服务",
}

// StatusLabel is the Chinese name of a status.
func StatusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// parseStatus accepts a code or its Chinese name; "" means 在册.
func parseStatus(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return StatusActive, true
	}
	for code, label := range statusLabels {
		if s == code || s == label {
			return code, true
		}
	}
	return "", false
}

// Choice lists offered in forms and accepted by validation.
var (
	Sexes             = []string{"男", "女"}
	LivingSituations  = []string{"独居", "与配偶", "与子女", "与配偶及子女", "与（外）祖父母", "与其他亲属", "集中供养", "其他"}
	GuardianRelations = []string{"父母", "（外）祖父母", "子女", "配偶", "兄弟姐妹", "其他亲属", "村（居）委会", "其他"}
	DisabilityTypes   = []string{"视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"}
	DisabilityGrades  = []string{"一级", "二级", "三级", "四级"}
	IncomeSources     = []string{"工资性收入", "经营性收入", "务农收入", "养老金", "低保金/特困供养金", "子女赡养", "亲友资助", "无固定收入", "其他"}
	Relations         = []string{"户主", "配偶", "子女", "父母", "孙子女", "其他"}
	Ethnicities       = []string{"汉族", "回族", "满族", "蒙古族", "壮族", "维吾尔族", "苗族", "彝族", "土家族", "藏族", "布依族", "侗族", "瑶族", "朝鲜族",
		"白族", "哈尼族", "哈萨克族", "黎族", "傣族", "畲族", "傈僳族", "仡佬族", "东乡族", "高山族", "拉祜族", "水族", "佤族", "纳西族", "羌族",
		"土族", "仫佬族", "锡伯族", "柯尔克孜族", "达斡尔族", "景颇族", "毛南族", "撒拉族", "布朗族", "塔吉克族", "阿昌族", "普米族", "鄂温克族",
		"怒族", "京族", "基诺族", "德昂族", "保安族", "俄罗斯族", "裕固族", "乌孜别克族", "门巴族", "鄂伦春族", "独龙族", "塔塔尔族", "赫哲族", "珞巴族", "其他"}
)

// ChildAge: a recipient younger than this is a child whose record is
// specially protected (个人信息保护法 Art. 28: under 14).
const ChildAge = 14

// ChildCutoff is the latest birth date of someone who is ChildAge or
// older today (China date): born after it means a child.
func ChildCutoff() string { return ChildCutoffOn(cst.Now()) }

// ChildCutoffOn is the ChildCutoff of the China date of now.
func ChildCutoffOn(now time.Time) string {
	y, m, d := now.In(cst.Loc).Date()
	t := time.Date(y-ChildAge, m, d, 0, 0, 0, 0, time.UTC)
	if t.Month() != m { // 29 February in a common year: the 28th is the last day that counts
		t = time.Date(y-ChildAge, m+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return t.Format(cst.DateLayout)
}

// IsChild reports whether a birth date makes someone a child today.
func IsChild(birthDate string) bool { return birthDate != "" && birthDate > ChildCutoff() }

// CanSeeChildren reports whether the actor's role may see children's
// records at all (within scope). The roles are in authz/policy.go.
func CanSeeChildren(a *authz.Actor) bool { return a.Can(authz.PermRecipientsChildren) }

// VisibleCond is the children rule, and for a volunteer the rule of
// their assignments, as a SQL condition on a recipients row alias (e.g.
// "r"), for lists in other packages that apply scope themselves: "" when
// the actor's role may see children and is not a volunteer.
func VisibleCond(actor *authz.Actor, alias string) (string, []any) {
	var conds []string
	var args []any
	if !CanSeeChildren(actor) {
		conds, args = append(conds, alias+".birth_date <> '' AND "+alias+".birth_date <= ?"), append(args, ChildCutoff())
	}
	if c, a := assignedCond(actor, alias); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	return strings.Join(conds, " AND "), args
}

// visibleConds is the visibility rule for every query of this package:
// the recipient's org node lies in the actor's scope and, unless the role
// may see children, the recipient is not a child ("r" is the recipient).
func visibleConds(ctx context.Context, q db.Querier, actor *authz.Actor) ([]string, []any, error) {
	var conds []string
	var args []any
	if strings.Count(actor.OrgPath, "/") > 2 { // below the root: restrict to the subtree
		var err error
		if conds, args, err = subtreeCond(ctx, q, actor.OrgPath); err != nil {
			return nil, nil, err
		}
	}
	if c, a := VisibleCond(actor, "r"); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	return conds, args, nil
}

// subtreeListMax is the most org nodes a scope condition lists by id.
const subtreeListMax = 200

// subtreeCond restricts r.org_id to the org nodes under pathPrefix, in
// the form that plans best at a million recipients: nothing when the
// nodes are the whole tree; the ids themselves for a station or a county
// (the planner then reads recipients_org for just those nodes); for a
// wide scope a subquery that SQLite must not drive from ("+"), so it uses
// the other filters' indexes.
func subtreeCond(ctx context.Context, q db.Querier, pathPrefix string) ([]string, []any, error) {
	pathCond, pathArgs := authz.SubtreeCond(q.Dialect(), "path", pathPrefix)
	rows, err := q.Query(ctx, `SELECT id FROM org_units WHERE `+pathCond+` LIMIT ?`, append(pathArgs, subtreeListMax+1)...)
	if err != nil {
		return nil, nil, err
	}
	var nodeIDs []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, err
		}
		nodeIDs = append(nodeIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(nodeIDs) == 0 {
		return []string{"1 = 0"}, nil, nil
	}
	if len(nodeIDs) <= subtreeListMax {
		return []string{"r.org_id IN (" + db.Placeholders(len(nodeIDs)) + ")"}, nodeIDs, nil
	}
	// Only stations and rooms hold recipients: when none lies outside the
	// subtree (a province served alone, seen from the province), the scope
	// excludes nothing and needs no condition.
	var outside int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM org_units WHERE kind IN ('station', 'room') AND NOT (`+pathCond+`) LIMIT 1) t`, pathArgs...).Scan(&outside); err != nil {
		return nil, nil, err
	}
	if outside == 0 {
		return nil, nil, nil
	}
	column := "r.org_id"
	if q.Dialect() == db.SQLite {
		column = "+r.org_id"
	}
	return []string{column + " IN (SELECT id FROM org_units WHERE " + pathCond + ")"}, pathArgs, nil
}

// Conditions for exact lookups. The blind-index columns have partial
// indexes (WHERE … <> ”), which SQLite uses only when the query repeats
// that condition: "= ?" alone does not prove it for a bound value.
const (
	idIndexCond    = "r.id_index = ? AND r.id_index <> ''"
	phoneIndexCond = "r.phone_index = ? AND r.phone_index <> ''"
)

// Hidden reports whether the children rule hides a recipient born on
// birthDate from the actor (a child, or no birth date known, for a role
// without recipients.children): what VisibleCond says in SQL. Figures
// count such people but their drill-downs do not name them.
func Hidden(actor *authz.Actor, birthDate string) bool {
	return !CanSeeChildren(actor) && (birthDate == "" || IsChild(birthDate))
}

// InCareCond is "in care" (在册: status active) as a SQL condition on a
// recipients row alias: the people the visit plan, the due lists and the
// figures count.
func InCareCond(alias string) string { return alias + ".status = '" + StatusActive + "'" }

// checkVisible applies visibleConds to one loaded record.
func checkVisible(actor *authz.Actor, r Recipient) error {
	if err := actor.RequireScope(r.OrgPath); err != nil {
		return err
	}
	if Hidden(actor, r.BirthDate) {
		return apperr.New(apperr.Forbidden, "该服务对象是未满 %d 周岁的儿童，您的角色无权查看儿童信息", ChildAge)
	}
	return nil
}

// Recipient is one service recipient as pages and the API see it: the
// personal fields hold masked values only (Reveal opens them).
type Recipient struct {
	ID                string   `json:"id"`
	Version           int      `json:"version"`
	OrgID             string   `json:"org_id"`
	OrgName           string   `json:"org_name"`
	OrgKind           org.Kind `json:"org_kind"`
	OrgPath           string   `json:"-"`
	Name              string   `json:"name"`
	NameInitials      string   `json:"name_initials"`
	Sex               string   `json:"sex"`
	BirthDate         string   `json:"birth_date"`
	Age               int      `json:"age"`
	Child             bool     `json:"child"`
	IDNumber          string   `json:"id_number"` // masked: first 6 + last 4
	Ethnicity         string   `json:"ethnicity"`
	Phone             string   `json:"phone"`           // masked
	HukouAddress      string   `json:"hukou_address"`   // masked
	CurrentAddress    string   `json:"current_address"` // masked
	VillageCode       string   `json:"village_code"`
	LivingSituation   string   `json:"living_situation"`
	GuardianName      string   `json:"guardian_name"`
	GuardianRelation  string   `json:"guardian_relation"`
	GuardianPhone     string   `json:"guardian_phone"` // masked
	Categories        []string `json:"categories"`
	DisabilityType    string   `json:"disability_type"`
	DisabilityGrade   string   `json:"disability_grade"`
	HasHealthNotes    bool     `json:"has_health_notes"` // the notes themselves only through Reveal
	IncomeSource      string   `json:"income_source"`
	WorkerID          string   `json:"worker_id"`
	WorkerName        string   `json:"worker_name"`
	Status            string   `json:"status"`
	StatusLabel       string   `json:"status_label"`
	StatusReason      string   `json:"status_reason"`
	StatusDate        string   `json:"status_date"`
	HouseholdID       string   `json:"household_id"`
	HouseholdRelation string   `json:"household_relation"`
	// Consent is the recorded consent to the processing of the person's
	// data (zero when none was recorded).
	Consent Consent `json:"consent"`
	// Task is, for a volunteer, what they are assigned to do for the
	// person (their current assignments); empty for every other role.
	Task      string `json:"task,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	// Extra holds the list columns other modules register
	// (RegisterListColumn), by name, in lists only.
	Extra map[string]string `json:"extra,omitempty"`
}

// columns are read by scanRecipient, in this order.
const columns = `r.id, r.version, r.org_id, o.name, o.kind, o.path, r.name, r.name_initials, r.sex, r.birth_date, r.id_masked,
	r.ethnicity, r.phone_masked, r.hukou_address_masked, r.current_address_masked, r.village_code, r.living_situation,
	r.guardian_name, r.guardian_relation, r.guardian_phone_masked, r.categories, r.disability_type, r.disability_grade,
	CASE WHEN r.health_notes_enc <> '' THEN 1 ELSE 0 END, r.income_source, r.worker_id, COALESCE(w.display_name, ''),
	r.status, r.status_reason, r.status_date, COALESCE(r.household_id, ''), r.household_relation, r.created_at, r.updated_at,
	r.consent_by, r.consent_name, r.consent_on, r.consent_method, r.consent_purpose, r.consent_scan_id`

const from = ` FROM recipients r JOIN org_units o ON o.id = r.org_id LEFT JOIN users w ON w.id = r.worker_id`

func scanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var cats string
	var health int
	err := row.Scan(&r.ID, &r.Version, &r.OrgID, &r.OrgName, &r.OrgKind, &r.OrgPath, &r.Name, &r.NameInitials, &r.Sex, &r.BirthDate, &r.IDNumber,
		&r.Ethnicity, &r.Phone, &r.HukouAddress, &r.CurrentAddress, &r.VillageCode, &r.LivingSituation,
		&r.GuardianName, &r.GuardianRelation, &r.GuardianPhone, &cats, &r.DisabilityType, &r.DisabilityGrade,
		&health, &r.IncomeSource, &r.WorkerID, &r.WorkerName, &r.Status, &r.StatusReason, &r.StatusDate, &r.HouseholdID, &r.HouseholdRelation,
		&r.CreatedAt, &r.UpdatedAt, &r.Consent.By, &r.Consent.Name, &r.Consent.On, &r.Consent.Method, &r.Consent.Purpose, &r.Consent.ScanID)
	if err != nil {
		return r, err
	}
	if r.Consent.ScanID != "" {
		r.Consent.ScanURL = "/attachments/" + r.Consent.ScanID
	}
	r.Categories = splitCategories(cats)
	r.HasHealthNotes = health == 1
	r.StatusLabel = StatusLabel(r.Status)
	r.Age = ageOn(r.BirthDate, cst.Now())
	r.Child = IsChild(r.BirthDate)
	return r, nil
}

// categorySep joins category names in the display column.
const categorySep = "、"

func splitCategories(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, categorySep)
}

// ageOn is the age in whole years on a day (0 when the birth date is unknown).
func ageOn(birth string, on time.Time) int {
	b, err := cst.ParseDate(birth)
	if err != nil {
		return 0
	}
	y, m, d := on.Date()
	age := y - b.Year()
	if m < b.Month() || m == b.Month() && d < b.Day() {
		age--
	}
	return max(age, 0)
}

// GetUnchecked loads a recipient without scope or children checks, for
// system work (background jobs, other services that check themselves).
func GetUnchecked(ctx context.Context, q db.Querier, id string) (Recipient, error) {
	r, err := scanRecipient(q.QueryRow(ctx, `SELECT `+columns+from+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, apperr.ErrNotFound("服务对象")
	}
	return r, err
}

// Get loads a recipient the actor may see (scope, the children rule and
// a volunteer's assignments), with the fields FieldAccess gives the
// actor's role.
func Get(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Recipient, error) {
	if err := requireRecords(actor); err != nil {
		return Recipient{}, err
	}
	r, err := GetUnchecked(ctx, q, id)
	if err != nil {
		return r, err
	}
	if err := checkVisible(actor, r); err != nil {
		return Recipient{}, err
	}
	if c, a := assignedCond(actor, "r"); c != "" {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM recipients r WHERE r.id = ? AND `+c, append([]any{id}, a...)...).Scan(&n); err != nil {
			return Recipient{}, err
		}
		if n == 0 {
			return Recipient{}, apperr.New(apperr.Forbidden, "该服务对象没有分派给您")
		}
	}
	one := []Recipient{r}
	if err := volunteerTasks(ctx, q, actor, one); err != nil {
		return Recipient{}, err
	}
	r = one[0]
	applyAccess(actor, &r)
	return r, nil
}

// Input is what a user submits to register or edit a recipient. On
// update, an empty sealed field (IDNumber, Phone, the addresses,
// GuardianPhone, HealthNotes) keeps the saved value — forms never show
// them in full — unless its JSON name is listed in Clear.
type Input struct {
	ID               string   `json:"id"` // optional, a client-made UUIDv7 (create only)
	OrgID            string   `json:"org_id"`
	Name             string   `json:"name"`
	Sex              string   `json:"sex"`
	BirthDate        string   `json:"birth_date"`
	IDNumber         string   `json:"id_number"`
	Ethnicity        string   `json:"ethnicity"`
	Phone            string   `json:"phone"`
	HukouAddress     string   `json:"hukou_address"`
	CurrentAddress   string   `json:"current_address"`
	VillageCode      string   `json:"village_code"`
	LivingSituation  string   `json:"living_situation"`
	GuardianName     string   `json:"guardian_name"`
	GuardianRelation string   `json:"guardian_relation"`
	GuardianPhone    string   `json:"guardian_phone"`
	Categories       []string `json:"categories"`
	DisabilityType   string   `json:"disability_type"`
	DisabilityGrade  string   `json:"disability_grade"`
	HealthNotes      string   `json:"health_notes"`
	IncomeSource     string   `json:"income_source"`
	WorkerID         string   `json:"worker_id"`
	Status           string   `json:"status"`
	StatusReason     string   `json:"status_reason"`
	StatusDate       string   `json:"status_date"`
	// Consent to the processing of personal data: all of who (self /
	// guardian, or 本人 / 监护人), name, date and method, or none.
	ConsentBy      string `json:"consent_by"`
	ConsentName    string `json:"consent_name"`
	ConsentOn      string `json:"consent_on"`
	ConsentMethod  string `json:"consent_method"`
	ConsentPurpose string `json:"consent_purpose"` // default DefaultConsentPurpose
	// ConfirmDuplicate says the user has seen the possible duplicates
	// (the duplicate rule, personLookup: same name and birth date under
	// another ID number) and this is a different person. A same ID
	// number is never accepted.
	ConfirmDuplicate bool     `json:"confirm_duplicate"`
	Clear            []string `json:"clear,omitempty"`
}

// SealedFields are the JSON names of the personal fields kept sealed.
var SealedFields = []string{"id_number", "phone", "hukou_address", "current_address", "guardian_phone", "health_notes"}

// sealedColumn maps a sealed field to its column.
var sealedColumn = map[string]string{
	"id_number": "id_enc", "phone": "phone_enc", "hukou_address": "hukou_address_enc", "current_address": "current_address_enc",
	"guardian_phone": "guardian_phone_enc", "health_notes": "health_notes_enc",
}

// FieldLabels are the Chinese names of the fields.
var FieldLabels = map[string]string{
	"org_id": "负责站点", "name": "姓名", "sex": "性别", "birth_date": "出生日期", "id_number": "身份证号", "ethnicity": "民族",
	"phone": "联系电话", "hukou_address": "户籍地址", "current_address": "现住址", "village_code": "所在村（社区）",
	"living_situation": "居住情况", "guardian_name": "监护人/联系人", "guardian_relation": "与本人关系", "guardian_phone": "监护人电话",
	"categories": "对象类别", "disability_type": "残疾类别", "disability_grade": "残疾等级", "health_notes": "健康状况",
	"income_source": "主要收入来源", "worker_id": "责任社工", "status": "状态", "status_reason": "状态原因", "status_date": "状态日期",
	"household": "家庭", "household_relation": "与户主关系",
	"consent": "个人信息处理同意", "consent_by": "同意人", "consent_name": "同意人姓名", "consent_on": "同意日期",
	"consent_method": "同意方式", "consent_purpose": "处理目的",
}

// plain holds the opened personal values of a record.
type plain struct {
	IDNumber, Phone, HukouAddress, CurrentAddress, GuardianPhone, HealthNotes string
}

func (p plain) get(field string) string {
	switch field {
	case "id_number":
		return p.IDNumber
	case "phone":
		return p.Phone
	case "hukou_address":
		return p.HukouAddress
	case "current_address":
		return p.CurrentAddress
	case "guardian_phone":
		return p.GuardianPhone
	case "health_notes":
		return p.HealthNotes
	}
	return ""
}

// openSealed reads and opens the sealed columns of one recipient.
func openSealed(ctx context.Context, q db.Querier, keys *secure.Keyring, id string) (plain, error) {
	var s [6]string
	err := q.QueryRow(ctx, `SELECT id_enc, phone_enc, hukou_address_enc, current_address_enc, guardian_phone_enc, health_notes_enc
		FROM recipients WHERE id = ?`, id).Scan(&s[0], &s[1], &s[2], &s[3], &s[4], &s[5])
	if errors.Is(err, sql.ErrNoRows) {
		return plain{}, apperr.ErrNotFound("服务对象")
	}
	if err != nil {
		return plain{}, err
	}
	var out [6]string
	for i, v := range s {
		if out[i], err = keys.Open(v); err != nil {
			return plain{}, err
		}
	}
	return plain{out[0], out[1], out[2], out[3], out[4], out[5]}, nil
}

var villageCodeRe = regexp.MustCompile(`^\d{12}$`)

// checked is an Input after validation, with what it resolved.
type checked struct {
	in      Input
	unit    org.Unit
	county  string
	idCard  validate.IDCard
	initial string
}

func trimAll(in *Input) {
	for _, p := range []*string{&in.ID, &in.OrgID, &in.Name, &in.Sex, &in.BirthDate, &in.IDNumber, &in.Ethnicity, &in.HukouAddress,
		&in.CurrentAddress, &in.VillageCode, &in.LivingSituation, &in.GuardianName, &in.GuardianRelation, &in.DisabilityType,
		&in.DisabilityGrade, &in.HealthNotes, &in.IncomeSource, &in.WorkerID, &in.Status, &in.StatusReason, &in.StatusDate} {
		*p = strings.TrimSpace(*p)
	}
	in.Phone = validate.NormalizePhone(in.Phone)
	in.GuardianPhone = validate.NormalizePhone(in.GuardianPhone)
	in.Name = strings.Join(strings.Fields(in.Name), "")
	var cats []string
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	in.Categories = cats
}

func oneOf(fe apperr.Fields, field, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		fe.Add(field, "请从列表中选择"+FieldLabels[field])
	}
}

// check validates in against the database. saved holds the opened
// values of the record being edited (nil when creating): an empty sealed
// field then keeps its saved value.
func check(ctx context.Context, q db.Querier, actor *authz.Actor, in Input, saved *plain) (checked, error) {
	return checkWith(ctx, q, actor, in, saved, nil)
}

// lookups remember, for one run of many rows (an import), the stations,
// counties and category lists check reads: they do not change while the
// run's rows are checked.
type lookups struct {
	units  map[string]org.Unit
	county map[string]string   // unit id → county id
	cats   map[string][]string // county id → active category names
}

func newLookups() *lookups {
	return &lookups{units: map[string]org.Unit{}, county: map[string]string{}, cats: map[string][]string{}}
}

func (lk *lookups) unit(ctx context.Context, q db.Querier, id string) (org.Unit, error) {
	if lk == nil {
		return org.Get(ctx, q, id)
	}
	if u, ok := lk.units[id]; ok {
		return u, nil
	}
	u, err := org.Get(ctx, q, id)
	if err == nil {
		lk.units[id] = u
	}
	return u, err
}

func (lk *lookups) countyOf(ctx context.Context, q db.Querier, u org.Unit) (string, error) {
	if lk == nil {
		return categoryOwner(ctx, q, u.Path)
	}
	if c, ok := lk.county[u.ID]; ok {
		return c, nil
	}
	c, err := categoryOwner(ctx, q, u.Path)
	if err == nil {
		lk.county[u.ID] = c
	}
	return c, err
}

func (lk *lookups) categories(ctx context.Context, q db.Querier, county string) ([]string, error) {
	if lk == nil {
		return activeCategoryNames(ctx, q, county)
	}
	if c, ok := lk.cats[county]; ok {
		return c, nil
	}
	c, err := activeCategoryNames(ctx, q, county)
	if err == nil {
		lk.cats[county] = c
	}
	return c, err
}

// checkWith is check, reading through lk (nil: straight from q).
func checkWith(ctx context.Context, q db.Querier, actor *authz.Actor, in Input, saved *plain, lk *lookups) (checked, error) {
	trimAll(&in)
	if saved != nil {
		keep := func(field string, v *string) {
			if *v == "" && !slices.Contains(in.Clear, field) {
				*v = saved.get(field)
			}
		}
		keep("id_number", &in.IDNumber)
		keep("phone", &in.Phone)
		keep("hukou_address", &in.HukouAddress)
		keep("current_address", &in.CurrentAddress)
		keep("guardian_phone", &in.GuardianPhone)
		keep("health_notes", &in.HealthNotes)
	}
	c := checked{}
	fe := apperr.Fields{}
	if in.Name == "" {
		fe.Add("name", "请填写姓名")
	} else {
		in.Name = validate.Text(fe, "name", FieldLabels["name"], in.Name, 30, false)
	}
	if in.IDNumber != "" {
		card, err := validate.ParseIDCard(in.IDNumber)
		if err != nil {
			fe.Add("id_number", err.Error())
		} else {
			c.idCard = card
			in.IDNumber = card.Number
			sex, birth := "女", card.Birth.Format(cst.DateLayout)
			if card.Male {
				sex = "男"
			}
			switch {
			case in.Sex == "":
				in.Sex = sex
			case in.Sex != sex:
				fe.Add("sex", "性别与身份证号不符（身份证号显示为"+sex+"）")
			}
			switch {
			case in.BirthDate == "" || roster.SameDate(roster.NormDate(in.BirthDate), birth):
				// A year and month (出生年月) that agrees is the ID
				// number's date.
				in.BirthDate = birth
			case in.BirthDate != birth:
				fe.Add("birth_date", "出生日期与身份证号不符（身份证号显示为 "+birth+"）")
			}
		}
	}
	if in.BirthDate == "" {
		fe.Add("birth_date", "请填写出生日期（或填写身份证号自动得出）")
	} else {
		in.BirthDate, _, _ = validate.Date(fe, "birth_date", FieldLabels["birth_date"], in.BirthDate, true)
	}
	if in.Sex == "" {
		fe.Add("sex", "请选择性别")
	}
	oneOf(fe, "sex", in.Sex, Sexes)
	oneOf(fe, "ethnicity", in.Ethnicity, Ethnicities)
	if in.Phone != "" && !validate.Phone(in.Phone) {
		fe.Add("phone", validate.PhoneMessage)
	}
	if in.GuardianPhone != "" && !validate.Phone(in.GuardianPhone) {
		fe.Add("guardian_phone", validate.PhoneMessage)
	}
	in.HukouAddress = validate.Text(fe, "hukou_address", FieldLabels["hukou_address"], in.HukouAddress, 200, false)
	in.CurrentAddress = validate.Text(fe, "current_address", FieldLabels["current_address"], in.CurrentAddress, 200, false)
	in.GuardianName = validate.Text(fe, "guardian_name", FieldLabels["guardian_name"], in.GuardianName, 30, false)
	in.HealthNotes = validate.Text(fe, "health_notes", FieldLabels["health_notes"], in.HealthNotes, 2000, false)
	in.StatusReason = validate.Text(fe, "status_reason", FieldLabels["status_reason"], in.StatusReason, 200, false)
	oneOf(fe, "living_situation", in.LivingSituation, LivingSituations)
	oneOf(fe, "guardian_relation", in.GuardianRelation, GuardianRelations)
	oneOf(fe, "disability_type", in.DisabilityType, DisabilityTypes)
	oneOf(fe, "disability_grade", in.DisabilityGrade, DisabilityGrades)
	oneOf(fe, "income_source", in.IncomeSource, IncomeSources)
	if in.DisabilityType != "" && in.DisabilityGrade == "" {
		fe.Add("disability_grade", "填写了残疾类别，请选择残疾等级")
	}
	if in.DisabilityGrade != "" && in.DisabilityType == "" {
		fe.Add("disability_type", "填写了残疾等级，请选择残疾类别")
	}
	if in.BirthDate != "" && IsChild(in.BirthDate) && in.GuardianName == "" {
		fe.Add("guardian_name", "未满 14 周岁的儿童请填写监护人")
	}
	checkConsent(fe, &in)
	status, ok := parseStatus(in.Status)
	if !ok {
		fe.Add("status", "请选择状态")
	}
	in.Status = status
	if status != StatusActive && ok {
		if in.StatusReason == "" {
			fe.Add("status_reason", "状态为“"+StatusLabel(status)+"”时请填写原因")
		}
		if in.StatusDate == "" {
			fe.Add("status_date", "请填写状态变更日期")
		}
	}
	in.StatusDate, _, _ = validate.Date(fe, "status_date", FieldLabels["status_date"], in.StatusDate, false)

	// The station or room responsible, and the village inside it.
	if in.OrgID == "" {
		fe.Add("org_id", "请选择负责的社工站或社工室")
	} else {
		u, err := lk.unit(ctx, q, in.OrgID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			fe.Add("org_id", "所选机构不存在")
		case err != nil:
			return c, err
		case u.Kind != org.KindStation && u.Kind != org.KindRoom:
			fe.Add("org_id", "服务对象只能登记在社工站或社工室")
		case actor != nil && !actor.Covers(u.Path):
			fe.Add("org_id", "只能选择您负责范围内的站点")
		case !u.Active:
			fe.Add("org_id", "该站点已停用")
		default:
			c.unit = u
		}
	}
	if in.VillageCode == "" && c.unit.Kind == org.KindRoom && villageCodeRe.MatchString(c.unit.DivisionCode) {
		in.VillageCode = c.unit.DivisionCode // a room serves one village
	}
	if in.VillageCode == "" {
		fe.Add("village_code", "请填写所在村（社区）：村（社区）名称（如 西街村）或 12 位区划代码均可")
	} else if !villageCodeRe.MatchString(in.VillageCode) {
		fe.Add("village_code", "村（社区）区划代码应为 12 位数字")
	} else if c.unit.ID != "" {
		code := c.unit.DivisionCode
		switch {
		case c.unit.Kind == org.KindRoom && len(code) == 12 && in.VillageCode != code:
			fe.Add("village_code", "该村（社区）不是“"+c.unit.Name+"”服务的村（"+code+"）")
		case len(code) == 9 && !strings.HasPrefix(in.VillageCode, code):
			fe.Add("village_code", "该村（社区）不在“"+c.unit.Name+"”所在乡镇（街道）内（区划代码应以 "+code+" 开头）")
		case len(code) == 12 && c.unit.Kind == org.KindStation && in.VillageCode[:9] != code[:9]:
			fe.Add("village_code", "该村（社区）不在“"+c.unit.Name+"”所在乡镇（街道）内")
		}
	}

	// Categories from the county's configured list.
	if c.unit.ID != "" {
		county, err := lk.countyOf(ctx, q, c.unit)
		if err != nil {
			return c, err
		}
		c.county = county
		cats, err := lk.categories(ctx, q, county)
		if err != nil {
			return c, err
		}
		for _, name := range in.Categories {
			if !slices.Contains(cats, name) {
				fe.Add("categories", "未知的对象类别：“"+name+"”（类别由县级管理员在“对象类别”中维护）")
			}
		}
		// Keep the configured order so lists read the same everywhere.
		slices.SortStableFunc(in.Categories, func(a, b string) int { return slices.Index(cats, a) - slices.Index(cats, b) })
	}

	// The assigned worker: an active 社工 or 站长 of the same station.
	if in.WorkerID != "" && c.unit.ID != "" {
		station := stationPath(c.unit)
		var role, path string
		var active bool
		err := q.QueryRow(ctx, `SELECT u.role, o.path, u.active FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, in.WorkerID).Scan(&role, &path, &active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fe.Add("worker_id", "所选社工不存在")
		case err != nil:
			return c, err
		case !active:
			fe.Add("worker_id", "所选社工的账号已停用")
		case role != string(authz.RoleWorker) && role != string(authz.RoleStationHead):
			fe.Add("worker_id", "责任人应为社工或站长")
		case !strings.HasPrefix(path, station):
			fe.Add("worker_id", "责任社工应属于该服务对象所在的社工站")
		}
	}
	if in.ID != "" && saved == nil && !ids.Valid(in.ID) {
		fe.Add("id", "记录编号应为小写的 UUID")
	}
	if err := fe.Err(); err != nil {
		return c, err
	}
	if actor != nil && IsChild(in.BirthDate) && !CanSeeChildren(actor) {
		return c, apperr.New(apperr.Forbidden, "您的角色不能登记或修改未满 %d 周岁儿童的信息", ChildAge)
	}
	c.in = in
	c.initial = pinyin.NameInitials(in.Name)
	return c, nil
}

// stationPath is the path of the station a node belongs to: the node
// itself for a station, its parent for a room.
func stationPath(u org.Unit) string {
	if u.Kind != org.KindRoom {
		return u.Path
	}
	p := strings.TrimSuffix(u.Path, u.ID+"/")
	if p == "" {
		return u.Path
	}
	return p
}

// categoryOwner is the org node whose category list applies to the node
// with path: its county (org.CountyOf); for a station or room with no
// county above it (placed straight under the root), the root's list; for
// a node above county level none, "" (a province sees several counties).
func categoryOwner(ctx context.Context, q db.Querier, path string) (string, error) {
	county, err := org.CountyOf(ctx, q, path)
	if err != nil || county.ID != "" {
		return county.ID, err
	}
	station, err := org.StationOf(ctx, q, path)
	if err != nil || station.ID == "" {
		return "", err
	}
	return strings.Split(strings.Trim(path, "/"), "/")[0], nil
}

// auditFields lists a recipient's values for audit.Diff; personal values
// are marked sensitive so the log says they changed, never what they are.
func auditFields(in Input, orgName, workerName string) []audit.Field {
	f := func(name, value string) audit.Field {
		return audit.Field{Name: name, Label: FieldLabels[name], Value: value}
	}
	s := func(name, value string) audit.Field {
		return audit.Field{Name: name, Label: FieldLabels[name], Value: value, Sensitive: true}
	}
	return []audit.Field{
		f("org_id", orgName), f("name", in.Name), f("sex", in.Sex), f("birth_date", in.BirthDate), s("id_number", in.IDNumber),
		f("ethnicity", in.Ethnicity), s("phone", in.Phone), s("hukou_address", in.HukouAddress), s("current_address", in.CurrentAddress),
		f("village_code", in.VillageCode), f("living_situation", in.LivingSituation), f("guardian_name", in.GuardianName),
		f("guardian_relation", in.GuardianRelation), s("guardian_phone", in.GuardianPhone), f("categories", strings.Join(in.Categories, categorySep)),
		f("disability_type", in.DisabilityType), f("disability_grade", in.DisabilityGrade), s("health_notes", in.HealthNotes),
		f("income_source", in.IncomeSource), f("worker_id", workerName), f("status", StatusLabel(in.Status)),
		f("status_reason", in.StatusReason), f("status_date", in.StatusDate),
		f("consent", strings.TrimSpace(strings.Join([]string{Consent{By: in.ConsentBy}.ByLabel(), in.ConsentName, in.ConsentOn, in.ConsentMethod, in.ConsentPurpose}, " "))),
	}
}

// column is one column a write sets and its value.
type column struct {
	name  string
	value any
}

// recordColumns are the columns Create and Update write from a checked
// input, each with its value: plain fields, then sealed text, blind
// indexes and masks. A new stored field is one line here (plus its
// migration and Input field); the INSERT and the UPDATE are built from
// this list.
func recordColumns(keys *secure.Keyring, c checked, now string) []column {
	in := c.in
	return []column{
		{"org_id", in.OrgID},
		{"name", in.Name},
		{"name_initials", c.initial},
		{"sex", in.Sex},
		{"birth_date", in.BirthDate},
		{"ethnicity", in.Ethnicity},
		{"village_code", in.VillageCode},
		{"living_situation", in.LivingSituation},
		{"guardian_name", in.GuardianName},
		{"guardian_relation", in.GuardianRelation},
		{"categories", strings.Join(in.Categories, categorySep)},
		{"disability_type", in.DisabilityType},
		{"disability_grade", in.DisabilityGrade},
		{"income_source", in.IncomeSource},
		{"worker_id", in.WorkerID},
		{"status", in.Status},
		{"status_reason", in.StatusReason},
		{"status_date", in.StatusDate},
		{"consent_by", in.ConsentBy},
		{"consent_name", in.ConsentName},
		{"consent_on", in.ConsentOn},
		{"consent_method", in.ConsentMethod},
		{"consent_purpose", in.ConsentPurpose},
		{"updated_at", now},
		{"id_enc", keys.Seal(in.IDNumber)},
		{"id_index", keys.BlindIndex("idcard", in.IDNumber)},
		{"id_masked", secure.MaskID(in.IDNumber)},
		{"phone_enc", keys.Seal(in.Phone)},
		{"phone_index", keys.BlindIndex("phone", in.Phone)},
		{"phone_masked", secure.MaskPhone(in.Phone)},
		{"hukou_address_enc", keys.Seal(in.HukouAddress)},
		{"hukou_address_masked", secure.MaskAddress(in.HukouAddress)},
		{"current_address_enc", keys.Seal(in.CurrentAddress)},
		{"current_address_masked", secure.MaskAddress(in.CurrentAddress)},
		{"guardian_phone_enc", keys.Seal(in.GuardianPhone)},
		{"guardian_phone_masked", secure.MaskPhone(in.GuardianPhone)},
		{"health_notes_enc", keys.Seal(in.HealthNotes)},
	}
}

// newRecord is the id and the columns of a new recipients row: the id
// the input carries or a new one, then recordColumns and the create's
// content fingerprint.
func newRecord(keys *secure.Keyring, actor *authz.Actor, c checked, now, hash string) (string, []column) {
	id := c.in.ID
	if id == "" {
		id = ids.New()
	}
	return id, append([]column{{"id", id}, {"version", 1}, {"created_by", actorID(actor)}, {"created_at", now}},
		append(recordColumns(keys, c, now), column{"content_hash", hash})...)
}

// insertSQL is an INSERT of cols into table, with its arguments.
func insertSQL(table string, cols []column) (string, []any) {
	names := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		names[i], args[i] = c.name, c.value
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")", args
}

// setSQL is the "a = ?, b = ?" list of an UPDATE setting cols, with its
// arguments.
func setSQL(cols []column) (string, []any) {
	sets := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		sets[i], args[i] = c.name+" = ?", c.value
	}
	return strings.Join(sets, ", "), args
}

func workerName(ctx context.Context, q db.Querier, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	var n string
	err := q.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ?`, id).Scan(&n)
	return n, err
}

// duplicateIDError is the refusal of an ID number already registered.
func duplicateIDError(orgName string) error {
	msg := "该身份证号已登记为服务对象，同一身份证号不能重复登记"
	if orgName != "" {
		msg += "（登记于" + orgName + "）"
	}
	return &apperr.Error{Kind: apperr.Conflict, Message: msg, Fields: map[string]string{"id_number": msg}}
}

// checkCreate is every check Create makes before writing: the field
// rules of check, then the duplicate rule (personLookup, one indexed
// lookup): an ID number already registered is refused, and a possible
// duplicate (same name and birth date, another ID number) must have been
// confirmed by the user. It returns how many possible duplicates the
// user confirmed.
func checkCreate(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input) (checked, int, error) {
	c, err := check(ctx, q, actor, in, nil)
	if err != nil {
		return c, 0, err
	}
	in = c.in
	found, err := lookupPerson(ctx, q, keys, actor, in.IDNumber, in.Name, in.BirthDate, "")
	if err != nil {
		return c, 0, err
	}
	if m := found.SameID; m != nil {
		orgName := ""
		if found.SameIDSeen {
			orgName = m.OrgName
		}
		return c, 0, duplicateIDError(orgName)
	}
	if len(found.Possible) > 0 && !in.ConfirmDuplicate {
		msg := "可能与已登记的服务对象重复：" + sameNameBirthReason + "。请打开已有记录核对；确认不是同一人后勾选“确认不是同一人”再保存"
		return c, 0, &apperr.Error{Kind: apperr.Conflict, Message: msg, Fields: map[string]string{"confirm_duplicate": "请核对可能重复的记录后确认"}}
	}
	return c, len(found.Possible), nil
}

// ValidateCreate runs the checks of Create without writing anything
// (a dry run, e.g. for checking an import file), and returns the input
// as Create would store it: trimmed, sex and birth date taken from the
// ID number, categories in the county's order.
func ValidateCreate(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input) (Input, error) {
	c, _, err := checkCreate(ctx, q, keys, actor, in)
	return c.in, err
}

// Create registers a recipient. It runs on q — pass a transaction: the
// record, its category links and the audit entry are written together.
// actor nil means the system (demo data, imports run by the system).
func Create(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input) (Recipient, error) {
	r, _, err := Record(ctx, q, keys, actor, in)
	return r, err
}

// createHash is a keyed fingerprint of what a create was sent (all but
// the id and the duplicate confirmation), so a resend can be told from
// another record reusing the id without storing personal data in clear.
func createHash(keys *secure.Keyring, in Input) string {
	in.ID, in.ConfirmDuplicate, in.Clear = "", false, nil
	return keys.BlindIndex("recipient-create", ids.Fingerprint(in))
}

// Record is Create that tells a resend: with a client id (in.ID) that a
// create with the same content already used, it returns that record
// (replayed = true) and writes nothing; the same id with other content
// is a Conflict (apperr.Conflict, field "id").
func Record(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input) (r Recipient, replayed bool, err error) {
	in.ID = strings.TrimSpace(in.ID)
	hash := createHash(keys, in)
	if in.ID != "" {
		var saved string
		err := q.QueryRow(ctx, `SELECT content_hash FROM recipients WHERE id = ?`, in.ID).Scan(&saved)
		switch {
		case err == nil && saved != "" && saved == hash:
			if actor == nil {
				r, err = GetUnchecked(ctx, q, in.ID)
			} else {
				r, err = Get(ctx, q, actor, in.ID)
			}
			return r, err == nil, err
		case err == nil:
			return Recipient{}, false, &apperr.Error{Kind: apperr.Conflict, Message: "记录编号 " + in.ID + " 已用于另一条内容不同的服务对象记录",
				Fields: map[string]string{"id": "记录编号已存在"}}
		case !errors.Is(err, sql.ErrNoRows):
			return Recipient{}, false, err
		}
	}
	r, err = create(ctx, q, keys, actor, in, hash)
	return r, false, err
}

func create(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, in Input, hash string) (Recipient, error) {
	c, confirmed, err := checkCreate(ctx, q, keys, actor, in)
	if err != nil {
		return Recipient{}, err
	}
	wn, err := workerName(ctx, q, c.in.WorkerID)
	if err != nil {
		return Recipient{}, err
	}
	summary := "登记服务对象：" + c.in.Name
	if confirmed > 0 {
		// The user ticked 确认不是同一人 having seen them.
		summary += "（已确认不是可能重复的 " + itoa(confirmed) + " 条记录中的人）"
	}
	id, err := insert(ctx, q, keys, actor, c, wn, summary, hash)
	if err != nil {
		return Recipient{}, err
	}
	return GetUnchecked(ctx, q, id)
}

// insert writes a checked recipient, its category links and the audit
// entry (summary), and returns the new id. hash is the create's content
// fingerprint (Record), "" for an import.
func insert(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, c checked, workerName, summary, hash string) (string, error) {
	in := c.in
	id, cols := newRecord(keys, actor, c, cst.NowStamp(), hash)
	insert, args := insertSQL("recipients", cols)
	_, err := q.Exec(ctx, insert, args...)
	if db.IsUniqueViolation(err) {
		var n int
		if q.QueryRow(ctx, `SELECT COUNT(*) FROM recipients WHERE id = ?`, id).Scan(&n) == nil && n > 0 {
			return "", &apperr.Error{Kind: apperr.Conflict, Message: "该记录编号已存在（可能已提交过）", Fields: map[string]string{"id": "记录编号已存在"}}
		}
		return "", duplicateIDError("")
	}
	if err != nil {
		return "", err
	}
	for _, cat := range in.Categories { // a new record: no links to replace
		if _, err := q.Exec(ctx, `INSERT INTO recipient_category_links (recipient_id, category) VALUES (?, ?)`, id, cat); err != nil {
			return "", err
		}
	}
	if err := writeStatusHistory(ctx, q, actor, id, "registered", in); err != nil {
		return "", err
	}
	return id, audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionCreate, Entity: "recipient", EntityID: id, OrgPath: c.unit.Path,
		Summary: summary, Changes: audit.Diff(nil, auditFields(in, c.unit.Name, workerName))})
}

// writeCategoryLinks replaces a recipient's category links. The database
// fills each link's mirror of the recipient's columns (migration 0006),
// so the recipient row must be written first.
func writeCategoryLinks(ctx context.Context, q db.Querier, id string, cats []string) error {
	if _, err := q.Exec(ctx, `DELETE FROM recipient_category_links WHERE recipient_id = ?`, id); err != nil {
		return err
	}
	for _, c := range cats {
		if _, err := q.Exec(ctx, `INSERT INTO recipient_category_links (recipient_id, category) VALUES (?, ?)`, id, c); err != nil {
			return err
		}
	}
	return nil
}

// InputOf turns a saved recipient back into an Input for editing; the
// sealed fields stay empty (an empty sealed field keeps its saved value).
func InputOf(r Recipient) Input {
	return Input{OrgID: r.OrgID, Name: r.Name, Sex: r.Sex, BirthDate: r.BirthDate, Ethnicity: r.Ethnicity, VillageCode: r.VillageCode,
		LivingSituation: r.LivingSituation, GuardianName: r.GuardianName, GuardianRelation: r.GuardianRelation,
		Categories: append([]string(nil), r.Categories...), DisabilityType: r.DisabilityType, DisabilityGrade: r.DisabilityGrade,
		IncomeSource: r.IncomeSource, WorkerID: r.WorkerID, Status: r.Status, StatusReason: r.StatusReason, StatusDate: r.StatusDate,
		ConsentBy: r.Consent.By, ConsentName: r.Consent.Name, ConsentOn: r.Consent.On, ConsentMethod: r.Consent.Method, ConsentPurpose: r.Consent.Purpose}
}

// Update saves an edit of the record the editor loaded at version. If
// anyone saved in between, it returns apperr.ErrStale and writes nothing.
func Update(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string, version int, in Input) (Recipient, error) {
	before, err := Get(ctx, q, actor, id)
	if err != nil {
		return Recipient{}, err
	}
	if version != before.Version {
		return Recipient{}, apperr.ErrStale()
	}
	saved, err := openSealed(ctx, q, keys, id)
	if err != nil {
		return Recipient{}, err
	}
	c, err := check(ctx, q, actor, in, &saved)
	if err != nil {
		return Recipient{}, err
	}
	in = c.in
	if in.IDNumber != "" && in.IDNumber != saved.IDNumber {
		var other, orgName string
		err := q.QueryRow(ctx, `SELECT r.id, o.name FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE `+idIndexCond+` AND r.id <> ?`,
			keys.BlindIndex("idcard", in.IDNumber), id).Scan(&other, &orgName)
		if err == nil {
			return Recipient{}, duplicateIDError(orgName)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return Recipient{}, err
		}
	}
	set, args := setSQL(recordColumns(keys, c, cst.NowStamp()))
	res, err := q.Exec(ctx, `UPDATE recipients SET `+set+`, version = version + 1 WHERE id = ? AND version = ?`, append(args, id, version)...)
	if db.IsUniqueViolation(err) {
		return Recipient{}, duplicateIDError("")
	}
	if err := db.Versioned(res, err); err != nil {
		return Recipient{}, err
	}
	if !slices.Equal(in.Categories, before.Categories) {
		if err := writeCategoryLinks(ctx, q, id, in.Categories); err != nil {
			return Recipient{}, err
		}
	}
	if in.Status != before.Status {
		if err := writeStatusHistory(ctx, q, actor, id, "status", in); err != nil {
			return Recipient{}, err
		}
	}
	after, err := GetUnchecked(ctx, q, id)
	if err != nil {
		return Recipient{}, err
	}
	old := InputOf(before)
	old.IDNumber, old.Phone, old.HukouAddress, old.CurrentAddress, old.GuardianPhone, old.HealthNotes =
		saved.IDNumber, saved.Phone, saved.HukouAddress, saved.CurrentAddress, saved.GuardianPhone, saved.HealthNotes
	changes := audit.Diff(auditFields(old, before.OrgName, before.WorkerName), auditFields(in, after.OrgName, after.WorkerName))
	if len(changes) > 0 {
		err = audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: id, OrgPath: after.OrgPath,
			Summary: "修改服务对象：" + after.Name, Changes: changes})
	}
	for _, hook := range updateHooks {
		if err != nil {
			break
		}
		err = hook(ctx, q, actor, before, after)
	}
	if err != nil {
		return Recipient{}, err
	}
	return after, nil
}

// UpdateHook is work another module does when a recipient is edited, in
// the edit's transaction (q): visits recomputes the visit plan when the
// categories or the station change. An error undoes the edit.
type UpdateHook func(ctx context.Context, q db.Querier, actor *authz.Actor, before, after Recipient) error

var updateHooks []UpdateHook

// OnUpdate registers a hook run after every successful Update. Call it
// from an init function.
func OnUpdate(h UpdateHook) { updateHooks = append(updateHooks, h) }

// Reveal opens full personal values of a recipient for an actor allowed
// to see them, and records the view in the audit log on q (pass a
// transaction). fields are JSON names from SealedFields; empty means all.
func Reveal(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, id string, fields []string) (map[string]string, error) {
	if err := actor.Require(authz.PermRecipientsReveal); err != nil {
		return nil, err
	}
	r, err := Get(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		fields = SealedFields
	}
	p, err := openSealed(ctx, q, keys, id)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var labels []string
	for _, f := range fields {
		if _, ok := sealedColumn[f]; !ok {
			return nil, &apperr.Error{Kind: apperr.BadRequest, Message: "不能查看的字段：" + f, Fields: map[string]string{"fields": "可选：" + strings.Join(SealedFields, ", ")}}
		}
		if err := requireAccess(actor, f, AccessRevealable); err != nil {
			return nil, err
		}
		if _, dup := out[f]; dup {
			continue
		}
		out[f] = p.get(f)
		labels = append(labels, FieldLabels[f])
	}
	err = audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionReveal, Entity: "recipient", EntityID: id, OrgPath: r.OrgPath,
		Summary: "查看服务对象完整信息：" + r.Name + "（" + strings.Join(labels, "、") + "）"})
	return out, err
}

func itoa(n int) string { return strconv.Itoa(n) }
