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
		return nil
	})
	return count, err
}
