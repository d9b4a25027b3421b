// Package authz decides who may do what, in one place: the role → permission
// policy (policy.go) and the organisational scope rule (an actor sees and
// changes only what lies under their organisation node).
package authz

import (
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
)

// Role is a user's role.
type Role string

const (
	RoleAdmin       Role = "admin"        // 县级管理员
	RoleStationHead Role = "station_head" // 站长
	RoleWorker      Role = "worker"       // 社工
	RoleSupervisor  Role = "supervisor"   // 督导
	RoleVolunteer   Role = "volunteer"    // 志愿者
	RoleEvaluator   Role = "evaluator"    // 评估方 (read-only)
	RoleLeader      Role = "leader"       // 领导 (read-only dashboards)

	// The three system administrators kept apart (三权分立, GB/T
	// 22239-2019 8.1.4.2 c and 8.1.10.x 集中管控): accounts and system
	// settings; security policy, unlocking and roles; the audit log.
	RoleSysAdmin   Role = "sysadmin"   // 系统管理员
	RoleSecAdmin   Role = "secadmin"   // 安全管理员
	RoleAuditAdmin Role = "auditadmin" // 审计管理员
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleStationHead, RoleWorker, RoleSupervisor, RoleVolunteer, RoleEvaluator, RoleLeader,
	RoleSysAdmin, RoleSecAdmin, RoleAuditAdmin}

var roleNames = map[Role]string{
	RoleAdmin:       "县级管理员",
	RoleStationHead: "站长",
	RoleWorker:      "社工",
	RoleSupervisor:  "督导",
	RoleVolunteer:   "志愿者",
	RoleEvaluator:   "评估方",
	RoleLeader:      "领导",
	RoleSysAdmin:    "系统管理员",
	RoleSecAdmin:    "安全管理员",
	RoleAuditAdmin:  "审计管理员",
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}

// Administrator reports whether r administers the system rather than
// doing the county's social work: its grant is for security administrators.
func (r Role) Administrator() bool {
	return r == RoleAdmin || r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditAdmin
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// ParseRole accepts a role code or its Chinese name.
func ParseRole(s string) (Role, bool) {
	s = strings.TrimSpace(s)
	for r, n := range roleNames {
		if s == string(r) || s == n {
			return r, true
		}
	}
	return "", false
}

// Actor is the authenticated user making a request.
type Actor struct {
	UserID      string
	Username    string
	DisplayName string
	Role        Role
	OrgID       string
	OrgPath     string // materialised path of the scope node, "/id/id/…/"
	OrgName     string
	SessionID   string
	IP          string
	UserAgent   string // of the session, for the audit log
	// MustChangePassword is set while the user still has a password an
	// administrator chose; pages send them to change it first.
	MustChangePassword bool
	// MustEnrolSecondFactor is set while a user whose role needs two
	// factors has not enrolled; pages send them to enrol first.
	MustEnrolSecondFactor bool
}

// RoleSystem is the role of work the system does for itself (nightly
// snapshots, background jobs): never a user's role.
const RoleSystem Role = "system"

// System is the actor of work the system does for itself: its scope
// (OrgPath "/") covers every node. It holds no permission of the policy
// table; code running as the system calls what needs scope only.
func System() *Actor {
	return &Actor{Username: "system", DisplayName: "系统", Role: RoleSystem, OrgPath: "/", OrgName: "全部"}
}

// Can reports whether the actor's role grants p.
func (a *Actor) Can(p Permission) bool { return a != nil && Allowed(a.Role, p) }

// Covers reports whether an organisation node (given by its path) lies in
// the actor's scope.
func (a *Actor) Covers(orgPath string) bool {
	return a != nil && a.OrgPath != "" && strings.HasPrefix(orgPath, a.OrgPath)
}

// Require returns a Forbidden error unless the actor may do p.
func (a *Actor) Require(p Permission) error {
	if !a.Can(p) {
		return apperr.ErrForbidden()
	}
	return nil
}

// RequireScope returns an OutOfScope error unless orgPath is in scope.
func (a *Actor) RequireScope(orgPath string) error {
	if !a.Covers(orgPath) {
		return apperr.ErrOutOfScope()
	}
	return nil
}

// SubtreeCond restricts pathColumn (a column or expression holding an org
// path) to the subtree of the node whose path is prefix: the node and
// everything under it. Paths end with "/", so a prefix never takes in a
// sibling whose id starts alike. The form is the one each engine's index
// on org_units.path serves:
//   - SQLite: the byte range prefix <= path < next, next being prefix with
//     its last byte incremented, which holds exactly the strings starting
//     with prefix (the path index has the binary collation; SQLite's LIKE
//     ignores ASCII case and cannot use it);
//   - PostgreSQL: LIKE 'prefix%', served by the text_pattern_ops index
//     org_units_path_prefix whatever the database's collation (a range
//     would compare by the collation, which need not order bytes).
//
// An empty prefix matches nothing.
func SubtreeCond(d db.Dialect, pathColumn, prefix string) (cond string, args []any) {
	if prefix == "" {
		return "1 = 0", nil
	}
	if d == db.Postgres {
		return pathColumn + " LIKE ?", []any{db.Like(prefix) + "%"}
	}
	next := []byte(prefix)
	for i := len(next) - 1; i >= 0; i-- {
		if next[i] < 0xff {
			next[i]++
			return pathColumn + " >= ? AND " + pathColumn + " < ?", []any{prefix, string(next[:i+1])}
		}
	}
	return pathColumn + " >= ?", []any{prefix} // all bytes 0xff: no upper bound
}

// ScopeCond restricts pathColumn (a column or expression holding an org
// path) to the actor's scope, in the form SubtreeCond gives. Use it in
// every list query: `WHERE ` + cond, with args. A nil actor sees nothing.
func (a *Actor) ScopeCond(d db.Dialect, pathColumn string) (cond string, args []any) {
	if a == nil {
		return "1 = 0", nil
	}
	return SubtreeCond(d, pathColumn, a.OrgPath)
}
