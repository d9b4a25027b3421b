package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/workforce"
)

var workersFormID = regexp.MustCompile(`action="/workforce/workers/export"[^>]*>\s*<input type="hidden" name="csrf_token"[^>]*>\s*<input type="hidden" name="id" value="([0-9a-f-]{36})">`)

// The roster's export button posts the list's filters: a small roster
// is sent at once, every worker the filter selects with their
// qualifications, the age as a number, audited with the filter.
func TestWorkersExportIsSentAtOnce(t *testing.T) {
	env := apptest.Start(t)
	admin := env.LoginDemo("admin")
	var want struct {
		Items []struct {
			Name       string `json:"name"`
			OrgName    string `json:"org_name"`
			Age        int    `json:"age"`
			LevelLabel string `json:"level_label"`
		} `json:"items"`
		Total int `json:"total"`
	}
	env.APILoginDemo("admin").Get("/api/v1/workforce/workers?level=any&limit=200").Decode(&want)
	if want.Total < 2 || want.Total > exports.SyncMax || len(want.Items) != want.Total {
		t.Fatalf("the demo county's certified workers: %d of %d", len(want.Items), want.Total)
	}
	page := admin.Get("/workforce/workers?level=any&page=1")
	m := workersFormID.FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil || strings.Contains(page.Body, "workers.xlsx") {
		t.Fatalf("the roster's export form: %d %s", page.Status, page.Body)
	}
	if form := page.Body[strings.Index(page.Body, `action="/workforce/workers/export"`):]; !strings.Contains(form[:strings.Index(form, "</form>")], `name="level" value="any"`) {
		t.Errorf("the export form lacks the list's filter")
	}
	res := admin.PostForm("/workforce/workers/export", url.Values{"id": {m[1]}, "level": {"any"}})
	if res.Status != 200 || !strings.HasPrefix(res.Body, "PK") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("roster export: %d %v", res.Status, res.Header)
	}
	wb, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows(workforce.WorkersExportSheet)
	if err != nil || len(rows) != want.Total+1 || rows[0][4] != "身份证号（脱敏）" {
		t.Fatalf("%d rows for %d workers (%v): %q", len(rows), want.Total, err, rows[:1])
	}
	var got, expected []string
	for _, r := range rows[1:] {
		if len(r) < 16 || !strings.Contains(r[4], "****") || !strings.Contains(r[15], r[14]) {
			t.Errorf("row %q: ID not masked, or level not among the qualifications", r)
			continue
		}
		got = append(got, strings.Join([]string{r[0], r[9], r[3], r[14]}, "|"))
	}
	for _, it := range want.Items {
		expected = append(expected, strings.Join([]string{it.Name, it.OrgName, strconv.Itoa(it.Age), it.LevelLabel}, "|"))
	}
	slices.Sort(got)
	slices.Sort(expected)
	if !slices.Equal(got, expected) {
		t.Errorf("exported rows %q, want %q", got, expected)
	}
	if typ, err := wb.GetCellType(workforce.WorkersExportSheet, "D2"); err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("age written as text (%v, %v)", typ, err)
	}
	if n := jobCount(t, env); n != 0 {
		t.Errorf("%d jobs for a small export", n)
	}
	var summary string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT summary FROM audit_log WHERE action = 'export' AND entity = 'wf_worker'`).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, strconv.Itoa(want.Total)+" 人") || !strings.Contains(summary, "持证（任一等级）") {
		t.Errorf("audit summary %q", summary)
	}
	// Volunteers do not read the roster.
	if res := env.LoginDemo("zhiyuan").PostForm("/workforce/workers/export", url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("volunteer's roster export: %d", res.Status)
	}
}

// A roster longer than exports.SyncMax becomes one background job
// however often the button is tapped, for a leader too (a read-only role
// that reads the roster).
func TestLargeWorkersExportRunsAsAJob(t *testing.T) {
	defer func(n int) { exports.SyncMax = n }(exports.SyncMax)
	exports.SyncMax = 1
	env := apptest.Start(t)
	leader := env.LoginDemo("lingdao")
	page := leader.Get("/workforce/workers")
	m := workersFormID.FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil {
		t.Fatalf("the roster's export form: %d", page.Status)
	}
	id := m[1]
	for tap := 1; tap <= 2; tap++ {
		res := leader.PostForm("/workforce/workers/export", url.Values{"id": {id}})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/exports/"+id {
			t.Fatalf("tap %d: %d → %q %s", tap, res.Status, res.Header.Get("Location"), res.Body)
		}
	}
	if n := jobCount(t, env); n != 1 {
		t.Fatalf("%d jobs after a double tap, want 1", n)
	}
	if body := waitExport(t, leader, id); !strings.Contains(body, `data-status="done"`) {
		t.Fatalf("the job: %s", body)
	}
	var want struct {
		Total int `json:"total"`
	}
	env.APILoginDemo("lingdao").Get("/api/v1/workforce/workers?limit=1").Decode(&want)
	dl := leader.Get("/exports/" + id + "/download")
	wb, err := excelize.OpenReader(strings.NewReader(dl.Body))
	if dl.Status != 200 || err != nil {
		t.Fatalf("download: %d %v", dl.Status, err)
	}
	rows, _ := wb.GetRows(workforce.WorkersExportSheet)
	if want.Total < 2 || len(rows) != want.Total+1 || slices.Contains(rows[0], "身份证号（脱敏）") {
		t.Errorf("%d rows in the job's file, want %d and a header without ID numbers: %q", len(rows), want.Total, rows[:1])
	}
}
