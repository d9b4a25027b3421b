package db

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/shegong/shegong/internal/apperr"
)

// writeGate is the SQLite writer's queue: one holder at a time, the
// others served first come, first served. Waiting here rather than in
// SQLite's busy loop keeps the order fair, lets a wait end with the
// request's context, and turns a wait that is too long into a clear
// apperr.Busy instead of "database is locked" after a fixed timeout.
type writeGate struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{} // oldest first; closed when it is that waiter's turn
}

// acquire waits for the turn for at most wait, or until ctx ends.
func (g *writeGate) acquire(ctx context.Context, wait time.Duration) error {
	g.mu.Lock()
	if !g.held {
		g.held = true
		g.mu.Unlock()
		return nil
	}
	turn := make(chan struct{})
	g.waiters = append(g.waiters, turn)
	g.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case <-turn:
		return nil
	case <-timer.C:
		err = apperr.ErrBusy()
	case <-ctx.Done():
		err = ctx.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			err = errors.Join(apperr.ErrBusy(), err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, w := range g.waiters {
		if w == turn {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			return err
		}
	}
	// The turn came just as the wait ended: pass it on.
	g.handOnLocked()
	return err
}

func (g *writeGate) release() {
	g.mu.Lock()
	g.handOnLocked()
	g.mu.Unlock()
}

func (g *writeGate) handOnLocked() {
	if len(g.waiters) == 0 {
		g.held = false
		return
	}
	next := g.waiters[0]
	g.waiters = g.waiters[1:]
	close(next) // held stays true: the turn passes straight to next
}

// waiting reports how many writes wait for their turn (tests, metrics).
func (g *writeGate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiters)
}

// acquire takes the writer for one write on SQLite and returns its
// release; PostgreSQL needs no queue.
func (d *DB) acquire(ctx context.Context) (func(), error) {
	if d.gate == nil {
		return func() {}, nil
	}
	wait := d.WriteWait
	if wait <= 0 {
		wait = DefaultWriteWait
	}
	if err := d.gate.acquire(ctx, wait); err != nil {
		return nil, err
	}
	return d.gate.release, nil
}

// WritesWaiting reports how many writes are queued for the SQLite
// writer right now (0 on PostgreSQL).
func (d *DB) WritesWaiting() int {
	if d.gate == nil {
		return 0
	}
	return d.gate.waiting()
}
