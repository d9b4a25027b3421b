package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/workforce"
)

// The demo county tells the seed story: the facts a bureau reports hold
// where a module records them, and every station looks like a working
// office (people in several villages, workers with their own caseloads,
// visits over half a year, some overdue, every risk tier).
func TestDemoCountySeedFacts(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	county, err := demo.Unit(ctx, a.DB, demo.County, org.KindCounty)
	if err != nil {
		t.Fatal(err)
	}
	admin := &authz.Actor{Username: "admin", Role: authz.RoleAdmin, OrgID: county.ID, OrgPath: county.Path, OrgName: county.Name}
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := a.DB.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}

	// 17 certified social workers by the end of 2021, 48 today.
	st, err := workforce.Statistics(ctx, a.DB, admin, workforce.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byYear := map[int]int{}
	for _, p := range st.Trend {
		byYear[p.Year] = p.Certified
	}
	if byYear[2021] != demo.Certified2021 || byYear[cst.Now().Year()] != demo.CertifiedNow || st.Total.Certified != demo.CertifiedNow {
		t.Fatalf("certified: 2021 %d, now %d (total %d); want %d → %d", byYear[2021], byYear[cst.Now().Year()], st.Total.Certified,
			demo.Certified2021, demo.CertifiedNow)
	}

	// Three 标准化示范站 (朝歌, 桥盟, 灵山) and the rooms at 赵庄 and 大石岩.
	if n := count(`SELECT COUNT(*) FROM stations WHERE demonstration = 1`); n != 3 {
		t.Fatalf("%d demonstration stations, want 3", n)
	}
	for _, code := range demo.DemonstrationStations {
		if n := count(`SELECT COUNT(*) FROM stations WHERE township_code = ? AND demonstration = 1`, code); n != 1 {
			t.Fatalf("station %s is not a demonstration station", code)
		}
	}
	for _, code := range []string{"410622004200", "410622004204"} {
		if n := count(`SELECT COUNT(*) FROM rooms r JOIN stations s ON s.org_id = r.station_id WHERE r.village_code = ? AND s.township_code = '410622004'`, code); n != 1 {
			t.Fatalf("no room at %s under 灵山街道", code)
		}
	}

	// The first 朝歌人才 round: ten workers, 3,000 元 a year for two
	// years; eight 鹤壁社工之星.
	progs, err := workforce.ListProgrammes(ctx, a.DB, admin)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]workforce.Programme{}
	for _, p := range progs {
		if found[p.Name], err = workforce.GetProgramme(ctx, a.DB, admin, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	talent := found[demo.TalentProgramme]
	if len(talent.Rounds) != 1 || talent.Rounds[0].Year != 2023 || len(talent.Rounds[0].Nominees) != demo.TalentNominees {
		t.Fatalf("朝歌人才: %+v", talent)
	}
	for _, n := range talent.Rounds[0].Nominees {
		if n.Status != "selected" || n.Allowance == nil || n.Allowance.AnnualFen != demo.TalentAnnualFen || n.Allowance.Years != demo.TalentYears ||
			n.Allowance.TotalFen != demo.TalentAnnualFen*demo.TalentYears {
			t.Fatalf("朝歌人才 nominee %+v", n)
		}
	}
	star := found[demo.StarProgramme]
	if star.Kind != "honour" || len(star.Rounds) != 1 || len(star.Rounds[0].Nominees) != demo.StarNominees {
		t.Fatalf("鹤壁社工之星: %+v", star)
	}
	for _, n := range star.Rounds[0].Nominees {
		if n.Status != "selected" {
			t.Fatalf("社工之星 nominee %+v", n)
		}
	}

	// Every station: a head and two resident workers with accounts on the
	// roster, people in several villages, each worker with a caseload.
	for si, s := range demo.Stations {
		unit, err := demo.Unit(ctx, a.DB, s.Code, org.KindStation)
		if err != nil {
			t.Fatal(err)
		}
		under := unit.Path + "%"
		if n := count(`SELECT COUNT(*) FROM wf_workers w JOIN org_units o ON o.id = w.org_id WHERE o.path LIKE ?`, under); n < 5 {
			t.Fatalf("%s: %d workers", s.Name, n)
		}
		for k := 0; k < 3; k++ {
			username := demo.StaffUsername(si, k)
			post := "resident"
			if k == 0 {
				post = "head"
			}
			if n := count(`SELECT COUNT(*) FROM wf_workers w JOIN users u ON u.id = w.user_id JOIN org_units o ON o.id = w.org_id
				WHERE u.username = ? AND w.post = ? AND o.path LIKE ?`, username, post, under); n != 1 {
				t.Fatalf("%s: account %s is not the roster's %s", s.Name, username, post)
			}
		}
		// The network register names the roster's head as the station's.
		if n := count(`SELECT COUNT(*) FROM stations s JOIN wf_workers w ON w.org_id = s.org_id AND w.post = 'head' AND w.name = s.head_name
			WHERE s.org_id = ?`, unit.ID); n != 1 {
			t.Fatalf("%s: the station's head is not the roster's head", s.Name)
		}
		if n := count(`SELECT COUNT(DISTINCT r.village_code) FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE o.path LIKE ?`, under); n < 3 {
			t.Fatalf("%s: people in %d villages", s.Name, n)
		}
		if n := count(`SELECT COUNT(DISTINCT r.worker_id) FROM recipients r JOIN org_units o ON o.id = r.org_id
			WHERE o.path LIKE ? AND r.worker_id <> '' AND r.status = 'active'`, under); n < 2 {
			t.Fatalf("%s: %d workers with a caseload", s.Name, n)
		}
		// A few people at each risk tier, some overdue.
		for _, tier := range []string{"high", "focus", "general"} {
			if n := count(`SELECT COUNT(*) FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE o.path LIKE ? AND r.risk_tier = ?`, under, tier); n < 1 {
				t.Fatalf("%s: nobody at tier %s", s.Name, tier)
			}
		}
		if n := count(`SELECT COUNT(*) FROM recipients r JOIN org_units o ON o.id = r.org_id
			WHERE o.path LIKE ? AND r.status = 'active' AND r.next_visit_due > '' AND r.next_visit_due < ?`, under, cst.Today()); n < 1 {
			t.Fatalf("%s: nobody overdue", s.Name)
		}
	}
	// The 朝歌 volunteer account is that volunteer.
	if n := count(`SELECT COUNT(*) FROM wf_volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'zhiyuan'`); n != 1 {
		t.Fatal("the account zhiyuan is not on the volunteer register")
	}

	// Visits spread over the last six months: some in each of the last
	// six months.
	for m := 0; m < 6; m++ {
		from := cst.Now().AddDate(0, -m-1, 0).Format(cst.DateLayout)
		to := cst.Now().AddDate(0, -m, 0).Format(cst.DateLayout)
		if n := count(`SELECT COUNT(*) FROM visits WHERE visited_at >= ? AND visited_at < ?`, from, to); n < 3 {
			t.Fatalf("%d visits between %s and %s", n, from, to)
		}
	}

	// Loading again creates nothing.
	tables := []string{"users", "recipients", "households", "visits", "wf_workers", "wf_volunteers", "wf_nominees", "wf_programmes"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(`SELECT COUNT(*) FROM ` + tb)
	}
	start := time.Now()
	if err := demo.Load(ctx, a); err != nil {
		t.Fatal(err)
	}
	t.Logf("second load: %v", time.Since(start))
	for _, tb := range tables {
		if n := count(`SELECT COUNT(*) FROM ` + tb); n != before[tb] {
			t.Fatalf("a second load changed %s: %d → %d", tb, before[tb], n)
		}
	}
}
