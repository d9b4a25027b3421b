package activitiesweb_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

var (
	upcomingCard = regexp.MustCompile(`<a href="([^"]+)"><div class="value">(\d+)</div><div class="title">未来两周计划活动</div>`)
	listTotal    = regexp.MustCompile(`共 (\d+) 条`)
)

// The home card 未来两周计划活动 counts exactly the list it opens, for a
// station head (their station) and a county administrator (every
// station), when the fortnight runs past a month's end.
func TestUpcomingCardEqualsItsList(t *testing.T) {
	// Today is the 25th, so the next fourteen days reach into next month.
	now := time.Now().In(cst.Loc)
	shift := time.Date(now.Year(), now.Month(), 25, now.Hour(), now.Minute(), now.Second(), 0, cst.Loc).Sub(now)
	t.Cleanup(cst.SetNowForTest(func() time.Time { return time.Now().Add(shift) }))
	day := func(n int) string { return cst.Now().AddDate(0, 0, n).Format(cst.DateLayout) }
	if day(1)[:7] == day(14)[:7] {
		t.Fatalf("the fortnight %s–%s stays in one month", day(1), day(14))
	}

	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	plan := func(title string, in int) string {
		t.Helper()
		id := ids.New()
		r := head.PostForm("/activities", url.Values{"id": {id}, "title": {title}, "kind": {"activity"}, "planned_on": {day(in)},
			"start_time": {"09:00"}, "end_time": {"10:00"}, "place": {"村委会"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("plan %s: %d %s", title, r.Status, r.Body)
		}
		return id
	}
	plan("月内健步走", 1)
	plan("下月初读书会", 8)
	plan("两周末义诊", 14)
	plan("两周后宣讲", 15)
	cancelled := plan("取消的观影会", 3)
	if r := head.PostForm("/activities/"+cancelled+"/cancel", url.Values{"version": {"1"}, "reason": {"场地冲突"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	// One more at another station of the county: the administrator's
	// card counts it, the head's does not.
	var other authz.Actor
	if err := env.App.DB.QueryRow(context.Background(), `SELECT u.id, u.org_id, o.path FROM users u JOIN org_units o ON o.id = u.org_id
		JOIN users h ON h.username = 'zhanzhang' WHERE u.role = 'worker' AND o.kind = 'station' AND u.org_id <> h.org_id ORDER BY u.username LIMIT 1`).
		Scan(&other.UserID, &other.OrgID, &other.OrgPath); err != nil {
		t.Fatal(err)
	}
	other.Role = authz.RoleWorker
	if err := env.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := activities.Plan(context.Background(), tx, &other, activities.PlanInput{OrgID: other.OrgID, Title: "邻站跨月活动", Kind: activities.KindActivity,
			PlannedOn: day(9), StartTime: "09:00", EndTime: "10:00", Place: "社区广场"})
		return err
	}); err != nil {
		t.Fatal(err)
	}

	check := func(who string, c *apptest.Client) (int, string) {
		t.Helper()
		home := c.Get("/")
		m := upcomingCard.FindStringSubmatch(home.Body)
		if home.Status != http.StatusOK || m == nil {
			t.Fatalf("%s: no card on the home page: %d", who, home.Status)
		}
		link, card := html.UnescapeString(m[1]), m[2]
		rows, total, body := 0, "", ""
		for page := 1; ; page++ {
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("page", strconv.Itoa(page))
			u.RawQuery = q.Encode()
			r := c.Get(u.String())
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %s: %d", who, link, r.Status)
			}
			n := strings.Count(r.Body, `data-testid="activity-row"`)
			if page == 1 {
				if tm := listTotal.FindStringSubmatch(r.Body); tm != nil {
					total = tm[1]
				}
			}
			if n == 0 {
				break
			}
			rows += n
			body += r.Body
		}
		if card != strconv.Itoa(rows) || card != total {
			t.Errorf("%s: the card says %s, its list %s shows %d rows (共 %s 条)", who, card, link, rows, total)
		}
		for _, title := range []string{"月内健步走", "下月初读书会", "两周末义诊"} {
			if !strings.Contains(body, title) {
				t.Errorf("%s: %s is not on the list", who, title)
			}
		}
		for _, title := range []string{"两周后宣讲", "取消的观影会"} {
			if strings.Contains(body, title) {
				t.Errorf("%s: %s is on the list", who, title)
			}
		}
		return rows, body
	}
	headRows, headBody := check("station head", head)
	adminRows, adminBody := check("county admin", env.LoginDemo("admin"))
	if strings.Contains(headBody, "邻站跨月活动") || !strings.Contains(adminBody, "邻站跨月活动") || adminRows <= headRows {
		t.Errorf("scope: head %d rows, admin %d rows", headRows, adminRows)
	}
}
