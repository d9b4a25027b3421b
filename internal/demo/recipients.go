package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
)

// The demo county's service recipients: about thirty people in 朝歌街道
// and 灵山街道 — elderly people living alone, left-behind and vulnerable
// children, people with disabilities, 低保 and 特困 households — with
// fake but valid ID numbers (a fixed seed, so every load makes the same
// numbers and finds what an earlier load created).

// demoRecipient is one demo person. Org is the division code of the
// station or room responsible; Head names the household head (by Name)
// and Relation the person's relation to them.
type demoRecipient struct {
	Name, Sex, Birth, Village, Org string
	NoID                           bool
	Living                         string
	Categories                     []string
	Disability, Grade              string
	Health, Income                 string
	Guardian, GuardianRel          string
	Status, Reason, StatusDate     string
	Head, Relation                 string
}

// RecipientIDSeed seeds the demo ID numbers.
const RecipientIDSeed = 20261128

var demoRecipients = []demoRecipient{
	// 朝歌街道 (station 410622001), served by the demo worker "shegong".
	{Name: "张三", Sex: "男", Birth: "1948-03-08", Village: "410622001200", Org: "410622001", Living: "独居", Categories: []string{"低保对象", "独居老人"}, Health: "高血压，腿脚不便，独自上下楼困难", Income: "低保金/特困供养金"},
	{Name: "张三丰", Sex: "男", Birth: "1950-07-15", Village: "410622001200", Org: "410622001", Living: "与配偶", Categories: []string{"空巢老人"}, Income: "养老金", Head: "张三丰", Relation: "户主"},
	{Name: "李秀英", Sex: "女", Birth: "1952-11-02", Village: "410622001200", Org: "410622001", Living: "与配偶", Categories: []string{"空巢老人"}, Income: "养老金", Head: "张三丰", Relation: "配偶"},
	{Name: "王桂兰", Sex: "女", Birth: "1939-01-20", Village: "410622001201", Org: "410622001", Living: "独居", Categories: []string{"特困供养人员", "独居老人", "失能老人"}, Disability: "肢体残疾", Grade: "二级", Health: "脑梗后遗症，右侧肢体无力", Income: "低保金/特困供养金"},
	{Name: "刘建国", Sex: "男", Birth: "1975-06-30", Village: "410622001202", Org: "410622001", Living: "与子女", Categories: []string{"低保对象", "残疾人"}, Disability: "肢体残疾", Grade: "三级", Income: "低保金/特困供养金", Head: "刘建国", Relation: "户主"},
	{Name: "刘小雨", Sex: "女", Birth: "2016-04-18", Village: "410622001202", Org: "410622001", Living: "与（外）祖父母", Categories: []string{"农村留守儿童"}, Guardian: "刘建国", GuardianRel: "父母", Head: "刘建国", Relation: "子女"},
	{Name: "刘小龙", Sex: "男", Birth: "2019-09-09", Village: "410622001202", Org: "410622001", Living: "与（外）祖父母", Categories: []string{"农村留守儿童", "困境儿童"}, Guardian: "刘建国", GuardianRel: "父母", Head: "刘建国", Relation: "子女"},
	{Name: "陈淑珍", Sex: "女", Birth: "1944-12-12", Village: "410622001203", Org: "410622001", Living: "与其他亲属", Categories: []string{"留守老人"}, Income: "子女赡养"},
	{Name: "赵德明", Sex: "男", Birth: "1958-02-25", Village: "410622001204", Org: "410622001", Living: "与配偶", Categories: []string{"低保边缘家庭"}, Income: "务农收入"},
	{Name: "孙玉梅", Sex: "女", Birth: "1961-08-08", Village: "410622001205", Org: "410622001", Living: "与配偶及子女", Categories: []string{"支出型困难家庭"}, Health: "乳腺癌术后，定期化疗", Income: "务农收入"},
	{Name: "周丽娟", Sex: "女", Birth: "1983-05-05", Village: "410622001001", Org: "410622001", Living: "与子女", Categories: []string{"临时救助对象"}, Income: "工资性收入", Head: "周丽娟", Relation: "户主"},
	{Name: "周子涵", Sex: "女", Birth: "2014-10-01", Village: "410622001001", Org: "410622001", Living: "与其他亲属", Categories: []string{"困境儿童"}, Guardian: "周丽娟", GuardianRel: "父母", Head: "周丽娟", Relation: "子女"},
	{Name: "吴志强", Sex: "男", Birth: "1990-01-17", Village: "410622001002", Org: "410622001", Living: "与其他亲属", Categories: []string{"残疾人"}, Disability: "精神残疾", Grade: "二级", Income: "亲友资助"},
	{Name: "郑秀兰", Sex: "女", Birth: "1936-06-06", Village: "410622001003", Org: "410622001", Living: "与子女", Categories: []string{"失智老人"}, Health: "阿尔茨海默病中期", Income: "子女赡养"},
	{Name: "冯国栋", Sex: "男", Birth: "1955-09-19", Village: "410622001206", Org: "410622001", Living: "独居", Categories: []string{"低收入", "独居老人"}, Income: "务农收入", Status: recipients.StatusSuspended, Reason: "外出务工，暂停服务", StatusDate: "2026-03-01"},
	{Name: "何小军", Sex: "男", Birth: "2012-03-03", Village: "410622001207", Org: "410622001", Living: "与其他亲属", Categories: []string{"孤儿"}, Guardian: "何德顺", GuardianRel: "其他亲属"},
	{Name: "马玉兰", Sex: "女", Birth: "1942-04-04", Village: "410622001208", Org: "410622001", Living: "独居", Categories: []string{"独居老人"}, Status: recipients.StatusDeceased, Reason: "病故", StatusDate: "2025-12-20"},
	// 灵山街道 (station 410622004) and its rooms 赵庄村 (…200) and 大石岩村 (…204).
	{Name: "杨春花", Sex: "女", Birth: "1946-02-14", Village: "410622004200", Org: "410622004200", Living: "独居", Categories: []string{"独居老人"}, Income: "养老金"},
	{Name: "杨春生", Sex: "男", Birth: "1949-10-10", Village: "410622004200", Org: "410622004200", Living: "与配偶", Categories: []string{"空巢老人"}, Income: "养老金", Head: "杨春生", Relation: "户主"},
	{Name: "高秀云", Sex: "女", Birth: "1951-03-21", Village: "410622004200", Org: "410622004200", Living: "与配偶", Categories: []string{"空巢老人"}, Income: "养老金", Head: "杨春生", Relation: "配偶"},
	{Name: "许大壮", Sex: "男", Birth: "1968-07-07", Village: "410622004204", Org: "410622004204", Living: "与子女", Categories: []string{"低保对象", "残疾人"}, Disability: "听力残疾", Grade: "一级", Income: "低保金/特困供养金", Head: "许大壮", Relation: "户主"},
	{Name: "许朵朵", Sex: "女", Birth: "2017-12-25", Village: "410622004204", Org: "410622004204", Living: "与（外）祖父母", Categories: []string{"事实无人抚养儿童"}, Guardian: "许大壮", GuardianRel: "父母", Head: "许大壮", Relation: "子女"},
	{Name: "田桂芝", Sex: "女", Birth: "1940-05-15", Village: "410622004201", Org: "410622004", Living: "集中供养", Categories: []string{"特困供养人员", "失能老人"}, Health: "长期卧床", Income: "低保金/特困供养金"},
	{Name: "邢志刚", Sex: "男", Birth: "1963-11-11", Village: "410622004202", Org: "410622004", Living: "与其他亲属", Categories: []string{"低保对象"}, Income: "务农收入", Head: "邢志刚", Relation: "户主"},
	{Name: "邢乐乐", Sex: "男", Birth: "2015-06-01", Village: "410622004202", Org: "410622004", Living: "与（外）祖父母", Categories: []string{"农村留守儿童"}, Guardian: "邢志刚", GuardianRel: "（外）祖父母", Head: "邢志刚", Relation: "孙子女"},
	{Name: "白玉珍", Sex: "女", Birth: "1957-09-09", Village: "410622004203", Org: "410622004", Living: "与配偶", Categories: []string{"低收入"}, Income: "务农收入"},
	{Name: "牛金花", Sex: "女", Birth: "1945-01-01", Village: "410622004205", Org: "410622004", NoID: true, Living: "与（外）祖父母", Categories: []string{"留守老人"}, Income: "子女赡养"},
	{Name: "韩建军", Sex: "男", Birth: "1979-04-12", Village: "410622004203", Org: "410622004", Living: "与配偶及子女", Categories: []string{"临时救助对象"}, Status: recipients.StatusMoved, Reason: "迁往鹤壁市区", StatusDate: "2025-06-01"},
	{Name: "秦小花", Sex: "女", Birth: "2019-02-02", Village: "410622004205", Org: "410622004", Living: "与（外）祖父母", Categories: []string{"困境儿童"}, Guardian: "牛金花", GuardianRel: "（外）祖父母"},
	{Name: "侯德胜", Sex: "男", Birth: "1938-08-18", Village: "410622004201", Org: "410622004", Living: "独居", Categories: []string{"独居老人", "失智老人"}, Health: "记忆力明显减退，曾走失一次"},
}

var demoVillageNames = map[string]string{
	"410622001200": "西街村", "410622001201": "石桥村", "410622001202": "南杨庄村", "410622001203": "南关村", "410622001204": "稻庄村",
	"410622001205": "南门里村", "410622001206": "阁南村", "410622001207": "东关村", "410622001208": "东街村", "410622001001": "上关社区",
	"410622001002": "西坛社区", "410622001003": "三海社区", "410622004200": "赵庄村", "410622004201": "南四井村", "410622004202": "北四井村",
	"410622004203": "小滹沱村", "410622004204": "大石岩村", "410622004205": "凉水泉村",
}

func init() { Register(loadRecipients) }

func loadRecipients(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo recipients: county: %w", err)
	}
	system := &authz.Actor{Username: "system", DisplayName: "演示数据", Role: authz.RoleAdmin, OrgID: county.ID, OrgPath: county.Path, OrgName: county.Name}
	var workerID string
	if u, err := a.Auth.UserByUsername(ctx, "shegong"); err == nil {
		workerID = u.ID
	}
	rng := rand.New(rand.NewPCG(RecipientIDSeed, 1))
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		byName := map[string]recipients.Recipient{}
		for i, p := range demoRecipients {
			birth, _ := time.Parse("2006-01-02", p.Birth)
			// Draw the number even for a person without one, so the
			// sequence — and every later number — stays the same.
			idNumber := validate.FakeIDCard(rng, "410622", birth, p.Sex == "男")
			if p.NoID {
				idNumber = ""
			}
			unit, err := unitByCode(ctx, tx, p.Org)
			if err != nil {
				return fmt.Errorf("demo recipient %s: %w", p.Name, err)
			}
			if r, ok, err := findDemoRecipient(ctx, tx, a, idNumber, p, unit.ID); err != nil {
				return err
			} else if ok {
				byName[p.Name] = r
				continue
			}
			in := recipients.Input{OrgID: unit.ID, Name: p.Name, Sex: p.Sex, BirthDate: p.Birth, IDNumber: idNumber, Ethnicity: "汉族",
				VillageCode: p.Village, LivingSituation: p.Living, Categories: p.Categories, DisabilityType: p.Disability,
				DisabilityGrade: p.Grade, HealthNotes: p.Health, IncomeSource: p.Income, GuardianName: p.Guardian,
				GuardianRelation: p.GuardianRel, Status: p.Status, StatusReason: p.Reason, StatusDate: p.StatusDate, ConfirmDuplicate: true}
			if in.GuardianName != "" {
				in.GuardianPhone = fmt.Sprintf("1390392%04d", 5000+i)
			}
			if !p.NoID {
				in.Phone = fmt.Sprintf("1390392%04d", 1000+i)
			}
			town := "朝歌街道"
			if p.Village[:9] == "410622004" {
				town = "灵山街道"
			}
			in.CurrentAddress = fmt.Sprintf("河南省鹤壁市淇县%s%s%d号", town, demoVillageNames[p.Village], 3+i*7%90)
			in.HukouAddress = in.CurrentAddress
			if p.Org == "410622001" {
				in.WorkerID = workerID
			}
			r, err := recipients.Create(ctx, tx, a.Keys, system, in)
			if err != nil {
				return fmt.Errorf("demo recipient %s: %w", p.Name, err)
			}
			byName[p.Name] = r
		}
		// Households, by their heads.
		members := map[string][]recipients.MemberInput{}
		var heads []string
		for _, p := range demoRecipients {
			if p.Head == "" {
				continue
			}
			if _, ok := members[p.Head]; !ok {
				heads = append(heads, p.Head)
			}
			members[p.Head] = append(members[p.Head], recipients.MemberInput{RecipientID: byName[p.Name].ID, Relation: p.Relation})
		}
		for _, head := range heads {
			h := byName[head]
			cur, err := recipients.GetUnchecked(ctx, tx, h.ID)
			if err != nil {
				return err
			}
			if cur.HouseholdID != "" {
				continue
			}
			if _, err := recipients.CreateHousehold(ctx, tx, system, recipients.HouseholdInput{OrgID: h.OrgID, Members: members[head]}); err != nil {
				return fmt.Errorf("demo household %s: %w", head, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo recipients: %w", err)
	}
	return nil
}

// unitByCode finds the demo station (9-digit code) or room (12 digits).
func unitByCode(ctx context.Context, q db.Querier, code string) (org.Unit, error) {
	kind := org.KindStation
	if len(code) == 12 {
		kind = org.KindRoom
	}
	return Unit(ctx, q, code, kind)
}

// findDemoRecipient finds a demo person loaded before: by ID number, or
// for a person without one by name, birth date and org node.
func findDemoRecipient(ctx context.Context, q db.Querier, a *app.App, idNumber string, p demoRecipient, orgID string) (recipients.Recipient, bool, error) {
	var id string
	var err error
	if idNumber != "" {
		err = q.QueryRow(ctx, `SELECT id FROM recipients WHERE id_index = ? AND id_index <> ''`, a.Keys.BlindIndex("idcard", idNumber)).Scan(&id)
	} else {
		err = q.QueryRow(ctx, `SELECT id FROM recipients WHERE name = ? AND birth_date = ? AND org_id = ?`, p.Name, p.Birth, orgID).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return recipients.Recipient{}, false, nil // not loaded yet
	} else if err != nil {
		return recipients.Recipient{}, false, err
	}
	r, err := recipients.GetUnchecked(ctx, q, id)
	return r, err == nil, err
}
