package web

// registerRoutes wires every page group and API group. A new module adds
// one line here and its own file(s).
func (s *Server) registerRoutes() {
	s.routesSession()
	s.routesHome()
	s.routesOrgs()
	s.routesUsers()
	s.routesAudit()
	s.routesAttachments()
	s.routesRecipients()
	s.routesRecipientsImport()
	s.routesHouseholds()
	s.routesNetwork()
	s.routesWorkforce()
	s.routesVisits()
	s.routesAPICore()
	s.routesSystem()
}
