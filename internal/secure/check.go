package secure

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"time"

	"github.com/shegong/shegong/internal/db"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the key-check schema: migrate it before CheckKeys.
var Module = db.MustLoadModule("secure", migrations, "migrations")

// checkPlain is the known value each data key seals into key_checks.
const checkPlain = "shegong key check 密钥校验"

// KeyMismatchError says the key file does not open the data in the
// database; Reason is in Chinese and English.
type KeyMismatchError struct {
	Reason string
}

func (e *KeyMismatchError) Error() string { return e.Reason }

// HoldsSealedData reports whether the database holds anything sealed by a
// key file: a key check or a non-empty value in a registered column. A
// missing key file must then not be replaced by a fresh one.
func HoldsSealedData(ctx context.Context, q db.Querier) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM key_checks`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return true, nil
	}
	for _, c := range Columns() {
		v, err := firstValue(ctx, q, c)
		if err != nil {
			return false, err
		}
		if v != "" {
			return true, nil
		}
	}
	return false, nil
}

func firstValue(ctx context.Context, q db.Querier, c Column) (string, error) {
	rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s <> '' LIMIT 1", c.Column, c.Table, c.Column))
	if err != nil {
		return "", fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
	}
	defer rows.Close()
	var v string
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
	}
	return v, rows.Err()
}

// CheckKeys verifies that kr opens what the database holds and records a
// check value for any key of kr the database has not seen yet (the first
// start, a rotation). It returns a *KeyMismatchError when a check value
// (or, in a database made before checks existed, a sealed value) does not
// open with kr, when a key that sealed data is missing from kr, or when
// kr's index key is not the one that indexed the data.
func CheckKeys(ctx context.Context, d *db.DB, kr *Keyring) error {
	seen, err := verifyChecks(ctx, d, kr)
	if err != nil {
		return err
	}
	if len(seen) == 0 {
		// A database from before key checks: one sealed value per column.
		for _, c := range Columns() {
			v, err := firstValue(ctx, d, c)
			if err != nil {
				return err
			}
			if v == "" {
				continue
			}
			if _, err := kr.Open(v); err != nil {
				return &KeyMismatchError{Reason: fmt.Sprintf("%s.%s 中的加密数据用该密钥文件无法解密 (sealed data in %s.%s does not open with this key file: %v)", c.Table, c.Column, c.Table, c.Column, err)}
			}
		}
	}
	var missing []int
	if !seen[0] {
		missing = append(missing, 0)
	}
	for n := range kr.raw {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Ints(missing)
	now := time.Now().UTC().Format(time.RFC3339)
	for _, n := range missing {
		v := kr.BlindIndex("keycheck", checkPlain)
		if n > 0 {
			v = kr.sealWith(n, checkPlain)
		}
		if _, err := d.Exec(ctx, `INSERT INTO key_checks (key_id, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING`, n, v, now); err != nil {
			return fmt.Errorf("key check: %w", err)
		}
	}
	// Another process may have written its own checks first.
	_, err = verifyChecks(ctx, d, kr)
	return err
}

// verifyChecks opens every stored check value with kr and returns the key
// ids it found (0 = the index key).
func verifyChecks(ctx context.Context, q db.Querier, kr *Keyring) (map[int]bool, error) {
	rows, err := q.Query(ctx, `SELECT key_id, value FROM key_checks ORDER BY key_id`)
	if err != nil {
		return nil, fmt.Errorf("key checks: %w", err)
	}
	defer rows.Close()
	seen := map[int]bool{}
	for rows.Next() {
		var n int
		var v string
		if err := rows.Scan(&n, &v); err != nil {
			return nil, err
		}
		seen[n] = true
		switch {
		case n == 0:
			if kr.BlindIndex("keycheck", checkPlain) != v {
				return nil, &KeyMismatchError{Reason: "密钥文件的检索密钥（index）与数据库不符，按身份证号、电话的查找与查重都会失效 (the index key does not match the one this database was indexed with)"}
			}
		case kr.keys[n] == nil:
			return nil, &KeyMismatchError{Reason: fmt.Sprintf("数据库中有用第 %d 号密钥加密的数据，但密钥文件中没有这个密钥 (data in this database was sealed with key %d, which the key file does not hold)", n, n)}
		default:
			if plain, err := kr.Open(v); err != nil || plain != checkPlain {
				return nil, &KeyMismatchError{Reason: fmt.Sprintf("密钥文件中的第 %d 号密钥不是加密本数据库的那一把 (key %d in the key file is not the one that sealed this database)", n, n)}
			}
		}
	}
	return seen, rows.Err()
}
