package coreweb

import (
	"strconv"

	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/org"
)

// The home page is made of sections; each module contributes sections
// for the roles it concerns (a social worker's "my visits due this week"
// comes first for them, a leader sees county figures). A section builder
// returns nil when it has nothing to show this actor.

func (s *Handlers) Home(c *kit.Ctx) error {
	sections, err := s.HomeSections(c)
	if err != nil {
		return err
	}
	return c.Render("home", &kit.Page{Title: homeTitle(c.Actor.Role), Data: map[string]any{"Sections": sections}})
}

func homeTitle(r authz.Role) string {
	switch r {
	case authz.RoleAdmin:
		return "管理工作台"
	case authz.RoleLeader:
		return "数据概览"
	case authz.RoleStationHead:
		return "站点工作台"
	case authz.RoleWorker:
		return "我的工作"
	case authz.RoleSupervisor:
		return "督导工作台"
	case authz.RoleVolunteer:
		return "志愿服务"
	case authz.RoleEvaluator:
		return "评估工作台"
	}
	return "首页"
}

// homeNetwork counts the stations and rooms in scope for those who do not
// see the county's coverage section (which already shows them).
func (s *Handlers) HomeNetwork(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermNetworkRead) || c.Actor.Can(authz.PermNetworkCoverage) {
		return nil, nil
	}
	sec := &kit.HomeSection{Key: "network", Title: "服务网络", Order: 50}
	if c.Actor.Can(authz.PermFiguresRead) {
		for _, k := range []org.Kind{org.KindStation, org.KindRoom} {
			fc, err := kit.FigureCard(c, "network."+string(k)+"s", k.Label()+"（运行中）", "/network/"+string(k)+"s", figures.Month)
			if err != nil {
				return nil, err
			}
			sec.Cards = append(sec.Cards, fc)
		}
		return sec, nil
	}
	for _, k := range []org.Kind{org.KindStation, org.KindRoom} {
		_, n, err := org.List(c.Context(), s.App.DB, c.Actor, org.Filter{Kind: k, Active: "1", Limit: 1})
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, kit.HomeCard{Label: k.Label() + "（运行中）", Value: strconv.Itoa(n), Link: "/network/" + string(k) + "s"})
	}
	return sec, nil
}

// homeAccounts shows administrators how many accounts they manage.
func (s *Handlers) HomeAccounts(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermUsersRead) {
		return nil, nil
	}
	_, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, auth.UserFilter{Active: "1", Limit: 1})
	if err != nil {
		return nil, err
	}
	return &kit.HomeSection{Key: "accounts", Title: "账号", Order: 90,
		Cards: []kit.HomeCard{{Label: "启用的账号", Value: strconv.Itoa(total), Link: "/users?active=1"}}}, nil
}
