package visits

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
)

// The one place this package meets the recipient registry (package
// recipients): loading a person the actor may see, registering a person
// met on a visit, and the condition that keeps records a role may not
// see out of this package's lists.

// person is what a visit needs to know about the person visited.
type person = recipients.Recipient

// NewRecipient is a person met on a visit and registered on the spot:
// the registry's own input, validated by the registry.
type NewRecipient = recipients.Input

// recipientFor loads a person the actor may see (scope and the children
// rule, applied by the registry).
func recipientFor(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (person, error) {
	return recipients.Get(ctx, q, actor, id)
}

// registerRecipient registers a newly met person inside the visit's
// transaction.
func registerRecipient(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, in *NewRecipient) (person, error) {
	return recipients.Create(ctx, tx, keys, actor, *in)
}

// visibleCond is the registry's children rule for the lists of this
// package, on the recipients row alias ("r"); scope is applied by each
// list on the visit's or person's org node.
// TODO(visits): need an exported recipients.VisibleCond(actor, alias) so
// the rule lives in one place; until then this mirrors visibleConds.
func visibleCond(actor *authz.Actor, alias string) (string, []any) {
	if recipients.CanSeeChildren(actor) {
		return "", nil
	}
	return alias + ".birth_date <> '' AND " + alias + ".birth_date <= ?", []any{recipients.ChildCutoff()}
}
