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
	"sync"
	"time"

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

// DB is the database with its dialect.
//
// On SQLite, which allows one writer at a time, writes and reads take
// separate paths: every write (InTx, and Exec on the DB itself) goes
// through one writer connection and waits its turn in a first-come queue
// in Go, for at most WriteWait; reads (Query, QueryRow, ReadTx) go to a
// pool of read-only connections that never take the write lock, so a
// long import's commit delays other writes but no read. On PostgreSQL
// one pool serves both and the server orders the writes.
type DB struct {
	pool    *sql.DB // PostgreSQL: everything; SQLite: the single writer connection
	read    *sql.DB // the pool reads go to (the same as pool on PostgreSQL)
	dialect Dialect
	gate    *writeGate // SQLite only
	// Path is the SQLite file ("" for PostgreSQL); backup uses it.
	Path string
	// WriteWait is how long a write on SQLite waits for its turn before
	// it fails with apperr.Busy (503, 系统繁忙) instead of hanging the
	// request; Open sets DefaultWriteWait.
	WriteWait time.Duration
	reads     readStmts // SQLite only
}

// readStmts keeps the read pool's statements prepared, by query text.
// The SQLite driver parses every statement it is not given prepared, and
// parsing was a quarter of a home page's time; a *sql.Stmt of the pool
// is prepared once per connection and shared by every request. Queries
// built with a varying number of placeholders make new texts, so the
// cache is bounded (maxReadStmts) and a text beyond it runs unprepared.
// Transactions do not use them: within one, the same text run again
// while its first rows are still open would share a statement mid-step.
// Statements are never evicted: closing one would wait for the rows of
// any request reading it. PostgreSQL's driver keeps its own cache.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxReadStmts bounds the read statements kept prepared.
const maxReadStmts = 1024

// readStmt returns the prepared statement for a read query on SQLite,
// nil on PostgreSQL, beyond maxReadStmts, or when preparing fails (the
// plain call then reports the error).
func (d *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	// Preparing takes a connection of the pool: never while holding the
	// lock, or requests holding every connection and waiting for the lock
	// would wait forever.
	d.reads.mu.Lock()
	st, ok := d.reads.m[query]
	full := len(d.reads.m) >= maxReadStmts
	d.reads.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	st, err := d.read.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	d.reads.mu.Lock()
	defer d.reads.mu.Unlock()
	if prev, ok := d.reads.m[query]; ok {
		st.Close() // prepared meanwhile by another request
		return prev
	}
	if d.reads.m == nil {
		d.reads.m = map[string]*sql.Stmt{}
	}
	d.reads.m[query] = st
	return st
}

// DefaultWriteWait bounds a write's wait for the SQLite writer: longer
// than the commit of a large roster import, shorter than a browser's or
// proxy's patience.
const DefaultWriteWait = 30 * time.Second

// readConns is the size of the SQLite read pool.
const readConns = 8

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
		return &DB{pool: pool, read: pool, dialect: Postgres, WriteWait: DefaultWriteWait}, nil
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
	// The writer: WAL lets readers run beside it; immediate transactions
	// take the write lock up front so a transaction never fails half-way
	// upgrading a read lock; busy_timeout only matters when another
	// process (a command, a backup) writes, since writers of this process
	// queue in Go before they reach SQLite.
	w := url.Values{}
	w.Add("_pragma", "journal_mode(WAL)")
	w.Add("_pragma", "busy_timeout(10000)")
	w.Add("_pragma", "foreign_keys(1)")
	w.Add("_pragma", "synchronous(NORMAL)")
	// Deleted and overwritten personal data is zeroed in the file, not
	// left in free pages for anyone holding a copy to read.
	w.Add("_pragma", "secure_delete(1)")
	w.Set("_txlock", "immediate")
	writer, err := sql.Open("sqlite", "file:"+abs+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection kept open for good: the queue hands it from write
	// to write, and pragmas a command sets on it (cache size) hold.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	// Readers: query_only, so a statement that would write fails at once
	// instead of taking the lock; deferred transactions (no _txlock), so a
	// ReadTx is a WAL snapshot taken at its first read.
	r := url.Values{}
	r.Add("_pragma", "busy_timeout(10000)")
	r.Add("_pragma", "query_only(1)")
	r.Add("_pragma", "secure_delete(1)") // the same settings on every connection of the file
	reader, err := sql.Open("sqlite", "file:"+abs+"?"+r.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	reader.SetMaxOpenConns(readConns)
	reader.SetMaxIdleConns(readConns)
	if err := reader.PingContext(ctx); err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	return &DB{pool: writer, read: reader, dialect: SQLite, gate: &writeGate{}, Path: abs, WriteWait: DefaultWriteWait}, nil
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
	// It writes sqlite_stat1, so it takes its turn as a write.
	release, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
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

// Close closes the connections.
func (d *DB) Close() error {
	d.reads.mu.Lock()
	for _, st := range d.reads.m {
		st.Close()
	}
	d.reads.m = nil
	d.reads.mu.Unlock()
	err := d.pool.Close()
	if d.read != d.pool {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Pool exposes the *sql.DB reads go to (on SQLite read-only connections)
// for the rare caller that needs it: a health check's ping, benchmarks.
// Writes must go through Exec or InTx.
func (d *DB) Pool() *sql.DB { return d.read }

// Exec runs one statement as a write of its own: on SQLite it waits its
// turn for the writer (apperr.Busy after WriteWait). Inside InTx use the
// Tx instead: the DB's writer is the transaction's, and waiting for it
// there can only end in Busy.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := d.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return d.pool.ExecContext(ctx, Rebind(d.dialect, query), args...)
}

// Query reads from the read pool; it never waits for a writer.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.read.QueryContext(ctx, Rebind(d.dialect, query), args...)
}

// QueryRow reads one row from the read pool; it never waits for a writer.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.read.QueryRowContext(ctx, Rebind(d.dialect, query), args...)
}

// Tx is a transaction with the same query methods as DB.
type Tx struct {
	tx         *sql.Tx
	dialect    Dialect
	undo       []func()
	savepoints int
	stmts      map[string]*sql.Stmt // SQLite: statements prepared in this transaction
}

// maxTxStmts bounds the statements a transaction keeps prepared.
const maxTxStmts = 64

// stmt returns the transaction's prepared statement for an Exec on
// SQLite, nil for PostgreSQL (pgx keeps its own statement cache) or
// beyond maxTxStmts. The SQLite driver parses every statement it is
// not given prepared; a transaction that writes thousands of rows (an
// import) runs the same few INSERTs thousands of times. Only Exec uses
// it: a statement runs to its end there, while a query's rows may still
// be open when the same query runs again. The statements close with the
// transaction.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.dialect != SQLite {
		return nil
	}
	if st, ok := t.stmts[query]; ok {
		return st
	}
	if len(t.stmts) >= maxTxStmts {
		return nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain call reports the error
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st
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
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, Rebind(t.dialect, query), args...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, Rebind(t.dialect, query), args...)
}

// Prepare prepares a query on q, a pool or a transaction, for a caller
// that runs it many times in a row (an import's lookup per row). The
// caller closes it; a transaction's statement also closes with it.
func Prepare(ctx context.Context, q Querier, query string) (*sql.Stmt, error) {
	switch x := q.(type) {
	case *DB:
		return x.read.PrepareContext(ctx, Rebind(x.dialect, query))
	case *Tx:
		return x.tx.PrepareContext(ctx, Rebind(x.dialect, query))
	}
	return nil, fmt.Errorf("db: cannot prepare on %T", q)
}

// InTx runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise, so multi-row work is all or nothing. On SQLite
// it first waits its turn for the writer: apperr.Busy (503) when the turn
// does not come within WriteWait, with nothing written.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	release, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
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

// ReadTx runs fn on one consistent, read-only snapshot of the database,
// for work that reads many statements that must agree (an export: its
// count, its rows and their sealed values). It never waits for a writer
// and never blocks one: on SQLite a deferred transaction on a read
// connection (the WAL snapshot of its first read); on PostgreSQL
// BEGIN READ ONLY at REPEATABLE READ. A write inside fails. Record what
// the work did (an audit entry) in a short InTx afterwards.
func (d *DB) ReadTx(ctx context.Context, fn func(q Querier) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := d.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	// Nothing to keep: ending it with a rollback is the same as a commit
	// and cannot fail on a statement fn tried and the engine refused.
	defer sqlTx.Rollback() //nolint:errcheck
	return fn(&Tx{tx: sqlTx, dialect: d.dialect})
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

// VacuumInto writes a consistent copy of the SQLite database to file
// (which must not exist). It runs on a connection of its own: VACUUM
// INTO only reads the database, in one snapshot, so the server's writes
// go on meanwhile; on the writer connection it would hold every write
// of this process for the whole copy.
func (d *DB) VacuumInto(ctx context.Context, file string) error {
	if d.dialect != SQLite {
		return fmt.Errorf("db: VacuumInto is for SQLite")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	conn, err := sql.Open("sqlite", "file:"+d.Path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, file)
	return err
}
