package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/timeline"
)

// The person page is assembled from the panels modules register; each
// role sees the panels whose route it may open, and the timeline serves
// the same entries on the page and in the API.
func TestPersonPagePanelsAndTimeline(t *testing.T) {
	env := apptest.Start(t)
	api := env.APILoginDemo("shegong")
	res := api.JSON("GET", "/api/v1/recipients?limit=1", nil)
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("recipients: %d %s", res.Status, res.Body)
	}
	id := list.Items[0].ID

	worker := env.LoginDemo("shegong")
	page := worker.Get("/recipients/" + id)
	for _, panel := range []string{"/visits", "/household", "/timeline"} {
		if !strings.Contains(page.Body, `hx-get="/recipients/`+id+panel+`"`) {
			t.Errorf("worker's person page lacks the %s panel", panel)
		}
	}
	if strings.Index(page.Body, id+"/visits") > strings.Index(page.Body, id+"/timeline") {
		t.Error("panels are not in their order (visits before timeline)")
	}
	tl := worker.Get("/recipients/" + id + "/timeline")
	if tl.Status != http.StatusOK || !strings.Contains(tl.Body, "登记为服务对象") {
		t.Errorf("timeline panel: %d, registration entry missing: %s", tl.Status, tl.Body)
	}

	// The volunteer may not read visits: no visits panel on their page.
	volunteer := env.LoginDemo("zhiyuan")
	if vp := volunteer.Get("/recipients/" + id); vp.Status == http.StatusOK && strings.Contains(vp.Body, id+"/visits") {
		t.Error("the volunteer's person page loads the visits panel")
	}

	// The API pages the same timeline.
	res = api.JSON("GET", "/api/v1/recipients/"+id+"/timeline?limit=1", nil)
	var page1 struct {
		Items []timeline.Entry `json:"items"`
		Next  string           `json:"next"`
	}
	if err := json.Unmarshal([]byte(res.Body), &page1); err != nil || res.Status != http.StatusOK || len(page1.Items) != 1 {
		t.Fatalf("timeline API: %d %s", res.Status, res.Body)
	}
	if bad := api.JSON("GET", "/api/v1/recipients/"+id+"/timeline?limit=0", nil); bad.Status != http.StatusUnprocessableEntity && bad.Status != http.StatusBadRequest {
		t.Errorf("limit=0: %d", bad.Status)
	}
	if len(page1.Items) == 1 && page1.Next != "" {
		res = api.JSON("GET", "/api/v1/recipients/"+id+"/timeline?limit=1&before="+url.QueryEscape(page1.Next), nil)
		var page2 struct {
			Items []timeline.Entry `json:"items"`
		}
		if err := json.Unmarshal([]byte(res.Body), &page2); err != nil || len(page2.Items) == 0 || page2.Items[0].At >= page1.Items[0].At {
			t.Errorf("second page is not older: %d %s", res.Status, res.Body)
		}
	}
	if res := api.JSON("GET", "/api/v1/recipients/01890000-0000-7000-8000-000000000000/timeline", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown person's timeline: %d", res.Status)
	}
}
