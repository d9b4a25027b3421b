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

	// Accounts and audit.
	PermUsersRead   Permission = "users.read"
	PermUsersManage Permission = "users.manage"
	PermAuditRead   Permission = "audit.read"

	// The service network (organisation tree, stations, rooms).
	PermOrgRead   Permission = "org.read"
	PermOrgManage Permission = "org.manage" // create/deactivate nodes: county administrators
	PermOrgEdit   Permission = "org.edit"   // edit a node's details: administrators and station heads in scope
)

var everyone = []Role{RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleVolunteer, RoleEvaluator, RoleLeader}

// policy maps each permission to the roles that hold it. Read-only roles
// (评估方, 领导) hold only read permissions.
var policy = map[Permission][]Role{
	PermHome:        everyone,
	PermAccount:     everyone,
	PermUsersRead:   {RoleAdmin, RoleStationHead},
	PermUsersManage: {RoleAdmin},
	PermAuditRead:   {RoleAdmin},
	PermOrgRead:     everyone,
	PermOrgManage:   {RoleAdmin},
	PermOrgEdit:     {RoleAdmin, RoleStationHead},
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
