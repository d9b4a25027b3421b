// Package db opens the database (SQLite by default, PostgreSQL for large
// deployments) and gives the rest of shegong one way to write queries that
// both engines run: SQL with `?` placeholders, rewritten to `$n` for
// PostgreSQL, and portable column types (TEXT, BIGINT, INTEGER). Lists
// build their WHERE clause with Conds, take their ORDER BY from an Order
// whitelist and read a counted page with Page.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/shegong/shegong/internal/apperr"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what both *DB and *Tx offer; services take a Querier so the
// same code runs inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is a connection pool with its dialect.
type DB struct {
	pool    *sql.DB
	dialect Dialect
	// Path is the SQLite file ("" for PostgreSQL); backup uses it.
	Path string
}

// Open connects to url: a postgres:// URL selects PostgreSQL, anything else
// is taken as the path of a SQLite file.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(20)
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("connect postgres: %w", err)
		}
		return &DB{pool: pool, dialect: Postgres}, nil
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// Personal data: only the service's own user reads the file. SQLite
	// gives the -wal and -shm files the database file's permissions.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	f.Close()
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sqlite file mode: %w", err)
		}
	}
	q := url.Values{}
	// WAL lets readers run beside the writer; busy_timeout waits instead of
	// failing; immediate transactions take the write lock up front so two
	// writers never deadlock upgrading a read lock.
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Deleted and overwritten personal data is zeroed in the file, not
	// left in free pages for anyone holding a copy to read.
	q.Add("_pragma", "secure_delete(1)")
	q.Set("_txlock", "immediate")
	pool, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	pool.SetMaxOpenConns(8)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	return &DB{pool: pool, dialect: SQLite, Path: abs}, nil
}

// Optimize refreshes the planner's statistics where they are missing or
// stale — an index a migration just created has none, and without them
// SQLite may walk it instead of a far better one (a county's name search
// went from 4 to 18 ms). SQLite's PRAGMA optimize decides what needs it
// and bounds the work; PostgreSQL's autovacuum keeps its own statistics.
func (d *DB) Optimize(ctx context.Context) error {
	if d.dialect != SQLite {
		return nil
	}
	conn, err := d.pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A sample per index is enough for the planner and keeps a start
	// after a migration to a second or so at a million rows.
	if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit=1000`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `PRAGMA optimize=0x10002`)
	return err
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close closes the pool.
func (d *DB) Close() error { return d.pool.Close() }

// Pool exposes the underlying *sql.DB for the rare caller that needs it
// (benchmarks, backup).
func (d *DB) Pool() *sql.DB { return d.pool }

func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.pool.ExecContext(ctx, Rebind(d.dialect, query), args...)
}

func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.pool.QueryContext(ctx, Rebind(d.dialect, query), args...)
}

func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return d.pool.QueryRowContext(ctx, Rebind(d.dialect, query), args...)
}

// Tx is a transaction with the same query methods as DB.
type Tx struct {
	tx         *sql.Tx
	dialect    Dialect
	undo       []func()
	savepoints int
}

// OnRollback registers work that undoes a side effect outside the
// database (a file written for a row of this transaction) if the
// transaction does not commit. Undo work runs last registered first.
func (t *Tx) OnRollback(undo func()) { t.undo = append(t.undo, undo) }

// InSavepoint runs fn so that, if it fails, only its own work is undone
// and the transaction goes on: on PostgreSQL a failed statement otherwise
// aborts the whole transaction (an import that rejects one row must keep
// the others). Undo work fn registered with OnRollback runs at once.
func (t *Tx) InSavepoint(ctx context.Context, fn func() error) error {
	t.savepoints++
	name := "sp" + strconv.Itoa(t.savepoints)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	undone := len(t.undo)
	if err := fn(); err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		for i := len(t.undo) - 1; i >= undone; i-- {
			t.undo[i]()
		}
		t.undo = t.undo[:undone]
		_, _ = t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	_, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

func (t *Tx) rolledBack() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
}

func (t *Tx) Dialect() Dialect { return t.dialect }

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)
}

// InTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise, so multi-row work is all or nothing.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := d.pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, dialect: d.dialect}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			tx.rolledBack()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
			tx.rolledBack()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rebind rewrites `?` placeholders to `$1, $2…` for PostgreSQL. Question
// marks inside quoted strings are left alone.
func Rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// IsUniqueViolation reports whether err is a unique or primary-key
// constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key failure.
func IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// Placeholders returns "?, ?, ?" for n arguments, for IN lists.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Like escapes a user's search text for a LIKE pattern (escape char `\`).
func Like(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// Bool turns a Go bool into the 0/1 INTEGER both engines store.
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Collect reads every row with scan and closes rows; pass it the result
// of a Query directly. The slice is empty, never nil, when there are no
// rows (JSON lists then read [], not null).
func Collect[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Versioned checks an UPDATE or DELETE guarded by "… AND version = ?":
// no row touched means someone saved the record in between (or it is
// gone), reported as apperr.ErrStale so nothing is silently overwritten.
// Use it around the Exec: db.Versioned(tx.Exec(ctx, …)).
func Versioned(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return apperr.ErrStale()
	}
	return nil
}
