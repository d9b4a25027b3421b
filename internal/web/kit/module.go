package kit

import (
	"io/fs"
	"net/http"

	"github.com/shegong/shegong/internal/authz"
)

// Module is one block of the route index (internal/web/routes.go): what a
// domain module adds to the web layer.
type Module struct {
	// Name is the module's short name (recipients, visits…), shown by
	// `shegong routes`.
	Name string
	// Templates holds templates/*.html: each file is a page named after
	// the file, defining "title" and "content" (names are unique across
	// modules; prefix them with the module).
	Templates fs.FS
	// OpenAPI is the module's fragment of the API document:
	// {"paths": …, "components": {"schemas": …}}.
	OpenAPI []byte
	// Home adds sections to the home page.
	Home []HomeBuilder
	// Panels add sections to the person page (服务对象详情); each loads
	// from one of the module's GET routes.
	Panels []PersonPanel
	// Routes are the module's pages and API endpoints.
	Routes []Route
}

// Public marks a route anyone may call without logging in (login,
// health, the API document).
const Public authz.Permission = "public"

func route(method, pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return Route{Method: method, Pattern: pattern, Perm: perm, Handle: h}
}

// GET, POST, PUT, PATCH and DELETE make the route index's entries.
func GET(pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return route(http.MethodGet, pattern, perm, h)
}

func POST(pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return route(http.MethodPost, pattern, perm, h)
}

func PUT(pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return route(http.MethodPut, pattern, perm, h)
}

func PATCH(pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return route(http.MethodPatch, pattern, perm, h)
}

func DELETE(pattern string, perm authz.Permission, h func(*Ctx) error) Route {
	return route(http.MethodDelete, pattern, perm, h)
}

// Upload raises the route's request body limit (bytes) for file uploads.
func (r Route) Upload(limit int64) Route { r.MaxBody = limit; return r }
