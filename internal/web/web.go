// Package web is shegong's HTTP layer: server-rendered Chinese pages
// (html/template + htmx) and the JSON API under /api/v1, both on the
// same domain services and the same permission checks. The shared kit is
// internal/web/kit; each module's handlers and templates live in
// internal/web/<module>web; routes.go lists every route.
package web

import (
	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/web/kit"
)

// Server is the HTTP handler.
type Server = kit.Server

// Route is one endpoint of the route index.
type Route = kit.Route

// New builds the handler with every module's routes mounted.
func New(a *app.App) (*Server, error) {
	k, err := kit.New(a)
	if err != nil {
		return nil, err
	}
	if err := k.Mount(modules(k)); err != nil {
		return nil, err
	}
	return k, nil
}

// Index lists every route of the index without starting a server (for
// `shegong routes`): method, path, permission and module.
func Index() []Route {
	var out []Route
	for _, m := range modules(nil) {
		for _, r := range m.Routes {
			r.Module = m.Name
			out = append(out, r)
		}
	}
	return out
}
