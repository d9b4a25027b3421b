package demo

import (
	"context"
	"fmt"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// The demo county's service network: the three social work organisations
// of the seed story, details for the nine stations (each run by one of
// them), the two rooms, and assessments that make 朝歌、桥盟 and 灵山
// 标准化示范站.

// Organisations are the demo 社工机构. Their credit codes are made up
// (52 = 民政 social organisation, 410622 = 淇县) with a correct check
// character.
var Organisations = []struct{ Name, CodeBase, Registered, Contact, Phone string }{
	{"淇县新光源社会工作服务中心", "52410622MJY580011", "2019-05-20", "李新光", "0392-7211001"},
	{"淇县温馨社会工作服务中心", "52410622MJY580028", "2020-03-16", "张温馨", "0392-7211002"},
	{"淇县萤火社会工作服务中心", "52410622MJY580036", "2021-07-08", "赵萤", "0392-7211003"},
}

// CreditCode completes a demo organisation's credit code.
func CreditCode(base string) string {
	c, ok := validate.CreditCodeCheckChar(base)
	if !ok {
		panic("demo credit code base " + base)
	}
	return base + string(c)
}

// DemonstrationStations are the townships whose stations are 标准化示范站.
var DemonstrationStations = []string{"410622001", "410622002", "410622004"}

func init() { Register(loadNetwork) }

func loadNetwork(ctx context.Context, a *app.App) error {
	county, err := Unit(ctx, a.DB, County, org.KindCounty)
	if err != nil {
		return fmt.Errorf("demo network: county: %w", err)
	}
	// The demo writes as the system, with a county administrator's scope.
	system := &authz.Actor{Username: "system", DisplayName: "演示数据", Role: authz.RoleAdmin, OrgID: county.ID, OrgPath: county.Path, OrgName: county.Name}
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		operators := make([]string, len(Organisations))
		for i, o := range Organisations {
			code := CreditCode(o.CodeBase)
			var id string
			if err := tx.QueryRow(ctx, `SELECT id FROM service_orgs WHERE credit_code = ?`, code).Scan(&id); err == nil {
				operators[i] = id
				continue
			}
			created, err := network.CreateOrganisation(ctx, tx, system, network.OrganisationInput{CountyID: county.ID, Name: o.Name, CreditCode: code,
				RegisteredOn: o.Registered, ContactName: o.Contact, ContactPhone: o.Phone, IncubatedBy: "淇县社会工作服务孵化基地"})
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.Name, err)
			}
			operators[i] = created.ID
		}
		stations := map[string]network.Station{}
		for i, st := range Stations {
			s, err := network.StationByTownship(ctx, tx, system, st.Code)
			if apperr.Is(err, apperr.NotFound) {
				s, err = network.CreateStation(ctx, tx, system, network.StationInput{CountyID: county.ID, TownshipCode: st.Code,
					Address: "淇县" + st.Name + "便民服务中心二楼", Phone: fmt.Sprintf("0392-72210%02d", i+1),
					OpenedOn: fmt.Sprintf("202%d-0%d-15", 1+i%2, 3+i%6), HeadName: stationStaff[i][0], OperatorID: operators[i/3]})
			}
			if err != nil {
				return fmt.Errorf("station %s: %w", st.Name, err)
			}
			stations[st.Code] = s
		}
		for _, r := range Rooms {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rooms WHERE village_code = ?`, r.Code).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := network.CreateRoom(ctx, tx, system, network.RoomInput{StationID: stations[r.Station].ID, VillageCode: r.Code,
				Address: r.Name[:len(r.Name)-len("社工室")] + "党群服务中心", OpenedOn: "2023-06-01"}); err != nil {
				return fmt.Errorf("room %s: %w", r.Name, err)
			}
		}
		items, err := network.EnsureChecklist(ctx, tx, county)
		if err != nil {
			return err
		}
		for _, code := range DemonstrationStations {
			s := stations[code]
			if _, total, err := network.ListAssessments(ctx, tx, system, s.ID, 0, 1); err != nil || total > 0 {
				if err != nil {
					return err
				}
				continue
			}
			scores := map[string]int{}
			for i, it := range items {
				scores[it.ID] = it.MaxScore - i%2 // nearly full marks
			}
			if _, err := network.CreateAssessment(ctx, tx, system, nil, s.ID, network.AssessmentInput{AssessedOn: "2024-11-20",
				Assessors: "县民政局、第三方评估机构", Methods: network.Methods, Scores: scores, Demonstration: true,
				Notes: "场地、设备、人员、制度达标，服务台账完整，评定为标准化示范站。"}, nil); err != nil {
				return fmt.Errorf("assessment %s: %w", s.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo network: %w", err)
	}
	return nil
}
