package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
)

// A township's roster as offices keep it: no 所属站点 column, because
// everyone on it belongs to the township.
func townshipRoster(t *testing.T, header []string, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
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

// uploadTo posts a roster to an import page with the chosen 所属站点.
func uploadTo(c *apptest.Client, path, name, mode, target string, data []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.CSRF)
	if mode != "" {
		_ = mw.WriteField("mode", mode)
	}
	_ = mw.WriteField("target", target)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.Request("POST", path, mw.FormDataContentType(), &buf)
}

func stationID(t *testing.T, env *apptest.Env, code string) string {
	t.Helper()
	u, err := demo.Unit(context.Background(), env.App.DB, code, org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func countAt(t *testing.T, env *apptest.Env, table, orgID string) int {
	t.Helper()
	var n int
	if err := env.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE org_id = ?`, orgID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var townshipHeader = []string{"序号", "姓名", "公民身份号码", "联系方式", "村（社区）", "人员类别"}

func TestRecipientImportToChosenStation(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("admin")
	qiaomeng := stationID(t, env, "410622002")
	file := townshipRoster(t, townshipHeader,
		[]any{1, "桥盟甲", riID("1941-05-06", "131"), "13912345601", "古烟村", "特困供养人员"},
		[]any{2, "桥盟乙", riID("1950-11-12", "242"), "", "郭庄村", "低保对象、空巢老人"},
		[]any{3, "桥盟丙", riID("1962-03-04", "351"), "", "桥盟村", "低收入"},
	)

	// The page offers the stations and rooms in the administrator's scope.
	page := web.Get("/recipients/import")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="target"`) || !strings.Contains(page.Body, `value="`+qiaomeng+`"`) ||
		!strings.Contains(page.Body, "赵庄村社工室") {
		t.Fatalf("import page has no 所属站点 choice (%d)", page.Status)
	}

	// Without a station, a county administrator's rows belong nowhere:
	// every row is rejected (what happened before the choice existed).
	before := countAt(t, env, "recipients", qiaomeng)
	res := uploadTo(web, "/recipients/import", "桥盟街道低保名册.xlsx", recipients.ImportAll, "", file)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "有误 3 行") {
		t.Fatalf("upload without a station: %d", res.Status)
	}

	// Choosing 桥盟街道社工站 imports every row there.
	res = uploadTo(web, "/recipients/import", "桥盟街道低保名册.xlsx", recipients.ImportAll, qiaomeng, file)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "有效 3 行，有误 0 行") {
		t.Fatalf("upload to 桥盟: %d %s", res.Status, errorsOf(res.Body))
	}
	if !strings.Contains(res.Body, `<option value="`+qiaomeng+`" selected>`) {
		t.Fatal("the report page forgets the chosen station")
	}
	if got := countAt(t, env, "recipients", qiaomeng); got != before {
		t.Fatalf("the check wrote %d people", got-before)
	}
	web.RefreshCSRF()
	res = web.PostForm("/recipients/import/"+riBatch(t, res.Body)+"/commit", map[string][]string{"mode": {recipients.ImportAll}})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "已导入 3 人") {
		t.Fatalf("commit: %d", res.Status)
	}
	if got := countAt(t, env, "recipients", qiaomeng); got != before+3 {
		t.Fatalf("桥盟 has %d new people, want 3", got-before)
	}

	// A station head may not send a roster to another station.
	head := env.LoginDemo("zhanzhang")
	res = uploadTo(head, "/recipients/import", "r.xlsx", recipients.ImportAll, qiaomeng, file)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不在您的负责范围内") {
		t.Fatalf("station head to another station: %d", res.Status)
	}
}

type recipientImportJSON struct {
	Report struct {
		Mode     string `json:"mode"`
		Total    int    `json:"total"`
		Valid    int    `json:"valid"`
		Invalid  int    `json:"invalid"`
		Imported int    `json:"imported"`
		Target   string `json:"target"`
		Errors   []struct {
			Row     int    `json:"row"`
			Key     string `json:"key"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"report"`
	Rejected []json.RawMessage `json:"rejected"`
}

func TestRecipientImportAPI(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("admin")
	qiaomeng := stationID(t, env, "410622002")
	good1, good2 := riID("1944-02-03", "171"), riID("1957-09-10", "282")
	bad := good1[:17] + map[bool]string{true: "1", false: "2"}[good1[17] == '2']
	file := townshipRoster(t, townshipHeader,
		[]any{1, "接口甲", good1, "", "古烟村", "特困供养人员"},
		[]any{2, "接口乙", bad, "13912345602", "郭庄村", "低保对象"},
		[]any{3, "接口丙", good2, "", "桥盟村", "低收入"},
	)
	post := func(query string) *apptest.Response {
		return api.Request("POST", "/api/v1/recipients/import?"+query, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes.NewReader(file))
	}
	before := countAt(t, env, "recipients", qiaomeng)

	// check: the problems keyed by row and column, nothing written, the
	// rejected row masked.
	res := post("mode=check&filename=" + "名册.xlsx" + "&target=" + qiaomeng)
	var rep recipientImportJSON
	res.Decode(&rep)
	if res.Status != http.StatusOK || rep.Report.Total != 3 || rep.Report.Valid != 2 || rep.Report.Invalid != 1 || rep.Report.Imported != 0 ||
		rep.Report.Target != qiaomeng {
		t.Fatalf("check: %d %s", res.Status, res.Body)
	}
	if len(rep.Report.Errors) != 1 || rep.Report.Errors[0].Key != "第3行·身份证号" {
		t.Fatalf("check errors: %+v", rep.Report.Errors)
	}
	if len(rep.Rejected) != 1 || strings.Contains(res.Body, bad) || strings.Contains(res.Body, "13912345602") {
		t.Fatalf("the rejected row is missing or not masked: %s", res.Body)
	}
	if got := countAt(t, env, "recipients", qiaomeng); got != before {
		t.Fatal("check wrote people")
	}

	// all: one bad row and nothing is written; 422 with the fields.
	res = post("mode=all&filename=r.xlsx&target=" + qiaomeng)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "第3行·身份证号") {
		t.Fatalf("all with a bad row: %d %s", res.Status, res.Body)
	}
	if got := countAt(t, env, "recipients", qiaomeng); got != before {
		t.Fatal("all with a bad row wrote people")
	}
	// Without a station every row of the county administrator's upload
	// lacks one.
	res = post("mode=check&filename=r.xlsx")
	rep = recipientImportJSON{}
	res.Decode(&rep)
	if res.Status != http.StatusOK || rep.Report.Invalid != 3 || !strings.Contains(res.Body, "第2行·所属站点") {
		t.Fatalf("check without a station: %d %s", res.Status, res.Body)
	}

	// valid: the two good rows go to 桥盟.
	res = post("mode=valid&filename=r.xlsx&target=" + qiaomeng)
	rep = recipientImportJSON{}
	res.Decode(&rep)
	if res.Status != http.StatusOK || rep.Report.Imported != 2 || len(rep.Rejected) != 1 {
		t.Fatalf("valid: %d %s", res.Status, res.Body)
	}
	if got := countAt(t, env, "recipients", qiaomeng); got != before+2 {
		t.Fatalf("valid imported %d at 桥盟, want 2", got-before)
	}

	// A bad mode and an out-of-scope station are refused.
	if res := post("mode=maybe"); res.Status != http.StatusBadRequest {
		t.Fatalf("bad mode: %d", res.Status)
	}
	headAPI := env.APILoginDemo("zhanzhang")
	res = headAPI.Request("POST", "/api/v1/recipients/import?mode=check&target="+qiaomeng, "application/octet-stream", bytes.NewReader(file))
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"target"`) {
		t.Fatalf("station head to another station: %d %s", res.Status, res.Body)
	}
	// A volunteer may not import.
	if res := env.APILoginDemo("zhiyuan").Request("POST", "/api/v1/recipients/import?mode=check", "application/octet-stream", bytes.NewReader(file)); res.Status != http.StatusForbidden {
		t.Fatalf("volunteer: %d", res.Status)
	}
}

func TestWorkforceImportToChosenStation(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("admin")
	qiaomeng := stationID(t, env, "410622002")
	page := web.Get("/workforce/import")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="`+qiaomeng+`"`) {
		t.Fatalf("workforce import page has no 所属站点 choice (%d)", page.Status)
	}
	file := townshipRoster(t, []string{"姓名", "性别", "身份证号", "手机号", "学历", "入职日期"},
		[]any{"桥盟社工甲", "男", wfID("1990-01-02"), "13812345601", "大学本科", "2023-03-01"},
		[]any{"桥盟社工乙", "男", wfID("1992-05-06"), "13812345602", "大专", "2024-07-01"},
	)
	before := countAt(t, env, "wf_workers", qiaomeng)
	res := uploadTo(web, "/workforce/import", "桥盟花名册.xlsx", "", "", file)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "有误 2 行") {
		t.Fatalf("upload without a station: %d", res.Status)
	}
	// Choosing the station imports both there.
	res = uploadTo(web, "/workforce/import", "桥盟花名册.xlsx", "", qiaomeng, file)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("upload to 桥盟: %d %s", res.Status, errorsOf(res.Body))
	}
	if got := countAt(t, env, "wf_workers", qiaomeng); got != before+2 {
		t.Fatalf("桥盟 has %d new workers, want 2", got-before)
	}
	// A file with a bad row is kept with the chosen station: importing its
	// valid rows later still puts them there.
	file = townshipRoster(t, []string{"姓名", "性别", "身份证号", "手机号", "学历", "入职日期"},
		[]any{"桥盟社工丙", "男", wfID("1994-08-09"), "13812345603", "大学本科", "2025-03-01"},
		[]any{"桥盟社工丁", "男", "410622199408091230", "13812345604", "大学本科", "2025-03-01"},
	)
	res = uploadTo(web, "/workforce/import", "桥盟花名册2.xlsx", "", qiaomeng, file)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload with a bad row: %d", res.Status)
	}
	parts := strings.SplitN(res.Body, `action="/workforce/import/`, 2)
	if len(parts) < 2 {
		t.Fatal("no commit form")
	}
	web.RefreshCSRF()
	res = web.PostForm("/workforce/import/"+strings.SplitN(parts[1], "/", 2)[0]+"/commit", nil)
	if res.Status != http.StatusOK || countAt(t, env, "wf_workers", qiaomeng) != before+3 {
		t.Fatalf("commit of the valid row: %d, %d new at 桥盟", res.Status, countAt(t, env, "wf_workers", qiaomeng)-before)
	}
}

// errorsOf is the problems table of a report page, for a failure message.
func errorsOf(body string) string {
	if i := strings.Index(body, "<tbody>"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 1500 {
		body = body[:1500]
	}
	return body
}
