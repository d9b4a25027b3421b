package authz

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
)

// A missing actor is denied everywhere: scope checks refuse it and list
// filters match nothing, as they do for an actor without a scope.
func TestMissingActorIsDenied(t *testing.T) {
	for _, a := range []*Actor{nil, {Role: RoleAdmin}} {
		if a.Covers("/x/") {
			t.Fatalf("%+v covers a node", a)
		}
		if err := a.RequireScope("/x/"); !apperr.Is(err, apperr.OutOfScope) {
			t.Fatalf("%+v: want out of scope, got %v", a, err)
		}
		if cond, args := a.ScopeCond(db.SQLite, "o.path"); cond != "1 = 0" || len(args) != 0 {
			t.Fatalf("%+v: filter %q %v matches something", a, cond, args)
		}
	}
	if cond, args := System().ScopeCond(db.SQLite, "o.path"); cond != "o.path >= ? AND o.path < ?" || args[0] != "/" || args[1] != "0" {
		t.Fatalf("system filter %q %v", cond, args)
	}
	if !System().Covers("/x/y/") {
		t.Fatal("the system actor covers every node")
	}
}
