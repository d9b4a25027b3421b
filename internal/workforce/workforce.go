// Package workforce keeps the county's social work workforce: social
// workers (社工) with their qualification records, volunteers (志愿者) with
// their service hours, training sessions, honours and talent programmes
// with their allowance schedules, the workforce statistics computed from
// those dated records, and the Excel roster (花名册) import.
//
// Personal data (ID numbers, phones) is sealed at rest, found through a
// blind index, and shown masked; only roles holding workforce.reveal see a
// full value, and every such view is audit-logged.
//
// Calls follow the house convention: reads take a db.Querier, writes a
// *db.Tx their caller opened (none of them opens a transaction), and
// every call takes the acting user; a nil actor is refused, and work the
// system does for itself passes authz.System(). Calls that seal, open or
// index personal data take the *secure.Keyring too.
package workforce

import (
	"context"
	"embed"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the workforce schema; it refers to org_units and users.
var Module = db.MustLoadModule("workforce", migrations, "migrations")

func init() {
	secure.RegisterColumn("wf_workers", "id", "idcard_enc")
	secure.RegisterColumn("wf_workers", "id", "phone_enc")
	secure.RegisterColumn("wf_volunteers", "id", "phone_enc")
	// Staged roster uploads and their rejected rows hold ID numbers too.
	roster.Batches{Table: batchTable}.RegisterSealed()
}

// Rules a county may set differently; these are the national defaults.
var (
	// SeniorExamValidYears is how long a 高级社会工作师 exam pass stays
	// valid while the review is pending.
	SeniorExamValidYears = 3
	// MinCertificateAge is the youngest age at which a qualification can
	// have been obtained.
	MinCertificateAge = 18
	// MaxImportBytes is the largest roster file accepted.
	MaxImportBytes int64 = 20 << 20
	// MaxImportRows is the most data rows one roster may hold.
	MaxImportRows = 50000
)

// Option is a code with its Chinese label, for selects and validation.
type Option struct{ Code, Label string }

func labelOf(opts []Option, code string) string {
	for _, o := range opts {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

// codeOf accepts a code or its Chinese label (roster cells hold labels).
func codeOf(opts []Option, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, o := range opts {
		if s == o.Code || s == o.Label {
			return o.Code, true
		}
	}
	return "", false
}

// Qualification levels, lowest first.
const (
	LevelJunior       = "junior"
	LevelIntermediate = "intermediate"
	LevelSenior       = "senior"
)

// Levels lists the national qualification levels.
var Levels = []Option{{LevelJunior, "助理社会工作师"}, {LevelIntermediate, "社会工作师"}, {LevelSenior, "高级社会工作师"}}

var levelRank = map[string]int{LevelJunior: 1, LevelIntermediate: 2, LevelSenior: 3}

// LevelLabel is a level's Chinese name ("" for none).
func LevelLabel(code string) string {
	if code == "" {
		return ""
	}
	return labelOf(Levels, code)
}

// Qualification stages: a certificate, or (高级 only) an exam pass.
const (
	StageCertificate = "certificate"
	StageExam        = "exam"
)

// Educations are the usual schooling levels of a roster.
var Educations = []Option{{"doctor", "博士研究生"}, {"master", "硕士研究生"}, {"bachelor", "大学本科"}, {"college", "大专"},
	{"secondary", "中专/高中"}, {"junior", "初中及以下"}}

// Posts are the usual posts of station staff.
var Posts = []Option{{"resident", "驻站社工"}, {"head", "站长"}, {"supervisor", "督导"}, {"room", "驻村（社区）社工"}, {"admin", "行政人员"}, {"other", "其他"}}

// Worker and volunteer statuses.
var (
	WorkerStatuses    = []Option{{"active", "在岗"}, {"left", "离职"}}
	VolunteerStatuses = []Option{{"active", "活跃"}, {"inactive", "停止服务"}}
)

// TrainingKinds are the forms of training the issue names.
var TrainingKinds = []Option{{"online", "线上"}, {"short", "短期"}, {"peer", "共学"}, {"case", "案例分享"}, {"supervisor", "督导人才培养"}}

// ProgrammeKinds: an honour (社工之星) or a talent list.
var ProgrammeKinds = []Option{{"honour", "荣誉评选"}, {"talent", "人才计划"}}

// NomineeStatuses of a nominee in a round.
var NomineeStatuses = []Option{{"nominated", "已提名"}, {"selected", "入选"}, {"not_selected", "未入选"}}

// Frequencies of allowance payments.
var Frequencies = []Option{{"year", "按年"}, {"quarter", "按季度"}, {"month", "按月"}}

// checkUnit validates an org_id field: the node exists, lies in scope, is
// active and is a station or room (people belong to a place of work) —
// or, when allowAbove, also a county or higher node.
func checkUnit(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields, field, id string, allowAbove bool) org.Unit {
	if id == "" {
		if allowAbove {
			fe.Add(field, "请选择机构")
		} else {
			fe.Add(field, "请选择所属站点")
		}
		return org.Unit{}
	}
	u, err := org.Get(ctx, q, id)
	switch {
	case err != nil:
		fe.Add(field, "所选机构不存在")
	case !actor.Covers(u.Path):
		fe.Add(field, "只能选择您负责范围内的机构")
	case !u.Active:
		fe.Add(field, "该机构已停用")
	case !allowAbove && u.Kind != org.KindStation && u.Kind != org.KindRoom:
		fe.Add(field, "请选择社工站或社工室")
	}
	return u
}

// trainingReach is the node whose people a training takes in: the
// county of the training's unit (org.CountyOf), or the unit itself when
// it lies above any county (a city's training is open to the whole city).
func trainingReach(ctx context.Context, q db.Querier, u org.Unit) (org.Unit, error) {
	county, err := org.CountyOf(ctx, q, u.Path)
	if err != nil || county.ID != "" {
		return county, err
	}
	return u, nil
}

// Dates.

// normDate accepts 2024-3-5, 2024/03/05, 2024.3.5 and 20240305 (as typed
// in rosters) and returns YYYY-MM-DD, or the input unchanged when it is
// not a date, so the validator reports it.
func normDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	r := strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "")
	parts := strings.Split(r.Replace(s), "-")
	if len(parts) != 3 {
		return s
	}
	y, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	d, e3 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || e3 != nil {
		return s
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return s
	}
	return t.Format(cst.DateLayout)
}

// ageOn is a person's age in whole years on a date (both YYYY-MM-DD).
func ageOn(birth, on string) int {
	if len(birth) < 10 || len(on) < 10 {
		return 0
	}
	by, _ := strconv.Atoi(birth[:4])
	oy, _ := strconv.Atoi(on[:4])
	age := oy - by
	if on[5:] < birth[5:] {
		age--
	}
	return age
}

// addYears adds n years to a YYYY-MM-DD date (29 Feb → 28 Feb).
func addYears(date string, n int) string {
	t, err := cst.ParseDate(date)
	if err != nil {
		return date
	}
	out := t.AddDate(n, 0, 0)
	if out.Day() != t.Day() { // 29 Feb rolled into March
		out = out.AddDate(0, 0, -out.Day())
	}
	return out.Format(cst.DateLayout)
}

// Hours are kept in minutes.

// ParseHours reads "2", "1.5" or "0.25" hours as minutes. ok is false for
// text that is not a number.
func ParseHours(s string) (minutes int, ok bool) {
	s = strings.TrimSpace(s)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" {
		return 0, false
	}
	// Round to the minute: hours are typed with at most two decimals.
	if f < 0 {
		return -int(-f*60 + 0.5), true
	}
	return int(f*60 + 0.5), true
}

// FormatHours shows minutes as hours: 90 → "1.5".
func FormatHours(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64)
}

// checkHours validates an hours field: a number, positive, at most max.
func checkHours(fe apperr.Fields, field, value string, maxMinutes int) int {
	m, ok := ParseHours(value)
	switch {
	case strings.TrimSpace(value) == "":
		fe.Add(field, "请填写时长（小时）")
	case !ok:
		fe.Add(field, "时长应为数字（小时），如 2 或 1.5")
	case m < 0:
		fe.Add(field, "时长不能为负数")
	case m == 0:
		fe.Add(field, "时长应大于 0")
	case m > maxMinutes:
		fe.Add(field, "时长不能超过 "+FormatHours(maxMinutes)+" 小时")
	}
	return m
}

// Money is kept in 分 (fen).

// ParseYuan reads an amount in 元 with at most two decimals ("3000",
// "3,000.50") as 分, without floating point.
func ParseYuan(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.ReplaceAll(s, "，", "")
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(whole) > 12 {
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// FormatYuan shows 分 as 元 with two decimals and thousands separators.
func FormatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	w := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, c := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + "." + strconv.FormatInt(100+fen%100, 10)[1:]
	if neg {
		return "-" + out
	}
	return out
}
