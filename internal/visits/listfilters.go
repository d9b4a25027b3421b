package visits

import (
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/recipients"
)

// The recipients list (page, API, export) filters by risk tier and by
// due window; the conditions are this module's own (WindowCond).
func init() {
	recipients.RegisterListColumn(recipients.ListColumn{Name: "risk_tier", Label: "风险等级", Expr: "r.risk_tier",
		Show: func(v string) string { return Tier(v).Label() }})
	recipients.RegisterListColumn(recipients.ListColumn{Name: "next_visit_due", Label: "下次探访", Expr: "r.next_visit_due"})
	tiers := []recipients.ListOption{}
	for _, t := range Tiers {
		tiers = append(tiers, recipients.ListOption{Code: string(t), Label: t.Label()})
	}
	tiers = append(tiers, recipients.ListOption{Code: "none", Label: "未评定"})
	recipients.RegisterListFilter(recipients.ListFilter{Name: "tier", Label: "风险等级", Options: tiers,
		Where: func(v string) (string, []any, bool) {
			switch {
			case v == "none":
				return "r.risk_tier = ''", nil, true
			case Tier(v).Valid():
				return "r.risk_tier = ?", []any{v}, true
			}
			return "", nil, false
		}})
	recipients.RegisterListFilter(recipients.ListFilter{Name: "visit", Label: "探访",
		Options: []recipients.ListOption{{Code: string(WindowOverdue), Label: "已逾期"}, {Code: string(WindowWeek), Label: "本周到期"}, {Code: string(WindowNever), Label: "从未探访"}},
		Where: func(v string) (string, []any, bool) {
			w := Window(v)
			if w != WindowOverdue && w != WindowWeek && w != WindowNever {
				return "", nil, false
			}
			now := cst.Now()
			cond, args := WindowCond(w, "r", now.Format(cst.DateLayout), WeekEnd(now).Format(cst.DateLayout))
			return cond, args, true
		}})
}
