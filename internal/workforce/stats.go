package workforce

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// TrendFrom is the first year the trend shows (earlier records still
// count towards it).
var TrendFrom = 2019

// Count is a labelled number.
type Count struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Figures are the workforce figures of one unit (a county, a station).
type Figures struct {
	OrgID          string  `json:"org_id"`
	Name           string  `json:"name"`
	HeadCount      int     `json:"head_count"`
	Certified      int     `json:"certified"`
	ByLevel        []Count `json:"by_level"`
	CertifiedShare string  `json:"certified_share"` // "52.4%"
	Volunteers     int     `json:"volunteers"`
	VolunteerHours string  `json:"volunteer_hours"`
	TrainingHours  string  `json:"training_hours"` // person-hours
	volunteerMins  int
	trainingMins   int
	levelCounts    map[string]int
}

// TrendPoint is the workforce at the end of one year (today for the
// current year), computed from dated records.
type TrendPoint struct {
	Year         int `json:"year"`
	HeadCount    int `json:"head_count"`
	Certified    int `json:"certified"`
	Junior       int `json:"junior"`
	Intermediate int `json:"intermediate"`
	Senior       int `json:"senior"`
}

// Stats are the workforce statistics of a scope for a year.
type Stats struct {
	ScopeName string       `json:"scope_name"`
	Year      int          `json:"year"`
	AsOf      string       `json:"as_of"` // date the head counts refer to
	Total     Figures      `json:"total"`
	Stations  []Figures    `json:"stations"`
	AgeBands  []Count      `json:"age_bands"`
	MedianAge string       `json:"median_age"`
	Education []Count      `json:"education"`
	Trend     []TrendPoint `json:"trend"`
	// VolunteerMonths are the volunteer hours of each month of the year.
	VolunteerMonths []MonthHours `json:"volunteer_months"`
}

// StatsFilter chooses the scope (an org node; empty = the actor's) and
// the year (0 = this year).
type StatsFilter struct {
	OrgID string
	Year  int
}

// employedOn reports whether a worker was on the roster on a date: hired
// by then (or no date known) and not yet left.
func employedOn(w Worker, date string) bool {
	return (w.HiredOn == "" || w.HiredOn <= date) && (w.LeftOn == "" || w.LeftOn > date)
}

// Age bands of the statistics.
var ageBands = []struct {
	Label    string
	Min, Max int
}{{"30岁以下", 0, 29}, {"30–39岁", 30, 39}, {"40–49岁", 40, 49}, {"50岁及以上", 50, 200}}

// Share is part of whole as the statistics print it (62.5%; 0% of none).
func Share(part, whole int) string { return share(part, whole) }

func share(part, whole int) string {
	if whole == 0 {
		return "0%"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
}

// hoursNumber is minutes as hours, a number for a spreadsheet cell.
func hoursNumber(minutes int) float64 { return float64(minutes) / 60 }

// sharePercent is part of whole in per cent, one decimal, as a number.
func sharePercent(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64), 64)
	return v
}

// numberCell is a figure shown as text ("45.5") as a number for a
// spreadsheet cell, or the text itself when it is not one ("—").
func numberCell(s string) any {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v
	}
	return s
}

// medianAge is the middle age (the mean of the two middle ones for an
// even count), with one decimal when it is a half.
func medianAge(ages []int) string {
	if len(ages) == 0 {
		return "—"
	}
	sort.Ints(ages)
	n := len(ages)
	if n%2 == 1 {
		return strconv.Itoa(ages[n/2])
	}
	sum := ages[n/2-1] + ages[n/2]
	if sum%2 == 0 {
		return strconv.Itoa(sum / 2)
	}
	return strconv.Itoa(sum/2) + ".5"
}

func newFigures(id, name string) *Figures {
	return &Figures{OrgID: id, Name: name, levelCounts: map[string]int{}}
}

func (f *Figures) finish() {
	f.CertifiedShare = share(f.Certified, f.HeadCount)
	f.VolunteerHours = FormatHours(f.volunteerMins)
	f.TrainingHours = FormatHours(f.trainingMins)
	f.ByLevel = nil
	for _, l := range Levels {
		f.ByLevel = append(f.ByLevel, Count{Key: l.Code, Label: l.Label, Count: f.levelCounts[l.Code]})
	}
}

// Statistics computes the workforce figures of a scope: head counts and
// qualifications as of the end of the year (today for this year), age and
// education structure, volunteers and their hours and training hours in
// the year, per station, and the trend by year from the dated
// qualification and employment records.
func Statistics(ctx context.Context, q db.Querier, actor *authz.Actor, f StatsFilter) (Stats, error) {
	today := cst.Today()
	thisYear := cst.Now().Year()
	if f.Year <= 0 || f.Year > thisYear {
		f.Year = thisYear
	}
	st := Stats{Year: f.Year, AsOf: fmt.Sprintf("%d-12-31", f.Year)}
	if st.AsOf > today {
		st.AsOf = today
	}
	if actor == nil {
		return st, apperr.ErrOutOfScope() // the default scope is the actor's
	}
	base := org.Unit{ID: actor.OrgID, Path: actor.OrgPath, Name: actor.OrgName}
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return st, err
		}
		if err := actor.RequireScope(u.Path); err != nil {
			return st, err
		}
		base = u
	}
	st.ScopeName = base.Name
	units, err := unitsUnder(ctx, q, base.Path)
	if err != nil {
		return st, err
	}
	total := newFigures(base.ID, base.Name)
	stations := map[string]*Figures{}
	var order []string
	for _, u := range units {
		if u.Kind == org.KindStation {
			stations[u.ID] = newFigures(u.ID, u.Name)
			order = append(order, u.ID)
		}
	}
	// Each figure counts towards the total and the person's station.
	each := func(path string, fn func(*Figures)) {
		fn(total)
		if stn, ok := org.StationIn(path, units); ok {
			fn(stations[stn.ID])
		}
	}

	// Without a text search nothing sealed is read: no keys needed.
	workers, _, err := listWorkers(ctx, q, nil, actor, WorkerFilter{OrgID: base.ID, Limit: -1})
	if err != nil {
		return st, err
	}
	inactive, err := inactiveUnits(ctx, q)
	if err != nil {
		return st, err
	}
	var ages []int
	bands := make([]int, len(ageBands))
	edu := map[string]int{}
	for _, w := range workers {
		// Staff (StaffRule): employed at the date, at a running unit.
		if !employedOn(w, st.AsOf) || onInactiveUnit(w.OrgPath, inactive) {
			continue
		}
		level := highestLevel(w.Qualifications, st.AsOf)
		each(w.OrgPath, func(fg *Figures) {
			fg.HeadCount++
			if level != "" {
				fg.Certified++
				fg.levelCounts[level]++
			}
		})
		age := ageOn(w.BirthDate, st.AsOf)
		ages = append(ages, age)
		for i, b := range ageBands {
			if age >= b.Min && age <= b.Max {
				bands[i]++
			}
		}
		edu[w.Education]++
	}
	for i, b := range ageBands {
		st.AgeBands = append(st.AgeBands, Count{Key: strconv.Itoa(i), Label: b.Label, Count: bands[i]})
	}
	st.MedianAge = medianAge(ages)
	for _, e := range append(append([]Option(nil), Educations...), Option{"", "未填写"}) {
		if edu[e.Code] > 0 || e.Code != "" {
			st.Education = append(st.Education, Count{Key: e.Code, Label: e.Label, Count: edu[e.Code]})
		}
	}

	yearLike := strconv.Itoa(f.Year) + "-%"
	rows, err := q.Query(ctx, `SELECT o.path, v.registered_on, v.status FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id WHERE o.path LIKE ?`, base.Path+"%")
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var path, reg, status string
		if err := rows.Scan(&path, &reg, &status); err != nil {
			rows.Close()
			return st, err
		}
		if reg <= st.AsOf && (status == "active" || f.Year < thisYear) {
			each(path, func(fg *Figures) { fg.Volunteers++ })
		}
	}
	rows.Close()
	sums := func(query string, add func(*Figures, int)) error {
		rows, err := q.Query(ctx, query, base.Path+"%", yearLike)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path string
			var mins int64
			if err := rows.Scan(&path, &mins); err != nil {
				return err
			}
			each(path, func(fg *Figures) { add(fg, int(mins)) })
		}
		return rows.Err()
	}
	if err := sums(`SELECT o.path, SUM(h.minutes)`+volunteerHoursFrom+` WHERE o.path LIKE ? AND h.served_on LIKE ? GROUP BY o.path`,
		func(fg *Figures, m int) { fg.volunteerMins += m }); err != nil {
		return st, err
	}
	if err := sums(`SELECT o.path, SUM(t.minutes)`+trainingHoursFrom+` WHERE o.path LIKE ? AND t.start_on LIKE ? GROUP BY o.path`,
		func(fg *Figures, m int) { fg.trainingMins += m }); err != nil {
		return st, err
	}
	monthly := map[string]int{}
	if err := func() error {
		rows, err := q.Query(ctx, `SELECT SUBSTR(h.served_on, 1, 7), SUM(h.minutes)`+volunteerHoursFrom+`
			WHERE o.path LIKE ? AND h.served_on LIKE ? GROUP BY SUBSTR(h.served_on, 1, 7)`, base.Path+"%", yearLike)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var month string
			var mins int64
			if err := rows.Scan(&month, &mins); err != nil {
				return err
			}
			monthly[month] = int(mins)
		}
		return rows.Err()
	}(); err != nil {
		return st, err
	}
	for m := 1; m <= 12; m++ {
		key := fmt.Sprintf("%d-%02d", f.Year, m)
		if key > today[:7] {
			break
		}
		st.VolunteerMonths = append(st.VolunteerMonths, MonthHours{Month: key, Hours: FormatHours(monthly[key]), Minutes: monthly[key]})
	}
	total.finish()
	st.Total = *total
	for _, id := range order {
		stations[id].finish()
		st.Stations = append(st.Stations, *stations[id])
	}
	st.Trend = trend(workers, TrendFrom, thisYear, today)
	return st, nil
}

// trend counts, for each year, the workers on the roster at the year's
// end (today for the current year) and their highest certificate then.
func trend(workers []Worker, from, to int, today string) []TrendPoint {
	for _, w := range workers {
		for _, q := range w.Qualifications {
			if y, _ := strconv.Atoi(q.ObtainedOn[:4]); y < from && y >= 2000 {
				from = y
			}
		}
	}
	var out []TrendPoint
	for y := from; y <= to; y++ {
		on := fmt.Sprintf("%d-12-31", y)
		if on > today {
			on = today
		}
		p := TrendPoint{Year: y}
		for _, w := range workers {
			if !employedOn(w, on) {
				continue
			}
			p.HeadCount++
			switch highestLevel(w.Qualifications, on) {
			case LevelJunior:
				p.Junior++
			case LevelIntermediate:
				p.Intermediate++
			case LevelSenior:
				p.Senior++
			}
		}
		p.Certified = p.Junior + p.Intermediate + p.Senior
		out = append(out, p)
	}
	return out
}

// unitsUnder maps the ids of the nodes under a path to the nodes.
func unitsUnder(ctx context.Context, q db.Querier, path string) (map[string]org.Unit, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, name, path FROM org_units WHERE path LIKE ? ORDER BY path`, path+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]org.Unit{}
	for rows.Next() {
		var u org.Unit
		if err := rows.Scan(&u.ID, &u.Kind, &u.Name, &u.Path); err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// ExportStatistics writes the statistics as an .xlsx workbook with
// Chinese headers (a few summary sheets, one row per station at most, so
// built in memory) and returns it with its file name and the audit entry
// of the export. It writes nothing: compute it in a read transaction,
// then record the entry in a short write transaction before sending.
func ExportStatistics(ctx context.Context, q db.Querier, actor *authz.Actor, f StatsFilter) ([]byte, string, audit.Entry, error) {
	st, err := Statistics(ctx, q, actor, f)
	if err != nil {
		return nil, "", audit.Entry{}, err
	}
	x := excelize.NewFile()
	defer x.Close()
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	sheet := func(name string, header []string, rows [][]any) {
		idx, _ := x.NewSheet(name)
		_ = idx
		_ = x.SetSheetRow(name, "A1", &header)
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			_ = x.SetSheetRow(name, cell, &r)
		}
		end, _ := excelize.CoordinatesToCellName(len(header), 1)
		_ = x.SetCellStyle(name, "A1", end, bold)
		_ = x.SetColWidth(name, "A", "A", 24)
		lastCol, _ := excelize.ColumnNumberToName(len(header))
		_ = x.SetColWidth(name, "B", lastCol, 14)
	}
	// Every figure is written as a number (hours, shares in per cent, the
	// median age), so the workbook sums and charts without retyping.
	t := st.Total
	summary := [][]any{{"统计范围", st.ScopeName}, {"统计年度", st.Year}, {"人数截至", st.AsOf}, {"社工人数", t.HeadCount},
		{"持证社工", t.Certified}, {"持证比例（%）", sharePercent(t.Certified, t.HeadCount)}}
	for _, c := range t.ByLevel {
		summary = append(summary, []any{"其中：" + c.Label, c.Count})
	}
	summary = append(summary, []any{"年龄中位数", numberCell(st.MedianAge)})
	for _, c := range st.AgeBands {
		summary = append(summary, []any{"年龄：" + c.Label, c.Count})
	}
	for _, c := range st.Education {
		summary = append(summary, []any{"学历：" + c.Label, c.Count})
	}
	summary = append(summary, []any{"志愿者人数", t.Volunteers}, []any{"志愿服务时长（小时）", hoursNumber(t.volunteerMins)},
		[]any{"培训学时（人·小时）", hoursNumber(t.trainingMins)})
	sheet("概况", []string{"指标", "数值"}, summary)
	var stationRows [][]any
	for _, f := range append(st.Stations, st.Total) {
		name := f.Name
		if f.OrgID == st.Total.OrgID {
			name = "合计"
		}
		r := []any{name, f.HeadCount, f.Certified}
		for _, c := range f.ByLevel {
			r = append(r, c.Count)
		}
		stationRows = append(stationRows, append(r, sharePercent(f.Certified, f.HeadCount), f.Volunteers, hoursNumber(f.volunteerMins), hoursNumber(f.trainingMins)))
	}
	sheet("各站点", []string{"站点", "社工人数", "持证人数", "助理社会工作师", "社会工作师", "高级社会工作师", "持证比例（%）", "志愿者人数", "志愿服务时长（小时）", "培训学时（人·小时）"}, stationRows)
	var trendRows [][]any
	for _, p := range st.Trend {
		trendRows = append(trendRows, []any{p.Year, p.HeadCount, p.Certified, p.Junior, p.Intermediate, p.Senior})
	}
	sheet("年度趋势", []string{"年度", "社工人数（年末）", "持证人数（年末）", "助理社会工作师", "社会工作师", "高级社会工作师"}, trendRows)
	var monthRows [][]any
	for _, m := range st.VolunteerMonths {
		monthRows = append(monthRows, []any{m.Month, hoursNumber(m.Minutes)})
	}
	sheet("志愿服务按月", []string{"月份", "志愿服务时长（小时）"}, monthRows)
	_ = x.DeleteSheet("Sheet1")
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, "", audit.Entry{}, err
	}
	name := fmt.Sprintf("社工队伍统计_%s_%d.xlsx", strings.ReplaceAll(st.ScopeName, "/", "_"), st.Year)
	return buf.Bytes(), name, audit.Entry{Action: audit.ActionExport, Entity: "wf_stats", EntityID: st.Total.OrgID, OrgPath: actor.OrgPath,
		Summary: "导出社工队伍统计：" + st.ScopeName + " " + strconv.Itoa(st.Year) + " 年"}, nil
}
