package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
)

// reviewWorkerAt returns the id of a worker registered at a station.
func reviewWorkerAt(t *testing.T, env *apptest.Env, stationID string) string {
	t.Helper()
	var id string
	if err := env.App.DB.QueryRow(context.Background(), `SELECT id FROM wf_workers WHERE org_id = ? ORDER BY id LIMIT 1`, stationID).Scan(&id); err != nil {
		t.Fatalf("worker at %s: %v", stationID, err)
	}
	return id
}

// The 朝歌街道 station head tries, through the forms and the API, to read
// and write the workforce of 灵山街道 by passing its ids: every attempt is
// refused (403, or 422 naming the field) and nothing is written.
func TestStationHeadCannotReachAnotherStationsWorkforce(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	lingshan, err := demo.Unit(ctx, env.App.DB, "410622004", org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	chaoge, err := demo.Unit(ctx, env.App.DB, "410622001", org.KindStation)
	if err != nil {
		t.Fatal(err)
	}
	stranger := reviewWorkerAt(t, env, lingshan.ID)
	var strangerName string
	_ = env.App.DB.QueryRow(ctx, `SELECT name FROM wf_workers WHERE id = ?`, stranger).Scan(&strangerName)
	counts := func() string {
		var parts []string
		for _, table := range []string{"wf_workers", "wf_volunteers", "wf_trainings", "wf_training_attendees", "wf_qualifications", "wf_volunteer_hours"} {
			parts = append(parts, table+"="+strings.Repeat("|", netCount(t, env, `SELECT COUNT(*) FROM `+table)))
		}
		return strings.Join(parts, " ")
	}

	web := env.LoginDemo("zhanzhang")
	api := env.APILoginDemo("zhanzhang")
	// A training of their own station to hang attendees on.
	res := api.JSON("POST", "/api/v1/workforce/trainings", map[string]any{"org_id": chaoge.ID, "title": "站内共学", "kind": "peer", "start_on": "2025-03-01", "hours": "2"})
	if res.Status != http.StatusCreated {
		t.Fatalf("own training: %d %s", res.Status, res.Body)
	}
	var tr struct{ ID string }
	res.Decode(&tr)
	before := counts()

	// Registering people at another station (org_id from the form / body).
	netWantPage(t, web.PostForm("/workforce/workers", url.Values{"org_id": {lingshan.ID}, "name": {"越权"}, "id_number": {wfID("1990-02-03")}}),
		http.StatusUnprocessableEntity, "只能选择您负责范围内的机构", `value="越权"`)
	if res := api.JSON("POST", "/api/v1/workforce/volunteers", map[string]any{"org_id": lingshan.ID, "name": "越权", "registered_on": "2025-01-01"}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "org_id") {
		t.Fatalf("volunteer at another station: %d %s", res.Status, res.Body)
	}
	// Reading, changing or moving another station's worker.
	if res := api.Get("/api/v1/workforce/workers/" + stranger); res.Status != http.StatusForbidden {
		t.Fatalf("read: %d", res.Status)
	}
	if res := api.JSON("PUT", "/api/v1/workforce/workers/"+stranger, map[string]any{"version": 1, "org_id": chaoge.ID, "name": "改名"}); res.Status != http.StatusForbidden {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	if res := web.PostForm("/workforce/workers/"+stranger+"/qualifications", url.Values{"level": {"junior"}, "obtained_on": {"2020-01-01"}}); res.Status != http.StatusForbidden {
		t.Fatalf("qualification: %d", res.Status)
	}
	if res := api.JSON("POST", "/api/v1/workforce/workers/"+stranger+"/reveal", nil); res.Status != http.StatusForbidden {
		t.Fatalf("reveal: %d", res.Status)
	}
	if res := api.Get("/api/v1/workforce/workers?org=" + lingshan.ID); res.Status != http.StatusForbidden {
		t.Fatalf("list filtered to another station: %d", res.Status)
	}
	if res := api.Get("/api/v1/workforce/stats?org=" + lingshan.ID); res.Status != http.StatusForbidden {
		t.Fatalf("stats of another station: %d", res.Status)
	}
	// Putting another station's worker on their own training: refused on
	// the field, without naming the person.
	res = api.JSON("POST", "/api/v1/workforce/trainings/"+tr.ID+"/attendees", map[string]any{"kind": "worker", "person_id": stranger})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "person_id") || strings.Contains(res.Body, strangerName) {
		t.Fatalf("attendee from another station (API): %d %s", res.Status, res.Body)
	}
	res = web.PostForm("/workforce/trainings/"+tr.ID+"/attendees", url.Values{"person": {"worker:" + stranger}})
	if res.Status != http.StatusUnprocessableEntity || strings.Contains(res.Body, strangerName+"不属于") {
		t.Fatalf("attendee from another station (form): %d", res.Status)
	}
	if after := counts(); after != before {
		t.Fatalf("cross-scope attempts wrote records:\n before %s\n after  %s", before, after)
	}

	// The network: the head neither assesses nor edits 灵山's station.
	_, lv := netStation(t, env, "410622004")
	if res := api.JSON("POST", "/api/v1/stations/"+lingshan.ID+"/assessments", map[string]any{"assessed_on": "2025-01-01", "assessors": "x"}); res.Status != http.StatusForbidden {
		t.Fatalf("assessment of another station: %d", res.Status)
	}
	if res := api.JSON("POST", "/api/v1/rooms", map[string]any{"station_id": lingshan.ID, "village_code": "410622004200"}); res.Status != http.StatusForbidden {
		t.Fatalf("room under another station: %d", res.Status)
	}
	netWantPage(t, web.PostForm("/network/stations/"+lingshan.ID, url.Values{"version": {"1"}, "address": {"越权"}}), http.StatusForbidden)
	if _, v := netStation(t, env, "410622004"); v != lv || netCount(t, env, `SELECT COUNT(*) FROM stations WHERE org_id = ? AND address = '越权'`, lingshan.ID) != 0 {
		t.Fatal("another station changed")
	}
}

// A roster upload kept for "import the valid rows" holds ID numbers and
// phones: it is sealed at rest, the commit happens once, the rejected
// rows' download (full values) is audit-logged, and the API reply masks
// them.
func TestStagedRosterSealedCommittedOnceAndRejectedDownloadLogged(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	web := env.LoginDemo("admin")
	api := env.APILoginDemo("admin")
	good, other := wfID("1992-02-02"), wfID("1994-04-04")
	bad := other[:17] + map[bool]string{true: "1", false: "2"}[other[17] == '2']
	file := wfRoster(t,
		[]any{"郑一", "男", good, "13912345678", "", "朝歌街道社工站"},
		[]any{"郑二", "男", bad, "13987654321", "", "朝歌街道社工站"},
	)
	res := wfUpload(web, "staged.xlsx", file)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("upload: %d", res.Status)
	}
	batch := strings.SplitN(strings.SplitN(res.Body, `/workforce/import/`, 2)[1], "/", 2)[0]
	var content string
	if err := env.App.DB.QueryRow(ctx, `SELECT content FROM wf_import_batches WHERE id = ?`, batch).Scan(&content); err != nil {
		t.Fatal(err)
	}
	if content == "" || content == base64.StdEncoding.EncodeToString(file) || strings.Contains(content, good) {
		t.Fatal("the staged roster is stored in plaintext")
	}
	if raw, err := base64.StdEncoding.DecodeString(content); err == nil && bytes.Equal(raw, file) {
		t.Fatal("the staged roster is stored in plaintext (base64)")
	}
	workers := netCount(t, env, `SELECT COUNT(*) FROM wf_workers`)
	if res := web.PostForm("/workforce/import/"+batch+"/commit", url.Values{}); res.Status != http.StatusOK {
		t.Fatalf("commit: %d", res.Status)
	}
	if res := web.PostForm("/workforce/import/"+batch+"/commit", url.Values{}); res.Status != http.StatusConflict {
		t.Fatalf("second commit: %d", res.Status)
	}
	if n := netCount(t, env, `SELECT COUNT(*) FROM wf_workers`); n != workers+1 {
		t.Fatalf("commit wrote %d workers", n-workers)
	}
	var rejected string
	_ = env.App.DB.QueryRow(ctx, `SELECT content || rejected FROM wf_import_batches WHERE id = ?`, batch).Scan(&rejected)
	if strings.Contains(rejected, bad) || strings.Contains(rejected, "13987654321") {
		t.Fatal("the rejected rows are stored in plaintext")
	}
	exports := netCount(t, env, `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity_id = ?`, batch)
	if res := web.Get("/workforce/import/" + batch + "/rejected.xlsx"); res.Status != http.StatusOK {
		t.Fatalf("rejected download: %d", res.Status)
	}
	if n := netCount(t, env, `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity_id = ?`, batch); n != exports+1 {
		t.Fatal("the download of rejected rows (full ID numbers) is not audit-logged")
	}
	// The API's report of rejected rows masks them.
	res = api.Request("POST", "/api/v1/workforce/import?mode=check&filename=r.xlsx", "application/octet-stream", bytes.NewReader(file))
	if res.Status != http.StatusOK || strings.Contains(res.Body, bad) || strings.Contains(res.Body, "13987654321") || !strings.Contains(res.Body, bad[:6]+"********"+bad[14:]) {
		t.Fatalf("api import reply: %d %s", res.Status, res.Body)
	}
}
