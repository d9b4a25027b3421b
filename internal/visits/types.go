package visits

import "strings"

// Method is how a visit was made.
type Method string

const (
	MethodHome      Method = "home"      // 上门
	MethodPhone     Method = "phone"     // 电话
	MethodVideo     Method = "video"     // 视频
	MethodEntrusted Method = "entrusted" // 委托（村干部、网格员代为探访）
	MethodPaired    Method = "paired"    // 结对（结对帮扶人探访）
	MethodOther     Method = "other"     // 其他
)

// Methods lists the methods in display order.
var Methods = []Method{MethodHome, MethodPhone, MethodVideo, MethodEntrusted, MethodPaired, MethodOther}

var methodLabels = map[Method]string{MethodHome: "上门", MethodPhone: "电话", MethodVideo: "视频", MethodEntrusted: "委托",
	MethodPaired: "结对", MethodOther: "其他"}

// Label is the method's Chinese name.
func (m Method) Label() string { return methodLabels[m] }

// Valid reports whether m is a known method.
func (m Method) Valid() bool { _, ok := methodLabels[m]; return ok }

// FollowUp is what a visit leads to.
type FollowUp string

const (
	FollowNone     FollowUp = "none"     // 无需跟进
	FollowService  FollowUp = "service"  // 提供服务
	FollowReferral FollowUp = "referral" // 转介
	FollowCase     FollowUp = "case"     // 拟开个案
)

// FollowUps lists them in display order.
var FollowUps = []FollowUp{FollowNone, FollowService, FollowReferral, FollowCase}

var followLabels = map[FollowUp]string{FollowNone: "无需跟进", FollowService: "提供服务", FollowReferral: "转介", FollowCase: "拟开个案"}

// Label is the follow-up's Chinese name.
func (f FollowUp) Label() string { return followLabels[f] }

// Valid reports whether f is known.
func (f FollowUp) Valid() bool { _, ok := followLabels[f]; return ok }

// Dimension is one of the four assessment dimensions of domain.md §3.
type Dimension struct{ Key, Label string }

// Dimensions are 基本生活、安全风险、家庭赡养/抚养、关爱服务.
var Dimensions = []Dimension{{"living", "基本生活"}, {"safety", "安全风险"}, {"family", "家庭赡养/抚养"}, {"care", "关爱服务"}}

// ScoreLabels name the scores 1–5: how serious the problem is on that
// dimension (a higher score means more need).
var ScoreLabels = []string{"", "1 无问题", "2 轻微", "3 一般", "4 较重", "5 严重"}

// Score is one dimension's score (1–5, 0 = not scored) and note.
type Score struct {
	Score int    `json:"score"`
	Note  string `json:"note,omitempty"`
}

// Assessment is the structured assessment of a visit.
type Assessment struct {
	Living Score `json:"living"` // 基本生活
	Safety Score `json:"safety"` // 安全风险
	Family Score `json:"family"` // 家庭赡养/抚养
	Care   Score `json:"care"`   // 关爱服务
}

// ptr returns the score of a dimension by key.
func (a *Assessment) ptr(key string) *Score {
	switch key {
	case "living":
		return &a.Living
	case "safety":
		return &a.Safety
	case "family":
		return &a.Family
	case "care":
		return &a.Care
	}
	return nil
}

// Get returns a dimension's score by key.
func (a Assessment) Get(key string) Score {
	if p := a.ptr(key); p != nil {
		return *p
	}
	return Score{}
}

// scored counts the dimensions with a score.
func (a Assessment) scored() int {
	n := 0
	for _, d := range Dimensions {
		if a.Get(d.Key).Score > 0 {
			n++
		}
	}
	return n
}

// Complete reports whether every dimension is scored.
func (a Assessment) Complete() bool { return a.scored() == len(Dimensions) }

// Empty reports whether nothing was assessed.
func (a Assessment) Empty() bool {
	for _, d := range Dimensions {
		if s := a.Get(d.Key); s.Score != 0 || strings.TrimSpace(s.Note) != "" {
			return false
		}
	}
	return true
}

// SuggestTier is the tier an assessment points to: any dimension at 5,
// or safety at 4, is 高风险; any dimension at 3 or more is 重点; else 一般.
// The visitor may choose otherwise: the suggestion fills in a tier left
// empty.
func (a Assessment) SuggestTier() Tier {
	high, focus := false, false
	for _, d := range Dimensions {
		s := a.Get(d.Key).Score
		if s >= 5 || d.Key == "safety" && s >= 4 {
			high = true
		}
		if s >= 3 {
			focus = true
		}
	}
	switch {
	case high:
		return TierHigh
	case focus:
		return TierFocus
	}
	return TierGeneral
}

// Visitor is a person who made the visit: an account, or a name (a
// volunteer without an account, a village cadre).
type Visitor struct {
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name"`
}
