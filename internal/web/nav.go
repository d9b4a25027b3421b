package web

import (
	"strings"

	"github.com/shegong/shegong/internal/authz"
)

// navItem is a link in the main navigation, shown only to roles that
// hold its permission. Modules add their items to navItems.
type navItem struct {
	Group string
	Label string
	Href  string
	Perm  authz.Permission
}

type navGroup struct {
	Label string
	Items []navLink
}

type navLink struct {
	Label, Href string
	Active      bool
}

// navItems is the whole menu, in order.
var navItems = []navItem{
	{"", "首页", "/", authz.PermHome},
	{"服务网络", "机构与站点", "/orgs", authz.PermOrgRead},
	{"系统管理", "用户管理", "/users", authz.PermUsersRead},
	{"系统管理", "审计日志", "/audit", authz.PermAuditRead},
	{"我的账号", "修改密码", "/account/password", authz.PermAccount},
}

func navFor(actor *authz.Actor, current string) []navGroup {
	var groups []navGroup
	for _, it := range navItems {
		if !actor.Can(it.Perm) {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Label != it.Group {
			groups = append(groups, navGroup{Label: it.Group})
		}
		active := current == it.Href || (it.Href != "/" && strings.HasPrefix(current, it.Href+"/"))
		g := &groups[len(groups)-1]
		g.Items = append(g.Items, navLink{Label: it.Label, Href: it.Href, Active: active})
	}
	return groups
}
