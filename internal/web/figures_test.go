package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/figures"
)

// The figures API serves every registered figure, and each figure's
// records add up to its value, for the county and for a station head's
// own station.
func TestFiguresAPIAndDrillDown(t *testing.T) {
	env := apptest.Start(t)
	for _, user := range []string{"admin", "zhanzhang"} {
		api := env.APILoginDemo(user)
		res := api.JSON("GET", "/api/v1/figures", nil)
		var all struct {
			Period string `json:"period"`
			Items  []struct {
				Key  string `json:"key"`
				Raw  int64  `json:"raw"`
				Kind string `json:"kind"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(res.Body), &all); err != nil || res.Status != http.StatusOK {
			t.Fatalf("%s: figures: %d %s", user, res.Status, res.Body)
		}
		if len(all.Items) != len(figures.All()) {
			t.Errorf("%s: %d figures served, %d registered", user, len(all.Items), len(figures.All()))
		}
		nonzero := 0
		for _, it := range all.Items {
			if it.Raw > 0 {
				nonzero++
			}
			res := api.JSON("GET", "/api/v1/figures/"+it.Key+"?records=1&limit=200", nil)
			var one struct {
				Figure struct {
					Raw int64 `json:"raw"`
				} `json:"figure"`
				Records struct {
					Items []figures.Record `json:"items"`
					Total int              `json:"total"`
				} `json:"records"`
			}
			if res.Status == http.StatusForbidden {
				continue // a drill-down the role may not open (its module's read permission)
			}
			if f, _ := figures.Get(it.Key); f.Records == nil {
				continue // a figure without a drill-down (a median)
			}
			if err := json.Unmarshal([]byte(res.Body), &one); err != nil || res.Status != http.StatusOK {
				t.Errorf("%s: %s: %d %s", user, it.Key, res.Status, res.Body)
				continue
			}
			if one.Figure.Raw != it.Raw {
				t.Errorf("%s: %s: %d alone, %d in the list", user, it.Key, one.Figure.Raw, it.Raw)
			}
			seen := map[string]bool{}
			for _, r := range one.Records.Items {
				if strings.HasPrefix(it.Key, "casework.") && seen[r.Label+r.Date] { // one case counted twice must say why
					t.Errorf("%s: %s lists %q twice with nothing to tell them apart", user, it.Key, r.Label)
				}
				seen[r.Label+r.Date] = true
			}
			if one.Records.Total <= 200 {
				var sum int64
				for _, r := range one.Records.Items {
					sum += r.Amount
				}
				if sum != one.Figure.Raw {
					t.Errorf("%s: %s: records add up to %d, value %d", user, it.Key, sum, one.Figure.Raw)
				}
			}
		}
		if nonzero == 0 {
			t.Errorf("%s: every figure is zero on the demo county", user)
		}
	}
	api := env.APILoginDemo("admin")
	if res := api.JSON("GET", "/api/v1/figures?period=2026-13", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("month 13: %d", res.Status)
	}
	if res := api.JSON("GET", "/api/v1/figures/nope", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown figure: %d", res.Status)
	}
	// A station head asks for another station's figures: out of scope.
	head := env.APILoginDemo("zhanzhang")
	res := api.JSON("GET", "/api/v1/orgs?limit=200", nil)
	var orgs struct {
		Items []struct {
			ID, Name string
		} `json:"items"`
	}
	_ = json.Unmarshal([]byte(res.Body), &orgs)
	for _, o := range orgs.Items {
		if strings.Contains(o.Name, "灵山") {
			if res := head.JSON("GET", "/api/v1/figures?org="+o.ID, nil); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("朝歌 head asks for %s: %d", o.Name, res.Status)
			}
			break
		}
	}

	// The page lists the figures and links each value to its records.
	web := env.LoginDemo("admin")
	page := web.Get("/figures")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `href="/figures/visits.made?period=`) {
		t.Errorf("figures page: %d", page.Status)
	}
	if show := web.Get("/figures/recipients.in_care"); show.Status != http.StatusOK || !strings.Contains(show.Body, "figure-records") {
		t.Errorf("drill-down page: %d", show.Status)
	}
}

// Every figure a role is shown on its home page or on /figures links to
// records it may open, or to nothing: a leader, who reads figures but not
// people's records, sees those values without links. A value that leaves out
// the children for a role says so, for that role only.
func TestFigureLinksOpenForEveryRole(t *testing.T) {
	env := apptest.Start(t)
	figureLink := regexp.MustCompile(`href="(/figures/[^"?]+)[^"]*"`)
	leftOut := "不含未满 14 周岁的儿童"
	for _, user := range []string{"admin", "zhanzhang", "shegong", "dudao", "pinggu", "lingdao"} {
		c := env.LoginDemo(user)
		links := 0
		for _, page := range []string{"/", "/figures"} {
			res := c.Get(page)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %s %d", user, page, res.Status)
			}
			for _, m := range figureLink.FindAllStringSubmatch(res.Body, -1) {
				links++
				show := c.Get(html.UnescapeString(m[1]))
				if show.Status != http.StatusOK || strings.Contains(show.Body, "明细仅对") || strings.Contains(show.Body, "无权进行此操作") {
					t.Errorf("%s: %s links to %s, which the role may not open (%d)", user, page, m[1], show.Status)
				}
			}
			hidesChildren := user == "pinggu" || user == "lingdao"
			if strings.Contains(res.Body, leftOut) != hidesChildren {
				t.Errorf("%s: %s says %q: %v", user, page, leftOut, !hidesChildren)
			}
		}
		if user == "lingdao" {
			for _, res := range []*apptest.Response{c.Get("/"), c.Get("/figures")} {
				if strings.Contains(res.Body, `href="/figures/visits.`) || strings.Contains(res.Body, `href="/figures/recipients.`) {
					t.Error("the leader is shown links to people's records")
				}
			}
			if res := c.Get("/figures/visits.overdue"); res.Status != http.StatusOK || !strings.Contains(res.Body, "明细仅对能查看相应记录的角色开放") {
				t.Errorf("the leader opens a drill-down by its address: %d", res.Status)
			}
		} else if links == 0 {
			t.Errorf("%s: no figure links to its records", user)
		}
	}
}
