package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/workforce"
)

// wfUpload posts a file to the roster import as a browser would.
func wfUpload(c *apptest.Client, name string, data []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.CSRF)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.Request("POST", "/workforce/import", mw.FormDataContentType(), &buf)
}

func wfRoster(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	header := []string{"姓名", "性别", "身份证号", "手机号", "学历", "所属站点", "入职日期", "证书等级", "证书编号", "取得日期"}
	_ = x.SetSheetRow("Sheet1", "A1", &header)
	for i, r := range rows {
		_ = x.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+2), &r)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wfID is a valid ID number for a birth date (fixed sequence 123 = male).
func wfID(birth string) string {
	first17 := "410622" + strings.ReplaceAll(birth, "-", "") + "123"
	sum := 0
	for i, w := range []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2} {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

func wfTotal(t *testing.T, c *apptest.Client, query string) int {
	t.Helper()
	var page struct{ Total int }
	res := c.Get("/api/v1/workforce/workers?limit=1&" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	res.Decode(&page)
	return page.Total
}

func TestWorkforceRosterImportEndToEnd(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("admin")
	api := env.APILoginDemo("admin")
	before := wfTotal(t, api, "")

	res := web.Get("/workforce/import/template.xlsx")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	good, good2 := wfID("1991-04-05"), wfID("1993-06-07")
	bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] == '2']
	file := wfRoster(t,
		[]any{"周一", "男", good, "13912340001", "大学本科", "朝歌街道社工站", "2021-03-01", "助理社会工作师", "2021A001", "2021-06-20"},
		[]any{"周二", "男", bad, "", "", "朝歌街道社工站"},
		[]any{"周三", "男", good, "", "", "朝歌街道社工站"},
		[]any{"周四", "男", good2, "", "本科以上", "卫都街道社工站", "", "", "", ""},
		[]any{"周五", "男", good2[:6] + "19930607" + good2[14:], "", "", "北阳镇社工站", "2030-01-01"},
	)
	res = wfUpload(web, "花名册.xlsx", file)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload with errors: %d", res.Status)
	}
	for _, want := range []string{"第3行·身份证号", "校验位", "第4行·身份证号", "与第 2 行的身份证号重复", "第5行·学历", "第6行·身份证号", "第6行·入职日期", "尚未导入任何数据", "只导入有效的 1 行"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("error page lacks %q", want)
		}
	}
	if n := wfTotal(t, api, ""); n != before {
		t.Fatalf("an invalid roster wrote %d workers", n-before)
	}
	// The user chooses to import the valid rows, then downloads the rest.
	batch := strings.SplitN(strings.SplitN(res.Body, `/workforce/import/`, 2)[1], "/", 2)[0]
	res = web.PostForm("/workforce/import/"+batch+"/commit", url.Values{})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "已导入有效的 1 行") {
		t.Fatalf("commit: %d", res.Status)
	}
	if n := wfTotal(t, api, ""); n != before+1 {
		t.Fatalf("after commit: %d new workers", n-before)
	}
	if res = web.PostForm("/workforce/import/"+batch+"/commit", url.Values{}); res.Status != http.StatusConflict {
		t.Fatalf("second commit: %d", res.Status)
	}
	res = web.Get("/workforce/import/" + batch + "/rejected.xlsx")
	x, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("rejected file: %v", err)
	}
	rows, _ := x.GetRows("未导入")
	reason := len(rows[0]) - 1 // after the uploaded columns and 原行号
	if len(rows) != 5 || rows[0][reason] != "错误原因" || !strings.Contains(rows[1][reason], "校验位") {
		t.Fatalf("rejected rows: %v", rows)
	}
	// Uploading the same file again doubles nobody.
	res = wfUpload(web, "花名册.xlsx", file)
	if !strings.Contains(res.Body, "该身份证号已登记") || wfTotal(t, api, "") != before+1 {
		t.Fatalf("re-upload: %d", res.Status)
	}
	// Files that are not rosters: a clear message, nothing written.
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"名单.csv", []byte("姓名,身份证号"), "只能上传 Excel（.xlsx）文件"},
		{"空.xlsx", nil, "空的"},
		{"花名册.xlsx", wfRosterHeader(t, "姓名", "身份证号", "所属站点", "备注"), "无法识别的列名"},
		{"大.xlsx", bytes.Repeat([]byte("x"), int(workforce.MaxImportBytes)+10), "文件过大"},
	} {
		res = wfUpload(web, c.name, c.data)
		if res.Status < 400 || !strings.Contains(res.Body, c.want) {
			t.Fatalf("%s: %d, want message %q", c.name, res.Status, c.want)
		}
	}
	// A file with no problems is imported at once.
	res = wfUpload(web, "新人.xlsx", wfRoster(t, []any{"吴八", "男", wfID("1995-08-08"), "", "大专", "高村镇社工站", "2024-05-06"}))
	if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Set-Cookie"), "shegong_flash=") || wfTotal(t, api, "") != before+2 {
		t.Fatalf("valid upload: %d %s", res.Status, res.Header.Get("Location"))
	}
	// The API reports the same problems keyed by row and column.
	res = api.Request("POST", "/api/v1/workforce/import?mode=all&filename=r.xlsx", "application/octet-stream", bytes.NewReader(file))
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "第3行·身份证号") {
		t.Fatalf("api import: %d %s", res.Status, res.Body)
	}
	if wfTotal(t, api, "") != before+2 {
		t.Fatal("api import of a bad file wrote workers")
	}
}

func wfRosterHeader(t *testing.T, header ...string) []byte {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetSheetRow("Sheet1", "A1", &header)
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{"甲", "1", "朝歌街道社工站", "x"})
	var buf bytes.Buffer
	_ = x.Write(&buf)
	return buf.Bytes()
}

func TestWorkforcePermissions(t *testing.T) {
	env := apptest.Start(t)
	head := env.APILoginDemo("zhanzhang")
	staff := env.APILoginDemo("shegong")
	admin := env.APILoginDemo("admin")

	var all, mine, seen struct {
		Total int
		Items []map[string]any
	}
	admin.Get("/api/v1/workforce/workers?limit=200").Decode(&all)
	head.Get("/api/v1/workforce/workers?limit=200").Decode(&mine)
	staff.Get("/api/v1/workforce/workers?limit=200").Decode(&seen)
	if all.Total < 50 || mine.Total == 0 || mine.Total >= all.Total || seen.Total != mine.Total {
		t.Fatalf("totals: admin %d, station head %d, worker %d", all.Total, mine.Total, seen.Total)
	}
	for _, w := range mine.Items {
		if w["org_name"] != "朝歌街道社工站" {
			t.Fatalf("station head sees %v of %v", w["name"], w["org_name"])
		}
		if id, _ := w["id_number"].(string); !strings.Contains(id, "****") {
			t.Fatalf("station head should see a masked ID number, got %q", id)
		}
	}
	for _, w := range seen.Items {
		if _, has := w["id_number"]; has {
			t.Fatalf("a social worker sees a colleague's ID number: %v", w)
		}
	}
	var other string
	for _, w := range all.Items {
		if w["org_name"] != "朝歌街道社工站" {
			other = w["id"].(string)
			break
		}
	}
	if res := head.Get("/api/v1/workforce/workers/" + other); res.Status != http.StatusForbidden || res.ErrorCode() != "out_of_scope" {
		t.Fatalf("station head reads another station's worker: %d", res.Status)
	}
	colleague := seen.Items[0]["id"].(string)
	if res := staff.JSON("POST", "/api/v1/workforce/workers/"+colleague+"/reveal", nil); res.Status != http.StatusForbidden {
		t.Fatalf("worker reveal: %d", res.Status)
	}
	res := head.JSON("POST", "/api/v1/workforce/workers/"+colleague+"/reveal", nil)
	var full struct {
		IDNumber string `json:"id_number"`
	}
	res.Decode(&full)
	if res.Status != http.StatusOK || len(full.IDNumber) != 18 {
		t.Fatalf("station head reveal: %d %s", res.Status, res.Body)
	}
	var audit struct{ Total int }
	env.APILoginDemo("auditadmin").Get("/api/v1/audit?action=reveal&entity_id=" + colleague).Decode(&audit)
	if audit.Total != 1 {
		t.Fatalf("reveal audit entries: %d", audit.Total)
	}
	// The worker's page shows no ID number to a colleague, and masked to the head.
	page := env.LoginDemo("shegong").Get("/workforce/workers/" + colleague)
	if page.Status != http.StatusOK || strings.Contains(page.Body, "身份证号") || strings.Contains(page.Body, full.IDNumber[:6]+"********") {
		t.Fatalf("worker page for a colleague: %d", page.Status)
	}
	if !strings.Contains(env.LoginDemo("zhanzhang").Get("/workforce/workers/"+colleague).Body, full.IDNumber[:6]+"********"+full.IDNumber[14:]) {
		t.Fatal("station head page lacks the masked ID number")
	}
	// The exported roster follows the same rule.
	for user, wantID := range map[string]bool{"shegong": false, "zhanzhang": true} {
		res := env.LoginDemo(user).PostForm("/workforce/workers/export", url.Values{})
		x, err := excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatalf("%s export: %d %v", user, res.Status, err)
		}
		rows, _ := x.GetRows("社工花名册")
		if len(rows) != mine.Total+1 || strings.Contains(strings.Join(rows[0], ","), "身份证号") != wantID {
			t.Fatalf("%s export: %d rows, header %v", user, len(rows), rows[0])
		}
	}
	// Volunteers do not read the roster; a station head cannot register
	// someone at another station.
	if res := env.APILoginDemo("zhiyuan").Get("/api/v1/workforce/workers"); res.Status != http.StatusForbidden {
		t.Fatalf("volunteer reads the roster: %d", res.Status)
	}
	var stations struct{ Items []map[string]any }
	admin.Get("/api/v1/orgs?kind=station&limit=50").Decode(&stations)
	var beiyang string
	for _, s := range stations.Items {
		if s["name"] == "北阳镇社工站" {
			beiyang = s["id"].(string)
		}
	}
	res = head.JSON("POST", "/api/v1/workforce/workers", map[string]any{"org_id": beiyang, "name": "越权", "id_number": wfID("1990-01-01")})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"org_id"`) {
		t.Fatalf("station head registers at another station: %d %s", res.Status, res.Body)
	}
}

func TestWorkforceFormsKeepValuesAndStatistics(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("zhanzhang")
	res := web.Get("/workforce/workers/new")
	if res.Status != http.StatusOK {
		t.Fatalf("new worker form: %d", res.Status)
	}
	id := wfID("1990-02-03")
	bad := id[:17] + map[bool]string{true: "1", false: "2"}[id[17] == '2']
	res = web.PostForm("/workforce/workers", url.Values{"name": {"表单测试"}, "id_number": {bad}, "birth_date": {"1990-02-03"},
		"q_level": {"social_worker"}, "q_obtained_on": {"2001-01-01"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="表单测试"`) || !strings.Contains(res.Body, "身份证号校验位不正确") ||
		!strings.Contains(res.Body, "请选择证书等级") || !strings.Contains(res.Body, `id="err-q_level"`) {
		t.Fatalf("form errors: %d", res.Status)
	}
	res = web.PostForm("/workforce/workers", url.Values{"name": {"表单测试"}, "id_number": {id}, "birth_date": {"1990-02-04"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "出生日期与身份证号不符") {
		t.Fatalf("birth date: %d", res.Status)
	}

	// The demo's trend: 17 certified at the end of 2021, 48 now.
	api := env.APILoginDemo("lingdao")
	var st workforce.Stats
	res = api.Get("/api/v1/workforce/stats")
	if res.Status != http.StatusOK {
		t.Fatalf("stats: %d %s", res.Status, res.Body)
	}
	res.Decode(&st)
	byYear := map[int]workforce.TrendPoint{}
	for _, p := range st.Trend {
		byYear[p.Year] = p
	}
	if byYear[2021].Certified != 17 || byYear[cst.Now().Year()].Certified != 48 || st.Total.Certified != 48 || len(st.Stations) != 9 {
		t.Fatalf("demo trend: 2021 %d, now %d, total %+v", byYear[2021].Certified, byYear[cst.Now().Year()].Certified, st.Total)
	}
	page := env.LoginDemo("lingdao").Get("/workforce/stats")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "echarts-6.1.0") || !strings.Contains(page.Body, `class="chart"`) || !strings.Contains(page.Body, "data-chart=") {
		t.Fatalf("stats page: %d", page.Status)
	}
	if strings.Contains(env.LoginDemo("lingdao").Get("/workforce/workers").Body, "echarts-6.1.0") {
		t.Fatal("ECharts is loaded on a page without charts")
	}
	res = env.LoginDemo("lingdao").Get("/workforce/stats.xlsx?year=2025")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("export: %d", res.Status)
	}
	x, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := x.GetRows("各站点"); len(rows) != 11 || rows[0][0] != "站点" {
		t.Fatalf("export sheet: %v", rows)
	}
	var logged int
	if err := env.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'wf_stats'`).Scan(&logged); err != nil || logged != 1 {
		t.Fatalf("statistics export audited %d times (%v)", logged, err)
	}
	// Every workforce page renders for the county administrator.
	admin := env.LoginDemo("admin")
	for _, p := range []string{"/workforce/workers", "/workforce/workers?level=any&sort=age&dir=desc", "/workforce/volunteers", "/workforce/trainings",
		"/workforce/programmes", "/workforce/allowances?paid=0", "/workforce/import", "/workforce/workers/new", "/workforce/volunteers/new",
		"/workforce/trainings/new", "/workforce/programmes/new", "/"} {
		if res := admin.Get(p); res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", p, res.Status, res.Body)
		}
	}
	var progs struct{ Items []map[string]any }
	env.APILoginDemo("admin").Get("/api/v1/workforce/programmes").Decode(&progs)
	// 朝歌人才 (with allowances) and 鹤壁社工之星.
	talent := ""
	for _, p := range progs.Items {
		if p["name"] == demo.TalentProgramme {
			talent = p["id"].(string)
		}
	}
	if len(progs.Items) != 2 || talent == "" {
		t.Fatalf("demo programmes: %v", progs.Items)
	}
	page = admin.Get("/workforce/programmes/" + talent)
	if !strings.Contains(page.Body, "3,000.00") || !strings.Contains(page.Body, "2023-07 至 2023-12") || !strings.Contains(page.Body, "1,500.00") {
		t.Fatalf("programme page lacks the allowance lines")
	}
	// Loading the demo again creates nothing.
	counts := func() (n [4]int) {
		for i, table := range []string{"wf_workers", "wf_volunteers", "wf_trainings", "wf_allowance_lines"} {
			_ = env.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n[i])
		}
		return n
	}
	first := counts()
	if err := demo.Load(context.Background(), env.App); err != nil {
		t.Fatal(err)
	}
	// Ten 朝歌人才 allowances of three lines each (2023-07…12, 2024, 2025-01…06).
	if again := counts(); again != first || first[0] != 54 || first[3] != 30 {
		t.Fatalf("demo counts %v, after a second load %v", first, again)
	}
}
