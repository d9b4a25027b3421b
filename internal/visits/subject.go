package visits

import (
	"context"
	"slices"

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
func visibleCond(actor *authz.Actor, alias string) (string, []any) {
	return recipients.VisibleCond(actor, alias)
}

// The category links mirror risk_tier (migration 0002), so lists of a
// category and a tier read the link indexes alone.
func init() { recipients.MirrorOnLinks("risk_tier") }

// An edit that changes what the rules count (categories) or which rules
// apply (the station, whose county may have its own) recomputes the
// person's visit plan in the edit's transaction.
func init() {
	recipients.OnUpdate(func(ctx context.Context, q db.Querier, actor *authz.Actor, before, after recipients.Recipient) error {
		if before.OrgID == after.OrgID && slices.Equal(before.Categories, after.Categories) {
			return nil
		}
		_, err := replan(ctx, q, actor, after)
		return err
	})
}
