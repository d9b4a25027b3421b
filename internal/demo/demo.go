// Package demo loads the demo county, 淇县 (Qi County, Hebi, Henan): its
// organisation tree and one account per role, all with the password
// demo123456, marked as demo accounts: they never expire and log in only
// while the server runs with --demo. Loading is idempotent: records are found by their natural
// keys (division code, username) and only missing ones are created.
// Modules add their demo content with Register.
package demo

import (
	"context"
	"fmt"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// Password is every demo account's password.
const Password = "demo123456"

// County is the demo county's division code.
const County = "410622"

// Stations are 淇县's nine townships (统计用区划代码 2023) with a station each.
var Stations = []struct{ Code, Name string }{
	{"410622001", "朝歌街道"}, {"410622002", "桥盟街道"}, {"410622003", "卫都街道"}, {"410622004", "灵山街道"},
	{"410622101", "高村镇"}, {"410622102", "北阳镇"}, {"410622103", "西岗镇"}, {"410622104", "庙口镇"}, {"410622202", "黄洞乡"},
}

// Rooms are the demo village rooms (社工室), in 灵山街道.
var Rooms = []struct{ Code, Name, Station string }{
	{"410622004200", "赵庄村社工室", "410622004"},
	{"410622004204", "大石岩村社工室", "410622004"},
}

// Accounts are the demo users: username, name, role, and the division
// code of their scope node (County = the bureau).
var Accounts = []struct {
	Username, Name string
	Role           authz.Role
	Scope          string
}{
	{"admin", "县局管理员", authz.RoleAdmin, County},
	{"zhanzhang", "朝歌站长", authz.RoleStationHead, "410622001"},
	{"shegong", "朝歌社工", authz.RoleWorker, "410622001"},
	{"dudao", "县级督导", authz.RoleSupervisor, County},
	{"zhiyuan", "朝歌志愿者", authz.RoleVolunteer, "410622001"},
	{"pinggu", "第三方评估", authz.RoleEvaluator, County},
	{"lingdao", "县局领导", authz.RoleLeader, County},
	{"sysadmin", "系统管理员", authz.RoleSysAdmin, County},
	{"secadmin", "安全管理员", authz.RoleSecAdmin, County},
	{"auditadmin", "审计管理员", authz.RoleAuditAdmin, County},
	// 灵山街道's station head and worker, so casework runs in two stations.
	{"zhanzhang2", "灵山站长", authz.RoleStationHead, "410622004"},
	{"shegong2", "灵山社工", authz.RoleWorker, "410622004"},
}

// stationSlugs name the stations in their staff's usernames.
var stationSlugs = []string{"chaoge", "qiaomeng", "weidu", "lingshan", "gaocun", "beiyang", "xigang", "miaokou", "huangdong"}

// stationStaff are the names of each station's head and two resident
// workers (by station, as in Stations). 朝歌's head and first worker are
// the accounts zhanzhang and shegong.
var stationStaff = [][3]string{
	{"王建华", "李晓梅", "赵雅琴"}, {"陈静", "孟凡", "程雪"}, {"刘洋", "贾文娟", "牛晓东"}, {"杨帆", "许丽萍", "石磊"},
	{"周敏", "焦春燕", "崔海涛"}, {"吴霞", "范文静", "冯子豪"}, {"郑磊", "苗青", "翟亚楠"}, {"孙倩", "秦晓光", "董佳佳"},
	{"马骏", "常丽娜", "岳鹏"},
}

// StaffUsername is the demo account of a station's head (k = 0) or
// resident worker (k = 1, 2): zhanzhang and shegong at 朝歌, else
// <station>.zz, <station>.sg1, <station>.sg2.
func StaffUsername(station, k int) string {
	if station == 0 && k < 2 {
		return []string{"zhanzhang", "shegong"}[k]
	}
	return stationSlugs[station] + []string{".zz", ".sg1", ".sg2"}[k]
}

// The station staff's accounts join Accounts: each station has a head
// and two resident workers who log in and carry their own caseloads.
func init() {
	for i, st := range Stations {
		for k, name := range stationStaff[i] {
			if i == 0 && k < 2 {
				continue
			}
			role := authz.RoleWorker
			if k == 0 {
				role = authz.RoleStationHead
			}
			Accounts = append(Accounts, struct {
				Username, Name string
				Role           authz.Role
				Scope          string
			}{StaffUsername(i, k), name, role, st.Code})
		}
	}
}

// Step is a module's demo loader, run after the tree and accounts exist.
type Step func(ctx context.Context, a *app.App) error

var steps []Step

// Register adds a module's demo loader.
func Register(s Step) { steps = append(steps, s) }

// Unit finds the demo node with a division code and kind.
func Unit(ctx context.Context, q db.Querier, code string, kind org.Kind) (org.Unit, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM org_units WHERE division_code = ? AND kind = ? ORDER BY created_at LIMIT 1`, code, kind).Scan(&id)
	if err != nil {
		return org.Unit{}, err
	}
	return org.Get(ctx, q, id)
}

func ensureUnit(ctx context.Context, tx *db.Tx, parent org.Unit, kind org.Kind, code, name string) (org.Unit, error) {
	u, err := Unit(ctx, tx, code, kind)
	if err == nil {
		return u, nil
	}
	return org.Create(ctx, tx, nil, org.Input{ParentID: parent.ID, Kind: kind, Name: name, DivisionCode: code})
}

// Load creates whatever of the demo county is missing.
func Load(ctx context.Context, a *app.App) error {
	scopes := map[string]org.Unit{}
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		root, err := org.Root(ctx, tx)
		if apperr.Is(err, apperr.NotFound) {
			root, err = org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "社工站服务管理平台"})
		}
		if err != nil {
			return err
		}
		province, err := ensureUnit(ctx, tx, root, org.KindProvince, "41", "河南省民政厅")
		if err != nil {
			return err
		}
		city, err := ensureUnit(ctx, tx, province, org.KindCity, "4106", "鹤壁市民政局")
		if err != nil {
			return err
		}
		county, err := ensureUnit(ctx, tx, city, org.KindCounty, County, "淇县民政局")
		if err != nil {
			return err
		}
		scopes[County] = county
		for _, st := range Stations {
			u, err := ensureUnit(ctx, tx, county, org.KindStation, st.Code, st.Name+"社工站")
			if err != nil {
				return err
			}
			scopes[st.Code] = u
		}
		for _, r := range Rooms {
			if _, err := ensureUnit(ctx, tx, scopes[r.Station], org.KindRoom, r.Code, r.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo tree: %w", err)
	}
	// The accounts, in one transaction, with the password hashed once.
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		var missing []auth.UserInput
		for _, acc := range Accounts {
			if u, err := a.Auth.UserByUsername(ctx, acc.Username); err == nil {
				if !u.Demo {
					if err := a.Auth.MarkDemo(ctx, tx, acc.Username); err != nil {
						return err
					}
				}
				continue
			}
			missing = append(missing, auth.UserInput{Username: acc.Username, DisplayName: acc.Name, Role: acc.Role,
				OrgID: scopes[acc.Scope].ID, Password: Password, Demo: true})
		}
		_, err := a.Auth.CreateDemoUsers(ctx, tx, Password, missing)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo users: %w", err)
	}
	for _, s := range steps {
		if err := s(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
