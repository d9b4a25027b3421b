package auth

import "time"

// Policy holds the security settings a county may tune (flags or
// SHEGONG_* variables, see cmd/shegong/config.go). The defaults follow
// GB/T 22239-2019 level 3, 8.1.4.1 身份鉴别 (identification and
// authentication) and 8.1.4.2 访问控制.
type Policy struct {
	// SessionIdle ends a session (page or API token) unused this long.
	// The check allows for last-seen stamps written up to LastSeenSlack late.
	SessionIdle time.Duration
	// SessionLifetime ends a session this long after login in any case.
	SessionLifetime time.Duration
	// MaxSessions is how many sessions one user may hold at once; a new
	// login ends the oldest beyond it.
	MaxSessions int

	// Failed logins for one (account, address) pair: from the
	// DelayFrom-th failure on, the next try must wait DelayBase, doubling
	// with each further failure up to DelayMax.
	DelayFrom int
	DelayBase time.Duration
	DelayMax  time.Duration
	// An account locks only after LockFailures failures from at least
	// LockAddresses different addresses within LockWindow, for LockFor.
	LockFailures  int
	LockAddresses int
	LockWindow    time.Duration
	LockFor       time.Duration

	// PasswordMaxAge sends a user to change a password older than this
	// (0: passwords never expire). PasswordHistory is how many previous
	// passwords may not be used again.
	PasswordMaxAge  time.Duration
	PasswordHistory int

	// SecondFactorAll makes every role use two factors, not only the
	// administrator roles.
	SecondFactorAll bool
}

// LastSeenSlack is how stale a session's last-seen stamp may be: it is
// written at most once a minute, so the idle check adds this much.
const LastSeenSlack = time.Minute

// DefaultPolicy is the policy without flags.
func DefaultPolicy() Policy {
	return Policy{
		SessionIdle:     30 * time.Minute,
		SessionLifetime: 12 * time.Hour,
		MaxSessions:     3,
		DelayFrom:       3,
		DelayBase:       time.Second,
		DelayMax:        time.Minute,
		LockFailures:    20,
		LockAddresses:   3,
		LockWindow:      15 * time.Minute,
		LockFor:         30 * time.Minute,
		PasswordMaxAge:  90 * 24 * time.Hour,
		PasswordHistory: 5,
	}
}

// withDefaults fills unset fields, so a Service built in a test without
// a policy gets the defaults.
func (p Policy) withDefaults() Policy {

	d := DefaultPolicy()
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	seti := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&p.SessionIdle, d.SessionIdle)
	set(&p.SessionLifetime, d.SessionLifetime)
	seti(&p.MaxSessions, d.MaxSessions)
	seti(&p.DelayFrom, d.DelayFrom)
	set(&p.DelayBase, d.DelayBase)
	set(&p.DelayMax, d.DelayMax)
	seti(&p.LockFailures, d.LockFailures)
	seti(&p.LockAddresses, d.LockAddresses)
	set(&p.LockWindow, d.LockWindow)
	set(&p.LockFor, d.LockFor)
	if p.PasswordMaxAge < 0 {
		p.PasswordMaxAge = 0
	}
	seti(&p.PasswordHistory, d.PasswordHistory)
	return p
}
