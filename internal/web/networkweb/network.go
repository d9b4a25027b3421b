package networkweb

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
)

// The service network pages: stations, rooms (with the cascading
// township → village picker), organisations, the standardisation
// checklist and assessments, coverage. The services are in package
// network; these handlers only read forms and render.

// ---- stations ----

func (s *Handlers) StationList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 30)
	q := p.Query
	f := network.StationFilter{CountyID: q.Get("county"), Text: p.Q, Active: q.Get("active"), Demonstration: q.Get("demo"), OperatorID: q.Get("operator"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
	stations, total, err := network.ListStations(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	operators, _, err := network.ListOrganisations(c.Context(), s.App.DB, c.Actor, network.OrganisationFilter{Limit: network.MaxListLimit})
	if err != nil {
		return err
	}
	counties, err := network.Counties(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	var bare []org.Unit
	if c.Actor.Can(authz.PermNetworkManage) {
		if bare, err = network.BareStations(c.Context(), s.App.DB, c.Actor); err != nil {
			return err
		}
	}
	return c.Render("network_stations", &kit.Page{Title: "社工站", Data: map[string]any{
		"Stations": stations, "Pager": kit.NewPager(p, total), "Params": p, "Operators": operators, "Counties": counties, "Bare": bare,
	}})
}

func (s *Handlers) StationShow(c *kit.Ctx) error {
	p, err := s.stationPage(c, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("network_station", p)
}

// stationPage gathers a station with its rooms and assessment history.
func (s *Handlers) stationPage(c *kit.Ctx, id string) (*kit.Page, error) {
	st, err := network.GetStation(c.Context(), s.App.DB, c.Actor, id)
	if err != nil {
		return nil, err
	}
	rooms, _, err := network.ListRooms(c.Context(), s.App.DB, c.Actor, network.RoomFilter{StationID: st.ID, Limit: network.MaxListLimit})
	if err != nil {
		return nil, err
	}
	assessments, total, err := network.ListAssessments(c.Context(), s.App.DB, c.Actor, st.ID, 0, 50)
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: st.Name, Form: kit.NewForm(nil), Data: map[string]any{
		"Station": st, "Rooms": rooms, "Assessments": assessments, "AssessmentTotal": total,
		"CanEdit": c.Actor.Can(authz.PermNetworkEdit), "CanManage": c.Actor.Can(authz.PermNetworkManage),
		"CanAssess": c.Actor.Can(authz.PermNetworkAssess), "CanAudit": c.Actor.Can(authz.PermAuditRead),
	}}, nil
}

// stationFormPage builds the station form. Creating, the county select
// drives the township select through the division picker.
func (s *Handlers) stationFormPage(c *kit.Ctx, f *kit.Form, st *network.Station) (*kit.Page, error) {
	ctx := c.Context()
	counties, err := network.Counties(ctx, s.App.DB, c.Actor)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Counties": counties, "Station": st, "CanManage": c.Actor.Can(authz.PermNetworkManage)}
	var county org.Unit
	if st != nil {
		county, err = org.Get(ctx, s.App.DB, st.CountyID)
		if err != nil {
			return nil, err
		}
	} else {
		if f.Get("county_id") == "" && len(counties) > 0 {
			f.Values["county_id"] = counties[0].ID
		}
		for _, cu := range counties {
			if cu.ID == f.Get("county_id") {
				county = cu
			}
		}
		if county.DivisionCode != "" {
			opts, err := s.DivisionChoices(c, county.DivisionCode, f.Get("township_code"))
			if err != nil {
				return nil, err
			}
			data["Townships"] = opts
		}
	}
	ops, err := network.OrganisationOptions(ctx, s.App.DB, c.Actor, county)
	if err != nil {
		return nil, err
	}
	data["Operators"] = ops
	title := "新建社工站"
	if st != nil {
		title = "编辑社工站：" + st.Name
	}
	return &kit.Page{Title: title, Form: f, Data: data}, nil
}

func (s *Handlers) StationNew(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"county_id": c.R.URL.Query().Get("county"), "township_code": c.R.URL.Query().Get("township")})
	p, err := s.stationFormPage(c, f, nil)
	if err != nil {
		return err
	}
	return c.Render("network_station_form", p)
}

func stationInputFrom(f *kit.Form) network.StationInput {
	return network.StationInput{ID: f.Get("id"), CountyID: f.Get("county_id"), TownshipCode: f.Get("township_code"), Name: f.Get("name"), Address: f.Get("address"),
		Phone: f.Get("phone"), OpenedOn: f.Get("opened_on"), HeadName: f.Get("head_name"), OperatorID: f.Get("operator_id")}
}

func (s *Handlers) StationCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var st network.Station
	err := c.Write(func(tx *db.Tx) error {
		var err error
		st, err = network.CreateStation(c.Context(), tx, c.Actor, stationInputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.stationFormPage(c, f, nil)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_station_form", p, err)
	}
	return c.Redirect("/network/stations/"+st.ID, "已新建社工站："+st.Name)
}

func (s *Handlers) StationEdit(c *kit.Ctx) error {
	st, err := network.GetStation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"name": st.Name, "address": st.Address, "phone": st.Phone, "opened_on": st.OpenedOn, "head_name": st.HeadName,
		"operator_id": st.OperatorID, "active": kit.BoolField(st.Active), "version": strconv.Itoa(st.Version)})
	p, err := s.stationFormPage(c, f, &st)
	if err != nil {
		return err
	}
	return c.Render("network_station_form", p)
}

func (s *Handlers) StationUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	cur, err := network.GetStation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	in := stationInputFrom(f)
	active := f.Get("active") == "1"
	if !c.Actor.Can(authz.PermNetworkManage) {
		// The form shows these read-only to station heads.
		in.Name, in.OperatorID, active = cur.Name, cur.OperatorID, cur.Active
	}
	var st network.Station
	err = c.Write(func(tx *db.Tx) error {
		st, err = network.UpdateStation(c.Context(), tx, c.Actor, cur.ID, version, in, active)
		return err
	})
	if err != nil {
		p, perr := s.stationFormPage(c, f, &cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_station_form", p, err)
	}
	return c.Redirect("/network/stations/"+st.ID, "已保存")
}

func (s *Handlers) StationSetActive(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	active := f.Get("active") == "1"
	var st network.Station
	err = c.Write(func(tx *db.Tx) error {
		st, err = network.SetStationActive(c.Context(), tx, c.Actor, c.PathValue("id"), version, active)
		return err
	})
	if err != nil {
		return err
	}
	msg := "已停用：" + st.Name + "（记录都已保留，可随时重新启用）"
	if active {
		msg = "已重新启用：" + st.Name
	}
	return c.Redirect("/network/stations/"+st.ID, msg)
}

func (s *Handlers) StationDelete(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteStation(c.Context(), tx, c.Actor, id, version)
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Conflict {
		// Refused: show the station again with the reason beside the
		// deactivate button.
		p, perr := s.stationPage(c, id)
		if perr != nil {
			return perr
		}
		p.Error = ae.Message
		p.Data.(map[string]any)["DeleteRefused"] = true
		return c.RenderStatus(http.StatusConflict, "network_station", p)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/network/stations", "已删除社工站")
}

// ---- rooms ----

func (s *Handlers) RoomList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 30)
	q := p.Query
	rooms, total, err := network.ListRooms(c.Context(), s.App.DB, c.Actor, network.RoomFilter{StationID: q.Get("station"), Text: p.Q,
		Active: q.Get("active"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	stations, err := s.Picker(c, kit.PickNetwork, "station", q.Get("station"))
	if err != nil {
		return err
	}
	return c.Render("network_rooms", &kit.Page{Title: "社工室", Data: map[string]any{
		"Rooms": rooms, "Pager": kit.NewPager(p, total), "Params": p, "StationPicker": stations,
	}})
}

func (s *Handlers) RoomShow(c *kit.Ctx) error {
	r, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("network_room", &kit.Page{Title: r.Name, Data: map[string]any{"Room": r,
		"CanEdit": c.Actor.Can(authz.PermNetworkEdit), "CanManage": c.Actor.Can(authz.PermNetworkManage)}})
}

// roomFormPage builds the room form: creating, a township select (the
// townships with an open station in scope) drives the village select.
func (s *Handlers) roomFormPage(c *kit.Ctx, f *kit.Form, r *network.Room) (*kit.Page, error) {
	data := map[string]any{"Room": r, "CanManage": c.Actor.Can(authz.PermNetworkManage)}
	title := "新建社工室"
	if r != nil {
		title = "编辑社工室：" + r.Name
	} else {
		stations, _, err := network.ListStations(c.Context(), s.App.DB, c.Actor, network.StationFilter{Active: "1", Limit: network.MaxListLimit})
		if err != nil {
			return nil, err
		}
		data["Stations"] = stations
		if t := f.Get("township_code"); t != "" {
			opts, err := s.DivisionChoices(c, t, f.Get("village_code"))
			if err != nil {
				return nil, err
			}
			data["Villages"] = opts
		}
	}
	return &kit.Page{Title: title, Form: f, Data: data}, nil
}

func (s *Handlers) RoomNew(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"township_code": c.R.URL.Query().Get("township")})
	p, err := s.roomFormPage(c, f, nil)
	if err != nil {
		return err
	}
	return c.Render("network_room_form", p)
}

func roomInputFrom(f *kit.Form) network.RoomInput {
	return network.RoomInput{ID: f.Get("id"), TownshipCode: f.Get("township_code"), VillageCode: f.Get("village_code"), Name: f.Get("name"),
		Address: f.Get("address"), Phone: f.Get("phone"), OpenedOn: f.Get("opened_on")}
}

func (s *Handlers) RoomCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := roomInputFrom(f)
	if in.TownshipCode == "" {
		// The form names the station by its township; say so in its terms.
		p, err := s.roomFormPage(c, f, nil)
		if err != nil {
			return err
		}
		return c.RenderForm("network_room_form", p, (apperr.Fields{"township_code": "请选择乡镇（街道）"}).Err())
	}
	var r network.Room
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = network.CreateRoom(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		p, perr := s.roomFormPage(c, f, nil)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_room_form", p, err)
	}
	return c.Redirect("/network/rooms/"+r.ID, "已新建社工室："+r.Name)
}

func (s *Handlers) RoomEdit(c *kit.Ctx) error {
	r, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"name": r.Name, "address": r.Address, "phone": r.Phone, "opened_on": r.OpenedOn,
		"active": kit.BoolField(r.Active), "version": strconv.Itoa(r.Version)})
	p, err := s.roomFormPage(c, f, &r)
	if err != nil {
		return err
	}
	return c.Render("network_room_form", p)
}

func (s *Handlers) RoomUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	cur, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	in := roomInputFrom(f)
	in.TownshipCode, in.VillageCode = "", ""
	active := f.Get("active") == "1"
	if !c.Actor.Can(authz.PermNetworkManage) {
		active = cur.Active
	}
	var r network.Room
	err = c.Write(func(tx *db.Tx) error {
		r, err = network.UpdateRoom(c.Context(), tx, c.Actor, cur.ID, version, in, active)
		return err
	})
	if err != nil {
		p, perr := s.roomFormPage(c, f, &cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_room_form", p, err)
	}
	return c.Redirect("/network/rooms/"+r.ID, "已保存")
}

func (s *Handlers) RoomDelete(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	r, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteRoom(c.Context(), tx, c.Actor, r.ID, version)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/network/stations/"+r.StationID, "已删除社工室："+r.Name)
}

// ---- the cascading division picker ----

var divisionOptionsTmpl = template.Must(template.New("options").Parse(
	`<option value="">{{.Prompt}}</option>{{range .Choices}}<option value="{{.Code}}"{{if .Selected}} selected{{end}}{{if .Taken}} disabled{{end}}>{{.Label}} {{.Code}}{{with .Note}}　{{.}}{{end}}</option>{{end}}`))

// divisionOptions returns the <option>s of the divisions under a parent
// code, for htmx to swap into the next select. The parent is ?parent=, or
// the value of the select that asked (hx-include): township_code gives its
// villages, county_id (an org node) its county's townships.
func (s *Handlers) DivisionOptions(c *kit.Ctx) error {
	q := c.R.URL.Query()
	parent := strings.TrimSpace(q.Get("parent"))
	prompt := "请选择"
	switch {
	case parent != "":
	case q.Get("township_code") != "":
		parent, prompt = strings.TrimSpace(q.Get("township_code")), "请选择村（社区）"
	case q.Get("county_id") != "":
		county, err := org.GetFor(c.Context(), s.App.DB, c.Actor, q.Get("county_id"))
		if err != nil {
			return err
		}
		parent, prompt = county.DivisionCode, "请选择乡镇（街道）"
	}
	var choices []kit.DivisionChoice
	if parent != "" {
		var err error
		if choices, err = s.DivisionChoices(c, parent, q.Get("selected")); err != nil {
			return err
		}
	} else {
		prompt = "请先选择上一级"
	}
	c.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.W.Header().Set("Cache-Control", "no-store")
	return divisionOptionsTmpl.Execute(c.W, map[string]any{"Prompt": prompt, "Choices": choices})
}
