package web_test

import (
	"encoding/json"
	"net/http"
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
