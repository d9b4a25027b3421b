package activitiesweb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
)

// In a real browser the 朝歌 worker plans next month (its theme and two
// activities from the calendar), then records yesterday's activity with
// counted and named participants and the station's volunteer; the
// volunteer, in a second browser, sees those hours on their own page.
func TestBrowserPlanHoldAndVolunteerHours(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	var volunteerID, volunteerName string
	if err := env.App.DB.QueryRow(ctx, `SELECT v.id, v.name FROM wf_volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'zhiyuan'`).
		Scan(&volunteerID, &volunteerName); err != nil {
		t.Fatalf("the demo volunteer account is not linked: %v", err)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	next := cst.Now().AddDate(0, 1, 0)
	nextMonth := next.Format("2006-01")
	w := browsertest.New(t, 1280, 900)
	w.Login(t, env.URL, "shegong", demo.Password)
	// Plan next month: the station's theme, then two activities.
	w.Do(t,
		chromedp.Navigate(env.URL+"/activities?month="+nextMonth),
		chromedp.WaitVisible(css(`form[action="/activities/themes"]`)),
		chromedp.SendKeys(css("#f-theme"), "邻里守望相助月"),
		chromedp.Click(css(`form[action="/activities/themes"] button[type="submit"]`)),
		chromedp.WaitVisible(css(".flash")),
	)
	if s := w.Text(t, "#month-theme"); s != "邻里守望相助月" {
		t.Fatalf("theme %q", s)
	}
	before := w.Text(t, "#planned-count")
	for i, title := range []string{"邻里守望茶话会", "防范电信诈骗宣讲"} {
		day := next.Format("2006-01") + []string{"-08", "-15"}[i]
		w.Do(t,
			chromedp.Navigate(env.URL+"/activities/new?date="+day),
			chromedp.WaitVisible(css("#f-title")),
			chromedp.SendKeys(css("#f-title"), title),
			chromedp.SetValue(css("#f-kind"), []string{"activity", "publicity"}[i]),
			chromedp.SendKeys(css("#f-place"), "朝歌村委会"),
			chromedp.Click(css(`form[action="/activities"] button[type="submit"]`)),
			chromedp.WaitVisible(css(".month-grid")),
		)
	}
	if s := w.Text(t, "#planned-count"); s != strconv.Itoa(atoiT(before)+2) {
		t.Fatalf("planned next month %q, before %q", s, before)
	}
	// Yesterday's activity, planned and then recorded.
	yesterday := cst.Now().AddDate(0, 0, -1).Format(cst.DateLayout)
	w.Do(t,
		chromedp.Navigate(env.URL+"/activities/new?date="+yesterday),
		chromedp.WaitVisible(css("#f-title")),
		chromedp.SendKeys(css("#f-title"), "重阳敬老联欢会"),
		chromedp.SetValue(css("#f-kind"), "festival"),
		chromedp.Click(css(`form[action="/activities"] button[type="submit"]`)),
		chromedp.WaitVisible(css(".month-grid")),
	)
	var actID string
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM activities WHERE title = '重阳敬老联欢会'`).Scan(&actID); err != nil {
		t.Fatal(err)
	}
	w.Do(t,
		chromedp.Navigate(env.URL+"/activities/"+actID),
		chromedp.WaitVisible(css(`a[href$="/record"]`)),
		chromedp.Click(css(`a[href$="/record"]`)),
		chromedp.WaitVisible(css("#f-male")),
		chromedp.SendKeys(css("#f-male"), "8"),
		chromedp.SendKeys(css("#f-female"), "12"),
		chromedp.SendKeys(css("#f-children"), "2"),
		chromedp.SendKeys(css("#f-youth"), "3"),
		chromedp.SendKeys(css("#f-middle"), "5"),
		chromedp.SendKeys(css("#f-elders"), "10"),
		chromedp.Click(css(`input[name="named"]`)),
		chromedp.SendKeys(css("#f-vol_"+volunteerID), "1.5"),
		chromedp.SendKeys(css("#f-content"), "为老人表演节目、送上重阳糕"),
		chromedp.Click(css(`form[action$="/record"] button[type="submit"]`)),
		chromedp.WaitVisible(css("#participants")),
	)
	if s := w.Text(t, "#status"); s != "已开展" {
		t.Fatalf("status %q", s)
	}
	if s := w.Text(t, "#participants"); !strings.HasPrefix(s, "20") {
		t.Fatalf("participants %q", s)
	}
	if s := w.Text(t, "#volunteers"); !strings.Contains(s, volunteerName) || !strings.Contains(s, "90 分钟") {
		t.Fatalf("volunteers %q", s)
	}
	// The volunteer sees the hours on their page.
	v := browsertest.New(t, 375, 740)
	v.Login(t, env.URL, "zhiyuan", demo.Password)
	if s := v.Text(t, "body"); !strings.Contains(s, "我的志愿服务") || !strings.Contains(s, "累计服务时长") {
		t.Fatalf("volunteer home: %q", s)
	}
	v.Do(t, chromedp.Navigate(env.URL+"/my-service"), chromedp.WaitVisible(css("#my-logs")))
	if s := v.Text(t, "#my-logs"); !strings.Contains(s, "重阳敬老联欢会") || !strings.Contains(s, "1.5") {
		t.Fatalf("volunteer's logs: %q", s)
	}
}

func atoiT(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
