package web_test

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/workforce"
)

// A deactivated station's workers are counted by one definition
// everywhere: the coverage's staff, the workforce statistics and the
// period figure agree before and after the station is deactivated, and
// the pages say the rule.
func TestStaffFiguresAgreeWhenAStationIsDeactivated(t *testing.T) {
	env := apptest.Start(t)
	ctx := t.Context()
	var countyID, countyPath, stationID string
	if err := env.App.DB.QueryRow(ctx, `SELECT id, path FROM org_units WHERE kind = 'county' AND division_code = '410622'`).Scan(&countyID, &countyPath); err != nil {
		t.Fatal(err)
	}
	// The station with the most workers on the registry.
	if err := env.App.DB.QueryRow(ctx, `SELECT o.id FROM org_units o JOIN wf_workers w ON w.org_id = o.id AND w.status = 'active'
		WHERE o.kind = 'station' GROUP BY o.id ORDER BY COUNT(*) DESC, o.id LIMIT 1`).Scan(&stationID); err != nil {
		t.Fatal(err)
	}
	admin := &authz.Actor{UserID: "test", Role: authz.RoleAdmin, OrgID: countyID, OrgPath: countyPath, OrgName: "淇县民政局"}
	counts := func() (coverage, stats, figure int) {
		cov, err := network.CountyCoverage(ctx, env.App.DB, admin, countyID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := workforce.Statistics(ctx, env.App.DB, admin, workforce.StatsFilter{OrgID: countyID})
		if err != nil {
			t.Fatal(err)
		}
		v, err := figures.Compute(ctx, env.App.DB, admin, "workforce.workers", figures.Current(figures.Month), countyID)
		if err != nil {
			t.Fatal(err)
		}
		return cov.Staff, st.Total.HeadCount, int(v)
	}
	c0, s0, f0 := counts()
	if c0 != s0 || s0 != f0 || c0 == 0 {
		t.Fatalf("before: coverage %d, statistics %d, figure %d", c0, s0, f0)
	}
	err := env.App.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := org.Get(ctx, tx, stationID)
		if err != nil {
			return err
		}
		_, err = org.Update(ctx, tx, admin, u.ID, u.Version, u.Name, u.DivisionCode, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c1, s1, f1 := counts()
	if c1 != s1 || s1 != f1 || c1 >= c0 {
		t.Fatalf("after deactivating: coverage %d, statistics %d, figure %d (before %d)", c1, s1, f1, c0)
	}
	web := env.LoginDemo("admin")
	for _, page := range []string{"/network/coverage", "/workforce/stats", "/workforce/workers"} {
		if res := web.Get(page); res.Status != 200 || !strings.Contains(res.Body, "已停用站点") {
			t.Errorf("%s does not say the staff rule (%d)", page, res.Status)
		}
	}
}
