package demo

import (
	"context"
	"fmt"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/referrals"
)

// The demo county's casework, in 朝歌街道 and 灵山街道: the county supervisor (dudao) assigned to both stations, and cases at
// every stage — some awaiting approval, some with tasks overdue —
// dated relative to today. Loaded once: if the county has cases,
// nothing is added. (Loaders run in file order: this file comes after
// recipients.go, whose people the cases are for.)

func init() { Register(loadCasework) }

func loadCasework(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo casework: %w", err)
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases c JOIN org_units o ON o.id = c.org_id WHERE o.path LIKE ?`, county.Path+"%").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	actors := map[string]*authz.Actor{}
	for _, u := range []string{"admin", "zhanzhang", "shegong", "dudao", "zhanzhang2", "shegong2"} {
		if actors[u], err = demoActor(ctx, a, u); err != nil {
			return err
		}
	}
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, code := range []string{"410622001", "410622004"} {
			st, err := Unit(ctx, tx, code, org.KindStation)
			if err != nil {
				return err
			}
			if err := casework.AssignSupervisor(ctx, tx, actors["admin"], actors["dudao"].UserID, st.ID, false); err != nil {
				return err
			}
		}
		d := &caseDemo{ctx: ctx, tx: tx, a: a, today: cst.Today()}
		// 朝歌: one case at every stage.
		if err := d.run(actors["shegong"], actors["zhanzhang"], "410622001", []string{"intake", "assessment_overdue", "plan_pending", "intervention",
			"closure_pending", "closed", "followup", "declined", "referred"}); err != nil {
			return err
		}
		// 灵山: a returned plan, an intervention past its evaluation date, a new intake.
		if err := d.run(actors["shegong2"], actors["zhanzhang2"], "410622004", []string{"plan_returned", "evaluation_overdue", "intake"}); err != nil {
			return err
		}
		return d.referrals(actors["admin"], actors["shegong"])
	})
}

// referrals: the county's directory and a referral in every state,
// from the 朝歌 cases in intervention or later.
func (d *caseDemo) referrals(admin, worker *authz.Actor) error {
	ctx, tx := d.ctx, d.tx
	var agencies []referrals.Agency
	for _, a := range []referrals.AgencyInput{
		{Name: "淇县残疾人联合会", Kind: "disability", Contact: "康复部", Phone: "0392-7221001", Services: "残疾人康复训练、辅具适配、残疾证办理"},
		{Name: "淇县人民医院", Kind: "hospital", Contact: "医务科", Phone: "0392-7222120", Services: "慢病管理、精神心理门诊、家庭医生签约"},
		{Name: "淇县妇女联合会", Kind: "women", Contact: "权益部", Phone: "0392-7223002", Services: "妇女儿童权益维护、家庭纠纷调解"},
		{Name: "淇县慈善总会", Kind: "charity", Contact: "救助部", Phone: "0392-7224003", Services: "临时救助、助学、冬季物资"},
		{Name: "朝歌街道司法所", Kind: "justice", Contact: "所长", Phone: "0392-7225004", Services: "法律援助、人民调解"},
	} {
		ag, _, err := referrals.SaveAgency(ctx, tx, admin, 0, a)
		if err != nil {
			return err
		}
		agencies = append(agencies, ag)
	}
	cases, _, err := casework.List(ctx, tx, worker, casework.Filter{WorkerID: worker.UserID, Limit: 50})
	if err != nil {
		return err
	}
	var from []casework.Case
	for _, c := range cases {
		if c.Stage == casework.StageIntervention || c.Stage == casework.StageEvaluation || c.Stage == casework.StageClosed || c.Stage == casework.StageFollowUp {
			from = append(from, c)
		}
	}
	if len(from) == 0 {
		return fmt.Errorf("demo referrals: no case to refer from")
	}
	states := []string{referrals.StatusSent, referrals.StatusReceived, referrals.StatusRejected, referrals.StatusCompleted, referrals.StatusWithdrawn}
	for i, status := range states {
		c := from[i%len(from)]
		f, err := casework.Open(ctx, tx, d.a.Keys, worker, c.ID)
		if err != nil {
			return err
		}
		in := referrals.Input{CaseID: c.ID, AgencyID: agencies[i].ID, Reason: "需要专业机构的服务：" + agencies[i].Services, Urgency: []string{"normal", "urgent", "normal", "normal", "emergency"}[i],
			ConsentBy: "本人", ConsentOn: d.day(20), SentOn: d.day(20 - i), Documents: "转介单\n个案预估表"}
		if f.Plan != nil && len(f.Plan.Goals) > 0 {
			in.GoalID = f.Plan.Goals[0].ID
		}
		if i == 4 {
			in.ConsentBy, in.ConsentOn, in.ConsentOverride = "", "", "服务对象突发疾病无法表达，家属在外地，先行转介"
		}
		r, _, err := referrals.Send(ctx, tx, d.a.Keys, worker, in)
		if err != nil {
			return fmt.Errorf("demo referral: %w", err)
		}
		move := func(a referrals.Answer) error {
			a.Version, a.On = r.Version, d.day(10-i)
			r, err = referrals.Move(ctx, tx, d.a.Keys, worker, r.ID, a)
			return err
		}
		switch status {
		case referrals.StatusReceived:
			err = move(referrals.Answer{Status: referrals.StatusReceived})
		case referrals.StatusRejected:
			err = move(referrals.Answer{Status: referrals.StatusRejected, Reason: "不符合救助条件，建议申请临时救助"})
		case referrals.StatusCompleted:
			if err = move(referrals.Answer{Status: referrals.StatusReceived}); err == nil {
				err = move(referrals.Answer{Status: referrals.StatusCompleted, Result: "已完成法律援助申请，纠纷调解成功", GoalMet: true})
			}
		case referrals.StatusWithdrawn:
			err = move(referrals.Answer{Status: referrals.StatusWithdrawn, Reason: "家属已自行联系医院"})
		}
		if err != nil {
			return fmt.Errorf("demo referral %s: %w", status, err)
		}
	}
	return nil
}

type caseDemo struct {
	ctx   context.Context
	tx    *db.Tx
	a     *app.App
	today string
}

func (d *caseDemo) day(ago int) string { return addDemoDays(d.today, -ago) }

func addDemoDays(day string, n int) string {
	t, err := cst.ParseDate(day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(cst.DateLayout)
}

var demoIntakes = []string{
	"独居老人，近期情绪低落，拒绝外出，邻居反映多日未见其下楼。",
	"留守儿童家庭，祖母照料吃力，孩子学习困难、沉迷手机。",
	"低保户，丈夫病逝后独自抚养两个孩子，经济与心理压力大。",
	"残疾人，康复中断，家属希望链接康复资源和辅具。",
}

func (d *caseDemo) run(worker, head *authz.Actor, station string, plans []string) error {
	ctx, tx := d.ctx, d.tx
	st, err := Unit(ctx, tx, station, org.KindStation)
	if err != nil {
		return err
	}
	people, _, _, err := recipients.List(ctx, tx, d.a.Keys, worker, recipients.Filter{Status: recipients.StatusActive, OrgID: st.ID, Sort: "created", Limit: 60})
	if err != nil {
		return err
	}
	var adults []recipients.Recipient
	for _, p := range people {
		if p.BirthDate != "" && !recipients.IsChild(p.BirthDate) {
			adults = append(adults, p)
		}
	}
	if len(adults) < len(plans) {
		return fmt.Errorf("demo casework: %d adults in %s, need %d", len(adults), station, len(plans))
	}
	settings := casework.DefaultSettings()
	scores := func(v int) map[string]map[string]int {
		out := map[string]map[string]int{}
		for _, dm := range settings.Domains {
			out[dm.Key] = map[string]int{}
			for i, item := range dm.Items {
				out[dm.Key][item] = min(5, v+i%2)
			}
		}
		return out
	}
	for i, plan := range plans {
		p := adults[i]
		opened := map[string]int{"intake": 1, "assessment_overdue": 20, "plan_pending": 12, "intervention": 40, "closure_pending": 80,
			"closed": 150, "followup": 100, "declined": 5, "referred": 8, "plan_returned": 10, "evaluation_overdue": 120}[plan]
		c, _, err := casework.OpenCase(ctx, tx, d.a.Keys, worker, casework.IntakeInput{RecipientID: p.ID, Source: []string{"self", "outreach", "referral", "self"}[i%4],
			SourceReferrer: "村委会", OpenedOn: d.day(opened), Intake: demoIntakes[i%len(demoIntakes)], Risk: map[bool]string{true: "high"}[i%3 == 1]})
		if err != nil {
			return fmt.Errorf("demo case %s: %w", plan, err)
		}
		switch plan {
		case "intake":
			continue
		case "declined":
			_, err = casework.Decide(ctx, tx, worker, c.ID, c.Version, casework.DecisionInput{Decision: "decline", Reason: "需求不属于本站服务范围", Referral: "县残联"})
			if err != nil {
				return err
			}
			continue
		case "referred":
			_, err = casework.Decide(ctx, tx, worker, c.ID, c.Version, casework.DecisionInput{Decision: "refer", Referral: "县精神卫生中心"})
			if err != nil {
				return err
			}
			continue
		}
		if c, err = casework.Decide(ctx, tx, worker, c.ID, c.Version, casework.DecisionInput{Decision: "accept", AgreementOn: d.day(opened), DecidedOn: d.day(opened)}); err != nil {
			return err
		}
		if plan == "assessment_overdue" {
			continue
		}
		if _, _, err := casework.AddAssessment(ctx, tx, d.a.Keys, worker, c.ID, casework.AssessmentInput{AssessedOn: d.day(opened - 3), History: "务农多年，子女外出。",
			Problems: "情绪低落，社会交往少，照料不足。", Strengths: "邻里关系好，本人愿意改变。", Scores: scores(2),
			Family: []casework.FamilyMember{{Relation: "子女", Age: 42, Situation: "外出务工"}}}); err != nil {
			return err
		}
		goals := casework.PlanInput{Strategy: "增能视角：陪伴、链接资源、重建支持网络", Roles: "社工：面谈与链接；村委会：日常照看；家属：每周电话",
			Steps: "第1–2周建立关系；第3–8周链接资源、组织邻里互助；第9周评估",
			Goals: []casework.Goal{{Domain: "self", Text: "情绪稳定，能主动表达需求", Measures: "每周面谈一次", DueOn: d.day(opened - 60)},
				{Domain: "social", Text: "每月参加一次社区活动", Measures: "邀请参加重阳节活动", DueOn: d.day(opened - 70)}}}
		if _, err := casework.SavePlan(ctx, tx, d.a.Keys, worker, c.ID, 0, goals); err != nil {
			return err
		}
		req, err := casework.SubmitPlan(ctx, tx, worker, c.ID)
		if err != nil {
			return err
		}
		switch plan {
		case "plan_pending":
			continue
		case "plan_returned":
			_, err = casework.Answer(ctx, tx, head, req.ID, false, "目标请写得可测量，如“每周外出两次”")
			if err != nil {
				return err
			}
			continue
		}
		if _, err := casework.Answer(ctx, tx, head, req.ID, true, ""); err != nil {
			return err
		}
		for k, ago := range []int{opened - 8, opened - 20, opened - 35} {
			if ago < 1 {
				break
			}
			if _, _, err := casework.AddLog(ctx, tx, d.a.Keys, worker, c.ID, casework.LogInput{LoggedAt: d.day(ago) + " 10:00",
				Kind: []string{"home", "phone", "resource"}[k], Minutes: []int{60, 20, 90}[k], Content: []string{"家访面谈，倾听近况，情绪疏导。",
					"电话跟进，确认已按时服药。", "链接助餐服务，每日午餐送餐上门。"}[k], NextStep: "下周继续家访"}); err != nil {
				return err
			}
		}
		if plan == "intervention" || plan == "evaluation_overdue" {
			continue
		}
		if _, _, err := casework.AddAssessment(ctx, tx, d.a.Keys, worker, c.ID, casework.AssessmentInput{AssessedOn: d.day(opened - 50), Problems: "情绪明显好转。", Scores: scores(3)}); err != nil {
			return err
		}
		f, err := casework.Open(ctx, tx, d.a.Keys, worker, c.ID)
		if err != nil {
			return err
		}
		att := map[string]int{}
		for gi, g := range f.Plan.Goals {
			att[g.ID] = 5 - gi
		}
		if _, _, err := casework.AddEvaluation(ctx, tx, d.a.Keys, worker, c.ID, casework.EvaluationInput{EvaluatedOn: d.day(max(opened-60, 0)), Summary: "目标基本达成，服务对象情绪稳定，已融入邻里互助小组。", Attainment: att}); err != nil {
			return err
		}
		var follow []string
		if plan == "followup" {
			follow = []string{addDemoDays(d.today, 20)}
		}
		req, err = casework.RequestClosure(ctx, tx, d.a.Keys, worker, c.ID, casework.ClosureInput{Reason: "goals_met", Summary: "服务目标达成，结案；一个月后电话回访。", FollowUps: follow})
		if err != nil {
			return err
		}
		if plan == "closure_pending" {
			continue
		}
		if _, err := casework.Answer(ctx, tx, head, req.ID, true, ""); err != nil {
			return err
		}
	}
	return nil
}
