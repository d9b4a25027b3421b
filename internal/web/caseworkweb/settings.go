package caseworkweb

import (
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/web/kit"
)

// domainRow is one scored assessment domain on the settings page.
type domainRow struct {
	Key, Label, Items string
	Error             string
}

var approverOptions = []kit.Option{{Code: "station_head", Label: "站长"}, {Code: "supervisor", Label: "督导"}}

// splitItems reads sub-items typed in one field, separated by 、 or commas.
func splitItems(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '\n' })
}

func settingsForm(r casework.SettingsRecord) *kit.Form {
	return kit.NewForm(map[string]string{"version": strconv.Itoa(r.Version), "approver": r.Approver, "assess_days": strconv.Itoa(r.AssessDays),
		"plan_days": strconv.Itoa(r.PlanDays), "high_assess_days": strconv.Itoa(r.HighAssessDays), "high_plan_days": strconv.Itoa(r.HighPlanDays),
		"number_pattern": r.NumberPattern, "type_code": r.TypeCode})
}

func rowsOf(ds []casework.Domain) []domainRow {
	var out []domainRow
	for _, d := range ds {
		out = append(out, domainRow{Key: d.Key, Label: d.Label, Items: strings.Join(d.Items, "、")})
	}
	return out
}

// settingsFrom reads the form: the rules and the domain rows as typed
// (a blank new row is left out).
func settingsFrom(f *kit.Form) (casework.Settings, []domainRow) {
	s := casework.Settings{Approver: f.Get("approver"), AssessDays: atoi(f.Get("assess_days")), PlanDays: atoi(f.Get("plan_days")),
		HighAssessDays: atoi(f.Get("high_assess_days")), HighPlanDays: atoi(f.Get("high_plan_days")),
		NumberPattern: f.Get("number_pattern"), TypeCode: f.Get("type_code")}
	keys, labels, items := f.Multi["domain_key"], f.Multi["domain_label"], f.Multi["domain_items"]
	var rows []domainRow
	for i := range labels {
		row := domainRow{Label: labels[i]}
		if i < len(keys) {
			row.Key = keys[i]
		}
		if i < len(items) {
			row.Items = items[i]
		}
		if row.Key == "" && strings.TrimSpace(row.Label) == "" && strings.TrimSpace(row.Items) == "" {
			continue
		}
		rows = append(rows, row)
		s.Domains = append(s.Domains, casework.Domain{Key: row.Key, Label: row.Label, Items: splitItems(row.Items)})
	}
	return s, rows
}

func (s *Handlers) settingsPage(c *kit.Ctx, f *kit.Form, r casework.SettingsRecord, rows []domainRow) *kit.Page {
	// A domain's error sits on its row; one for a new row (its code is
	// made on save) shows above the table.
	var loose []string
	for k, msg := range f.Errors {
		key, ok := strings.CutPrefix(k, "domain.")
		if !ok {
			continue
		}
		found := false
		for i := range rows {
			if rows[i].Key == key {
				rows[i].Error, found = msg, true
			}
		}
		if !found {
			loose = append(loose, msg)
		}
	}
	if msg := f.Errors["domains"]; msg != "" {
		loose = append(loose, msg)
	}
	return &kit.Page{Title: "个案工作规则", Form: f, Data: map[string]any{"Record": r, "Rows": rows, "Saved": rowsOf(r.Domains),
		"DomainErrors": loose, "Approvers": approverOptions}}
}

// SettingsPage shows the county's casework rules for editing: who
// approves, the stages' due days, the case number rule and the scored
// assessment domains.
func (s *Handlers) SettingsPage(c *kit.Ctx) error {
	r, err := casework.SettingsOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if err != nil {
		return err
	}
	return c.Render("casework_settings", s.settingsPage(c, settingsForm(r), r, rowsOf(r.Domains)))
}

// SettingsSave saves the rules against the version the page was drawn
// from; with remove_domain it removes that one domain (the page asks
// first).
func (s *Handlers) SettingsSave(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in, rows := settingsFrom(f)
	remove := f.Get("remove_domain")
	flash := "已保存个案工作规则"
	err := c.Write(func(tx *db.Tx) error {
		if remove != "" {
			cur, err := casework.SettingsOf(c.Context(), tx, c.Actor, c.Actor.OrgID)
			if err != nil {
				return err
			}
			in = cur.Settings
			in.Domains = nil
			for _, d := range cur.Domains {
				if d.Key == remove {
					flash = "已删除评估维度“" + d.Label + "”"
				} else {
					in.Domains = append(in.Domains, d)
				}
			}
		}
		_, err := casework.SetSettings(c.Context(), tx, c.Actor, c.Actor.OrgID, atoi(f.Get("version")), in)
		return err
	})
	if err == nil {
		return c.Redirect("/case-settings", flash)
	}
	r, rerr := casework.SettingsOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if rerr != nil {
		return rerr
	}
	if remove != "" {
		// The removal failed (the last domain, or a stale page): show the
		// rules as stored, with the message.
		f, rows = settingsForm(r), rowsOf(r.Domains)
	}
	return c.RenderForm("casework_settings", s.settingsPage(c, f, r, rows), err)
}

// SupervisorsPage lists the supervisors and the stations each covers,
// with a form to assign one more.
func (s *Handlers) SupervisorsPage(c *kit.Ctx) error {
	return s.supervisors(c, kit.NewForm(nil), nil)
}

func (s *Handlers) supervisors(c *kit.Ctx, f *kit.Form, fail error) error {
	sups, err := casework.Supervisions(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return err
	}
	stations, _, err := org.List(c.Context(), c.DB(), c.Actor, org.Filter{Kind: org.KindStation, Active: "1", Limit: 500})
	if err != nil {
		return err
	}
	var supOpts, stOpts []kit.Option
	for _, x := range sups {
		supOpts = append(supOpts, kit.Option{Code: x.UserID, Label: x.Name + "（" + x.OrgName + "）"})
	}
	for _, x := range stations {
		stOpts = append(stOpts, kit.Option{Code: x.ID, Label: x.Name})
	}
	p := &kit.Page{Title: "督导负责站点", Form: f, Data: map[string]any{"Items": sups, "Supervisors": supOpts, "Stations": stOpts}}
	if fail != nil {
		return c.RenderForm("casework_supervisors", p, fail)
	}
	return c.Render("casework_supervisors", p)
}

// SupervisorSave assigns a supervisor to a station, or with remove=1
// ends the assignment (the page asks first). Both are idempotent: a
// page drawn before someone else's change cannot undo more than it shows.
func (s *Handlers) SupervisorSave(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	userID, stationID, remove := f.Get("user_id"), f.Get("station_id"), f.Get("remove") == "1"
	err := c.Write(func(tx *db.Tx) error {
		return casework.AssignSupervisor(c.Context(), tx, c.Actor, userID, stationID, remove)
	})
	if err != nil {
		if remove {
			f = kit.NewForm(nil)
		}
		return s.supervisors(c, f, err)
	}
	if remove {
		return c.Redirect("/supervisor-stations", "已取消该站点的督导指派")
	}
	return c.Redirect("/supervisor-stations", "已指派督导")
}
