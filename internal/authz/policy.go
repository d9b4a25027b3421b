package authz

import "slices"

// Permission names an action on a kind of record.
type Permission string

// The permissions. A module adds its own here, next to the roles that
// hold them, so the whole policy reads in one file.
const (
	// Everyone logged in.
	PermHome    Permission = "home"    // 首页
	PermAccount Permission = "account" // own password and profile

	// Accounts and audit, kept apart (三权分立): the system administrator
	// keeps accounts, the security administrator roles, locks and the
	// security policy, the audit administrator only reads the log.
	PermUsersRead   Permission = "users.read"   // the account list and details
	PermUsersManage Permission = "users.manage" // create accounts (business roles), edit, deactivate, reset passwords
	PermAuditRead   Permission = "audit.read"   // read and export the audit log
	PermSystemRead  Permission = "system.read"  // backup status and other operations facts

	// Security administration.
	PermSessionsManage    Permission = "sessions.manage" // see and end other users' sessions
	PermUsersUnlock       Permission = "users.unlock"    // lift a lock-out after failed logins
	PermRolesGrant        Permission = "roles.grant"     // give or change roles; any administrator role
	PermSecondFactorReset Permission = "2fa.reset"       // remove a user's second factor (lost phone)
	PermSecurityPolicy    Permission = "security.policy" // password, session, lock-out and two-factor rules

	// The service network (organisation tree, stations, rooms).
	PermOrgRead   Permission = "org.read"
	PermOrgManage Permission = "org.manage" // create/deactivate nodes: county administrators
	PermOrgEdit   Permission = "org.edit"   // edit a node's details: administrators and station heads in scope

	// Service recipients (服务对象) and households (package recipients).
	// Children under 14 are shown only to roles holding recipients.children
	// (and, as every record, only within scope). Leaders see figures, not
	// the registry of people.
	PermRecipientsRead       Permission = "recipients.read"       // the registry, masked
	PermRecipientsManage     Permission = "recipients.manage"     // register and edit recipients and households
	PermRecipientsReveal     Permission = "recipients.reveal"     // show a full ID number, phone, address or health notes (audit-logged)
	PermRecipientsExport     Permission = "recipients.export"     // Excel export of a filtered list (audit-logged)
	PermRecipientsChildren   Permission = "recipients.children"   // see records of children under 14
	PermRecipientsCategories Permission = "recipients.categories" // the county's list of recipient categories
	PermRecipientsAssign     Permission = "recipients.assign"     // assign people to volunteers for a task (station heads)
	PermRecipientsHandover   Permission = "recipients.handover"   // hand a leaving worker's people (cases, tasks…) over to another worker
	// Households and a person's timeline, for the roles whose row of
	// recipients.FieldAccess shows the household and the status (a
	// volunteer sees neither): the menu and the person page offer them
	// only to those roles.
	PermHouseholdsRead     Permission = "households.read"     // the households list, a household, a person's household panel
	PermRecipientsTimeline Permission = "recipients.timeline" // a person's timeline (status, household, every module's records)

	// Station and room details, service organisations, the standardisation
	// checklist and coverage (package network). Scope decides which
	// stations: a station head's scope is their own station.
	PermNetworkRead     Permission = "network.read"     // stations, rooms, organisations, assessments
	PermNetworkEdit     Permission = "network.edit"     // a station's or room's address, phone, head… in scope
	PermNetworkManage   Permission = "network.manage"   // create/delete stations and rooms, organisations, operators
	PermNetworkAssess   Permission = "network.assess"   // configure the checklist, record assessments
	PermNetworkCoverage Permission = "network.coverage" // county coverage figures and their Excel export

	// Screening visits (探访排查) and visit plans. Volunteers go on visits
	// and are named as visitors, but do not read or record visit records:
	// those hold findings about health and family (PIPL Art. 28), so the
	// worker they accompany records the visit. Leaders see counts only.
	PermVisitsRead   Permission = "visits.read"   // visit records, due and overdue lists (names)
	PermVisitsWrite  Permission = "visits.write"  // record and correct visits
	PermVisitsStats  Permission = "visits.stats"  // due and overdue counts per station
	PermVisitsPlan   Permission = "visits.plan"   // 探访排查 campaigns
	PermVisitsExport Permission = "visits.export" // Excel export of the overdue list
	PermVisitsRules  Permission = "visits.rules"  // county visit-frequency rules
	// Correct or delete a visit, with a reason: the person who recorded it
	// or a station head over it (visits.CanCorrect).
	PermVisitsCorrect Permission = "visits.correct"

	// The workforce (队伍建设): social workers, volunteers, training,
	// programmes and statistics. Readers without workforce.manage see
	// colleagues without their ID numbers.
	PermWorkforceRead       Permission = "workforce.read"
	PermWorkforceManage     Permission = "workforce.manage"     // people, hours, training in scope; sees masked ID numbers
	PermWorkforceReveal     Permission = "workforce.reveal"     // show a full ID number or phone (audit-logged)
	PermWorkforceProgrammes Permission = "workforce.programmes" // honours, talent programmes, allowances and their payment
	// Correct or delete a volunteer-hours entry, with a reason: the person
	// who logged it or a station head over it.
	PermWorkforceHoursCorrect Permission = "workforce.hours.correct"

	// Period figures (期间指标, package figures): every module's counts for
	// a month, quarter or year and an org node. A drill-down's records are
	// guarded by their own module (its read permission, the children rule).
	PermFiguresRead Permission = "figures.read"

	// Service records (服务记录, package services): every act of service.
	// Content is sealed; leaders see figures only.
	PermServicesRead       Permission = "services.read"       // service records in scope (children rule applies)
	PermServicesWrite      Permission = "services.write"      // record and correct typed service records
	PermServicesCategories Permission = "services.categories" // the county's list of content categories

	// Casework (个案, package casework). Content (history, problems, logs)
	// is read only by the case's workers, the station head and the
	// station's supervisor, whatever the permission; other holders of
	// casework.read see a case's number, stage, dates and workers.
	PermCaseworkRead     Permission = "casework.read"     // cases in scope: metadata, task lists
	PermCaseworkWrite    Permission = "casework.write"    // open cases and record their stages
	PermCaseworkApprove  Permission = "casework.approve"  // answer requests to approve plans and closures
	PermCaseworkSettings Permission = "casework.settings" // county rules, supervisors' stations

	// Referrals (转介) and the directory of agencies (package referrals).
	// The reason and outcome are sealed and shown to writers only.
	PermReferralsRead  Permission = "referrals.read"  // referrals in scope, the directory
	PermReferralsWrite Permission = "referrals.write" // refer, record the agency's answer, withdraw
	PermAgenciesManage Permission = "agencies.manage" // keep the directory of agencies and resources

	// Community activities, policy publicity and the monthly theme
	// calendar (社区活动 · 政策宣讲, package activities).
	PermActivitiesRead   Permission = "activities.read"   // calendars, activities, the county grid
	PermActivitiesWrite  Permission = "activities.write"  // plan, hold, cancel activities; a station's themes
	PermActivitiesThemes Permission = "activities.themes" // county-wide monthly themes

	// Group work (小组工作, package groups), MZ/T 095-2017.
	PermGroupsRead     Permission = "groups.read"     // groups, members, sessions, evaluations
	PermGroupsWrite    Permission = "groups.write"    // run groups: members, sessions, attendance, measures
	PermGroupsUnlock   Permission = "groups.unlock"   // edit a session record after it locked: station heads
	PermGroupsSettings Permission = "groups.settings" // county measurement scales and the lock period
	// Background exports (package exports): one's own export jobs, their
	// progress and files. Asking for one needs the export permission of
	// its module (recipients.export, visits.export, workforce.read for
	// the workers roster), checked again at download.
	PermExportsOwn Permission = "exports.own"
)

var everyone = []Role{RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleVolunteer, RoleEvaluator, RoleLeader,
	RoleSysAdmin, RoleSecAdmin, RoleAuditAdmin}

// policy maps each permission to the roles that hold it. Read-only roles
// (评估方, 领导) hold only read permissions. The county administrator
// (县级管理员) keeps the county's business configuration and holds no
// account, security or audit permission; the three system
// administrators hold nothing of the county's business beyond the
// organisation tree and the station directory everyone sees.
var policy = map[Permission][]Role{
	PermHome:        everyone,
	PermAccount:     everyone,
	PermUsersRead:   {RoleSysAdmin, RoleSecAdmin, RoleStationHead},
	PermUsersManage: {RoleSysAdmin},
	PermAuditRead:   {RoleAuditAdmin},
	PermSystemRead:  {RoleSysAdmin, RoleAdmin},

	PermSessionsManage:    {RoleSysAdmin, RoleSecAdmin},
	PermUsersUnlock:       {RoleSecAdmin},
	PermRolesGrant:        {RoleSecAdmin},
	PermSecondFactorReset: {RoleSecAdmin},
	PermSecurityPolicy:    {RoleSecAdmin},
	PermOrgRead:           everyone,
	PermOrgManage:         {RoleAdmin},
	PermOrgEdit:           {RoleAdmin, RoleStationHead},

	PermRecipientsRead:       {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleVolunteer, RoleEvaluator},
	PermRecipientsManage:     {RoleAdmin, RoleStationHead, RoleWorker},
	PermRecipientsReveal:     {RoleAdmin, RoleStationHead, RoleWorker},
	PermRecipientsExport:     {RoleAdmin, RoleStationHead, RoleWorker, RoleEvaluator},
	PermRecipientsChildren:   {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor},
	PermRecipientsCategories: {RoleAdmin},
	PermRecipientsAssign:     {RoleAdmin, RoleStationHead},
	PermRecipientsHandover:   {RoleAdmin, RoleStationHead},
	PermHouseholdsRead:       {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator},
	PermRecipientsTimeline:   {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator},

	PermNetworkRead:     everyone,
	PermNetworkEdit:     {RoleAdmin, RoleStationHead},
	PermNetworkManage:   {RoleAdmin},
	PermNetworkAssess:   {RoleAdmin},
	PermNetworkCoverage: {RoleAdmin, RoleSupervisor, RoleEvaluator, RoleLeader},

	PermVisitsRead:   {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator},
	PermVisitsWrite:  {RoleAdmin, RoleStationHead, RoleWorker},
	PermVisitsStats:  {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator, RoleLeader},
	PermVisitsPlan:   {RoleAdmin, RoleStationHead},
	PermVisitsExport: {RoleAdmin, RoleStationHead},
	PermVisitsRules:  {RoleAdmin},

	PermWorkforceRead:       {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator, RoleLeader},
	PermWorkforceManage:     {RoleAdmin, RoleStationHead},
	PermWorkforceReveal:     {RoleAdmin, RoleStationHead},
	PermWorkforceProgrammes: {RoleAdmin},

	PermVisitsCorrect:         {RoleAdmin, RoleStationHead, RoleWorker},
	PermWorkforceHoursCorrect: {RoleAdmin, RoleStationHead},

	PermFiguresRead:        {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator, RoleLeader},
	PermServicesRead:       {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator},
	PermServicesWrite:      {RoleAdmin, RoleStationHead, RoleWorker},
	PermServicesCategories: {RoleAdmin},

	PermCaseworkRead:     {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleLeader},
	PermCaseworkWrite:    {RoleStationHead, RoleWorker},
	PermCaseworkApprove:  {RoleAdmin, RoleStationHead, RoleSupervisor},
	PermCaseworkSettings: {RoleAdmin},

	PermReferralsRead:  {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleLeader},
	PermReferralsWrite: {RoleStationHead, RoleWorker},
	PermAgenciesManage: {RoleAdmin, RoleStationHead},

	PermActivitiesRead:   {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleVolunteer, RoleEvaluator, RoleLeader},
	PermActivitiesWrite:  {RoleStationHead, RoleWorker},
	PermActivitiesThemes: {RoleAdmin},

	PermGroupsRead:     {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator, RoleLeader},
	PermGroupsWrite:    {RoleStationHead, RoleWorker},
	PermGroupsUnlock:   {RoleStationHead},
	PermGroupsSettings: {RoleAdmin},

	// Whoever holds a module's export permission.
	PermExportsOwn: {RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleEvaluator, RoleLeader},
}

var lookup = func() map[Role]map[Permission]bool {
	m := map[Role]map[Permission]bool{}
	for p, roles := range policy {
		for _, r := range roles {
			if m[r] == nil {
				m[r] = map[Permission]bool{}
			}
			m[r][p] = true
		}
	}
	return m
}()

// Allowed reports whether role r holds permission p.
func Allowed(r Role, p Permission) bool { return lookup[r][p] }

// Known reports whether p is in the policy (a route naming an unknown
// permission is a programming error caught by tests).
func Known(p Permission) bool { _, ok := policy[p]; return ok }

// PermissionsOf lists the permissions a role holds, sorted.
func PermissionsOf(r Role) []Permission {
	var out []Permission
	for p := range lookup[r] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
