package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/browsertest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/network"
)

// stationOf returns the id and version of the station of a township.
func netStation(t *testing.T, env *apptest.Env, township string) (id string, version int) {
	t.Helper()
	err := env.App.DB.QueryRow(context.Background(), `SELECT o.id, o.version FROM stations s JOIN org_units o ON o.id = s.org_id WHERE s.township_code = ?`, township).Scan(&id, &version)
	if err != nil {
		t.Fatalf("station %s: %v", township, err)
	}
	return id, version
}

func netCount(t *testing.T, env *apptest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.App.DB.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func netWantPage(t *testing.T, res *apptest.Response, status int, texts ...string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	for _, s := range texts {
		if !strings.Contains(res.Body, s) {
			t.Fatalf("page lacks %q", s)
		}
	}
}

func TestNetworkPagesForEachRole(t *testing.T) {
	env := apptest.Start(t)
	chaoge, _ := netStation(t, env, "410622001")
	lingshan, _ := netStation(t, env, "410622004")
	admin := env.LoginDemo("admin")
	netWantPage(t, admin.Get("/network/stations"), 200, "朝歌街道社工站", "黄洞乡社工站", "示范站", "淇县新光源社会工作服务中心")
	netWantPage(t, admin.Get("/network/stations?demo=1&sort=name&dir=desc"), 200, "共 3 条")
	netWantPage(t, admin.Get("/network/stations?q=灵山"), 200, "共 1 条")
	netWantPage(t, admin.Get("/network/stations/"+lingshan), 200, "赵庄村社工室", "大石岩村社工室", "标准化示范站", "停用该站", "新建社工室")
	netWantPage(t, admin.Get("/network/stations/new"), 200, "乡镇（街道）", "已有：朝歌街道社工站")
	netWantPage(t, admin.Get("/network/stations/"+chaoge+"/edit"), 200, "运营机构", "朝歌街道社工站")
	netWantPage(t, admin.Get("/network/stations/"+chaoge+"/assessments/new"), 200, "个案工作室", "评定为标准化示范站")
	netWantPage(t, admin.Get("/network/rooms"), 200, "赵庄村社工室", "410622004204")
	netWantPage(t, admin.Get("/network/rooms/new"), 200, "请先选择乡镇（街道）")
	netWantPage(t, admin.Get("/network/organisations"), 200, "淇县萤火社会工作服务中心", "共 3 条")
	netWantPage(t, admin.Get("/network/organisations/new"), 200, "统一社会信用代码")
	netWantPage(t, admin.Get("/network/checklist"), 200, "个案工作室", `data-testid="checklist-total">100<`, "新增项目")
	netWantPage(t, admin.Get("/network/coverage"), 200, "100.0%", "黄洞乡", "导出 Excel")
	netWantPage(t, admin.Get("/network/coverage?show=missing"), 200, "没有符合条件的乡镇（街道）")

	// The station head sees their own station only, and edits it without
	// the county's fields.
	head := env.LoginDemo("zhanzhang")
	res := head.Get("/network/stations")
	netWantPage(t, res, 200, "朝歌街道社工站", "共 1 条")
	if strings.Contains(res.Body, "桥盟街道社工站") {
		t.Fatal("station head sees another station")
	}
	res = head.Get("/network/stations/" + chaoge + "/edit")
	netWantPage(t, res, 200, "站长姓名")
	if strings.Contains(res.Body, `name="operator_id"`) || strings.Contains(res.Body, "停用该站") {
		t.Fatal("station head is offered the county's fields")
	}
	netWantPage(t, head.Get("/network/stations/"+lingshan), 403, "不在您负责的范围内")
	netWantPage(t, head.Get("/network/coverage"), 403, "无权")

	// Read-only roles read.
	leader := env.LoginDemo("lingdao")
	res = leader.Get("/network/stations/" + lingshan)
	netWantPage(t, res, 200, "赵庄村社工室")
	if strings.Contains(res.Body, "/edit") || strings.Contains(res.Body, "停用该站") {
		t.Fatal("leader is offered edits")
	}
	netWantPage(t, leader.Get("/network/checklist"), 200, "个案工作室")
	if strings.Contains(leader.Get("/network/checklist").Body, "新增项目") {
		t.Fatal("leader may edit the checklist")
	}
	nav := leader.Get("/").Body
	if !strings.Contains(nav, `data-testid="home-coverage"`) || !strings.Contains(nav, "100.0%") {
		t.Error("leader's home page lacks the coverage")
	}
	if strings.Contains(head.Get("/").Body, `data-testid="home-coverage"`) {
		t.Error("station head's home page shows county coverage")
	}
	for _, want := range []string{`href="/network/stations"`, `href="/network/coverage"`} {
		if !strings.Contains(nav, want) {
			t.Errorf("leader menu lacks %s", want)
		}
	}
}

func TestStationHeadEditsOnlyTheirStationOverHTTP(t *testing.T) {
	env := apptest.Start(t)
	chaoge, v := netStation(t, env, "410622001")
	qiaomeng, qv := netStation(t, env, "410622002")
	head := env.LoginDemo("zhanzhang")
	form := url.Values{"version": {strconv.Itoa(v)}, "address": {"朝歌街道新址 8 号"}, "phone": {"0392-7229999"}, "opened_on": {"2021-03-15"}, "head_name": {"王丽"}}
	res := head.PostForm("/network/stations/"+chaoge, form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("own station: %d %s", res.Status, res.Body)
	}
	// The operator stays (the form has no operator field for heads).
	if n := netCount(t, env, `SELECT COUNT(*) FROM stations WHERE org_id = ? AND address = '朝歌街道新址 8 号' AND operator_id IS NOT NULL`, chaoge); n != 1 {
		t.Fatal("own station not saved, or operator lost")
	}
	form.Set("version", strconv.Itoa(qv))
	netWantPage(t, head.PostForm("/network/stations/"+qiaomeng, form), 403, "不在您负责的范围内")
	// A bad phone comes back on the form with the typed values.
	form.Set("version", strconv.Itoa(v+1))
	form.Set("phone", "12345")
	netWantPage(t, head.PostForm("/network/stations/"+chaoge, form), 422, "固定电话", `value="12345"`, "朝歌街道新址 8 号")

	api := env.APILoginDemo("zhanzhang")
	res = api.JSON("PATCH", "/api/v1/stations/"+chaoge, map[string]any{"version": v + 1, "head_name": "王丽娟"})
	if res.Status != 200 {
		t.Fatalf("api own: %d %s", res.Status, res.Body)
	}
	if res = api.JSON("PATCH", "/api/v1/stations/"+qiaomeng, map[string]any{"version": qv, "head_name": "x"}); res.Status != 403 || res.ErrorCode() != "out_of_scope" {
		t.Fatalf("api other: %d %s", res.Status, res.Body)
	}
	if res = api.JSON("PATCH", "/api/v1/stations/"+chaoge, map[string]any{"version": v + 2, "operator_id": ""}); res.Status != 422 || !strings.Contains(res.Body, "operator_id") {
		t.Fatalf("api operator: %d %s", res.Status, res.Body)
	}
	// Other roles read only.
	for _, u := range []string{"shegong", "dudao", "pinggu", "lingdao", "zhiyuan"} {
		c := env.APILoginDemo(u)
		if res := c.JSON("PATCH", "/api/v1/stations/"+chaoge, map[string]any{"version": v + 2, "head_name": "x"}); res.Status != 403 || res.ErrorCode() != "forbidden" {
			t.Errorf("%s: PATCH %d", u, res.Status)
		}
		if res := c.Get("/api/v1/stations/" + chaoge); res.Status != 200 && u != "shegong" && u != "zhiyuan" {
			t.Errorf("%s: GET %d", u, res.Status)
		}
	}
}

func TestRoomThroughThePickerForm(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	// The picker endpoint lists a township's villages as options, with
	// those that have a room disabled.
	res := admin.Get("/network/divisions/options?township_code=410622004")
	netWantPage(t, res, 200, "请选择村（社区）", `<option value="410622004200" disabled>赵庄村民委员会（村委会） 410622004200　已有：赵庄村社工室</option>`)
	if got := strings.Count(res.Body, "<option"); got < 6 {
		t.Fatalf("%d options", got)
	}
	res = admin.Get("/network/divisions/options?county_id=" + netCountyID(t, env))
	netWantPage(t, res, 200, "请选择乡镇（街道）", "黄洞乡（乡） 410622202")

	// Wrong village for the township: refused, the choice kept.
	before := netCount(t, env, `SELECT COUNT(*) FROM org_units`)
	res = admin.PostForm("/network/rooms", url.Values{"township_code": {"410622001"}, "village_code": {"410622004201"}, "address": {"村委会大院"}})
	netWantPage(t, res, 422, "不在朝歌街道", `<option value="410622001" selected>`, `value="村委会大院"`)
	res = admin.PostForm("/network/rooms", url.Values{"township_code": {""}, "village_code": {""}})
	netWantPage(t, res, 422, "请选择乡镇（街道）")
	if netCount(t, env, `SELECT COUNT(*) FROM org_units`) != before {
		t.Fatal("refused room wrote an org node")
	}
	res = admin.PostForm("/network/rooms", url.Values{"township_code": {"410622001"}, "village_code": {"410622001002"}, "opened_on": {"2024-05-01"}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/network/rooms/") {
		t.Fatalf("create room: %d %s", res.Status, res.Body)
	}
	netWantPage(t, admin.Get(strings.SplitN(res.Header.Get("Location"), "?", 2)[0]), 200, "西坛社区社工室", "朝歌街道社工站", "居委会")
}

func netCountyID(t *testing.T, env *apptest.Env) string {
	var id string
	if err := env.App.DB.QueryRow(context.Background(), `SELECT id FROM org_units WHERE kind = 'county' AND division_code = ?`, demo.County).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOrganisationFormKeepsValues(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	before := netCount(t, env, `SELECT COUNT(*) FROM service_orgs`)
	res := admin.PostForm("/network/organisations", url.Values{"county_id": {netCountyID(t, env)}, "name": {"淇县阳光社会工作服务中心"},
		"credit_code": {"52410622MJY5800441"}, "contact_phone": {"0392-7211009"}, "status": {"active"}})
	netWantPage(t, res, 422, "统一社会信用代码校验位不正确", `value="淇县阳光社会工作服务中心"`, `value="0392-7211009"`)
	if netCount(t, env, `SELECT COUNT(*) FROM service_orgs`) != before {
		t.Fatal("refused organisation was written")
	}
	res = admin.PostForm("/network/organisations", url.Values{"county_id": {netCountyID(t, env)}, "name": {"淇县阳光社会工作服务中心"},
		"credit_code": {demo.CreditCode("52410622MJY580044")}, "status": {"active"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
}

func TestDeleteStationIsRefusedWithDeactivationOffered(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	lingshan, v := netStation(t, env, "410622004")
	res := admin.PostForm("/network/stations/"+lingshan+"/delete", url.Values{"version": {strconv.Itoa(v)}})
	netWantPage(t, res, 409, "2 个社工室", "不能删除", "停用该站")
	res = admin.PostForm("/network/stations/"+lingshan+"/active", url.Values{"version": {strconv.Itoa(v)}, "active": {""}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", res.Status, res.Body)
	}
	netWantPage(t, admin.Get("/network/coverage"), 200, "88.9%")
	api := env.APILoginDemo("admin")
	if res := api.Request("DELETE", "/api/v1/stations/"+lingshan+"?version="+strconv.Itoa(v+1), "", nil); res.Status != 409 {
		t.Fatalf("api delete: %d %s", res.Status, res.Body)
	}
	// A room made by mistake goes, org node and details.
	var room network.Room
	res = api.JSON("POST", "/api/v1/rooms", map[string]any{"township_code": "410622002", "village_code": "410622002001"})
	res.Decode(&room)
	if res.Status != 201 || room.Name == "" {
		t.Fatalf("api room: %d %s", res.Status, res.Body)
	}
	if res := api.Request("DELETE", "/api/v1/rooms/"+room.ID+"?version=1", "", nil); res.Status != 204 {
		t.Fatalf("api delete room: %d %s", res.Status, res.Body)
	}
	if netCount(t, env, `SELECT COUNT(*) FROM org_units WHERE id = ?`, room.ID) != 0 {
		t.Fatal("room node left behind")
	}
}

func TestCoverageExportOverHTTP(t *testing.T) {
	env := apptest.Start(t)
	leader := env.LoginDemo("lingdao")
	res := leader.Get("/network/coverage.xlsx")
	if res.Status != 200 || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.Status, res.Header)
	}
	f, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("覆盖情况")
	if len(rows) != 10 || rows[0][0] != "乡镇（街道）代码" || rows[9][1] != "黄洞乡" {
		t.Fatalf("rows %v", rows)
	}
	if n := netCount(t, env, `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'coverage' AND actor_name LIKE '%lingdao%'`); n != 1 {
		t.Fatalf("%d export entries", n)
	}
	if res := env.LoginDemo("zhanzhang").Get("/network/coverage.xlsx"); res.Status != 403 {
		t.Fatalf("station head export: %d", res.Status)
	}
}

func TestNetworkAPI(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("admin")
	var page struct {
		Items                []network.Station
		Total, Limit, Offset int
	}
	api.Get("/api/v1/stations?limit=2&offset=2&sort=code").Decode(&page)
	if page.Total != 9 || len(page.Items) != 2 || page.Items[0].TownshipCode != "410622003" || page.Limit != 2 || page.Offset != 2 {
		t.Fatalf("page %+v", page)
	}
	if res := api.Get("/api/v1/stations?limit=100000"); res.Status != http.StatusBadRequest {
		t.Fatalf("limit out of range: %d", res.Status)
	}
	county := netCountyID(t, env)
	for _, tc := range []struct{ code, want string }{{"410622999", "不存在"}, {"410622001", "已有社工站"}, {"4106", "9 位"}, {"410621001", "辖区"}} {
		res := api.JSON("POST", "/api/v1/stations", map[string]any{"county_id": county, "township_code": tc.code})
		var body struct {
			Error struct{ Fields map[string]string }
		}
		res.Decode(&body)
		if res.Status != 422 || !strings.Contains(body.Error.Fields["township_code"], tc.want) {
			t.Errorf("township %s: %d %s", tc.code, res.Status, res.Body)
		}
	}
	res := api.JSON("POST", "/api/v1/organisations", map[string]any{"name": "某机构", "credit_code": "52410622MJY5800441"})
	if res.Status != 422 || !strings.Contains(res.Body, "credit_code") {
		t.Fatalf("credit code: %d %s", res.Status, res.Body)
	}
	var divs struct {
		Items []struct {
			Code, Name string
			KindLabel  string `json:"kind_label"`
		}
		Total int
	}
	api.Get("/api/v1/divisions?parent=410622").Decode(&divs)
	if divs.Total != 9 || divs.Items[8].Name != "黄洞乡" {
		t.Fatalf("townships %+v", divs)
	}
	api.Get("/api/v1/divisions?q=大石岩").Decode(&divs)
	if divs.Total != 1 || divs.Items[0].Code != "410622004204" {
		t.Fatalf("search %+v", divs)
	}
	var one struct {
		Division  struct{ Name string }
		Ancestors []struct{ Name string }
	}
	api.Get("/api/v1/divisions/410622004204").Decode(&one)
	if len(one.Ancestors) != 4 || one.Ancestors[2].Name != "淇县" {
		t.Fatalf("ancestors %+v", one)
	}
	var cl struct {
		Items []network.ChecklistItem
	}
	api.Get("/api/v1/checklist").Decode(&cl)
	if len(cl.Items) != len(network.DefaultChecklist) {
		t.Fatalf("checklist %d items", len(cl.Items))
	}
	weidu, _ := netStation(t, env, "410622003")
	scores := map[string]int{}
	for _, it := range cl.Items {
		scores[it.ID] = it.MaxScore
	}
	scores[cl.Items[0].ID] = 99
	res = api.JSON("POST", "/api/v1/stations/"+weidu+"/assessments", map[string]any{"assessed_on": "2025-01-02", "assessors": "县局", "scores": scores})
	if res.Status != 422 || !strings.Contains(res.Body, "score_"+cl.Items[0].ID) {
		t.Fatalf("score out of range: %d %s", res.Status, res.Body)
	}
	scores[cl.Items[0].ID] = 1
	res = api.JSON("POST", "/api/v1/stations/"+weidu+"/assessments", map[string]any{"assessed_on": "2025-01-02", "assessors": "县局", "scores": scores})
	if res.Status != 201 {
		t.Fatalf("assessment: %d %s", res.Status, res.Body)
	}
	var cov network.Coverage
	env.APILoginDemo("pinggu").Get("/api/v1/coverage").Decode(&cov)
	if cov.Rate != 1 || cov.TownshipCount != 9 || cov.Villages != 201 {
		t.Fatalf("coverage %+v", cov)
	}
}

// multipartForm builds a form with fields and files (field name → file
// name → bytes).
func netMultipart(t *testing.T, fields url.Values, files map[string][]byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for name, body := range files {
		part, _ := w.CreateFormFile("photos", name)
		part.Write(body)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func TestAssessmentWithPhotosOverHTTP(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	weidu, _ := netStation(t, env, "410622003")
	form := admin.Get("/network/stations/" + weidu + "/assessments/new").Body
	fields := url.Values{"csrf_token": {admin.CSRF}, "assessed_on": {"2025-04-01"}, "assessors": {"县民政局"}, "methods": {"实地查看", "查阅档案"}, "demonstration": {"1"}}
	for _, m := range regexp.MustCompile(`name="(score_[0-9a-f-]+)" min="0" max="(\d+)"`).FindAllStringSubmatch(form, -1) {
		fields.Set(m[1], m[2])
	}
	if len(fields) < 10 {
		t.Fatalf("score fields not found in the form")
	}
	before := netCount(t, env, `SELECT COUNT(*) FROM assessments`)
	ct, body := netMultipart(t, fields, map[string][]byte{"notes.txt": []byte("这不是照片")})
	res := admin.Request("POST", "/network/stations/"+weidu+"/assessments", ct, body)
	netWantPage(t, res, 422, "不是图片", "请改正后重新选择照片", `value="县民政局"`)
	if netCount(t, env, `SELECT COUNT(*) FROM assessments`) != before {
		t.Fatal("refused assessment was written")
	}
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, img)
	ct, body = netMultipart(t, fields, map[string][]byte{"现场.png": pngBuf.Bytes()})
	res = admin.Request("POST", "/network/stations/"+weidu+"/assessments", ct, body)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("assessment: %d %s", res.Status, res.Body)
	}
	page := admin.Get(strings.SplitN(res.Header.Get("Location"), "?", 2)[0])
	netWantPage(t, page, 200, "100/100", "标准化示范站", "实地查看、查阅档案", "<img")
	src := regexp.MustCompile(`<img src="(/attachments/[^"]+)"`).FindStringSubmatch(page.Body)
	if src == nil {
		t.Fatal("no photo link")
	}
	if res := admin.Get(src[1]); res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/png") {
		t.Fatalf("photo: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	// The station head of another station may not see it.
	if res := env.LoginDemo("zhanzhang").Get(src[1]); res.Status != 403 {
		t.Fatalf("photo out of scope: %d", res.Status)
	}
}

// A county administrator creates a room in a real browser: picking the
// township loads its villages into the second select (htmx), and saving
// opens the new room.
func TestBrowserCreatesRoomThroughThePicker(t *testing.T) {
	env := apptest.Start(t)
	b := browsertest.New(t, 1280, 900)
	b.Login(t, env.URL, "admin", demo.Password)
	b.Do(t,
		chromedp.Navigate(env.URL+"/network/rooms/new"),
		chromedp.WaitVisible(chromedp.CSS("#f-township_code")),
	)
	if !browsertest.Eval[bool](t, b, `(() => { const s = document.getElementById("f-township_code"); s.value = "410622001";
		s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`) {
		t.Fatal("could not pick the township")
	}
	b.Do(t, chromedp.WaitReady(chromedp.CSS(`#f-village_code option[value="410622001003"]`)))
	b.Do(t,
		chromedp.SetValue(chromedp.CSS("#f-village_code"), "410622001003"),
		chromedp.SendKeys(chromedp.CSS("#f-address"), "三海社区服务中心"),
		chromedp.Click(chromedp.CSS(`[data-testid="room-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")),
	)
	if h := b.Text(t, "main h1"); h != "三海社区社工室" {
		t.Fatalf("room page heading %q", h)
	}
	if n := netCount(t, env, `SELECT COUNT(*) FROM rooms WHERE village_code = '410622001003' AND address = '三海社区服务中心'`); n != 1 {
		t.Fatal("room not saved")
	}
}

// A station node made on the generic organisation pages has no details:
// the stations page points at it so the county completes it.
func TestBareStationNodeIsPointedOut(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	res := admin.PostForm("/orgs", url.Values{"parent_id": {netCountyID(t, env)}, "kind": {"station"}, "name": {"试点社工站"}, "division_code": {"410622001"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create node: %d %s", res.Status, res.Body)
	}
	netWantPage(t, admin.Get("/network/stations"), 200, `data-testid="bare-stations"`, "试点社工站", "township=410622001")
	// Its township already has a station, so completing it is refused.
	res = admin.PostForm("/network/stations", url.Values{"county_id": {netCountyID(t, env)}, "township_code": {"410622001"}})
	netWantPage(t, res, 422, "已有社工站")
	if strings.Contains(env.LoginDemo("lingdao").Get("/network/stations").Body, "bare-stations") {
		t.Fatal("read-only role is asked to complete a station")
	}
}

func TestChecklistEditing(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	county := netCountyID(t, env)
	res := admin.PostForm("/network/checklist", url.Values{"county_id": {county}, "category": {"宣传"}, "title": {"设有宣传栏"}, "max_score": {"0"}})
	netWantPage(t, res, 422, "满分应在 1–100 之间", `value="设有宣传栏"`)
	res = admin.PostForm("/network/checklist", url.Values{"county_id": {county}, "category": {"宣传"}, "title": {"设有宣传栏"}, "max_score": {"5"}, "active": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("add item: %d %s", res.Status, res.Body)
	}
	netWantPage(t, admin.Get("/network/checklist"), 200, "设有宣传栏", `data-testid="checklist-total">105<`)
	var id string
	var version int
	if err := env.App.DB.QueryRow(context.Background(), `SELECT id, version FROM checklist_items WHERE title = '设有宣传栏'`).Scan(&id, &version); err != nil {
		t.Fatal(err)
	}
	// Retiring the item takes it out of the total; a stale form is refused.
	form := url.Values{"county_id": {county}, "version": {strconv.Itoa(version)}, "category": {"宣传"}, "title": {"设有宣传栏"}, "max_score": {"5"}, "position": {"90"}}
	if res := admin.PostForm("/network/checklist/"+id, form); res.Status != http.StatusSeeOther {
		t.Fatalf("retire: %d %s", res.Status, res.Body)
	}
	netWantPage(t, admin.Get("/network/checklist"), 200, `data-testid="checklist-total">100<`)
	netWantPage(t, admin.PostForm("/network/checklist/"+id, form), 409, "已被他人修改")
	if res := env.LoginDemo("pinggu").PostForm("/network/checklist/"+id, form); res.Status != 403 {
		t.Fatalf("evaluator edits the checklist: %d", res.Status)
	}
}
