package network

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/workforce"
)

// TownshipCoverage is one township's line in the coverage table.
type TownshipCoverage struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`      // 街道 / 镇 / 乡 / 乡级单位
	Withdrawn      bool   `json:"withdrawn"` // the station's code is no longer in the code list
	StationID      string `json:"station_id,omitempty"`
	StationName    string `json:"station_name,omitempty"`
	StationActive  bool   `json:"station_active"`
	Demonstration  bool   `json:"demonstration"`
	Rooms          int    `json:"rooms"`            // active rooms
	Villages       int    `json:"villages"`         // villages (村/社区) in the code list
	VillageCovered int    `json:"villages_covered"` // villages with an active room
	Staff          int    `json:"staff"`            // people of the workforce registry working there (status active)
	LastAssessedOn string `json:"last_assessed_on,omitempty"`
	LastScore      int    `json:"last_score"`
	LastMaxScore   int    `json:"last_max_score"`
}

// Coverage is a county's network at a glance.
type Coverage struct {
	CountyID        string             `json:"county_id"`
	CountyName      string             `json:"county_name"`
	CountyCode      string             `json:"county_code"`
	CodeYear        int                `json:"code_year"`
	Townships       []TownshipCoverage `json:"townships"`
	TownshipCount   int                `json:"township_count"`
	CoveredCount    int                `json:"covered_count"` // townships with an open station
	Rate            float64            `json:"rate"`          // CoveredCount ÷ TownshipCount, 0–1
	Stations        int                `json:"stations"`      // open stations
	Demonstrations  int                `json:"demonstrations"`
	Rooms           int                `json:"rooms"`
	Villages        int                `json:"villages"`
	VillagesCovered int                `json:"villages_covered"`
	VillageRate     float64            `json:"village_rate"`
	Staff           int                `json:"staff"`
	AsOf            string             `json:"as_of"` // date the figures were taken
}

// RatePercent shows a rate as a percentage with one decimal.
func RatePercent(r float64) string { return fmt.Sprintf("%.1f%%", r*100) }

// CountyCoverage computes the coverage of a county (countyID "" = the
// actor's only or first county). The actor must cover the county.
func CountyCoverage(ctx context.Context, q db.Querier, actor *authz.Actor, countyID string) (Coverage, error) {
	county, err := countyFor(ctx, q, actor, countyID)
	if err != nil {
		return Coverage{}, err
	}
	if !actor.Covers(county.Path) {
		return Coverage{}, apperr.ErrOutOfScope()
	}
	cov := Coverage{CountyID: county.ID, CountyName: county.Name, CountyCode: county.DivisionCode, CodeYear: division.DataYear(), AsOf: cst.Today()}
	var townships []division.Division
	if county.DivisionCode != "" {
		if townships, err = division.Children(ctx, q, county.DivisionCode); err != nil {
			return cov, err
		}
	}
	villages, err := countBy(ctx, q, `SELECT parent_code, COUNT(*) FROM divisions WHERE level = 'village' AND code >= ? AND code <= ? GROUP BY parent_code`,
		county.DivisionCode, county.DivisionCode+strings.Repeat("9", max(12-len(county.DivisionCode), 0)))
	if err != nil {
		return cov, err
	}
	under, underArgs := authz.SubtreeCond(q.Dialect(), "o.path", county.Path)
	rooms, err := countBy(ctx, q, `SELECT r.station_id, COUNT(*) FROM rooms r JOIN org_units o ON o.id = r.org_id
		WHERE `+runningCond+` AND `+under+` GROUP BY r.station_id`, underArgs...)
	if err != nil {
		return cov, err
	}
	covered, err := countBy(ctx, q, `SELECT r.station_id, COUNT(*) FROM rooms r JOIN org_units o ON o.id = r.org_id
		JOIN divisions d ON d.code = r.village_code WHERE `+runningCond+` AND `+under+` GROUP BY r.station_id`, underArgs...)
	if err != nil {
		return cov, err
	}
	// Staff: the people in the workforce registry (社工人才台账) working at
	// the station or its rooms — not the login accounts, which miss staff
	// who never log in and count volunteers' colleagues twice — counted
	// by the workforce's one definition (workforce.StaffCond: a
	// deactivated station's people are not).
	staff, err := countBy(ctx, q, `SELECT st.id, COUNT(w.id) FROM org_units st
		JOIN org_units o ON o.path LIKE st.path || '%'
		JOIN wf_workers w ON w.org_id = o.id
		WHERE st.parent_id = ? AND st.kind = 'station' AND `+workforce.StaffCond("w", "o")+`
		GROUP BY st.id`, county.ID)
	if err != nil {
		return cov, err
	}
	stations, _, err := ListStations(ctx, q, actor, StationFilter{CountyID: county.ID, Limit: MaxListLimit})
	if err != nil {
		return cov, err
	}
	byCode := map[string]Station{}
	for _, s := range stations {
		byCode[s.TownshipCode] = s
	}
	line := func(code, name, kind string) TownshipCoverage {
		t := TownshipCoverage{Code: code, Name: name, Kind: kind, Villages: villages[code]}
		if s, ok := byCode[code]; ok {
			t.StationID, t.StationName, t.StationActive, t.Demonstration = s.ID, s.Name, s.Active, s.Demonstration && s.Active
			t.Rooms, t.VillageCovered, t.Staff = rooms[s.ID], covered[s.ID], staff[s.ID]
			t.LastAssessedOn, t.LastScore, t.LastMaxScore = s.LastAssessedOn, s.LastScore, s.LastMaxScore
			delete(byCode, code)
		}
		return t
	}
	for _, d := range townships {
		if d.Level != division.LevelTownship {
			continue
		}
		t := line(d.Code, d.Name, d.KindLabel)
		cov.TownshipCount++
		cov.Villages += t.Villages
		if t.StationActive {
			cov.CoveredCount++
		}
		cov.Townships = append(cov.Townships, t)
	}
	// Stations whose township code was withdrawn from the list still run
	// and are shown, but do not count towards the rate.
	for _, s := range stations {
		if _, left := byCode[s.TownshipCode]; left {
			t := line(s.TownshipCode, s.TownshipName, division.TownshipKind(s.TownshipCode).Label())
			t.Withdrawn = true
			if t.Name == "" {
				t.Name = s.Name
			}
			cov.Townships = append(cov.Townships, t)
		}
	}
	for _, t := range cov.Townships {
		if t.StationActive {
			cov.Stations++
			cov.Rooms += t.Rooms
			cov.VillagesCovered += t.VillageCovered
			cov.Staff += t.Staff
			if t.Demonstration {
				cov.Demonstrations++
			}
		}
	}
	if cov.TownshipCount > 0 {
		cov.Rate = float64(cov.CoveredCount) / float64(cov.TownshipCount)
	}
	if cov.Villages > 0 {
		cov.VillageRate = float64(cov.VillagesCovered) / float64(cov.Villages)
	}
	if cov.Townships == nil {
		cov.Townships = []TownshipCoverage{}
	}
	return cov, nil
}

// countBy runs a "key, COUNT(*) … GROUP BY key" query into a map.
func countBy(ctx context.Context, q db.Querier, query string, args ...any) (map[string]int, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// CoverageHeaders are the columns of the coverage sheet.
var CoverageHeaders = []string{"乡镇（街道）代码", "乡镇（街道）", "类型", "社工站", "运行状态", "标准化示范站",
	"社工室数", "村（社区）数", "已覆盖村（社区）数", "人员数", "最近评估日期", "最近评估得分"}

// CoverageFilename is the download name of a county's coverage workbook.
func CoverageFilename(c Coverage) string {
	return strings.TrimSuffix(c.CountyName, "民政局") + "社工站覆盖情况-" + c.AsOf + ".xlsx"
}

// WriteCoverageXLSX writes the coverage as an Excel workbook: a sheet of
// townships and a summary sheet, Chinese headers. The caller records the
// export in the audit log (ExportCoverage does both).
func WriteCoverageXLSX(w io.Writer, c Coverage) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "覆盖情况"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F2F2F2"}, Pattern: 1}})
	if err != nil {
		return err
	}
	for i, h := range CoverageHeaders {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, h); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(CoverageHeaders), 1)
	if err := f.SetCellStyle(sheet, "A1", last, header); err != nil {
		return err
	}
	for r, t := range c.Townships {
		state, score, name := "未建站", "", t.Name
		if t.StationID != "" {
			state = "运行中"
			if !t.StationActive {
				state = "已停用"
			}
		}
		if t.Withdrawn {
			name += "（代码已撤销）"
		}
		if t.LastMaxScore > 0 {
			score = fmt.Sprintf("%d/%d", t.LastScore, t.LastMaxScore)
		}
		demo := ""
		if t.Demonstration {
			demo = "是"
		}
		// Codes are text so Excel keeps them whole (no 4.10622E+08).
		values := []any{t.Code, name, t.Kind, t.StationName, state, demo, t.Rooms, t.Villages, t.VillageCovered, t.Staff, t.LastAssessedOn, score}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(sheet, cell, &values); err != nil {
			return err
		}
	}
	widths := []float64{18, 14, 8, 22, 10, 12, 10, 12, 16, 8, 14, 12}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	const summary = "汇总"
	if _, err := f.NewSheet(summary); err != nil {
		return err
	}
	rows := [][]any{
		{"县（区）", c.CountyName},
		{"区划代码", c.CountyCode},
		{"统计日期", c.AsOf},
		{"区划代码年份", c.CodeYear},
		{"乡镇（街道）数", c.TownshipCount},
		{"已建站乡镇（街道）数", c.CoveredCount},
		{"社工站覆盖率", percentCell(c.Rate)},
		{"标准化示范站数", c.Demonstrations},
		{"社工室数", c.Rooms},
		{"村（社区）数", c.Villages},
		{"已覆盖村（社区）数", c.VillagesCovered},
		{"村（社区）覆盖率", percentCell(c.VillageRate)},
		{"人员数", c.Staff},
	}
	// Rates are numbers shown as per cent, so the sheet can sum and
	// compare them.
	pct, err := f.NewStyle(&excelize.Style{CustomNumFmt: &percentFormat})
	if err != nil {
		return err
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		p, isRate := row[1].(percentCell)
		if isRate {
			row[1] = float64(p)
		}
		if err := f.SetSheetRow(summary, cell, &row); err != nil {
			return err
		}
		if isRate {
			v, _ := excelize.CoordinatesToCellName(2, i+1)
			if err := f.SetCellStyle(summary, v, v, pct); err != nil {
				return err
			}
		}
	}
	if err := f.SetColWidth(summary, "A", "A", 22); err != nil {
		return err
	}
	if err := f.SetColWidth(summary, "B", "B", 24); err != nil {
		return err
	}
	return f.Write(w)
}

// percentCell is a rate (0–1) for a cell shown as per cent.
type percentCell float64

var percentFormat = "0.0%"

// ExportCoverage computes a county's coverage in q (pass a read
// transaction: one snapshot, no write lock while the figures are
// computed), writes it to w as a workbook (a township per row, built in
// memory: a county has tens of them) and returns it with the audit entry
// of the export, which the caller records in a short write transaction
// before sending w's bytes (w is best a buffer or spool).
func ExportCoverage(ctx context.Context, q db.Querier, actor *authz.Actor, countyID string, w io.Writer) (Coverage, audit.Entry, error) {
	cov, err := CountyCoverage(ctx, q, actor, countyID)
	if err != nil {
		return cov, audit.Entry{}, err
	}
	county, err := org.Get(ctx, q, cov.CountyID)
	if err != nil {
		return cov, audit.Entry{}, err
	}
	if err := WriteCoverageXLSX(w, cov); err != nil {
		return cov, audit.Entry{}, err
	}
	return cov, audit.Entry{Action: audit.ActionExport, Entity: "coverage", EntityID: cov.CountyID, OrgPath: county.Path,
		Summary: "导出社工站覆盖情况：" + cov.CountyName + "（" + fmt.Sprint(len(cov.Townships)) + " 个乡镇/街道）"}, nil
}
