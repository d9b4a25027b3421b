package authz

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
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
		if cond, arg := a.ScopeFilter("o.path"); cond != "(o.path LIKE ? AND 1 = 0)" || arg != "/%" {
			t.Fatalf("%+v: filter %q %v matches something", a, cond, arg)
		}
	}
	if cond, arg := System().ScopeFilter("o.path"); cond != "o.path LIKE ?" || arg != "/%" {
		t.Fatalf("system filter %q %v", cond, arg)
	}
	if !System().Covers("/x/y/") {
		t.Fatal("the system actor covers every node")
	}
}
