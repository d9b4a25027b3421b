package kit

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/workforce"
)

// Pickers: a choice among the villages, workers or stations of the
// actor's scope. A province has thousands of them, so a page never
// carries them all: when the scope holds more than PickerInline the page
// draws a text box that searches as one types (GET PickerPath(kind)?q=,
// PickerResults at a time) and submits the chosen value from a hidden
// field; when it holds fewer, a plain select as before. The behaviour is
// in static/js/app.js ([data-picker]); the markup is the "picker"
// partial.

// PickerInline is the most options a picker draws inline as a select.
const PickerInline = 30

// PickerResults is how many options one search answers.
const PickerResults = 20

// Picker kinds: what a picker chooses among, in the actor's scope.
const (
	PickVillages = "villages"         // villages (村级 division codes) under the actor's township, county or province
	PickWorkers  = "workers"          // active social workers and station heads (user ids)
	PickStations = "stations"         // active stations and rooms (org unit ids)
	PickOrgs     = "orgs"             // every active node (org unit ids)
	PickAccounts = "accounts"         // active login accounts a worker of the roster may be linked to (user ids)
	PickNetwork  = "network-stations" // stations of the station directory (network station ids)
	// PickRecipients: people of the registry the actor sees, within a
	// station or room (recipient ids).
	PickRecipients = "recipients"
)

type pickerKind struct {
	// find lists options matching text ("" = the first ones in order)
	// within a node of the actor's scope ("" = the whole scope; kinds
	// that cannot narrow ignore it), at most limit, and whether there
	// are more.
	find func(c *Ctx, text, within string, limit int) ([]Option, bool, error)
	// label is the text a stored value shows ("" if unknown here).
	label func(c *Ctx, value string) (string, error)
}

var pickerKinds = map[string]pickerKind{
	PickVillages:   {find: findVillages, label: villageLabel},
	PickWorkers:    {find: findWorkers, label: workerLabel},
	PickStations:   {find: findUnits(org.KindStation, org.KindRoom), label: unitLabel},
	PickOrgs:       {find: findUnits(), label: unitLabel},
	PickAccounts:   {find: findAccounts, label: accountLabel},
	PickNetwork:    {find: findNetworkStations, label: networkStationLabel},
	PickRecipients: {find: findRecipients, label: recipientLabel},
}

// PickerPath is the search route of a kind; routes.go registers it with
// the permission that reads such options.
func PickerPath(kind string) string { return "/pick/" + kind }

// Picker is a picker as a page draws it (partial "picker").
type Picker struct {
	Kind, Name string
	Value      string   // the chosen value ("" for none)
	Text       string   // its label, shown in the text box
	Src        string   // the search route
	Inline     bool     // few options: a plain select of Options
	None       bool     // the actor's scope holds no option at all
	Options    []Option // the options, when Inline
}

// Picker prepares the picker of a form field or filter named name whose
// current value is value.
func (s *Server) Picker(c *Ctx, kind, name, value string) (Picker, error) {
	return s.PickerWithin(c, kind, name, value, "")
}

// PickerWithin is Picker among the options under the node within (an
// org unit id, e.g. a group's station), for kinds that narrow so.
func (s *Server) PickerWithin(c *Ctx, kind, name, value, within string) (Picker, error) {
	k, ok := pickerKinds[kind]
	if !ok {
		panic("kit: unknown picker kind " + kind)
	}
	p := Picker{Kind: kind, Name: name, Value: value, Src: PickerPath(kind)}
	if within != "" {
		p.Src += "?within=" + url.QueryEscape(within)
	}
	opts, more, err := k.find(c, "", within, PickerInline)
	if err != nil {
		return p, err
	}
	if !more {
		p.Inline, p.Options, p.None = true, opts, len(opts) == 0
	}
	if value == "" {
		return p, nil
	}
	for _, o := range opts {
		if o.Code == value {
			p.Text = strings.TrimLeft(o.Label, "　")
		}
	}
	if p.Text == "" {
		if p.Text, err = k.label(c, value); err != nil {
			return p, err
		}
		if p.Text == "" {
			p.Text = value
		}
		// A value the list lacks (a worker who left) stays selectable.
		if p.Inline {
			p.Options = append(p.Options, Option{Code: value, Label: p.Text})
		}
	}
	return p, nil
}

// PickerLabel is the label of a stored value of a kind ("" if unknown).
func (s *Server) PickerLabel(c *Ctx, kind, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	return pickerKinds[kind].label(c, value)
}

// PickerOption is one search result.
type PickerOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Pick answers a picker's search: GET ?q=text[&within=node] gives
// {"items": [{"value", "label"}…], "more": bool}, at most PickerResults.
func (s *Server) Pick(kind string) func(*Ctx) error {
	k, ok := pickerKinds[kind]
	if !ok {
		panic("kit: unknown picker kind " + kind)
	}
	return func(c *Ctx) error {
		q := c.R.URL.Query()
		opts, more, err := k.find(c, q.Get("q"), q.Get("within"), PickerResults)
		if err != nil {
			return err
		}
		items := make([]PickerOption, len(opts))
		for i, o := range opts {
			items[i] = PickerOption{o.Code, o.Label}
		}
		c.W.Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, map[string]any{"items": items, "more": more})
	}
}

func findVillages(c *Ctx, text, _ string, limit int) ([]Option, bool, error) {
	under, ok, err := scopeDivision(c)
	if err != nil || !ok {
		return []Option{}, false, err
	}
	ds, more, err := division.FindVillages(c.Context(), c.DB(), under, text, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]Option, len(ds))
	for i, d := range ds {
		out[i] = Option{d.Code, d.Name}
	}
	return out, more, nil
}

// scopeDivision is the division code whose villages the actor picks
// among: their node's code cut to the township (a room's village is
// one of its township's). A node without a code (the root) has none.
func scopeDivision(c *Ctx) (string, bool, error) {
	if c.Actor == nil {
		return "", false, nil
	}
	u, err := org.Get(c.Context(), c.DB(), c.Actor.OrgID)
	if apperr.Is(err, apperr.NotFound) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	code := u.DivisionCode
	if len(code) > 9 {
		code = code[:9]
	}
	return code, code != "", nil
}

func villageLabel(c *Ctx, code string) (string, error) {
	d, err := division.Get(c.Context(), c.DB(), code)
	if err != nil {
		return "", nil
	}
	return d.Name, nil
}

func findWorkers(c *Ctx, text, _ string, limit int) ([]Option, bool, error) {
	ws, more, err := recipients.FindWorkers(c.Context(), c.DB(), c.Actor, text, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]Option, len(ws))
	for i, w := range ws {
		out[i] = Option{w.ID, w.Name + "（" + w.OrgName + "）"}
	}
	return out, more, nil
}

func workerLabel(c *Ctx, id string) (string, error) {
	return recipients.WorkerLabel(c.Context(), c.DB(), c.Actor, id)
}

func findUnits(kinds ...org.Kind) func(c *Ctx, text, within string, limit int) ([]Option, bool, error) {
	return func(c *Ctx, text, _ string, limit int) ([]Option, bool, error) {
		us, more, err := org.Find(c.Context(), c.DB(), c.Actor, text, kinds, limit)
		if err != nil {
			return nil, false, err
		}
		out := make([]Option, len(us))
		for i, u := range us {
			out[i] = Option{u.ID, u.Name}
		}
		if text == "" {
			// Listed in tree order: indented by depth under the actor's node.
			for i, o := range IndentUnits(us, c.Actor.OrgPath) {
				out[i].Label = o.Indent + out[i].Label
			}
		}
		return out, more, nil
	}
}

func unitLabel(c *Ctx, id string) (string, error) {
	u, err := org.GetFor(c.Context(), c.DB(), c.Actor, id)
	if err != nil {
		return "", nil
	}
	return u.Name, nil
}

func findAccounts(c *Ctx, text, _ string, limit int) ([]Option, bool, error) {
	us, more, err := workforce.FindLinkableUsers(c.Context(), c.DB(), c.Actor, text, limit)
	if err != nil {
		return nil, false, err
	}
	out := make([]Option, len(us))
	for i, u := range us {
		out[i] = Option(u)
	}
	return out, more, nil
}

func accountLabel(c *Ctx, id string) (string, error) {
	return workforce.LinkableUserLabel(c.Context(), c.DB(), c.Actor, id)
}

func findNetworkStations(c *Ctx, text, _ string, limit int) ([]Option, bool, error) {
	ss, _, err := network.ListStations(c.Context(), c.DB(), c.Actor, network.StationFilter{Text: strings.TrimSpace(text), Sort: "code", Limit: limit + 1})
	if err != nil {
		return nil, false, err
	}
	more := len(ss) > limit
	if more {
		ss = ss[:limit]
	}
	out := make([]Option, len(ss))
	for i, st := range ss {
		out[i] = Option{st.ID, st.Name}
	}
	return out, more, nil
}

func networkStationLabel(c *Ctx, id string) (string, error) {
	st, err := network.GetStation(c.Context(), c.DB(), c.Actor, id)
	if err != nil {
		return "", nil
	}
	return st.Name, nil
}

func findRecipients(c *Ctx, text, within string, limit int) ([]Option, bool, error) {
	rs, _, _, err := recipients.List(c.Context(), c.DB(), c.App().Keys, c.Actor, recipients.Filter{Text: strings.TrimSpace(text), OrgID: within,
		Sort: "name", Limit: limit + 1})
	if err != nil {
		return nil, false, err
	}
	more := len(rs) > limit
	if more {
		rs = rs[:limit]
	}
	out := make([]Option, len(rs))
	for i, r := range rs {
		out[i] = Option{r.ID, r.Name}
	}
	return out, more, nil
}

func recipientLabel(c *Ctx, id string) (string, error) {
	r, err := recipients.Get(c.Context(), c.DB(), c.Actor, id)
	if err != nil {
		return "", nil
	}
	return r.Name, nil
}
