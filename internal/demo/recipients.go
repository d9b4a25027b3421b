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
	Worker                         string // username of the 责任社工
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

// demoVillages are six villages of each township without hand-written
// people (统计用区划代码 2023), where the generated people live.
var demoVillages = map[string][][2]string{
	"410622002": {{"410622002200", "桥盟村"}, {"410622002201", "石岗凹新庄村"}, {"410622002202", "古烟村"}, {"410622002203", "郭庄村"}, {"410622002204", "董桥村"}, {"410622002205", "崔庄村"}},
	"410622003": {{"410622003200", "泉头村"}, {"410622003201", "关庄村"}, {"410622003202", "杨庄村"}, {"410622003203", "袁庄村"}, {"410622003204", "小马庄村"}, {"410622003205", "黄庄村"}},
	"410622101": {{"410622101200", "新乡屯村"}, {"410622101202", "刁公岩村"}, {"410622101203", "漫流村"}, {"410622101204", "三里屯村"}, {"410622101205", "杨晋庄村"}, {"410622101206", "礼河屯村"}},
	"410622102": {{"410622102200", "北阳村"}, {"410622102201", "东裴屯村"}, {"410622102202", "良相村"}, {"410622102203", "黄堆村"}, {"410622102204", "骑河黄庄村"}, {"410622102205", "常屯村"}},
	"410622103": {{"410622103200", "西岗村"}, {"410622103201", "臧口村"}, {"410622103202", "康庄村"}, {"410622103203", "石奶奶庙村"}, {"410622103204", "南大李庄村"}, {"410622103205", "原庄村"}},
	"410622104": {{"410622104200", "庙口村"}, {"410622104201", "大滹沱村"}, {"410622104202", "上曹村"}, {"410622104203", "下曹村"}, {"410622104204", "鲍屯村"}, {"410622104205", "东场村"}},
	"410622202": {{"410622202200", "黄洞村"}, {"410622202201", "闫岭沟村"}, {"410622202202", "柳林村"}, {"410622202203", "鲍庄村"}, {"410622202204", "小柏峪村"}, {"410622202205", "温洞村"}},
}

// demoProfiles are the people of a generated station, in order: who
// they are, and in which of the six villages (two households: a 低保
// couple, and a grandmother with her left-behind grandson).
var demoProfiles = []struct {
	p       demoRecipient
	born    int // year
	village int
}{
	{demoRecipient{Sex: "女", Living: "独居", Categories: []string{"独居老人"}, Income: "养老金", Health: "高血压，独自生活"}, 1942, 0},
	{demoRecipient{Sex: "男", Living: "与配偶", Categories: []string{"低保对象"}, Income: "低保金/特困供养金", Relation: "户主"}, 1958, 1},
	{demoRecipient{Sex: "女", Living: "与配偶", Categories: []string{"低保对象", "残疾人"}, Disability: "视力残疾", Grade: "三级", Income: "低保金/特困供养金", Relation: "配偶"}, 1961, 1},
	{demoRecipient{Sex: "男", Living: "独居", Categories: []string{"特困供养人员", "失能老人"}, Income: "低保金/特困供养金", Health: "中风后行动不便"}, 1940, 2},
	{demoRecipient{Sex: "女", Living: "与其他亲属", Categories: []string{"留守老人"}, Income: "子女赡养", Relation: "户主"}, 1954, 3},
	{demoRecipient{Sex: "男", Living: "与（外）祖父母", Categories: []string{"农村留守儿童"}, GuardianRel: "（外）祖父母", Relation: "孙子女"}, 2016, 3},
	{demoRecipient{Sex: "男", Living: "与配偶及子女", Categories: []string{"残疾人"}, Disability: "肢体残疾", Grade: "二级", Income: "务农收入"}, 1976, 4},
	{demoRecipient{Sex: "女", Living: "与配偶", Categories: []string{"低保边缘家庭"}, Income: "务农收入"}, 1966, 5},
	{demoRecipient{Sex: "女", Living: "与其他亲属", Categories: []string{"困境儿童"}, GuardianRel: "其他亲属"}, 2013, 5},
	{demoRecipient{Sex: "男", Living: "与子女", Categories: []string{"失智老人", "低收入"}, Income: "子女赡养", Health: "记忆力减退，夜间需人照看"}, 1937, 0},
}

var (
	demoPeopleSurnames = []rune("孟贾许石焦崔范冯苗翟秦董常岳牛郝邵蒋袁阎段雷侯龙史陶黎贺顾毛郝邱")
	demoPeopleGiven    = []string{"桂英", "玉兰", "秀珍", "凤英", "建军", "国强", "德胜", "福生", "淑芬", "金凤", "志刚", "长江",
		"子轩", "梓涵", "一诺", "浩宇", "欣怡", "明亮", "春生", "秋菊", "冬梅", "玉珍", "保国", "振华", "丽霞", "素梅", "永福", "红霞"}
)

// The generated people join the hand-written ones: ten in each of the
// seven other stations, split between its two resident workers. They
// come after the hand-written list, so its ID numbers stay the same.
func init() {
	// 朝歌's second worker serves its 社区 (village codes …0xx); 灵山's two
	// workers share the township's own people.
	lingshan := 0
	for i, p := range demoRecipients {
		switch {
		case p.Org == "410622001" && p.Village[9] == '0':
			demoRecipients[i].Worker = StaffUsername(0, 2)
		case p.Org == "410622004":
			demoRecipients[i].Worker = StaffUsername(3, 1+lingshan%2)
			lingshan++
		}
	}
	taken := map[string]bool{}
	for _, p := range demoRecipients {
		taken[p.Name] = true
	}
	n := 0
	for si, st := range Stations {
		villages, ok := demoVillages[st.Code]
		if !ok {
			continue
		}
		names := make([]string, len(demoProfiles))
		for j := range demoProfiles {
			for {
				name := string(demoPeopleSurnames[n%len(demoPeopleSurnames)]) + demoPeopleGiven[(n*7+j)%len(demoPeopleGiven)]
				n++
				if !taken[name] {
					taken[name], names[j] = true, name
					break
				}
			}
		}
		for j, pr := range demoProfiles {
			p := pr.p
			p.Name, p.Org, p.Village = names[j], st.Code, villages[pr.village][0]
			p.Birth = fmt.Sprintf("%d-%02d-%02d", pr.born+si%3, 1+(si+j)%12, 1+(si*3+j*5)%28)
			p.Categories = append([]string(nil), pr.p.Categories...)
			switch j {
			case 1, 2:
				p.Head = names[1]
			case 4:
				p.Head = names[4]
			case 5:
				p.Head, p.Guardian = names[4], names[4]
			case 8:
				p.Guardian = string([]rune(names[8])[:1]) + "德顺"
			}
			p.Worker = StaffUsername(si, 1+j%2)
			demoRecipients = append(demoRecipients, p)
			demoVillageNames[p.Village] = villages[pr.village][1]
		}
	}
}

func init() { Register(loadRecipients) }

func loadRecipients(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo recipients: county: %w", err)
	}
	system := &authz.Actor{Username: "system", DisplayName: "演示数据", Role: authz.RoleAdmin, OrgID: county.ID, OrgPath: county.Path, OrgName: county.Name}
	workerIDs := map[string]string{} // username → user id
	for _, p := range demoRecipients {
		username := p.Worker
		if username == "" && p.Org == "410622001" {
			username = "shegong"
		}
		if _, done := workerIDs[username]; done || username == "" {
			continue
		}
		if u, err := a.Auth.UserByUsername(ctx, username); err == nil {
			workerIDs[username] = u.ID
		}
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
			town := ""
			for _, st := range Stations {
				if st.Code == p.Village[:9] {
					town = st.Name
				}
			}
			in.CurrentAddress = fmt.Sprintf("河南省鹤壁市淇县%s%s%d号", town, demoVillageNames[p.Village], 3+i*7%90)
			in.HukouAddress = in.CurrentAddress
			if p.Worker != "" {
				in.WorkerID = workerIDs[p.Worker]
			} else if p.Org == "410622001" {
				in.WorkerID = workerIDs["shegong"]
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
