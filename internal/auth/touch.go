package auth

import (
	"context"
	"sync"
	"time"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// seenFlushEvery is how often the session uses noted in memory are
// written. A session's last-seen time is noted at most once a
// touchThreshold, so each session costs at most one UPDATE a minute,
// all of them batched in one short transaction.
const seenFlushEvery = 5 * time.Second

// seenBook holds the session uses and expiries noted by Authenticate and
// not yet written. Authenticate only reads the database: it notes here
// and a flusher writes, so a request never waits for (or fails on) the
// write lock just because its user is logged in. Entries stay visible
// until written, so the idle time-out of this process counts them.
type seenBook struct {
	mu      sync.Mutex
	seen    map[string]time.Time // session id → latest use to record
	expired map[string]bool      // session ids to delete
	stop    chan struct{}
	done    chan struct{}
}

func (b *seenBook) noteSeen(id string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[string]time.Time{}
	}
	if at.After(b.seen[id]) {
		b.seen[id] = at
	}
}

func (b *seenBook) noteExpired(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expired == nil {
		b.expired = map[string]bool{}
	}
	b.expired[id] = true
	delete(b.seen, id)
}

// lastSeen is the use noted for id and not yet written.
func (b *seenBook) lastSeen(id string) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.seen[id]
	return t, ok
}

// FlushSeen writes the session uses and expiries noted so far, in one
// write transaction. On failure they stay noted for the next attempt;
// a session is never ended early because of it, since Authenticate
// counts what is noted.
func (s *Service) FlushSeen(ctx context.Context) error {
	b := &s.seenBook
	b.mu.Lock()
	seen := make(map[string]time.Time, len(b.seen))
	for id, t := range b.seen {
		seen[id] = t
	}
	expired := make([]string, 0, len(b.expired))
	for id := range b.expired {
		expired = append(expired, id)
	}
	b.mu.Unlock()
	if len(seen) == 0 && len(expired) == 0 {
		return nil
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for id, t := range seen {
			// Never move a session's time back (another server may have
			// written a later use).
			if _, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, cst.Stamp(t), id, cst.Stamp(t)); err != nil {
				return err
			}
		}
		for _, id := range expired {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, t := range seen {
		// A use noted while writing stays for the next round.
		if b.seen[id].Equal(t) {
			delete(b.seen, id)
		}
	}
	for _, id := range expired {
		delete(b.expired, id)
	}
	return nil
}

// Start runs the flusher that writes session uses in the background,
// until Stop. The app starts it when it opens.
func (s *Service) Start() {
	b := &s.seenBook
	b.mu.Lock()
	if b.stop != nil {
		b.mu.Unlock()
		return
	}
	b.stop, b.done = make(chan struct{}), make(chan struct{})
	stop, done := b.stop, b.done
	b.mu.Unlock()
	go func() {
		defer close(done)
		tick := time.NewTicker(seenFlushEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				_ = s.FlushSeen(ctx) // kept and tried again next round
				cancel()
			}
		}
	}()
}

// Stop ends the flusher and writes what is still noted, before the
// database closes.
func (s *Service) Stop(ctx context.Context) error {
	b := &s.seenBook
	b.mu.Lock()
	stop, done := b.stop, b.done
	b.stop, b.done = nil, nil
	b.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	return s.FlushSeen(ctx)
}
