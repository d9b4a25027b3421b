package kit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
)

// Helpers several modules' pages share: pickers, versions, files.

// OrgOption is a node in a picker, indented by depth under the actor's
// scope node.
type OrgOption struct {
	org.Unit
	Indent string
}

// orgOptions lists the nodes the actor may pick (up to 1,000), in tree
// order.
func (s *Server) OrgOptions(c *Ctx, activeOnly bool) ([]OrgOption, error) {
	f := org.Filter{Limit: 1000}
	if activeOnly {
		f.Active = "1"
	}
	units, _, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return nil, err
	}
	return IndentUnits(units, c.Actor.OrgPath), nil
}

func IndentUnits(units []org.Unit, basePath string) []OrgOption {
	baseDepth := strings.Count(basePath, "/")
	out := make([]OrgOption, len(units))
	for i, u := range units {
		depth := strings.Count(u.Path, "/") - baseDepth
		out[i] = OrgOption{Unit: u, Indent: strings.Repeat("　", max(depth, 0))}
	}
	return out
}

// stationOptions are the stations and rooms the actor may register
// recipients at, indented as a tree.
func (s *Server) StationOptions(c *Ctx) ([]OrgOption, error) {
	all, err := s.OrgOptions(c, true)
	if err != nil {
		return nil, err
	}
	var out []OrgOption
	for _, o := range all {
		if o.Kind == org.KindStation || o.Kind == org.KindRoom {
			out = append(out, o)
		}
	}
	return out, nil
}

// villageName is a village's name from the code list ("" if unknown).
func (s *Server) VillageName(c *Ctx, code string) string {
	if code == "" {
		return ""
	}
	d, err := division.Get(c.Context(), s.App.DB, code)
	if err != nil {
		return ""
	}
	return d.Name
}

// renderPart writes one named template of a page's set: the piece an
// htmx request swaps in, defined once next to the page that shows it.
func (c *Ctx) RenderPart(page, name string, data any) error {
	t, ok := c.s.pages.pages[page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, err := buf.WriteTo(c.W)
	return err
}

// routeAllowed reports whether a route exists and the actor may use it,
// so a page links to another module's part only once it is there.
func (s *Server) RouteAllowed(c *Ctx, method, pattern string) bool {
	for _, rt := range s.routes {
		if rt.Method == method && rt.Pattern == pattern {
			return rt.Perm == "" || c.Actor.Can(rt.Perm)
		}
	}
	return false
}

// writeXLSX sends a workbook as a download.
func WriteXLSX(w http.ResponseWriter, filename string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="export.xlsx"; filename*=UTF-8''`+url.PathEscape(filename))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// SendXLSX sends a spooled workbook as a download.
func SendXLSX(w http.ResponseWriter, filename string, body interface {
	Size() int64
	SendTo(io.Writer) (int64, error)
}) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="export.xlsx"; filename*=UTF-8''`+url.PathEscape(filename))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(body.Size(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = body.SendTo(w)
}

// queryVersion reads the ?version= a DELETE must carry.
func QueryVersion(c *Ctx) (int, error) {
	v, err := strconv.Atoi(c.R.URL.Query().Get("version"))
	if err != nil || v <= 0 {
		return 0, &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请在查询参数中提供读取记录时得到的 version"}}
	}
	return v, nil
}

func RequireVersion(v int) error {
	if v <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	return nil
}

func Patch[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func FormVersion(f *Form) (int, error) {
	v, err := strconv.Atoi(f.Get("version"))
	if err != nil {
		return 0, apperr.New(apperr.BadRequest, "缺少版本号，请刷新页面后重试")
	}
	return v, nil
}

// DivisionChoice is one <Option> of the picker.
type DivisionChoice struct {
	Code, Label, Note string
	Taken, Selected   bool
}

// DivisionChoices lists the divisions under parent for a select, marking
// those that already have a station (townships) or a room (villages).
func (s *Server) DivisionChoices(c *Ctx, parent, selected string) ([]DivisionChoice, error) {
	children, err := division.Children(c.Context(), s.App.DB, parent)
	if err != nil {
		return nil, err
	}
	taken := map[string]string{}
	if len(children) > 0 {
		taken, err = network.DivisionsTaken(c.Context(), s.App.DB, parent, children[0].Level == division.LevelVillage)
		if err != nil {
			return nil, err
		}
	}
	out := make([]DivisionChoice, 0, len(children))
	for _, d := range children {
		ch := DivisionChoice{Code: d.Code, Label: d.Name, Selected: d.Code == selected}
		if d.KindLabel != "" {
			ch.Label += "（" + d.KindLabel + "）"
		}
		if name, ok := taken[d.Code]; ok {
			ch.Taken, ch.Note = true, "已有："+name
		}
		out = append(out, ch)
	}
	return out, nil
}

func BoolField(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// SendFile streams a generated download.
func SendFile(c *Ctx, name, contentType string, body []byte) error {
	h := c.W.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	_, err := c.W.Write(body)
	return err
}

// XLSX is the content type of an Excel workbook.
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
