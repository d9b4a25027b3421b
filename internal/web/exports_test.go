package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/visits"
)

var exportPage = regexp.MustCompile(`^/exports/([0-9a-f-]{36})$`)

// waitExport polls a job's progress piece until it is no longer running.
func waitExport(t *testing.T, c *apptest.Client, id string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := c.Get("/exports/" + id + "/progress")
		if res.Status != 200 {
			t.Fatalf("progress: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(res.Body, `hx-trigger="every 1s"`) {
			return res.Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("export still running: %s", res.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An export bigger than SyncMax runs in the background: the button
// leads to a progress page that polls, then offers the download, which
// only the owner gets and which is audited with the filter.
func TestLargeExportRunsAsAJob(t *testing.T) {
	defer func(n int) { exports.SyncMax = n }(exports.SyncMax)
	exports.SyncMax = 1
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	res := head.PostForm("/recipients/export", url.Values{"full": {"1"}, "category": {"独居老人"}})
	m := exportPage.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("export button: %d → %q", res.Status, res.Header.Get("Location"))
	}
	id := m[1]
	page := head.Get("/exports/" + id)
	if page.Status != 200 || !strings.Contains(page.Body, `data-testid="export-progress"`) || strings.Contains(page.Body, "<script>") {
		t.Fatalf("progress page: %d %s", page.Status, page.Body)
	}
	body := waitExport(t, head, id)
	if !strings.Contains(body, `data-status="done"`) || !strings.Contains(body, "/exports/"+id+"/download") || !strings.Contains(body, `value="100"`) {
		t.Fatalf("finished piece: %s", body)
	}
	if list := head.Get("/exports"); !strings.Contains(list.Body, id) || !strings.Contains(list.Body, "服务对象名册") {
		t.Errorf("我的导出 lacks the job: %s", list.Body)
	}

	// Someone else: not found, by page, API or download; nothing audited.
	countExports := func() int {
		var n int
		if err := env.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	other := env.LoginDemo("shegong")
	for _, path := range []string{"/exports/" + id, "/exports/" + id + "/progress", "/exports/" + id + "/download"} {
		if res := other.Get(path); res.Status != http.StatusNotFound {
			t.Errorf("another user's %s: %d", path, res.Status)
		}
	}
	if res := env.APILoginDemo("shegong").Get("/api/v1/exports/" + id + "/download"); res.Status != http.StatusNotFound {
		t.Errorf("another user's API download: %d", res.Status)
	}
	if n := countExports(); n != 0 {
		t.Errorf("%d audit entries before the owner's download", n)
	}

	// The owner downloads the full ledger of the filter.
	dl := head.Get("/exports/" + id + "/download")
	if dl.Status != 200 || !strings.HasPrefix(dl.Header.Get("Content-Type"), "application/vnd.openxmlformats") || !strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	wb, err := excelize.OpenReader(bytes.NewReader([]byte(dl.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("服务对象")
	if len(rows) < 3 || rows[0][0] != "姓名" || len(rows[1][4]) != 18 || strings.Contains(rows[1][4], "*") {
		t.Errorf("rows: %q", rows)
	}
	var summary string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT summary FROM audit_log WHERE action = 'export' AND entity_id = ?`, id).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "类别=独居老人") || !strings.Contains(summary, "完整") || !strings.Contains(summary, "后台导出") {
		t.Errorf("audit summary %q", summary)
	}
}

// The API starts a job, reports its progress and serves the file.
func TestExportJobsOverTheAPI(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("zhanzhang")
	res := api.JSON("POST", "/api/v1/exports", map[string]any{"kind": "visits_due", "params": map[string]any{"Window": "overdue"}, "description": "逾期"})
	var job exports.Job
	if res.Status != http.StatusAccepted || json.Unmarshal([]byte(res.Body), &job) != nil || job.ID == "" || job.Status != exports.StatusQueued {
		t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for job.Running() {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", job.Status)
		}
		time.Sleep(50 * time.Millisecond)
		res := api.Get("/api/v1/exports/" + job.ID)
		if res.Status != 200 || json.Unmarshal([]byte(res.Body), &job) != nil {
			t.Fatalf("status: %d %s", res.Status, res.Body)
		}
	}
	if job.Status != exports.StatusDone || job.Percent != 100 || job.RowsDone != job.RowsTotal {
		t.Fatalf("finished job: %+v", job)
	}
	if dl := api.Get("/api/v1/exports/" + job.ID + "/download"); dl.Status != 200 || !strings.HasPrefix(dl.Body, "PK") {
		t.Errorf("download: %d", dl.Status)
	}
	if list := api.Get("/api/v1/exports"); !strings.Contains(list.Body, job.ID) {
		t.Errorf("list: %s", list.Body)
	}
	// A kind the role may not export, and an unknown kind.
	if res := env.APILoginDemo("shegong").JSON("POST", "/api/v1/exports", map[string]any{"kind": "visits_due"}); res.Status != http.StatusForbidden {
		t.Errorf("worker's due-list export: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("POST", "/api/v1/exports", map[string]any{"kind": "nothing"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown kind: %d %s", res.Status, res.Body)
	}
}

// The due list's button sends a small list at once: every row the list
// holds, with the days overdue written as numbers, audited with the
// filter.
func TestSmallDueExportIsSentAtOnce(t *testing.T) {
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	var want struct {
		Items []visits.DueItem `json:"items"`
		Total int              `json:"total"`
	}
	if res := env.APILoginDemo("zhanzhang").Get("/api/v1/visits/due?window=overdue&limit=200"); res.Status != 200 {
		t.Fatalf("due list: %d %s", res.Status, res.Body)
	} else {
		res.Decode(&want)
	}
	if want.Total == 0 || want.Total > exports.SyncMax || len(want.Items) != want.Total {
		t.Fatalf("the demo station's overdue list: %d of %d", len(want.Items), want.Total)
	}
	page := head.Get("/visits/due?window=overdue")
	m := dueFormID.FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil || strings.Contains(page.Body, "due.xlsx") {
		t.Fatalf("the due page's export form: %d %s", page.Status, page.Body)
	}
	res := head.PostForm("/visits/due/export", url.Values{"id": {m[1]}, "window": {"overdue"}})
	if res.Status != 200 || !strings.HasPrefix(res.Body, "PK") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("due export: %d %s", res.Status, res.Header)
	}
	wb, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := wb.GetSheetName(0)
	rows, err := wb.GetRows(sheet)
	if err != nil || len(rows) != want.Total+1 || strings.Join(rows[0], ",") != strings.Join(visits.DueExportHeaders, ",") {
		t.Fatalf("%d rows for %d people (%v): %q", len(rows), want.Total, err, rows)
	}
	var got, expected []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join([]string{r[0], r[1], r[5], r[6]}, "|"))
	}
	for _, it := range want.Items {
		expected = append(expected, strings.Join([]string{it.Name, it.OrgName, it.NextVisitDue, strconv.Itoa(it.DaysOverdue)}, "|"))
	}
	slices.Sort(got)
	slices.Sort(expected)
	if !slices.Equal(got, expected) {
		t.Errorf("exported rows %q, want %q", got, expected)
	}
	if typ, err := wb.GetCellType(sheet, "G2"); err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("days overdue written as text (%v, %v)", typ, err)
	}
	if n := jobCount(t, env); n != 0 {
		t.Errorf("%d jobs for a small export", n)
	}
	var summary string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT summary FROM audit_log WHERE action = 'export' AND entity = 'visit_due'`).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, strconv.Itoa(want.Total)+" 人") || !strings.Contains(summary, "筛选") {
		t.Errorf("audit summary %q", summary)
	}

	// A role without the export permission sees no button and is refused.
	worker := env.LoginDemo("shegong")
	if page := worker.Get("/visits/due?window=overdue"); page.Status != 200 || strings.Contains(page.Body, `action="/visits/due/export"`) {
		t.Errorf("the worker's due page offers the export: %d", page.Status)
	}
	if res := worker.PostForm("/visits/due/export", url.Values{"window": {"overdue"}}); res.Status != http.StatusForbidden {
		t.Errorf("the worker's due export: %d", res.Status)
	}
}

var dueFormID = regexp.MustCompile(`action="/visits/due/export"[^>]*>\s*<input type="hidden" name="csrf_token"[^>]*>\s*<input type="hidden" name="id" value="([0-9a-f-]{36})">`)

func jobCount(t *testing.T, env *apptest.Env) int {
	t.Helper()
	var n int
	if err := env.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM export_jobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The due list's button carries the list's filters and the job's id: a
// large list becomes one background job however often it is tapped,
// and the file holds the filtered list.
func TestDueExportDoubleTapQueuesOneJob(t *testing.T) {
	defer func(n int) { exports.SyncMax = n }(exports.SyncMax)
	exports.SyncMax = 1
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	page := head.Get("/visits/due?window=overdue&page=1")
	m := dueFormID.FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil {
		t.Fatalf("the due page's export form: %d %s", page.Status, page.Body)
	}
	form := page.Body[strings.Index(page.Body, `action="/visits/due/export"`):]
	form = form[:strings.Index(form, "</form>")]
	if !strings.Contains(form, `name="window" value="overdue"`) || strings.Contains(form, `name="page"`) {
		t.Errorf("the form does not repeat the list's filters: %s", form)
	}
	id := m[1]
	for tap := 1; tap <= 2; tap++ {
		res := head.PostForm("/visits/due/export", url.Values{"id": {id}, "window": {"overdue"}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/exports/"+id {
			t.Fatalf("tap %d: %d → %q %s", tap, res.Status, res.Header.Get("Location"), res.Body)
		}
	}
	if n := jobCount(t, env); n != 1 {
		t.Fatalf("%d jobs after a double tap, want 1", n)
	}
	if p := head.Get("/exports/" + id); p.Status != 200 || !strings.Contains(p.Body, `data-testid="export-progress"`) {
		t.Fatalf("progress page: %d %s", p.Status, p.Body)
	}
	if body := waitExport(t, head, id); !strings.Contains(body, `data-status="done"`) {
		t.Fatalf("the job: %s", body)
	}
	var want struct {
		Total int `json:"total"`
	}
	env.APILoginDemo("zhanzhang").Get("/api/v1/visits/due?window=overdue&limit=1").Decode(&want)
	dl := head.Get("/exports/" + id + "/download")
	wb, err := excelize.OpenReader(strings.NewReader(dl.Body))
	if dl.Status != 200 || err != nil {
		t.Fatalf("download: %d %v", dl.Status, err)
	}
	rows, _ := wb.GetRows(wb.GetSheetName(0))
	if want.Total < 2 || len(rows) != want.Total+1 {
		t.Errorf("%d rows in the job's file, want %d and a header", len(rows), want.Total)
	}
}

var exportFormID = regexp.MustCompile(`action="/recipients/export"[^>]*>\s*<input type="hidden" name="csrf_token"[^>]*>\s*<input type="hidden" name="id" value="([0-9a-f-]{36})">`)

// The export button's form carries the job's id: a double tap queues one
// job, and both taps lead to it. The API replays a resent id the same
// way (200 with the job) and refuses other content under it (409).
func TestExportDoubleTapQueuesOneJob(t *testing.T) {
	defer func(n int) { exports.SyncMax = n }(exports.SyncMax)
	exports.SyncMax = 1
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	list := head.Get("/recipients?category=" + url.QueryEscape("独居老人"))
	m := exportFormID.FindStringSubmatch(list.Body)
	if list.Status != 200 || m == nil {
		t.Fatalf("the export form carries no id: %d %s", list.Status, list.Body)
	}
	id := m[1]
	form := url.Values{"id": {id}, "category": {"独居老人"}}
	for tap := 1; tap <= 2; tap++ {
		res := head.PostForm("/recipients/export", form)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/exports/"+id {
			t.Fatalf("tap %d: %d → %q", tap, res.Status, res.Header.Get("Location"))
		}
	}
	jobs := func() int {
		var n int
		if err := env.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM export_jobs`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := jobs(); n != 1 {
		t.Fatalf("%d jobs after a double tap, want 1", n)
	}
	if body := waitExport(t, head, id); !strings.Contains(body, `data-status="done"`) {
		t.Fatalf("the job: %s", body)
	}

	api := env.APILoginDemo("zhanzhang")
	apiID := "0190f5a2-7c1e-7a11-8c3d-5e6f7a8b9c0d"
	req := map[string]any{"id": apiID, "kind": "visits_due", "params": map[string]any{"Window": "overdue"}, "description": "逾期"}
	var first, again exports.Job
	if res := api.JSON("POST", "/api/v1/exports", req); res.Status != http.StatusAccepted || json.Unmarshal([]byte(res.Body), &first) != nil || first.ID != apiID {
		t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("POST", "/api/v1/exports", req); res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &again) != nil || again.ID != apiID || again.CreatedAt != first.CreatedAt {
		t.Fatalf("resend: %d %s", res.Status, res.Body)
	}
	req["description"] = "全部逾期"
	if res := api.JSON("POST", "/api/v1/exports", req); res.Status != http.StatusConflict {
		t.Errorf("other content under the id: %d %s", res.Status, res.Body)
	}
	req["id"] = "not-a-uuid"
	if res := api.JSON("POST", "/api/v1/exports", req); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("malformed id: %d %s", res.Status, res.Body)
	}
	if n := jobs(); n != 2 {
		t.Errorf("%d jobs, want 2", n)
	}
}
