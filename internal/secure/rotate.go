package secure

import (
	"context"
	"fmt"
	"sync"

	"github.com/shegong/shegong/internal/db"
)

// Column names a table column that holds sealed values; packages register
// theirs so key rotation re-seals everything.
type Column struct {
	Table, IDColumn, Column string
}

var (
	columnsMu sync.Mutex
	columns   []Column
)

// RegisterColumn records a sealed column. Call it from a package init.
func RegisterColumn(table, idColumn, column string) {
	columnsMu.Lock()
	defer columnsMu.Unlock()
	columns = append(columns, Column{table, idColumn, column})
}

// Columns lists the registered sealed columns.
func Columns() []Column {
	columnsMu.Lock()
	defer columnsMu.Unlock()
	return append([]Column(nil), columns...)
}

// MaskedColumn names a column holding a masked copy of a sealed column
// (e.g. recipients.current_address_masked of current_address_enc) and the
// mask that makes it.
type MaskedColumn struct {
	Table, IDColumn, Sealed, Masked string
	Mask                            func(string) string
}

var maskedColumns []MaskedColumn

// RegisterMasked records a stored masked copy of a sealed column, so
// Remask (run by key rotation) can rebuild it when a mask rule changes.
// Call it from a package init.
func RegisterMasked(m MaskedColumn) {
	columnsMu.Lock()
	defer columnsMu.Unlock()
	maskedColumns = append(maskedColumns, m)
}

// Remask rebuilds every registered masked copy from its sealed value
// opened with keys, in tx, and returns how many stored copies changed.
// A migration that tightens a mask can only blank what it cannot
// compute; this restores the useful part under the new rule.
func Remask(ctx context.Context, tx *db.Tx, keys *Keyring) (int, error) {
	columnsMu.Lock()
	list := append([]MaskedColumn(nil), maskedColumns...)
	columnsMu.Unlock()
	count := 0
	for _, m := range list {
		rows, err := tx.Query(ctx, fmt.Sprintf("SELECT %s, %s, %s FROM %s", m.IDColumn, m.Sealed, m.Masked, m.Table))
		if err != nil {
			return count, fmt.Errorf("%s.%s: %w", m.Table, m.Masked, err)
		}
		type change struct{ id, masked string }
		var todo []change
		for rows.Next() {
			var id, sealed, masked string
			if err := rows.Scan(&id, &sealed, &masked); err != nil {
				rows.Close()
				return count, err
			}
			plain, err := keys.Open(sealed)
			if err != nil {
				rows.Close()
				return count, fmt.Errorf("%s.%s id %s: %w", m.Table, m.Sealed, id, err)
			}
			if want := m.Mask(plain); want != masked {
				todo = append(todo, change{id, want})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return count, err
		}
		for _, c := range todo {
			if _, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", m.Table, m.Masked, m.IDColumn), c.masked, c.id); err != nil {
				return count, err
			}
			count++
		}
	}
	return count, nil
}

// Reseal opens every registered value with old and seals it again with
// next's active key, in one transaction: either every value moves to the
// new key or none does. It returns how many values it re-sealed.
func Reseal(ctx context.Context, d *db.DB, old, next *Keyring) (int, error) {
	count := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range Columns() {
			rows, err := tx.Query(ctx, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s <> ''", c.IDColumn, c.Column, c.Table, c.Column))
			if err != nil {
				return fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
			}
			type pair struct{ id, val string }
			var todo []pair
			for rows.Next() {
				var p pair
				if err := rows.Scan(&p.id, &p.val); err != nil {
					rows.Close()
					return err
				}
				if KeyOf(p.val) != next.ActiveKey() {
					todo = append(todo, p)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, p := range todo {
				plain, err := old.Open(p.val)
				if err != nil {
					return fmt.Errorf("%s.%s id %s: %w", c.Table, c.Column, p.id, err)
				}
				if _, err := tx.Exec(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", c.Table, c.Column, c.IDColumn), next.Seal(plain), p.id); err != nil {
					return err
				}
				count++
			}
		}
		// The masked copies follow the current mask rules (next opens
		// what old sealed: it keeps the old keys).
		_, err := Remask(ctx, tx, next)
		return err
	})
	return count, err
}
