package auth

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

func newSessionFixture(t *testing.T) (*Service, context.Context, string) {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, audit.Module, org.Module, Module)
	keys, err := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{DB: d, Keys: keys, DemoMode: true}
	var root org.Unit
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		root, err = org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, nil, UserInput{Username: "admin", DisplayName: "管理员", Role: authz.RoleAdmin, OrgID: root.ID, Password: "Demo-123456"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, "admin", "Demo-123456", "10.0.0.1", "test", KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	return s, ctx, res.Token
}

func storedSeen(t *testing.T, s *Service, ctx context.Context, token string) (time.Time, bool) {
	t.Helper()
	var stamp string
	err := s.DB.QueryRow(ctx, `SELECT last_seen_at FROM sessions WHERE id = ?`, hashToken(token)).Scan(&stamp)
	if err != nil {
		return time.Time{}, false
	}
	at, _ := cst.ParseStamp(stamp)
	return at, true
}

func setSeen(t *testing.T, s *Service, ctx context.Context, token string, at time.Time) {
	t.Helper()
	if _, err := s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, cst.Stamp(at), hashToken(token)); err != nil {
		t.Fatal(err)
	}
}

// Authenticating reads only: it succeeds while another transaction holds
// the write lock, and the session's use is written afterwards by the
// flusher, at most once a minute.
func TestAuthenticateDoesNotWrite(t *testing.T) {
	s, ctx, token := newSessionFixture(t)
	fiveAgo := time.Now().Add(-5 * time.Minute)
	setSeen(t, s, ctx, token, fiveAgo)

	s.DB.WriteWait = 100 * time.Millisecond
	release, held := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE users SET display_name = display_name`); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	start := time.Now()
	for i := 0; i < 3; i++ {
		if _, _, err := s.Authenticate(ctx, token, KindWeb, "10.0.0.1"); err != nil {
			close(release)
			t.Fatalf("authenticate while the writer is held: %v", err)
		}
	}
	if el := time.Since(start); el > time.Second {
		close(release)
		t.Fatalf("authenticate waited %v", el)
	}
	if at, _ := storedSeen(t, s, ctx, token); at.After(fiveAgo.Add(time.Second)) {
		close(release)
		t.Fatalf("authenticate wrote last_seen_at %v", at)
	}
	// On SQLite the flusher's write waits for the writer like any other
	// and keeps the noted use when it cannot get it.
	if s.DB.Dialect() == db.SQLite {
		if err := s.FlushSeen(ctx); !apperr.Is(err, apperr.Busy) {
			close(release)
			t.Fatalf("flush while held: %v, want Busy", err)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.DB.WriteWait = db.DefaultWriteWait
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	at, _ := storedSeen(t, s, ctx, token)
	if time.Since(at) > 10*time.Second {
		t.Fatalf("last_seen_at %v not written by the flush", at)
	}
	if _, ok := s.seenBook.lastSeen(hashToken(token)); ok {
		t.Fatal("written use still noted")
	}
	// Used again within the minute: nothing to note.
	if _, _, err := s.Authenticate(ctx, token, KindWeb, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.seenBook.lastSeen(hashToken(token)); ok {
		t.Fatal("noted again within a minute")
	}
}

// The idle time-out counts a use noted but not yet written, and ends a
// session idle longer than the policy's idle time-out.
func TestIdleTimeoutCountsNotedUse(t *testing.T) {
	s, ctx, token := newSessionFixture(t)
	id := hashToken(token)
	setSeen(t, s, ctx, token, time.Now().Add(-s.policy().SessionIdle-LastSeenSlack-time.Minute))
	s.seenBook.noteSeen(id, time.Now().Add(-10*time.Second))
	if _, _, err := s.Authenticate(ctx, token, KindWeb, "10.0.0.1"); err != nil {
		t.Fatalf("session used 10 s ago (noted, not written) ended: %v", err)
	}
	// Forget the noted use: the stored time is past the idle limit.
	s.seenBook.mu.Lock()
	delete(s.seenBook.seen, id)
	s.seenBook.mu.Unlock()
	if _, _, err := s.Authenticate(ctx, token, KindWeb, "10.0.0.1"); err != ErrSessionExpired {
		t.Fatalf("idle session: %v, want expired", err)
	}
	if _, ok := storedSeen(t, s, ctx, token); ok {
		t.Fatal("expired session not deleted")
	}
	if _, _, err := s.Authenticate(ctx, token, KindWeb, "10.0.0.1"); err != ErrNoSession {
		t.Fatalf("after delete: %v", err)
	}
	// Just inside the limit counts as used.
	s2, ctx2, token2 := newSessionFixture(t)
	setSeen(t, s2, ctx2, token2, time.Now().Add(-s2.policy().SessionIdle+time.Minute))
	if _, _, err := s2.Authenticate(ctx2, token2, KindWeb, "10.0.0.1"); err != nil {
		t.Fatalf("session idle just under the limit: %v", err)
	}
}
