package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/visits"
)

// The demo county's visits: the default visit rules saved for 淇县, one
// 探访排查 campaign in 朝歌街道, and a few months of visits to the demo
// recipients, timed relative to today so that the lists always show some
// people overdue, some due this week and some not yet due. Loaded once:
// if the demo county already has visits, nothing is added.

func init() { Register(loadVisits) }

// demoVisitPlan says, per person (by position in the list of active
// demo recipients, cycling), how many days ago the visits were and the
// tier assessed at the latest.
var demoVisitPlans = []struct {
	daysAgo []int
	tier    visits.Tier
	scores  [4]int
}{
	{[]int{10, 17, 24}, visits.TierHigh, [4]int{3, 5, 3, 3}},  // weekly: overdue
	{[]int{20, 50}, visits.TierFocus, [4]int{3, 2, 3, 2}},     // monthly: due in about ten days
	{[]int{100, 165}, visits.TierGeneral, [4]int{2, 1, 2, 1}}, // quarterly: overdue
	{[]int{4}, visits.TierHigh, [4]int{4, 4, 3, 4}},           // weekly: due this week
	{[]int{29, 60, 90}, visits.TierFocus, [4]int{3, 3, 2, 2}}, // monthly: due now or overdue
	{[]int{35, 130}, visits.TierGeneral, [4]int{1, 1, 2, 2}},  // quarterly: not yet due
	{nil, "", [4]int{}}, // never visited
}

var demoFindings = []string{
	"老人独居，精神状态尚可，家中整洁；冬季取暖用电需注意安全。",
	"腿脚不便，上下楼困难，已联系村医每周上门量血压。",
	"子女在外务工，每周电话联系；孩子学习正常，祖父母照料较好。",
	"低保金按时发放，近期无新增困难；建议关注慢性病用药。",
	"电话回访，本人表示身体平稳，需求已转告村委会。",
}

func demoActor(ctx context.Context, a *app.App, username string) (*authz.Actor, error) {
	u, err := a.Auth.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	unit, err := org.Get(ctx, a.DB, u.OrgID)
	if err != nil {
		return nil, err
	}
	return &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: unit.ID, OrgPath: unit.Path, OrgName: unit.Name}, nil
}

func loadVisits(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo visits: %w", err)
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM visits v JOIN org_units o ON o.id = v.org_id WHERE o.path LIKE ?`, county.Path+"%").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	admin, err := demoActor(ctx, a, "admin")
	if err != nil {
		return err
	}
	worker, err := demoActor(ctx, a, "shegong")
	if err != nil {
		return err
	}
	head, err := demoActor(ctx, a, "zhanzhang")
	if err != nil {
		return err
	}
	now := cst.Now()
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		// The default rules, saved so the settings page shows the county's own.
		var rules int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM visit_rules WHERE org_id = ?`, county.ID).Scan(&rules); err != nil {
			return err
		}
		if rules == 0 {
			if _, err := visits.SaveRules(ctx, tx, admin, visits.DefaultRules()); err != nil {
				return fmt.Errorf("demo visit rules: %w", err)
			}
		}
		campaign, err := visits.CreateCampaign(ctx, tx, head, visits.CampaignInput{OrgID: worker.OrgID, Name: "冬季独居老人与留守儿童探访排查",
			StartsOn: now.AddDate(0, 0, -21).Format(cst.DateLayout), EndsOn: now.AddDate(0, 0, 21).Format(cst.DateLayout),
			Villages: []string{"410622001200", "410622001201", "410622001202", "410622001203"},
			Notes:    "入冬前对辖区独居、空巢老人和留守儿童逐户探访，排查取暖、用电和照料风险。"})
		if err != nil {
			return fmt.Errorf("demo campaign: %w", err)
		}
		var people []recipients.Recipient
		for {
			page, _, _, err := recipients.List(ctx, tx, a.Keys, admin, recipients.Filter{Status: recipients.StatusActive, Sort: "created", Offset: len(people), Limit: 100})
			if err != nil {
				return err
			}
			people = append(people, page...)
			if len(page) < 100 {
				break
			}
		}
		// Each person is visited by their own worker, else by their
		// station's head.
		actors := map[string]*authz.Actor{}
		actorOf := func(userID string) (*authz.Actor, error) {
			if act, ok := actors[userID]; ok {
				return act, nil
			}
			u, err := a.Auth.UserByID(ctx, userID)
			if err != nil {
				return nil, err
			}
			unit, err := org.Get(ctx, tx, u.OrgID)
			if err != nil {
				return nil, err
			}
			act := &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: unit.ID, OrgPath: unit.Path, OrgName: unit.Name}
			actors[userID] = act
			return act, nil
		}
		heads := map[string]string{} // station path → head's user id
		for si, st := range Stations {
			u, err := a.Auth.UserByUsername(ctx, StaffUsername(si, 0))
			if err != nil {
				continue
			}
			if unit, err := Unit(ctx, tx, st.Code, org.KindStation); err == nil {
				heads[unit.Path] = u.ID
			}
		}
		for i, p := range people {
			plan := demoVisitPlans[i%len(demoVisitPlans)]
			actor := admin
			by := p.WorkerID
			if by == "" {
				for path, id := range heads {
					if strings.HasPrefix(p.OrgPath, path) {
						by = id
					}
				}
			}
			if by != "" {
				if actor, err = actorOf(by); err != nil {
					return err
				}
			}
			// Oldest first, so each visit builds on the last.
			for k := len(plan.daysAgo) - 1; k >= 0; k-- {
				at := time.Date(now.Year(), now.Month(), now.Day()-plan.daysAgo[k], 9+k, 30, 0, 0, cst.Loc)
				in := visits.Input{RecipientID: p.ID, VisitedAt: at.Format("2006-01-02 15:04"), Method: visits.MethodHome,
					Findings: demoFindings[(i+k)%len(demoFindings)], FollowUp: visits.FollowNone}
				if k > 0 && k%2 == 1 {
					in.Method = visits.MethodPhone
				}
				if k == 0 && plan.tier != "" {
					s := plan.scores
					in.Assessment = visits.Assessment{Living: visits.Score{Score: s[0]}, Safety: visits.Score{Score: s[1]},
						Family: visits.Score{Score: s[2]}, Care: visits.Score{Score: s[3]}}
					in.RiskTier = plan.tier
					if plan.tier == visits.TierHigh {
						in.FollowUp, in.Needs = visits.FollowService, "需要每周上门，协调助餐服务"
					}
				}
				if plan.daysAgo[k] <= 21 && worker.Covers(p.OrgPath) {
					in.CampaignID = campaign.ID
				}
				if _, _, err := visits.Record(ctx, tx, a.Keys, actor, in); err != nil {
					return fmt.Errorf("demo visit for %s: %w", p.Name, err)
				}
			}
		}
		return nil
	})
}
