package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/groups"
	"github.com/shegong/shegong/internal/org"
)

// The demo county's community activities and groups (this file sorts
// after the recipients and workforce loaders whose people it uses): a
// county theme for each month of the last year and the next month, in
// every station three activities a month (one of them 政策宣讲) held
// with counted and named participants and volunteers, a few cancelled,
// the next month's planned; and three groups per station — one
// evaluated, one running, one recruiting. The 朝歌 volunteer account is
// linked to a volunteer of the station. Loaded once: if the county has
// activities, nothing is added.

func init() { Register(loadActivities) }

var demoThemes = []string{"新春送温暖", "元宵邻里情", "学雷锋志愿服务月", "清明文明祭扫", "关爱妇女健康", "儿童安全与防溺水",
	"暑期护苗行动", "防范电信诈骗", "敬老助老", "重阳敬老月", "消防安全宣传", "冬季送温暖"}

var demoActivityTitles = []struct {
	kind  activities.Kind
	title string
}{
	{activities.KindActivity, "邻里互助茶话会"}, {activities.KindPublicity, "社会救助政策宣讲"}, {activities.KindClinic, "健康义诊进村"},
	{activities.KindFestival, "节日联欢"}, {activities.KindTraining, "照护技能培训"}, {activities.KindActivity, "儿童四点半课堂"},
}

type demoStation struct {
	unit       org.Unit
	actor      *authz.Actor
	people     []string
	volunteers []string
	workers    []string
}

func loadActivities(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo activities: %w", err)
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM activities t JOIN org_units o ON o.id = t.org_id WHERE o.path LIKE ?`, county.Path+"%").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	admin, err := demoActor(ctx, a, "admin")
	if err != nil {
		return err
	}
	today := cst.Now()
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, cst.Loc)
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		// The volunteer account of 朝歌 is one of its volunteers.
		chaoge, err := Unit(ctx, tx, "410622001", org.KindStation)
		if err != nil {
			return err
		}
		if u, err := a.Auth.UserByUsername(ctx, "zhiyuan"); err == nil {
			if _, err := tx.Exec(ctx, `UPDATE wf_volunteers SET user_id = ? WHERE id = (SELECT MIN(id) FROM wf_volunteers WHERE org_id = ? AND user_id IS NULL)
				AND NOT EXISTS (SELECT 1 FROM wf_volunteers WHERE user_id = ?)`, u.ID, chaoge.ID, u.ID); err != nil {
				return err
			}
		}
		for m := -11; m <= 1; m++ {
			month := first.AddDate(0, m, 0)
			if err := activities.SetTheme(ctx, tx, admin, county.ID, month.Format("2006-01"), demoThemes[int(month.Month())-1], ""); err != nil {
				return err
			}
		}
		for si, st := range Stations {
			d, err := demoStationOf(ctx, tx, a, st.Code)
			if err != nil {
				return err
			}
			if si == 0 {
				if err := activities.SetTheme(ctx, tx, d.actor, d.unit.ID, first.Format("2006-01"), "朝歌邻里守望月", "本站自定主题"); err != nil {
					return err
				}
			}
			if err := d.activities(ctx, tx, a, first, si); err != nil {
				return fmt.Errorf("demo activities %s: %w", st.Name, err)
			}
			if err := d.groups(ctx, tx, a, today, si); err != nil {
				return fmt.Errorf("demo groups %s: %w", st.Name, err)
			}
		}
		return nil
	})
}

func demoStationOf(ctx context.Context, tx *db.Tx, a *app.App, code string) (*demoStation, error) {
	u, err := Unit(ctx, tx, code, org.KindStation)
	if err != nil {
		return nil, err
	}
	d := &demoStation{unit: u, actor: &authz.Actor{Username: "demo", DisplayName: u.Name + "社工", Role: authz.RoleWorker, OrgID: u.ID, OrgPath: u.Path, OrgName: u.Name}}
	ids := func(q string) ([]string, error) {
		rows, err := tx.Query(ctx, q, u.Path+"%")
		return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s string, err error) {
			err = r.Scan(&s)
			return s, err
		})
	}
	// Adults only: the named participants are shown to every role.
	adult := cst.Now().AddDate(-18, 0, 0).Format(cst.DateLayout)
	if d.people, err = ids(`SELECT r.id FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE o.path LIKE ? AND r.birth_date < '` + adult + `' ORDER BY r.id LIMIT 12`); err != nil {
		return nil, err
	}
	if d.volunteers, err = ids(`SELECT v.id FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id WHERE o.path LIKE ? AND v.status = 'active' ORDER BY v.id`); err != nil {
		return nil, err
	}
	if d.workers, err = ids(`SELECT w.id FROM wf_workers w JOIN org_units o ON o.id = w.org_id WHERE o.path LIKE ? AND w.status = 'active' ORDER BY w.id`); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *demoStation) activities(ctx context.Context, tx *db.Tx, a *app.App, first time.Time, si int) error {
	todayStr := cst.Today()
	k := si
	for m := -11; m <= 1; m++ {
		month := first.AddDate(0, m, 0)
		for w, day := range []int{6, 14, 22} {
			k++
			date := time.Date(month.Year(), month.Month(), day, 0, 0, 0, 0, cst.Loc).Format(cst.DateLayout)
			t := demoActivityTitles[(k+w)%len(demoActivityTitles)]
			if w == 1 {
				t = demoActivityTitles[1] // one 宣讲 a month
			}
			act, err := activities.Plan(ctx, tx, d.actor, activities.PlanInput{OrgID: d.unit.ID, Title: t.title, Kind: t.kind, Target: "辖区居民",
				PlannedOn: date, StartTime: "09:00", EndTime: "11:00", Place: d.unit.Name + "活动室"})
			if err != nil {
				return err
			}
			switch {
			case date >= todayStr:
				continue
			case k%9 == 0:
				if _, err := activities.Cancel(ctx, tx, d.actor, act.ID, act.Version, "天气原因，改期另行安排"); err != nil {
					return err
				}
				continue
			}
			total := 18 + (k*7)%25
			male := total * 2 / 5
			elders := total / 2
			children := total / 5
			youth := total / 10
			in := activities.HoldInput{HeldOn: date, StartTime: "09:00", EndTime: "11:00", Content: t.title + "：" + "按计划开展，现场讲解与互动。",
				Outcome: "居民反响良好。", Satisfaction: 4 + k%2,
				Counts: activities.Counts{Male: male, Female: total - male, Children: children, Youth: youth, Middle: total - elders - children - youth, Elders: elders}}
			for j := 0; j < 2 && j < len(d.people); j++ {
				in.Named = append(in.Named, activities.Participant{RecipientID: d.people[(k+j)%len(d.people)]})
			}
			for j := 0; j < 2 && j < len(d.volunteers); j++ {
				in.Volunteers = append(in.Volunteers, activities.VolunteerHours{VolunteerID: d.volunteers[(k+j)%len(d.volunteers)], Minutes: 120 - 30*j})
			}
			if w == 1 {
				in.Partners = []activities.Partner{{Name: "县民政局社会救助股", Resource: "政策宣传资料", ValueFen: 20000}}
			}
			held, err := activities.Hold(ctx, tx, a.Keys, d.actor, act.ID, act.Version, in)
			if err != nil {
				return err
			}
			if m < -1 {
				if _, err := activities.Archive(ctx, tx, d.actor, held.ID, held.Version); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var demoGroupPlans = []struct {
	name, kind, goals, target string
}{
	{"银龄互助支持小组", "support", "减轻独居老人的孤独感\n建立邻里互助关系", "独居、空巢老人"},
	{"留守儿童成长小组", "growth", "提升自我认识与表达\n建立同伴支持", "8–12 岁留守儿童的家长与监护人"},
	{"慢病自我管理小组", "education", "掌握慢病自我管理知识\n养成规律服药习惯", "患慢性病的居民"},
}

func (d *demoStation) groups(ctx context.Context, tx *db.Tx, a *app.App, today time.Time, si int) error {
	if len(d.workers) == 0 || len(d.people) < 3 {
		return nil
	}
	staff := []groups.Staff{{Role: "leader", WorkerID: d.workers[0]}}
	if len(d.workers) > 1 {
		staff = append(staff, groups.Staff{Role: "co_leader", WorkerID: d.workers[1]})
	}
	if len(d.volunteers) > 0 {
		staff = append(staff, groups.Staff{Role: "volunteer", VolunteerID: d.volunteers[0]})
	}
	day := func(offset int) string { return today.AddDate(0, 0, offset).Format(cst.DateLayout) }
	// stage: 0 evaluated (six weekly sessions ending a month ago), 1
	// running (two sessions held), 2 recruiting.
	for stage, p := range demoGroupPlans {
		start := []int{-80, -15, 10}[stage]
		g, err := groups.Create(ctx, tx, d.actor, groups.Input{OrgID: d.unit.ID, Name: p.name, Kind: groups.Kind(p.kind), Goals: p.goals, Target: p.target,
			Place: d.unit.Name + "活动室", PlannedSessions: 6, Capacity: 10, StartsOn: day(start), EndsOn: day(start + 45), Staff: staff})
		if err != nil {
			return err
		}
		if g, err = groups.Advance(ctx, tx, d.actor, g.ID, g.Version); err != nil { // 招募
			return err
		}
		if stage == 2 {
			continue
		}
		var members []groups.Member
		for j := 0; j < 4 && j < len(d.people); j++ {
			m, err := groups.AddMember(ctx, tx, a.Keys, d.actor, g.ID, groups.MemberInput{RecipientID: d.people[(si+stage*4+j)%len(d.people)], JoinedOn: day(start)})
			if err != nil {
				return err
			}
			members = append(members, m)
		}
		m, err := groups.AddMember(ctx, tx, a.Keys, d.actor, g.ID, groups.MemberInput{Name: "社区居民" + strconv.Itoa(si+1), Contact: "1393920" + fmt.Sprintf("%04d", si*10+stage), JoinedOn: day(start)})
		if err != nil {
			return err
		}
		members = append(members, m)
		if g, err = groups.Advance(ctx, tx, d.actor, g.ID, g.Version); err != nil { // 进行中
			return err
		}
		for i, m := range members {
			if _, err := groups.SetMeasure(ctx, tx, a.Keys, d.actor, m.ID, "pre", []int{45 + (i*7)%20}); err != nil {
				return err
			}
		}
		sessions := []int{6, 2}[stage]
		process := []string{"forming", "forming", "transition", "transition", "mature", "ending"}
		for s := 0; s < sessions; s++ {
			in := groups.SessionInput{HeldOn: day(start + 1 + 7*s), StartTime: "14:30", Minutes: 90, Theme: "第" + strconv.Itoa(s+1) + "次聚会",
				Content: "热身、分享与讨论、总结。", ProcessStage: process[s], Record: "组员参与积极，互动良好。"}
			for i, m := range members {
				status := "present"
				if (i+s)%5 == 4 {
					status = []string{"absent", "excused"}[s%2]
				}
				in.Attendance = append(in.Attendance, groups.Attendance{MemberID: m.ID, Status: status})
			}
			if len(d.volunteers) > 0 {
				in.Volunteers = []groups.VolunteerHours{{VolunteerID: d.volunteers[0], Minutes: 90}}
			}
			if _, err := groups.RecordSession(ctx, tx, a.Keys, d.actor, g.ID, in); err != nil {
				return err
			}
		}
		if stage == 1 {
			continue
		}
		for i, m := range members {
			if _, err := groups.SetMeasure(ctx, tx, a.Keys, d.actor, m.ID, "post", []int{55 + (i*5)%25}); err != nil {
				return err
			}
		}
		if g, err = groups.Get(ctx, tx, d.actor, g.ID); err != nil {
			return err
		}
		if g, err = groups.Advance(ctx, tx, d.actor, g.ID, g.Version); err != nil { // 结束
			return err
		}
		if _, err := groups.Finish(ctx, tx, d.actor, g.ID, g.Version, []bool{true, si%2 == 0}, "组员孤独感量表得分普遍提高，互助关系初步建立。"); err != nil {
			return err
		}
	}
	return nil
}
