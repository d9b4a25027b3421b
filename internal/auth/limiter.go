package auth

import (
	"sync"
	"time"
)

// Limiter counts failed logins per account and per address and locks
// either out for a while once there are too many. It lives in memory:
// a restart forgives, which is acceptable for a single-process server.
type Limiter struct {
	mu        sync.Mutex
	now       func() time.Time
	window    time.Duration
	lockFor   time.Duration
	maxPerKey map[string]int // by key prefix: "user:", "ip:"
	entries   map[string]*limitEntry
}

type limitEntry struct {
	failures    []time.Time
	lockedUntil time.Time
}

// NewLimiter allows 5 failures per account and 20 per address within 15
// minutes, then locks for 15 minutes.
func NewLimiter() *Limiter {
	return &Limiter{
		now:       time.Now,
		window:    15 * time.Minute,
		lockFor:   15 * time.Minute,
		maxPerKey: map[string]int{"user": 5, "ip": 20},
		entries:   map[string]*limitEntry{},
	}
}

// LockedFor returns how long key ("user", name) stays locked, or 0.
func (l *Limiter) LockedFor(kind, key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[kind+":"+key]
	if e == nil {
		return 0
	}
	if d := e.lockedUntil.Sub(l.now()); d > 0 {
		return d
	}
	return 0
}

// Fail records a failure and reports whether the key is now locked.
func (l *Limiter) Fail(kind, key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := kind + ":" + key
	e := l.entries[k]
	if e == nil {
		e = &limitEntry{}
		l.entries[k] = e
	}
	kept := e.failures[:0]
	for _, t := range e.failures {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	e.failures = append(kept, now)
	if len(e.failures) >= l.maxPerKey[kind] {
		e.lockedUntil = now.Add(l.lockFor)
		e.failures = nil
		return true
	}
	// Forget idle entries now and then so the map cannot grow without bound.
	if len(l.entries) > 10000 {
		for key, old := range l.entries {
			if len(old.failures) == 0 && now.After(old.lockedUntil) {
				delete(l.entries, key)
			}
		}
	}
	return false
}

// Succeed clears the failures of key.
func (l *Limiter) Succeed(kind, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, kind+":"+key)
}
