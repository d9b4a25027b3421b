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
