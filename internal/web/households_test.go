package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
)

// Scenario tests of the household pages (家庭) over real HTTP. The demo
// county has three households at 朝歌 station (张三丰户, 刘建国户 with two
// children, 周丽娟户 with one) and three in 灵山 (杨春生户 and 许大壮户 in
// its rooms, 邢志刚户 at the station).

var householdLink = regexp.MustCompile(`href="/households/([0-9a-f-]{36})">([^<]+)</a>`)

// householdIDs maps household names to ids as listed on a page.
func householdIDs(body string) map[string]string {
	out := map[string]string{}
	for _, m := range householdLink.FindAllStringSubmatch(body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

func wantHouseholds(t *testing.T, what, body string, want ...string) map[string]string {
	t.Helper()
	got := householdIDs(body)
	if len(got) != len(want) {
		t.Errorf("%s: households %v, want %v", what, householdNames(got), want)
	}
	for _, name := range want {
		if got[name] == "" {
			t.Errorf("%s: %s missing from %v", what, name, householdNames(got))
		}
	}
	return got
}

func householdNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestHouseholdPagesForTheStationWorker(t *testing.T) {
	env := apptest.Start(t)
	c := env.LoginDemo("shegong")

	list := c.Get("/households")
	if list.Status != http.StatusOK {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	ids := wantHouseholds(t, "朝歌 worker's list", list.Body, "张三丰户", "刘建国户", "周丽娟户")
	for _, want := range []string{"共 3 条", "李秀英", "刘小雨", "刘小龙", "周子涵", "朝歌", `href="/households"`} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	// Only names: no ID number, phone or address of a member.
	if strings.Contains(list.Body, "410622") || strings.Contains(list.Body, "1390392") || strings.Contains(list.Body, "淇县") {
		t.Error("the household list shows personal data beyond names")
	}

	// The household with its members, each linked to their record.
	page := c.Get("/households/" + ids["刘建国户"])
	if page.Status != http.StatusOK {
		t.Fatalf("household: %d %s", page.Status, page.Body)
	}
	members := recipientIDs(page.Body)
	for _, name := range []string{"刘建国", "刘小雨", "刘小龙"} {
		if members[name] == "" {
			t.Errorf("household page lacks member %s: %v", name, members)
		}
	}
	for _, want := range []string{"户主", "子女", "/recipients?household=" + ids["刘建国户"]} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("household page lacks %q", want)
		}
	}
	// The link to the registry lists the same people.
	listed := recipientIDs(c.Get("/recipients?household=" + ids["刘建国户"]).Body)
	if len(listed) != 3 || listed["刘小龙"] != members["刘小龙"] {
		t.Errorf("registry filtered by household: %v", listed)
	}
	// A member's page loads its household panel, which links back to the household.
	if res := c.Get("/recipients/" + members["刘建国"]); !strings.Contains(res.Body, `hx-get="/recipients/`+members["刘建国"]+`/household"`) {
		t.Error("the recipient page does not load the household panel")
	}
	if res := c.Get("/recipients/" + members["刘建国"] + "/household"); !strings.Contains(res.Body, `href="/households/`+ids["刘建国户"]+`"`) {
		t.Error("the household panel does not link to the household")
	}
	if res := c.Get("/households/01890000-0000-7000-8000-000000000000"); res.Status != http.StatusNotFound {
		t.Errorf("unknown household: %d", res.Status)
	}
}

func TestHouseholdPagesHideChildrenFromVolunteers(t *testing.T) {
	env := apptest.Start(t)
	// An evaluator does not see children: the household shows the others
	// and counts them.
	c := env.LoginDemo("pinggu")
	list := c.Get("/households?q=刘")
	ids := wantHouseholds(t, "evaluator's search", list.Body, "刘建国户")
	if strings.Contains(list.Body, "刘小雨") || !strings.Contains(list.Body, "刘建国") || !strings.Contains(list.Body, "另有 2 名") {
		t.Errorf("evaluator's list shows children or hides the count:\n%s", list.Body)
	}
	page := c.Get("/households/" + ids["刘建国户"])
	if page.Status != http.StatusOK || strings.Contains(page.Body, "刘小雨") || strings.Contains(page.Body, "刘小龙") || !strings.Contains(page.Body, "另有 2 名") {
		t.Errorf("evaluator's household page: %d", page.Status)
	}
	// A volunteer sees no households at all (recipients.FieldAccess).
	v := env.LoginDemo("zhiyuan")
	if res := v.Get("/households"); res.Status != http.StatusForbidden || strings.Contains(res.Body, "刘建国") {
		t.Errorf("volunteer's households: %d", res.Status)
	}
	if res := v.Get("/households/" + ids["刘建国户"]); res.Status != http.StatusForbidden {
		t.Errorf("volunteer's household page: %d", res.Status)
	}
}

func TestHouseholdPagesKeepToScope(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	lingshan, err := demo.Unit(ctx, env.App.DB, "410622004", org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	// A worker of 灵山 station (created by the system: no first-login
	// password change).
	if _, err := env.App.Auth.CreateUser(ctx, nil, auth.UserInput{Username: "lingshan1", DisplayName: "灵山社工", Role: authz.RoleWorker,
		OrgID: lingshan.ID, Password: demo.Password, Demo: true}); err != nil {
		t.Fatal(err)
	}
	// The county administrator sees every household of the county (the
	// demo has more in other stations, so the list is read in one page).
	var total int
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM households`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	all := householdIDs(env.LoginDemo("admin").Get("/households?size=100").Body)
	if len(all) != total {
		t.Errorf("admin's list: %d households, want all %d", len(all), total)
	}
	for _, name := range []string{"张三丰户", "刘建国户", "周丽娟户", "杨春生户", "许大壮户", "邢志刚户"} {
		if all[name] == "" {
			t.Errorf("admin's list: %s missing from %v", name, householdNames(all))
		}
	}

	other := env.LoginDemo("lingshan1")
	wantHouseholds(t, "灵山 worker's list", other.Get("/households").Body, "杨春生户", "许大壮户", "邢志刚户")
	if res := other.Get("/households/" + all["杨春生户"]); res.Status != http.StatusOK || !strings.Contains(res.Body, "高秀云") {
		t.Errorf("灵山 worker opens a household of their room: %d", res.Status)
	}
	res := other.Get("/households/" + all["张三丰户"])
	if res.Status != http.StatusForbidden || strings.Contains(res.Body, "李秀英") || !strings.Contains(res.Body, "不在您负责的范围内") {
		t.Errorf("灵山 worker opens 朝歌's household: %d", res.Status)
	}
	// Nor the other way round, and a search does not reach outside.
	worker := env.LoginDemo("shegong")
	if res := worker.Get("/households/" + all["邢志刚户"]); res.Status != http.StatusForbidden || strings.Contains(res.Body, "邢乐乐") {
		t.Errorf("朝歌 worker opens 灵山's household: %d", res.Status)
	}
	wantHouseholds(t, "朝歌 worker searching 杨", worker.Get("/households?q="+url.QueryEscape("杨")).Body)
}

func TestHouseholdSearchAndStationFilter(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	c := env.LoginDemo("shegong")
	body := c.Get("/households?q=" + url.QueryEscape("张三")).Body
	wantHouseholds(t, "search 张三", body, "张三丰户")
	if !strings.Contains(body, "共 1 条") || strings.Contains(body, "刘建国") {
		t.Error("search by name does not filter the list")
	}
	wantHouseholds(t, "search 周", c.Get("/households?q="+url.QueryEscape("周")).Body, "周丽娟户")
	if body := c.Get("/households?q=" + url.QueryEscape("没有这户")).Body; !strings.Contains(body, "没有符合条件的家庭") {
		t.Error("an empty search does not say so")
	}

	// The station filter takes the rooms below a station along.
	admin := env.LoginDemo("admin")
	lingshan, _ := demo.Unit(ctx, env.App.DB, "410622004", org.KindStation)
	room, _ := demo.Unit(ctx, env.App.DB, "410622004204", org.KindRoom)
	wantHouseholds(t, "灵山 station", admin.Get("/households?org="+lingshan.ID).Body, "杨春生户", "许大壮户", "邢志刚户")
	wantHouseholds(t, "大石岩 room", admin.Get("/households?org="+room.ID).Body, "许大壮户")
	wantHouseholds(t, "灵山 station, search 邢", admin.Get("/households?org="+lingshan.ID+"&q="+url.QueryEscape("邢")).Body, "邢志刚户")

	// Sorting by station or update time keeps every household.
	var total int
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM households`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"org", "updated"} {
		res := admin.Get("/households?sort=" + sort + "&dir=desc&size=100")
		if res.Status != http.StatusOK {
			t.Fatalf("sort %s: %d", sort, res.Status)
		}
		if n := len(householdIDs(res.Body)); n != total {
			t.Errorf("sort %s: %d households, want %d", sort, n, total)
		}
	}
	// Pages of two.
	res := admin.Get("/households?size=2&page=3")
	if n := len(householdIDs(res.Body)); n != 2 || !strings.Contains(res.Body, fmt.Sprintf("共 %d 条", total)) {
		t.Errorf("third page of two: %d households", n)
	}
}
