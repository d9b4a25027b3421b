package kit

import (
	"fmt"
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
	Open  bool // unfolded: it holds the current page, or it or the menu is short
}

// navFoldAbove is the menu length above which groups other than the
// current page's are folded (an administrator sees some 30 links).
const navFoldAbove = 12

type navLink struct {
	Label, Href string
	Active      bool
}

// navItems is the whole menu, in order.
var navItems = []navItem{
	{"", "首页", "/", authz.PermHome},
	{"服务对象", "服务对象名册", "/recipients", authz.PermRecipientsRead},
	{"服务对象", "家庭", "/households", authz.PermHouseholdsRead},
	{"服务对象", "登记服务对象", "/recipients/new", authz.PermRecipientsManage},
	{"服务对象", "对象类别", "/recipient-categories", authz.PermRecipientsCategories},
	{"探访排查", "我的待探访", "/visits/due?mine=1", authz.PermVisitsWrite},
	{"探访排查", "逾期与到期", "/visits/due", authz.PermVisitsRead},
	{"探访排查", "探访记录", "/visits", authz.PermVisitsRead},
	{"探访排查", "各站探访情况", "/visits/overview", authz.PermVisitsStats},
	{"统计", "统计指标", "/figures", authz.PermFiguresRead},
	{"探访排查", "排查计划", "/visit-campaigns", authz.PermVisitsRead},
	{"探访排查", "探访频次规则", "/visit-rules", authz.PermVisitsRules},
	{"服务开展", "服务记录", "/services", authz.PermServicesRead},
	{"服务开展", "个案", "/cases", authz.PermCaseworkRead},
	{"服务开展", "个案任务", "/cases/tasks", authz.PermCaseworkRead},
	{"服务开展", "待我审批", "/cases/approvals", authz.PermCaseworkApprove},
	{"服务开展", "个案工作规则", "/case-settings", authz.PermCaseworkSettings},
	{"服务开展", "督导负责站点", "/supervisor-stations", authz.PermCaseworkSettings},
	{"服务开展", "服务内容分类", "/service-categories", authz.PermServicesCategories},
	{"服务开展", "转介", "/referrals", authz.PermReferralsRead},
	{"服务开展", "转介资源目录", "/agencies", authz.PermReferralsRead},
	{"服务开展", "社区活动日历", "/activities", authz.PermActivitiesRead},
	{"服务开展", "小组工作", "/groups", authz.PermGroupsRead},
	{"服务网络", "社工站", "/network/stations", authz.PermNetworkRead},
	{"服务网络", "社工室", "/network/rooms", authz.PermNetworkRead},
	{"服务网络", "社工机构", "/network/organisations", authz.PermNetworkRead},
	{"服务网络", "覆盖情况", "/network/coverage", authz.PermNetworkCoverage},
	{"服务网络", "标准化清单", "/network/checklist", authz.PermNetworkRead},
	{"队伍建设", "社工花名册", "/workforce/workers", authz.PermWorkforceRead},
	{"队伍建设", "志愿者", "/workforce/volunteers", authz.PermWorkforceRead},
	{"队伍建设", "培训", "/workforce/trainings", authz.PermWorkforceRead},
	{"队伍建设", "人才与荣誉", "/workforce/programmes", authz.PermWorkforceRead},
	{"队伍建设", "津贴发放", "/workforce/allowances", authz.PermWorkforceRead},
	{"队伍建设", "队伍统计", "/workforce/stats", authz.PermWorkforceRead},
	{"队伍建设", "工作交接", "/handover", authz.PermRecipientsHandover},
	{"系统管理", "用户管理", "/users", authz.PermUsersRead},
	{"系统管理", "组织架构", "/orgs", authz.PermOrgManage},
	{"系统管理", "审计日志", "/audit", authz.PermAuditRead},
	{"系统管理", "安全策略", "/security-policy", authz.PermSecurityPolicy},
	{"我的账号", "修改密码", "/account/password", authz.PermAccount},
	{"", "我的导出", "/exports", authz.PermExportsOwn},
}

func navFor(actor *authz.Actor, current, currentQuery string) []navGroup {
	// Exactly one link is marked active: the most specific match of the
	// current page (same path and query, then same path, then a page
	// below the link's path).
	score := func(href string) int {
		path, query, hasQuery := strings.Cut(href, "?")
		switch {
		case path == current && hasQuery && query == currentQuery:
			return 3
		case path == current && !hasQuery:
			return 2
		case path != "/" && !hasQuery && strings.HasPrefix(current, path+"/"):
			return 1
		}
		return 0
	}
	best, bestScore := "", 0
	for _, it := range navItems {
		if sc := score(it.Href); actor.Can(it.Perm) && sc > bestScore {
			best, bestScore = it.Href, sc
		}
	}
	var groups []navGroup
	links := 0
	for _, it := range navItems {
		if !actor.Can(it.Perm) {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Label != it.Group {
			groups = append(groups, navGroup{Label: it.Group})
		}
		g := &groups[len(groups)-1]
		g.Items = append(g.Items, navLink{Label: it.Label, Href: it.Href, Active: it.Href == best})
		links++
	}
	for i := range groups {
		g := &groups[i]
		g.Open = links <= navFoldAbove || g.Label == "" || len(g.Items) == 1
		for _, l := range g.Items {
			g.Open = g.Open || l.Active
		}
	}
	return groups
}

// checkNav refuses a menu that shows a link to a role its page refuses:
// every entry's permission must be held only by roles that the GET
// route of its page lets in (an entry may show to fewer, as 我的待探访
// does). Mount runs it, so a route whose permission is narrowed takes
// its menu entry along or the server does not start.
func checkNav(routes []Route) error {
	for _, it := range navItems {
		path, _, _ := strings.Cut(it.Href, "?")
		pattern := path
		if path == "/" {
			pattern = "/{$}"
		}
		var rt *Route
		for i := range routes {
			if routes[i].Method == "GET" && routes[i].Pattern == pattern {
				rt = &routes[i]
			}
		}
		if rt == nil {
			return fmt.Errorf("menu entry %s (%s) has no GET route", it.Label, it.Href)
		}
		if rt.Perm == "" {
			continue
		}
		for _, role := range authz.Roles {
			if authz.Allowed(role, it.Perm) && !authz.Allowed(role, rt.Perm) {
				return fmt.Errorf("menu entry %s (%s) shows to %s, whom its route (%s) refuses", it.Label, it.Href, role, rt.Perm)
			}
		}
	}
	return nil
}
