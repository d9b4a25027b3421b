package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// PGTool finds a PostgreSQL client program (pg_dump, pg_restore): on PATH
// first, then the newest /usr/lib/postgresql/*/bin (Debian and Ubuntu
// install them there). pg_dump must be at least the server's version.
func PGTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("没有找到 %s：请安装与数据库服务器同版本的 PostgreSQL 客户端 (%s not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools of the server's version)", name, name)
}

func pgMajor(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

// libpqParams are the URL parameters the client tools understand; others
// (pgx-only settings) are dropped.
var libpqParams = map[string]bool{"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true, "connect_timeout": true,
	"application_name": true, "options": true, "target_session_attrs": true, "host": true, "port": true, "user": true, "dbname": true}

// pgConn turns a database URL into the connection string and environment
// for a client tool: the password goes in PGPASSWORD, not on the command
// line where any local user could read it.
func pgConn(dsn string) (string, []string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("database URL: %w", err)
	}
	env := os.Environ()
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
		}
		u.User = url.User(u.User.Username())
	}
	q := url.Values{}
	for k, v := range u.Query() {
		if libpqParams[k] {
			q[k] = v
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), env, nil
}

func runTool(ctx context.Context, name string, env []string, args ...string) error {
	bin, err := PGTool(name)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// dumpPostgres runs pg_dump (custom format) into file on a snapshot
// exported from a read-only transaction, and counts rows in that same
// snapshot, so the counts in the manifest are those of the dump.
func dumpPostgres(ctx context.Context, src Source, file string) (map[string]int64, error) {
	conn, env, err := pgConn(src.DatabaseURL)
	if err != nil {
		return nil, err
	}
	tx, err := src.DB.Pool().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, err
	}
	counts, err := countRows(ctx, tx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	if err := runTool(ctx, "pg_dump", env, "--format=custom", "--no-owner", "--no-privileges", "--snapshot="+snapshot, "--file="+file, "--dbname="+conn); err != nil {
		return nil, err
	}
	if err := os.Chmod(file, 0o600); err != nil {
		return nil, err
	}
	return counts, tx.Commit()
}

// restorePostgres loads a custom-format dump into the (empty) database at
// dsn, in one transaction.
func restorePostgres(ctx context.Context, dsn, file string) error {
	conn, env, err := pgConn(dsn)
	if err != nil {
		return err
	}
	return runTool(ctx, "pg_restore", env, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+conn, file)
}
