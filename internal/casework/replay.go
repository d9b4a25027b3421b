package casework

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
)

// createHash is a keyed fingerprint of what a create was sent (the
// caller blanks the id first), so a resend is told from another record
// reusing the id without storing case content in clear.
func createHash(keys *secure.Keyring, purpose string, content any) string {
	return keys.BlindIndex(purpose, ids.Fingerprint(content))
}

// replayed looks up a client id in table (case_assessments or
// case_evaluations): found under the same case with the same content
// hash, it reports true (the caller answers with the stored record);
// under another case or with other content it is a Conflict on field
// "id"; not found, false.
func replayed(ctx context.Context, q db.Querier, table, id, caseID, hash, what string) (bool, error) {
	var owner, saved string
	err := q.QueryRow(ctx, `SELECT case_id, create_hash FROM `+table+` WHERE id = ?`, id).Scan(&owner, &saved)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	case owner == caseID && saved == hash:
		return true, nil
	}
	return false, &apperr.Error{Kind: apperr.Conflict, Message: "记录编号 " + id + " 已用于另一条内容不同的" + what,
		Fields: map[string]string{"id": "记录编号已存在"}}
}
