package roster

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
)

// BatchLife is how long an uploaded roster is kept.
const BatchLife = 24 * time.Hour

// Batches keep uploaded rosters between the check and the import, for the
// user who uploaded them, in a module's table of these columns:
//
//	id TEXT PRIMARY KEY, actor_id TEXT, org_path TEXT, filename TEXT,
//	mode TEXT, content TEXT (sealed), created_at TEXT,
//	committed_at TEXT DEFAULT '', imported INTEGER DEFAULT 0,
//	rejected TEXT DEFAULT '' (sealed)
//
// The file and the rejected rows hold ID numbers and phones: both are
// sealed. A batch is claimed in the import's transaction, so committing
// twice imports once. What the rows mean, the import itself and its audit
// stay with the module.
type Batches struct {
	// Table is the module's table: a constant of the module, written into
	// the SQL, never user input.
	Table string
	Keys  *secure.Keyring
}

// RegisterSealed registers the table's sealed columns for key rotation.
// Call it from the module's init.
func (bs Batches) RegisterSealed() {
	secure.RegisterColumn(bs.Table, "id", "content")
	secure.RegisterColumn(bs.Table, "id", "rejected")
}

// Batch is a kept upload.
type Batch struct {
	ID, Filename, Mode string
	Data               []byte // the file as uploaded; empty once committed
	CommittedAt        string // cst stamp; "" until committed
	Imported           int    // rows imported, once committed
	rejected           string // JSON, opened
}

// Committed reports whether the batch has been imported.
func (b Batch) Committed() bool { return b.CommittedAt != "" }

// Rejected decodes the rows Finish kept into v. Batches kept before
// the file's header was kept hold the rows alone: into a *Rejected they
// decode as its Rows.
func (b Batch) Rejected(v any) error {
	if b.rejected == "" {
		return nil
	}
	if r, ok := v.(*Rejected); ok && strings.HasPrefix(b.rejected, "[") {
		return json.Unmarshal([]byte(b.rejected), &r.Rows)
	}
	return json.Unmarshal([]byte(b.rejected), v)
}

func (bs Batches) cutoff() string { return cst.Stamp(cst.Now().Add(-BatchLife)) }

// Purge deletes the batches older than BatchLife.
func (bs Batches) Purge(ctx context.Context, tx *db.Tx) error {
	_, err := tx.Exec(ctx, `DELETE FROM `+bs.Table+` WHERE created_at < ?`, bs.cutoff())
	return err
}

// Stage keeps an uploaded file, sealed, for the actor, purges old
// batches, and returns the new batch's id.
func (bs Batches) Stage(ctx context.Context, tx *db.Tx, actor *authz.Actor, filename, mode string, data []byte) (string, error) {
	if err := bs.Purge(ctx, tx); err != nil {
		return "", err
	}
	id := ids.New()
	_, err := tx.Exec(ctx, `INSERT INTO `+bs.Table+` (id, actor_id, org_path, filename, mode, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, actor.UserID, actor.OrgPath, filename, mode, bs.Keys.Seal(string(data)), cst.NowStamp())
	return id, err
}

// errGone is the refusal of a batch that does not exist, has expired or
// is another user's.
func errGone() error {
	return apperr.New(apperr.NotFound, "该上传记录不存在或已过期（保留 24 小时），请重新上传")
}

// Load returns the actor's batch id, opened. One that is another user's
// or older than BatchLife (even before the next upload purges it) is
// not found.
func (bs Batches) Load(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Batch, error) {
	b := Batch{ID: id}
	var owner, content, rejected string
	err := q.QueryRow(ctx, `SELECT actor_id, filename, mode, content, committed_at, imported, rejected FROM `+bs.Table+`
		WHERE id = ? AND created_at >= ?`, id, bs.cutoff()).
		Scan(&owner, &b.Filename, &b.Mode, &content, &b.CommittedAt, &b.Imported, &rejected)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != actor.UserID) {
		return b, errGone()
	}
	if err != nil {
		return b, err
	}
	data, err := bs.Keys.Open(content)
	if err != nil {
		return b, err
	}
	b.Data = []byte(data)
	b.rejected, err = bs.Keys.Open(rejected)
	return b, err
}

// Claim marks a loaded batch committed in tx, the import's transaction.
// It reports false, with b.CommittedAt set, when the batch was already
// committed (a double click, a second tab): the caller refuses then and
// imports nothing. A rolled-back import leaves the batch unclaimed.
func (bs Batches) Claim(ctx context.Context, tx *db.Tx, b *Batch) (bool, error) {
	if b.Committed() {
		return false, nil
	}
	now := cst.NowStamp()
	res, err := tx.Exec(ctx, `UPDATE `+bs.Table+` SET committed_at = ? WHERE id = ? AND committed_at = ''`, now, b.ID)
	if err != nil {
		return false, err
	}
	b.CommittedAt = now
	n, err := res.RowsAffected()
	return n == 1, err
}

// Finish records a claimed batch's outcome in tx: the number imported and
// the rejected rows (kept sealed, as JSON, for their download). The file
// is no longer needed and is dropped.
func (bs Batches) Finish(ctx context.Context, tx *db.Tx, id string, imported int, rejected any) error {
	js, err := json.Marshal(rejected)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE `+bs.Table+` SET rejected = ?, imported = ?, content = '' WHERE id = ?`,
		bs.Keys.Seal(string(js)), imported, id)
	return err
}
