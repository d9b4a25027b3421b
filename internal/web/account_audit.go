package web

import "github.com/shegong/shegong/internal/apperr"

// auditDenied records a request refused for the actor's role or scope
// (GB/T 22239-2019 8.1.4.3: 越权访问 is a security event). Recording
// must not change the answer the user gets, so its own error is logged only.
func (s *Server) auditDenied(c *Ctx, err error) {
	ae, ok := apperr.As(err)
	if !ok || c.Actor == nil || (ae.Kind != apperr.Forbidden && ae.Kind != apperr.OutOfScope) {
		return
	}
	if rerr := s.App.Auth.RecordDenied(c.Context(), c.Actor, c.route.Method+" "+c.route.Pattern, c.R.URL.Path, string(ae.Kind), ae.Message); rerr != nil {
		s.log.Error("audit denied request", "err", rerr)
	}
}
