package web

import (
	"strconv"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/org"
)

// The home page is made of sections; each module contributes sections
// for the roles it concerns (a social worker's "my visits due this week"
// comes first for them, a leader sees county figures). A section builder
// returns nil when it has nothing to show this actor.

type homeCard struct {
	Label, Value, Link string
}

type homeSection struct {
	Key, Title, Note string
	Order            int // smaller comes first
	Cards            []homeCard
}

type homeBuilder func(c *Ctx) (*homeSection, error)

func (s *Server) routesHome() {
	s.add(Route{Method: "GET", Pattern: "/{$}", Perm: authz.PermHome, Handle: s.home})
	s.homeBuilders = append(s.homeBuilders, s.homeNetwork, s.homeAccounts)
}

func (s *Server) home(c *Ctx) error {
	var sections []homeSection
	for _, b := range s.homeBuilders {
		sec, err := b(c)
		if err != nil {
			return err
		}
		if sec != nil {
			sections = append(sections, *sec)
		}
	}
	// Stable insertion sort by Order: the lists are short.
	for i := 1; i < len(sections); i++ {
		for j := i; j > 0 && sections[j].Order < sections[j-1].Order; j-- {
			sections[j], sections[j-1] = sections[j-1], sections[j]
		}
	}
	return c.Render("home", &Page{Title: homeTitle(c.Actor.Role), Data: map[string]any{"Sections": sections}})
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
func (s *Server) homeNetwork(c *Ctx) (*homeSection, error) {
	if !c.Actor.Can(authz.PermNetworkRead) || c.Actor.Can(authz.PermNetworkCoverage) {
		return nil, nil
	}
	sec := &homeSection{Key: "network", Title: "服务网络", Order: 50}
	for _, k := range []org.Kind{org.KindStation, org.KindRoom} {
		_, n, err := org.List(c.Context(), s.App.DB, c.Actor, org.Filter{Kind: k, Active: "1", Limit: 1})
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, homeCard{Label: k.Label() + "（运行中）", Value: strconv.Itoa(n), Link: "/network/" + string(k) + "s"})
	}
	return sec, nil
}

// homeAccounts shows administrators how many accounts they manage.
func (s *Server) homeAccounts(c *Ctx) (*homeSection, error) {
	if !c.Actor.Can(authz.PermUsersRead) {
		return nil, nil
	}
	_, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, auth.UserFilter{Active: "1", Limit: 1})
	if err != nil {
		return nil, err
	}
	return &homeSection{Key: "accounts", Title: "账号", Order: 90,
		Cards: []homeCard{{Label: "启用的账号", Value: strconv.Itoa(total), Link: "/users?active=1"}}}, nil
}
