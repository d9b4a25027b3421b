package recipients

import (
	"context"
	"fmt"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
)

// PersonLookup is the duplicate rule's one statement, for the test of
// its query plan.
const PersonLookup = personLookup

// CheckRowThenWrite checks one roster row (its cells by field) for
// actor as a commit does, and returns how the commit would then write it
// in a transaction of its own: with the batch write (many) and alone
// (one). Between the two a test registers a person, as someone may
// between a commit's check and its write.
func CheckRowThenWrite(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, cells map[string]string) (
	write func(many bool) error, doubt map[string]string, err error) {
	rule, err := importerOf(keys).Begin(ctx, d, actor, roster.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer rule.Close()
	row := roster.Record{Row: 2, Cells: make([]string, len(ImportColumns))}
	for i, c := range ImportColumns {
		row.Cells[i] = cells[c.Field]
	}
	checked, err := rule.Check(ctx, row)
	if err != nil || len(checked.Errors) > 0 {
		return nil, nil, fmt.Errorf("row: %v %v", checked.Errors, err)
	}
	v := rule.Prepare(checked.Value)
	return func(many bool) error {
		return d.InTx(ctx, func(tx *db.Tx) error {
			if many {
				return rule.WriteMany(ctx, tx, []importValue{v})
			}
			return rule.Write(ctx, tx, v)
		})
	}, checked.Doubt, nil
}
