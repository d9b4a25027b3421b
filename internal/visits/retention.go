package visits

import (
	"context"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// When the retention run anonymises a person (recipients.RunRetention),
// their visits keep the dates, methods and visitors the figures count,
// but lose what was seen, said and noted, and their photos.
func init() {
	recipients.OnAnonymise(func(ctx context.Context, tx *db.Tx, recipientID string) error {
		for _, q := range []string{
			`DELETE FROM attachments WHERE owner_entity = 'visit' AND owner_id IN (SELECT id FROM visits WHERE recipient_id = ?)`,
			`UPDATE visits SET findings_enc = '', needs_enc = '', notes_enc = '' WHERE recipient_id = ?`,
			`UPDATE visit_major_changes SET note_enc = '' WHERE recipient_id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, recipientID); err != nil {
				return err
			}
		}
		return nil
	})
}
