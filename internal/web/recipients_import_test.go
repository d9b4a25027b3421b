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
	"github.com/shegong/shegong/internal/recipients"
)

// riUpload posts a roster to the recipients import as a browser would.
func riUpload(c *apptest.Client, name, mode string, data []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.CSRF)
	_ = mw.WriteField("mode", mode)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.Request("POST", "/recipients/import", mw.FormDataContentType(), &buf)
}

func riRoster(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	header := []string{"姓名*", "身份证号*", "联系电话", "村（社区）", "对象类别", "所属站点", "责任社工"}
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

// riID is a valid ID number for a birth date and sequence (odd = male).
func riID(birth, seq string) string {
	first17 := "410622" + strings.ReplaceAll(birth, "-", "") + seq
	sum := 0
	for i, w := range []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2} {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

func riCount(t *testing.T, env *apptest.Env) int {
	t.Helper()
	var n int
	if err := env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM recipients`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// riBatch finds the upload's id in a report page.
func riBatch(t *testing.T, body string) string {
	t.Helper()
	parts := strings.SplitN(body, `action="/recipients/import/`, 2)
	if len(parts) < 2 {
		t.Fatalf("no commit form in the page")
	}
	return strings.SplitN(parts[1], "/", 2)[0]
}

func TestRecipientRosterImportEndToEnd(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("admin")
	api := env.APILoginDemo("admin")

	// The list offers the import to those who may register recipients.
	if res := web.Get("/recipients"); !strings.Contains(res.Body, `href="/recipients/import"`) {
		t.Fatal("the list has no 导入名册 link for the administrator")
	}
	if res := env.LoginDemo("zhiyuan").Get("/recipients"); res.Status != http.StatusOK || strings.Contains(res.Body, `href="/recipients/import"`) {
		t.Fatalf("a volunteer sees the import link (%d)", res.Status)
	}
	// The literal pattern wins over /recipients/{id}.
	res := web.Get("/recipients/import")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "下载导入模板") || !strings.Contains(res.Body, "只导入有效行") {
		t.Fatalf("import page: %d", res.Status)
	}
	res = web.Get("/recipients/import/template.xlsx")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	if _, err := excelize.OpenReader(strings.NewReader(res.Body)); err != nil {
		t.Fatalf("template: %v", err)
	}

	before := riCount(t, env)
	good1, good2 := riID("1946-02-03", "131"), riID("1958-09-10", "242")
	bad := good1[:17] + map[bool]string{true: "1", false: "2"}[good1[17] == '2']
	file := riRoster(t,
		[]any{"导入甲", good1, "13912340001", "西街村", "低保对象、独居老人", "朝歌街道社工站", "朝歌社工"},
		[]any{"导入乙", bad, "", "西街村", "特困供养人员", "朝歌街道社工站", ""},
		[]any{"导入丙", good2, "", "石桥村", "低收入，空巢老人", "朝歌街道", ""},
		[]any{"导入丁", riID("1960-01-01", "353"), "", "西街村", "外星人", "朝歌街道社工站", ""},
		[]any{"合计", "", "", "", "", "", "共 4 人"},
	)
	res = riUpload(web, "低保名册.xlsx", recipients.ImportAll, file)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload with errors: %d", res.Status)
	}
	for _, want := range []string{"第 3 行「身份证号」", "校验位", "第 5 行「对象类别」", "外星人", "尚未导入任何数据", "只导入有效的 2 行", "下载未通过的行",
		"第 6 行（合计行）"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("report lacks %q", want)
		}
	}
	if strings.Contains(res.Body, good1) {
		t.Fatal("the report shows a full ID number")
	}
	if riCount(t, env) != before {
		t.Fatal("the check wrote recipients")
	}
	batch := riBatch(t, res.Body)

	// All or nothing refuses; the user then imports the valid rows.
	res = web.PostForm("/recipients/import/"+batch+"/commit", url.Values{"mode": {recipients.ImportAll}})
	if res.Status != http.StatusUnprocessableEntity || riCount(t, env) != before {
		t.Fatalf("all-or-nothing commit: %d", res.Status)
	}
	res = web.PostForm("/recipients/import/"+batch+"/commit", url.Values{"mode": {recipients.ImportValid}})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "已导入 2 人") {
		t.Fatalf("commit: %d", res.Status)
	}
	if n := riCount(t, env); n != before+2 {
		t.Fatalf("after commit: %d new recipients", n-before)
	}
	if res = web.PostForm("/recipients/import/"+batch+"/commit", url.Values{"mode": {recipients.ImportValid}}); res.Status != http.StatusConflict {
		t.Fatalf("second commit: %d", res.Status)
	}
	if n := riCount(t, env); n != before+2 {
		t.Fatalf("the second commit imported again: %d new", n-before)
	}
	res = web.Get("/recipients/import/" + batch + "/rejected.xlsx")
	x, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("rejected file: %d %v", res.Status, err)
	}
	rows, _ := x.GetRows("未导入")
	n := 7 + 1 // the uploaded columns, then 原行号, then 错误原因
	if len(rows) != 3 || rows[0][n] != "错误原因" || !strings.Contains(rows[1][n], "校验位") || !strings.Contains(rows[2][n], "外星人") {
		t.Fatalf("rejected rows: %v", rows)
	}

	// Imported people are found by their ID number, shown masked.
	var page struct {
		Items []recipients.Recipient
		Total int
	}
	res = api.Get("/api/v1/recipients?q=" + good1)
	res.Decode(&page)
	if page.Total != 1 || page.Items[0].Name != "导入甲" || page.Items[0].IDNumber == good1 || !strings.HasPrefix(page.Items[0].IDNumber, good1[:6]) ||
		strings.Join(page.Items[0].Categories, "、") != "低保对象、独居老人" || page.Items[0].WorkerName != "朝歌社工" {
		t.Fatalf("search by ID number: %d %+v", res.Status, page.Items)
	}
	// The record page still answers beside the import routes.
	if res = web.Get("/recipients/" + page.Items[0].ID); res.Status != http.StatusOK || !strings.Contains(res.Body, "导入甲") {
		t.Fatalf("record page: %d", res.Status)
	}

	// A clean roster, all or nothing: confirmed, then imported.
	head := env.LoginDemo("zhanzhang")
	res = riUpload(head, "补录.xlsx", recipients.ImportAll, riRoster(t, []any{"导入戊", riID("1950-05-05", "461"), "", "南关村", "", "", ""}))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "确认导入全部 1 人") {
		t.Fatalf("clean upload: %d", res.Status)
	}
	res = head.PostForm("/recipients/import/"+riBatch(t, res.Body)+"/commit", url.Values{})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "已导入 1 人") || riCount(t, env) != before+3 {
		t.Fatalf("clean commit: %d", res.Status)
	}
	// A station head cannot import into another station.
	res = riUpload(head, "他站.xlsx", recipients.ImportValid, riRoster(t, []any{"导入己", riID("1951-06-06", "571"), "", "赵庄村", "", "灵山街道社工站", ""}))
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "第 2 行「所属站点」") || !strings.Contains(res.Body, "找不到“灵山街道社工站”") {
		t.Fatalf("other station: %d", res.Status)
	}
	// The batch belongs to its uploader.
	if res = web.Get("/recipients/import/" + riBatch(t, riUpload(head, "他站.xlsx", recipients.ImportValid, riRoster(t, []any{"导入庚", riID("1952-07-07", "681"), "", "西街村", "", "", ""})).Body) + "/rejected.xlsx"); res.Status != http.StatusNotFound {
		t.Fatalf("another user's upload: %d", res.Status)
	}

	// Files that are not rosters: a clear message, nothing kept.
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"名单.csv", []byte("姓名,身份证号"), "只能上传 Excel（.xlsx）文件"},
		{"空.xlsx", nil, "空的"},
		{"名册.xlsx", riRosterHeader(t, "姓名", "所属站点"), "缺少必需的列"},
		{"大.xlsx", bytes.Repeat([]byte("x"), int(recipients.MaxImportBytes)+10), "文件过大"},
	} {
		res = riUpload(web, c.name, recipients.ImportAll, c.data)
		if res.Status < 400 || !strings.Contains(res.Body, c.want) {
			t.Fatalf("%s: %d, want message %q", c.name, res.Status, c.want)
		}
	}
	if res = web.Request("POST", "/recipients/import", "application/x-www-form-urlencoded", strings.NewReader("csrf_token="+url.QueryEscape(web.CSRF))); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "请选择要上传") {
		t.Fatalf("no file: %d", res.Status)
	}
}

func riRosterHeader(t *testing.T, header ...string) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetSheetRow("Sheet1", "A1", &header)
	_ = x.SetSheetRow("Sheet1", "A2", &[]string{"甲", "朝歌街道社工站"})
	var buf bytes.Buffer
	_ = x.Write(&buf)
	return buf.Bytes()
}

// A possible duplicate (same name and birth date as a registered person,
// another ID number) is decided per row before the commit, on the report
// page (导入 / 跳过) and in the API (import_rows, skip_rows): undecided rows
// stop the commit, skipped rows are not written, and the audit names who
// chose to import one anyway.
func TestRecipientImportDuplicateDecisions(t *testing.T) {
	env := apptest.Start(t)
	station := chaogeStationID(t, env)
	api := env.APILoginDemo("admin")
	for _, p := range []struct{ name, id string }{{"查重甲", riID("1949-04-04", "171")}, {"查重乙", riID("1952-05-05", "171")}} {
		res := api.JSON("POST", "/api/v1/recipients", map[string]any{"org_id": station, "name": p.name, "id_number": p.id, "village_code": "410622001201"})
		if res.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", p.name, res.Status, res.Body)
		}
	}
	audits := func(like string) int {
		var n int
		if err := env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE summary LIKE ?`, like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// The page: a choice per flagged row.
	web := env.LoginDemo("admin")
	file := riRoster(t,
		[]any{"查重甲", riID("1949-04-04", "193"), "", "西街村", "", "朝歌街道社工站", ""},
		[]any{"查重乙", riID("1952-05-05", "193"), "", "西街村", "", "朝歌街道社工站", ""},
		[]any{"不重者", riID("1966-06-06", "193"), "", "西街村", "", "朝歌街道社工站", ""})
	res := riUpload(web, "名册.xlsx", recipients.ImportAll, file)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `data-testid="import-doubts"`) ||
		!strings.Contains(res.Body, `name="decision_2" value="import" required`) || !strings.Contains(res.Body, `name="decision_3" value="skip" required`) {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	batch, before := riBatch(t, res.Body), riCount(t, env)
	commit := func(form url.Values) *apptest.Response {
		form.Set("mode", recipients.ImportAll)
		return web.PostForm("/recipients/import/"+batch+"/commit", form)
	}
	res = commit(url.Values{"decision_2": {"import"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请逐行核对并选择“导入”或“跳过”") || riCount(t, env) != before ||
		!strings.Contains(res.Body, `name="decision_2" value="import" required checked`) {
		t.Fatalf("undecided: %d %s", res.Status, res.Body)
	}
	if res = commit(url.Values{"decision_2": {"import"}, "decision_3": {"perhaps"}}); res.Status != http.StatusBadRequest || riCount(t, env) != before {
		t.Fatalf("a bad decision: %d", res.Status)
	}
	res = commit(url.Values{"decision_2": {"import"}, "decision_3": {"skip"}})
	if res.Status != http.StatusOK || riCount(t, env) != before+2 || !strings.Contains(res.Body, `data-testid="import-decisions"`) ||
		!strings.Contains(res.Body, "已按您的选择跳过") {
		t.Fatalf("decided: %d %s", res.Status, res.Body)
	}
	if audits("名册导入服务对象：查重甲（可能重复%（admin）核对后确认不是同一人，选择导入）") != 1 || audits("名册导入服务对象：查重乙%") != 0 ||
		audits("名册导入服务对象：不重者") != 1 {
		t.Fatal("the audit does not record the decisions as taken")
	}

	// The API: check shows the doubts; a writing run needs every decision.
	file = riRoster(t,
		[]any{"查重甲", riID("1949-04-04", "215"), "", "西街村", "", "朝歌街道社工站", ""},
		[]any{"查重乙", riID("1952-05-05", "215"), "", "西街村", "", "朝歌街道社工站", ""})
	post := func(query string) *apptest.Response {
		return api.Request("POST", "/api/v1/recipients/import?"+query, "application/octet-stream", bytes.NewReader(file))
	}
	res = post("mode=check")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"doubts":[{"row":2,"key":"第2行·姓名"`) || !strings.Contains(res.Body, `"undecided":2`) {
		t.Fatalf("check: %d %s", res.Status, res.Body)
	}
	before = riCount(t, env)
	if res = post("mode=all&import_rows=2"); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "第3行·姓名") || riCount(t, env) != before {
		t.Fatalf("undecided: %d %s", res.Status, res.Body)
	}
	if res = post("mode=all&import_rows=2&skip_rows=2,3"); res.Status != http.StatusBadRequest {
		t.Fatalf("a row both imported and skipped: %d %s", res.Status, res.Body)
	}
	if res = post("mode=all&import_rows=x"); res.Status != http.StatusBadRequest {
		t.Fatalf("a bad row number: %d %s", res.Status, res.Body)
	}
	res = post("mode=all&skip_rows=2&import_rows=3")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"imported":1`) || !strings.Contains(res.Body, `"declined":1`) || riCount(t, env) != before+1 {
		t.Fatalf("decided: %d %s", res.Status, res.Body)
	}
	if audits("名册导入服务对象：查重乙（可能重复%（admin）核对后确认不是同一人，选择导入）") != 1 {
		t.Fatal("the API's decision is not in the audit")
	}
}
