package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/exports"
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

// The due list's button sends a small list at once.
func TestSmallDueExportIsSentAtOnce(t *testing.T) {
	env := apptest.Start(t)
	head := env.LoginDemo("zhanzhang")
	res := head.PostForm("/visits/due/export", url.Values{"window": {"overdue"}})
	if res.Status != 200 || !strings.HasPrefix(res.Body, "PK") {
		t.Fatalf("due export: %d %s", res.Status, res.Header)
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
