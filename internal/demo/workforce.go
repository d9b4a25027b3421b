package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
	"github.com/shegong/shegong/internal/workforce"
)

// The demo county's workforce: a roster for the nine stations whose
// dated qualification records grow the certified count from 17 (end of
// 2021) to 48, each station's head and two resident workers linked to
// their accounts, volunteers with logged hours (朝歌's first is the
// account zhiyuan), three trainings, the first 朝歌人才 round (2023: ten
// social workers, 3,000 元 a year for two years) and eight 鹤壁社工之星.
// Everything is made from a fixed seed, so a second load finds every
// record by its natural key (ID number, name and station, title) and
// creates nothing.

func init() { Register(loadWorkforce) }

// certYears are the years in which the demo's 48 certified workers got
// their first certificate: 17 by the end of 2021, then 31 more by 2025.
var certYears = []int{
	2017, 2017, 2017, 2018, 2018, 2018, 2018, 2019, 2019, 2019, 2019, 2020, 2020, 2020, 2021, 2021, 2021,
	2022, 2022, 2022, 2022, 2022, 2022, 2022, 2022, 2023, 2023, 2023, 2023, 2023, 2023, 2023, 2023,
	2024, 2024, 2024, 2024, 2024, 2024, 2024, 2024, 2025, 2025, 2025, 2025, 2025, 2025, 2025,
}

// Certified counts of the seed story: 17 certified social workers by the
// end of 2021, 48 now.
const (
	Certified2021 = 17
	CertifiedNow  = 48
)

// The programmes of the seed story.
const (
	TalentProgramme = "朝歌人才"
	TalentRound     = "2023年朝歌人才（第一批）"
	TalentNominees  = 10
	TalentAnnualFen = 300000 // 3,000 元 a year
	TalentYears     = 2
	StarProgramme   = "鹤壁社工之星"
	StarRound       = "2024年度鹤壁社工之星"
	StarNominees    = 8
)

var (
	demoSurnames = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁宋谢韩唐冯")
	demoGiven    = []string{"静", "伟", "芳", "娜", "敏", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "晓燕", "丽华",
		"建国", "海燕", "桂兰", "志强", "雪梅", "春花", "文博", "佳怡", "子涵", "欣悦", "浩然", "思远"}
	demoMajors = []string{"社会工作", "社会工作", "社会学", "心理学", "行政管理", "护理学", "学前教育", "汉语言文学"}
	demoSkills = []string{"文艺演出", "理发", "心理疏导", "法律咨询", "助老陪伴", "课业辅导", "医疗义诊", "手工编织"}
)

func demoName(rng *rand.Rand) string {
	return string(demoSurnames[rng.IntN(len(demoSurnames))]) + demoGiven[rng.IntN(len(demoGiven))]
}

// demoDate is a date in year y, kept on or before today so validation
// (no future dates) holds whenever the demo is loaded.
func demoDate(rng *rand.Rand, y int, maxMonth int) string {
	d := time.Date(y, time.Month(1+rng.IntN(maxMonth)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(cst.DateLayout)
	if d > cst.Today() {
		return ""
	}
	return d
}

func loadWorkforce(ctx context.Context, a *app.App) error {
	rng := rand.New(rand.NewPCG(410622, 2026))
	stations := make([]org.Unit, len(Stations))
	for i, st := range Stations {
		u, err := Unit(ctx, a.DB, st.Code, org.KindStation)
		if err != nil {
			return fmt.Errorf("demo workforce: station %s: %w", st.Name, err)
		}
		stations[i] = u
	}
	admin, err := a.Auth.UserByUsername(ctx, "admin")
	if err != nil {
		return err
	}
	county, err := org.Get(ctx, a.DB, admin.OrgID)
	if err != nil {
		return err
	}
	adminActor := &authz.Actor{UserID: admin.ID, Username: admin.Username, DisplayName: admin.DisplayName, Role: admin.Role,
		OrgID: county.ID, OrgPath: county.Path, OrgName: county.Name}
	// Plan index → user id: each station's head and two resident workers
	// are the first three on the roster at that station (i, i+9, i+18).
	linked := map[int]string{}
	for si := range Stations {
		for k := 0; k < 3; k++ {
			if u, err := a.Auth.UserByUsername(ctx, StaffUsername(si, k)); err == nil {
				linked[si+k*len(Stations)] = u.ID
			}
		}
	}
	if u, err := a.Auth.UserByUsername(ctx, "zhiyuan"); err == nil {
		linked[-1] = u.ID // the first volunteer of 朝歌
	}
	// One transaction: the whole roster commits at once (fast on both
	// engines) or not at all.
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		return loadWorkforceIn(ctx, tx, a.Keys, rng, stations, county, adminActor, linked)
	})
	if err != nil {
		return err
	}
	return loadAssignments(ctx, a, adminActor)
}

// loadWorkforceIn loads the roster as the system (authz.System), except
// that payments are confirmed by the county's administrator.
func loadWorkforceIn(ctx context.Context, tx *db.Tx, keys *secure.Keyring, rng *rand.Rand, stations []org.Unit, county org.Unit,
	adminActor *authz.Actor, linked map[int]string) error {
	system := authz.System()

	// 54 workers: 48 certified (certYears) and 6 not yet, spread over the
	// stations; the first 27 are the stations' heads and resident
	// workers with accounts (朝歌's are 朝歌站长 and 朝歌社工).
	type plan struct {
		in workforce.WorkerInput
	}
	educations := []string{"bachelor", "bachelor", "college", "college", "bachelor", "master", "secondary"}
	var plans []plan
	for i := 0; i < 54; i++ {
		unit := stations[i%len(stations)]
		birth := time.Date(1972+rng.IntN(27), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		male := rng.IntN(3) == 0
		in := workforce.WorkerInput{OrgID: unit.ID, Name: demoName(rng), IDNumber: validate.FakeIDCard(rng, County, birth, male),
			Phone: fmt.Sprintf("139%08d", 39200000+i*7919%1000000), Education: educations[rng.IntN(len(educations))],
			Major: demoMajors[rng.IntN(len(demoMajors))], Post: "resident", Employer: Organisations[i%len(Organisations)].Name}
		if i < len(certYears) {
			y := certYears[i]
			in.HiredOn = demoDate(rng, max(y-rng.IntN(2), 2016), 12)
			level := workforce.LevelJunior
			if rng.IntN(3) == 0 {
				level = workforce.LevelIntermediate
			}
			if got := demoDate(rng, y, 6); got != "" {
				in.Qualifications = append(in.Qualifications, workforce.QualificationInput{Level: level, CertNo: fmt.Sprintf("%d%s%06d", y, map[string]string{workforce.LevelJunior: "A", workforce.LevelIntermediate: "B"}[level], 410000+i), ObtainedOn: got})
			}
			// Some juniors pass the intermediate exam a few years on; one
			// intermediate holder has passed the 高级 exam.
			if level == workforce.LevelJunior && y <= 2022 && rng.IntN(2) == 0 {
				if got := demoDate(rng, y+2+rng.IntN(2), 10); got != "" {
					in.Qualifications = append(in.Qualifications, workforce.QualificationInput{Level: workforce.LevelIntermediate, CertNo: fmt.Sprintf("%dB%06d", y+2, 420000+i), ObtainedOn: got})
				}
			}
			if i == 3 {
				in.Qualifications = append(in.Qualifications, workforce.QualificationInput{Level: workforce.LevelSenior, Stage: workforce.StageExam, ObtainedOn: "2025-06-21"})
			}
		} else {
			in.HiredOn = demoDate(rng, 2024+rng.IntN(2), 12)
		}
		plans = append(plans, plan{in})
	}
	// Each station's head and resident workers are on the roster under
	// their own names, with their accounts linked.
	for si := range stations {
		for k := 0; k < 3; k++ {
			plans[si+k*len(stations)].in.Name = stationStaff[si][k]
		}
		plans[si].in.Post = "head"
	}

	var workers []workforce.Worker
	for i, p := range plans {
		p.in.UserID = linked[i]
		found, _, err := workforce.ListWorkers(ctx, tx, keys, system, workforce.WorkerFilter{Text: p.in.IDNumber, Limit: 1})
		if err != nil {
			return err
		}
		if len(found) > 0 {
			workers = append(workers, found[0])
			continue
		}
		w, err := workforce.CreateWorker(ctx, tx, keys, system, p.in)
		if err != nil {
			return fmt.Errorf("demo worker %s: %w", p.in.Name, err)
		}
		workers = append(workers, w)
	}

	// Volunteers: two or three per station, with a year of service.
	var volunteers []workforce.Volunteer
	for si, unit := range stations {
		for k := 0; k < 2+si%2; k++ {
			name := demoName(rng)
			reg := demoDate(rng, 2024, 12)
			var hours []workforce.HoursInput
			for h := 0; h < 4; h++ {
				if d := demoDate(rng, 2025+rng.IntN(2), 10); d != "" && d >= reg {
					hours = append(hours, workforce.HoursInput{ServedOn: d, Hours: []string{"2", "3", "1.5", "4"}[rng.IntN(4)],
						Activity: []string{"助老送餐", "重阳节敬老活动", "留守儿童课业辅导", "政策宣讲", "环境整治"}[rng.IntN(5)]})
				}
			}
			skills := demoSkills[rng.IntN(len(demoSkills))]
			existing, _, err := workforce.ListVolunteers(ctx, tx, keys, system, workforce.VolunteerFilter{Text: name, OrgID: unit.ID, Limit: 1})
			if err != nil {
				return err
			}
			if len(existing) > 0 {
				volunteers = append(volunteers, existing[0])
				continue
			}
			in := workforce.VolunteerInput{OrgID: unit.ID, Name: name, Skills: skills, RegisteredOn: reg,
				Phone: fmt.Sprintf("137%08d", 39210000+si*100+k)}
			if si == 0 && k == 0 {
				in.UserID = linked[-1]
			}
			v, err := workforce.CreateVolunteer(ctx, tx, keys, system, in)
			if err != nil {
				return fmt.Errorf("demo volunteer: %w", err)
			}
			for _, h := range hours {
				if _, _, err := workforce.LogHours(ctx, tx, system, v.ID, h); err != nil {
					return fmt.Errorf("demo hours: %w", err)
				}
			}
			volunteers = append(volunteers, v)
		}
	}

	// Trainings held by the bureau, with a share of the roster attending.
	trainings := []workforce.TrainingInput{
		{Title: "2025年社会工作实务能力提升培训", Kind: "short", Organiser: "淇县民政局", StartOn: "2025-04-15", EndOn: "2025-04-16", Hours: "12", Place: "淇县民政局会议室"},
		{Title: "困境儿童个案管理案例分享会", Kind: "case", Organiser: "淇县新光源社会工作服务中心", StartOn: "2025-09-20", Hours: "3", Place: "朝歌街道社工站"},
		{Title: "2026年督导人才培养计划（第一期）", Kind: "supervisor", Organiser: "淇县民政局", StartOn: "2026-03-10", EndOn: "2026-03-12", Hours: "18", Place: "线上+线下"},
	}
	for ti, in := range trainings {
		in.OrgID = county.ID
		list, _, err := workforce.ListTrainings(ctx, tx, system, workforce.TrainingFilter{Text: in.Title, Limit: 1})
		if err != nil {
			return err
		}
		if len(list) > 0 || in.StartOn > cst.Today() {
			continue
		}
		t, err := workforce.CreateTraining(ctx, tx, system, in)
		if err != nil {
			return fmt.Errorf("demo training: %w", err)
		}
		for i, w := range workers {
			// About half the roster per training, from every station.
			if (i/len(stations)+ti)%2 != 0 || w.HiredOn > in.StartOn {
				continue
			}
			if err := workforce.AddAttendee(ctx, tx, system, t.ID, workforce.AttendeeInput{Kind: workforce.PersonWorker, PersonID: w.ID}); err != nil {
				return err
			}
		}
		if ti == 0 {
			for _, v := range volunteers[:4] {
				if err := workforce.AddAttendee(ctx, tx, system, t.ID, workforce.AttendeeInput{Kind: workforce.PersonVolunteer, PersonID: v.ID}); err != nil {
					return err
				}
			}
		}
	}

	if err := loadProgramme(ctx, tx, system, workforce.ProgrammeInput{OrgID: county.ID, Name: TalentProgramme, Kind: "talent",
		Description: "淇县社会工作人才培养计划：每批评选扎根基层的优秀社工，给予两年津贴。"},
		workforce.RoundInput{Name: TalentRound, Year: 2023, Benefits: "每人每年 3000 元津贴，连续发放两年"},
		pick(workers, []int{9, 1, 10, 2, 11, 4, 13, 5, 14, 7}),
		&workforce.AllowanceInput{Annual: "3000", Years: TalentYears, StartMonth: "2023-07", Frequency: "year"}, adminActor); err != nil {
		return err
	}
	return loadProgramme(ctx, tx, system, workforce.ProgrammeInput{OrgID: county.ID, Name: StarProgramme, Kind: "honour",
		Description: "鹤壁市每年评选扎根基层、服务成效突出的驻站社工，给予表彰。"},
		workforce.RoundInput{Name: StarRound, Year: 2024, Benefits: "颁发荣誉证书"},
		pick(workers, []int{0, 19, 3, 21, 6, 24, 8, 30}), nil, adminActor)
}

func pick(workers []workforce.Worker, at []int) []workforce.Worker {
	out := make([]workforce.Worker, len(at))
	for i, k := range at {
		out[i] = workers[k]
	}
	return out
}

// loadProgramme creates a programme (unless one of its name exists) with
// one round whose nominees are all selected; with an allowance, the lines
// due in past years have been paid, confirmed by the county administrator.
func loadProgramme(ctx context.Context, tx *db.Tx, system *authz.Actor, pin workforce.ProgrammeInput,
	rin workforce.RoundInput, nominees []workforce.Worker, allowance *workforce.AllowanceInput, adminActor *authz.Actor) error {
	progs, err := workforce.ListProgrammes(ctx, tx, system)
	if err != nil {
		return err
	}
	for _, p := range progs {
		if p.Name == pin.Name {
			return nil
		}
	}
	prog, err := workforce.CreateProgramme(ctx, tx, system, pin)
	if err != nil {
		return err
	}
	round, err := workforce.AddRound(ctx, tx, system, prog.ID, rin)
	if err != nil {
		return err
	}
	thisYear := cst.Today()[:4]
	for _, w := range nominees {
		n, err := workforce.Nominate(ctx, tx, system, round.ID, workforce.NomineeInput{WorkerID: w.ID, Note: "扎根基层，服务对象满意度高"})
		if err != nil {
			return err
		}
		if err := workforce.SetNomineeStatus(ctx, tx, system, n.ID, n.Version, "selected"); err != nil {
			return err
		}
		if allowance == nil {
			continue
		}
		sc, err := workforce.CreateAllowance(ctx, tx, system, n.ID, *allowance)
		if err != nil {
			return err
		}
		for _, l := range sc.Lines {
			if l.DueOn[:4] < thisYear {
				paidOn := l.DueOn[:8] + "20"
				if _, err := workforce.ConfirmPayment(ctx, tx, adminActor, l.ID, l.Version, true, paidOn); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
