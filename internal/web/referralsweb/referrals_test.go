package referralsweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
)

// The demo referrals: every state listed, pages render, a referral
// without consent is refused on the form with the field named.
func TestReferralPages(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	var raw struct {
		Items []map[string]any
	}
	api.Get("/api/v1/referrals?limit=50").Decode(&raw)
	states := map[string]string{}
	var person string
	for _, r := range raw.Items {
		states[r["status"].(string)] = r["id"].(string)
		person = r["recipient_id"].(string)
	}
	for _, s := range []string{"sent", "received", "rejected", "completed", "withdrawn"} {
		if states[s] == "" {
			t.Errorf("no demo referral %s", s)
		}
	}
	web := env.LoginDemo("shegong")
	for _, p := range []string{"/referrals", "/agencies", "/referrals/new", "/referrals/" + states["completed"], "/referrals/" + states["sent"]} {
		if r := web.Get(p); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	var agencies struct{ Items []map[string]any }
	api.Get("/api/v1/agencies").Decode(&agencies)
	if len(agencies.Items) < 5 {
		t.Fatalf("%d agencies", len(agencies.Items))
	}
	r := web.PostForm("/referrals", url.Values{"recipient_id": {person}, "agency_id": {agencies.Items[0]["id"].(string)}, "reason": {"x"}, "urgency": {"normal"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "转介须经服务对象") {
		t.Fatalf("no consent: %d", r.Status)
	}
	if r := env.LoginDemo("lingdao").Get("/referrals/" + states["completed"]); r.Status != http.StatusOK || strings.Contains(r.Body, "转介结果") {
		t.Fatalf("leader: %d", r.Status)
	}
}

// The referral and service-record forms choose the person by name, never
// by a typed record id; a referral from a case names the case and offers
// its plan's goals; a refused form keeps the person chosen.
func TestFormsChooseThePersonByName(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("shegong")
	var person, name, caseID, number string
	if err := env.App.DB.QueryRow(t.Context(), `SELECT c.id, c.number, r.id, r.name FROM cases c JOIN recipients r ON r.id = c.recipient_id
		WHERE EXISTS (SELECT 1 FROM case_goals g WHERE g.case_id = c.id) AND c.org_id = r.org_id ORDER BY c.number LIMIT 1`).
		Scan(&caseID, &number, &person, &name); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/referrals/new", "/services/new"} {
		r := web.Get(page)
		if r.Status != http.StatusOK || strings.Contains(r.Body, "服务对象编号") || !strings.Contains(r.Body, "输入姓名查找服务对象") {
			t.Errorf("%s: %d, asks for a record id or offers no picker", page, r.Status)
		}
		if r := web.Get(page + "?recipient=" + person); !strings.Contains(r.Body, name) {
			t.Errorf("%s from the person's page does not name %s", page, name)
		}
	}
	r := web.Get("/referrals/new?case=" + caseID)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, number) || !strings.Contains(r.Body, `name="goal_id"`) || !strings.Contains(r.Body, "目标 1 · ") ||
		strings.Contains(r.Body, "（id）") {
		t.Errorf("referral from a case: %d", r.Status)
	}
	var agencies struct{ Items []map[string]any }
	env.APILoginDemo("shegong").Get("/api/v1/agencies").Decode(&agencies)
	refused := web.PostForm("/referrals", url.Values{"recipient_id": {person}, "agency_id": {agencies.Items[0]["id"].(string)}, "reason": {"x"}, "urgency": {"normal"}})
	if refused.Status != http.StatusUnprocessableEntity || !strings.Contains(refused.Body, name) {
		t.Errorf("a refused referral lost the person chosen: %d", refused.Status)
	}
}
