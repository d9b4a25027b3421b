package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("demo123456")
	if !CheckPassword(h, "demo123456") || CheckPassword(h, "demo123457") {
		t.Fatal("hash does not verify")
	}
	if h == HashPassword("demo123456") {
		t.Fatal("hash is not salted")
	}
	if CheckPassword("$2a$10$notargon", "x") || CheckPassword("", "") {
		t.Fatal("garbage hash verified")
	}
}

func TestPasswordProblem(t *testing.T) {
	for pw, bad := range map[string]bool{
		"demo123456":    true,  // two classes
		"Demo123456":    false, // lower, upper, digit
		"demo-123456":   false, // lower, digit, other
		"DEMO-ABCDEF":   true,  // upper and other only
		"Ab1-":          true,  // short
		"abcdefghij":    true,
		"1234567890":    true,
		"长密码长密码长密码a1":   false, // other, lower, digit
		"Wang.fang2026": true,  // contains the username
	} {
		if (PasswordProblem(pw, "wang.fang") != "") != bad {
			t.Errorf("%q: problem %q", pw, PasswordProblem(pw, "wang.fang"))
		}
	}
	for range 50 {
		if p := RandomPassword(); PasswordProblem(p, "admin") != "" {
			t.Fatalf("random password %q too weak", p)
		}
	}
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	s      *Service
	now    time.Time
	county org.Unit
}

func (f *fixture) tick(d time.Duration) { f.now = f.now.Add(d) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.Open(t, audit.Module, org.Module, Module)
	k := func(seed byte) string {
		b := make([]byte, 32)
		for i := range b {
			b[i] = seed + byte(i)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	keys, err := secure.Parse([]byte("index " + k(1) + "\nkey 1 " + k(2) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), now: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	f.s = &Service{DB: d, Keys: keys, Policy: DefaultPolicy(), Now: func() time.Time { return f.now }}
	err = d.InTx(f.ctx, func(tx *db.Tx) error {
		root, err := org.Create(f.ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		if err != nil {
			return err
		}
		f.county, err = org.Create(f.ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindCounty, Name: "淇县民政局", DivisionCode: "410622"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) user(name string, role authz.Role) User {
	f.t.Helper()
	u, err := f.s.CreateUser(f.ctx, nil, UserInput{Username: name, DisplayName: name, Role: role, OrgID: f.county.ID, Password: "Start-2026"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) login(name, pw, ip string) (LoginResult, error) {
	return f.s.Login(f.ctx, name, pw, ip, "test-agent", KindWeb)
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.s.DB.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestSessionIdleAndLifetime(t *testing.T) {
	for _, kind := range []string{KindWeb, KindAPI} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t)
			f.user("wangfang", authz.RoleSupervisor)
			res, err := f.s.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.1", "ua", kind)
			if err != nil {
				t.Fatal(err)
			}
			// Used every 29 minutes, the session lives on…
			for range 5 {
				f.tick(29 * time.Minute)
				if _, _, err := f.s.Authenticate(f.ctx, res.Token, kind, "10.0.0.1"); err != nil {
					t.Fatalf("active session ended: %v", err)
				}
			}
			// …and a last-seen stamp up to a minute stale does not end it early.
			f.tick(30*time.Minute + 59*time.Second)
			if _, _, err := f.s.Authenticate(f.ctx, res.Token, kind, "10.0.0.1"); err != nil {
				t.Fatalf("session ended within the last-seen slack: %v", err)
			}
			// 32 minutes unused: timed out, and the time-out is audited.
			f.tick(32 * time.Minute)
			if _, _, err := f.s.Authenticate(f.ctx, res.Token, kind, "10.0.0.1"); err != ErrSessionExpired {
				t.Fatalf("idle session: %v", err)
			}
			if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND summary LIKE '%未操作%'`, audit.ActionTimeout) != 1 {
				t.Fatal("idle time-out not audited")
			}
			// A session never presented again is swept, and audited, at the next login.
			stale, err := f.s.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.1", "ua", kind)
			if err != nil {
				t.Fatal(err)
			}
			f.tick(40 * time.Minute)
			if _, err := f.s.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.1", "ua", kind); err != nil {
				t.Fatal(err)
			}
			if f.count(`SELECT COUNT(*) FROM sessions WHERE id = ?`, hashToken(stale.Token)) != 0 ||
				f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND summary LIKE '%已清除%'`, audit.ActionTimeout) != 1 {
				t.Fatal("an idle session not swept and audited at the next login")
			}
			// Kept busy, a session still ends 12 hours after login.
			res, err = f.s.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.1", "ua", kind)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 12*60/20-1; i++ {
				f.tick(20 * time.Minute)
				if _, _, err := f.s.Authenticate(f.ctx, res.Token, kind, "10.0.0.1"); err != nil {
					t.Fatalf("busy session ended after %d min: %v", (i+1)*20, err)
				}
			}
			f.tick(21 * time.Minute)
			if _, _, err := f.s.Authenticate(f.ctx, res.Token, kind, "10.0.0.1"); err != ErrSessionExpired {
				t.Fatalf("session past its lifetime: %v", err)
			}
		})
	}
}

func TestSessionLimitAndEnding(t *testing.T) {
	f := newFixture(t)
	f.s.Policy.MaxSessions = 3
	u := f.user("wangfang", authz.RoleSupervisor)
	other := f.user("lisi", authz.RoleSupervisor)
	var tokens []string
	for i := range 4 {
		f.tick(time.Second)
		kind := KindWeb
		if i%2 == 1 {
			kind = KindAPI
		}
		res, err := f.s.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.1", "ua", kind)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, res.Token)
	}
	if _, _, err := f.s.Authenticate(f.ctx, tokens[0], KindWeb, ""); err == nil {
		t.Fatal("the oldest session survived a fourth login")
	}
	actor, _, err := f.s.Authenticate(f.ctx, tokens[3], KindAPI, "")
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.s.Sessions(f.ctx, f.s.DB, actor, "")
	if err != nil || len(list) != 3 || !list[0].Current || list[0].Kind != KindAPI {
		t.Fatalf("own sessions: %+v %v", list, err)
	}
	if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, audit.ActionSessionEnd) != 1 {
		t.Fatal("the ended oldest session is not audited")
	}
	// The user ends their own second session.
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.EndSession(f.ctx, tx, actor, list[2].ID) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Authenticate(f.ctx, tokens[1], KindAPI, ""); err == nil {
		t.Fatal("an ended session still works")
	}
	// Another worker neither sees nor ends them; an administrator does.
	f.tick(time.Second)
	lres, _ := f.login("lisi", "Start-2026", "10.0.0.2")
	lisi, _, _ := f.s.Authenticate(f.ctx, lres.Token, KindWeb, "")
	if _, err := f.s.Sessions(f.ctx, f.s.DB, lisi, u.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a worker lists another's sessions: %v", err)
	}
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.EndSession(f.ctx, tx, lisi, list[0].ID) }); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a worker ends another's session: %v", err)
	}
	boss := &authz.Actor{UserID: "x", Username: "boss", Role: sessionAdminRole(), OrgPath: f.county.Path}
	theirs, err := f.s.Sessions(f.ctx, f.s.DB, boss, u.ID)
	if err != nil || len(theirs) != 2 {
		t.Fatalf("administrator lists sessions: %d %v", len(theirs), err)
	}
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.EndSession(f.ctx, tx, boss, theirs[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Authenticate(f.ctx, tokens[3], KindAPI, ""); err == nil {
		t.Fatal("a session ended by an administrator still works")
	}
	_ = other
}

// sessionAdminRole is a role holding sessions.manage.
func sessionAdminRole() authz.Role {
	for _, r := range authz.Roles {
		if authz.Allowed(r, authz.PermSessionsManage) {
			return r
		}
	}
	panic("no role manages sessions")
}

func TestLoginDelaysPerAccountAndAddress(t *testing.T) {
	f := newFixture(t)
	f.user("wangfang", authz.RoleSupervisor)
	f.user("lisi", authz.RoleSupervisor)
	fail := func(ip string) error { _, err := f.login("wangfang", "wrong-Pass1", ip); return err }
	// Two failures: no delay.
	for range 2 {
		if err := fail("10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	// The third failure asks the pair to wait 1 s, then 2 s, 4 s…
	if err := fail("10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatal(err)
	}
	if _, err := f.login("wangfang", "Start-2026", "10.0.0.1"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("no delay after the third failure: %v", err)
	}
	// The same account from another address and another account from the
	// same (office NAT) address are not held up.
	if _, err := f.login("wangfang", "Start-2026", "10.9.9.9"); err != nil {
		t.Fatalf("another address delayed: %v", err)
	}
	if _, err := f.login("lisi", "Start-2026", "10.0.0.1"); err != nil {
		t.Fatalf("another account behind the same address delayed: %v", err)
	}
	f.tick(time.Second)
	if err := fail("10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("after 1 s: %v", err)
	}
	f.tick(1500 * time.Millisecond)
	if err := fail("10.0.0.1"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("the fourth failure should ask 2 s: %v", err)
	}
	// The delay never exceeds a minute.
	for range 10 {
		f.tick(time.Minute)
		_ = fail("10.0.0.1")
	}
	f.tick(time.Minute)
	res, err := f.login("wangfang", "Start-2026", "10.0.0.1")
	if err != nil {
		t.Fatalf("delay above a minute, or the account locked by one address: %v", err)
	}
	if res.Notice != "" {
		t.Fatalf("notice without a lock: %q", res.Notice)
	}
	// Success clears the pair's count.
	if err := fail("10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("count not cleared by success: %v", err)
	}
}

func TestAccountLocksOnlyFromSeveralAddresses(t *testing.T) {
	f := newFixture(t)
	u := f.user("wangfang", authz.RoleSupervisor)
	p := f.s.Policy
	// Twenty failures from two addresses lock nothing.
	for i := range p.LockFailures {
		f.tick(40 * time.Second)
		if _, err := f.login("wangfang", "wrong-Pass1", []string{"10.0.0.1", "10.0.0.2"}[i%2]); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("failure %d from two addresses: %v", i+1, err)
		}
	}
	f.tick(time.Minute)
	if _, err := f.login("wangfang", "Start-2026", "10.0.0.3"); err != nil {
		t.Fatalf("locked by two addresses: %v", err)
	}
	f.tick(p.LockWindow)
	// Spread over three addresses within 15 minutes, they lock it.
	var last error
	for i := range p.LockFailures {
		f.tick(10 * time.Second)
		_, last = f.login("wangfang", "wrong-Pass1", []string{"10.0.1.1", "10.0.1.2", "10.0.1.3"}[i%3])
	}
	if !apperr.Is(last, apperr.TooMany) {
		t.Fatalf("the 20th failure from 3 addresses: %v", last)
	}
	f.tick(time.Minute)
	if _, err := f.login("wangfang", "Start-2026", "10.0.0.9"); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("locked account logs in: %v", err)
	}
	if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, audit.ActionLock) != 1 ||
		f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND summary LIKE '%已锁定%'`, audit.ActionLoginFailed) != 1 {
		t.Fatalf("lock or attempt while locked not audited: %d %d", f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, audit.ActionLock), f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND summary LIKE '%已锁定%'`, audit.ActionLoginFailed))
	}
	// The counts live in the database: a new service (a restart, another
	// node) sees the lock.
	s2 := &Service{DB: f.s.DB, Keys: f.s.Keys, Now: f.s.Now}
	if _, err := s2.Login(f.ctx, "wangfang", "Start-2026", "10.0.0.9", "", KindWeb); !apperr.Is(err, apperr.TooMany) {
		t.Fatalf("lock forgotten by another node: %v", err)
	}
	// After the lock, the user is told at their next login, once.
	f.tick(p.LockFor)
	res, err := f.login("wangfang", "Start-2026", "10.0.0.9")
	if err != nil || !strings.Contains(res.Notice, "锁定") {
		t.Fatalf("after the lock: %v, notice %q", err, res.Notice)
	}
	if res, _ := f.login("wangfang", "Start-2026", "10.0.0.9"); res.Notice != "" {
		t.Fatal("the lock notice repeats")
	}
	// A security administrator can unlock early.
	for i := range p.LockFailures {
		f.tick(time.Second * 5)
		_, _ = f.login("wangfang", "wrong-Pass1", []string{"10.0.2.1", "10.0.2.2", "10.0.2.3"}[i%3])
	}
	var unlocker authz.Role
	for _, r := range authz.Roles {
		if authz.Allowed(r, authz.PermUsersUnlock) {
			unlocker = r
		}
	}
	sec := &authz.Actor{UserID: "x", Username: "sec", Role: unlocker, OrgPath: f.county.Path}
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.Unlock(f.ctx, tx, sec, u.ID) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.login("wangfang", "Start-2026", "10.0.0.9"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	worker := &authz.Actor{UserID: "y", Role: authz.RoleWorker, OrgPath: f.county.Path}
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.Unlock(f.ctx, tx, worker, u.ID) }); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a worker unlocks: %v", err)
	}
}

func TestPasswordHistoryAndExpiry(t *testing.T) {
	f := newFixture(t)
	f.user("wangfang", authz.RoleSupervisor)
	res, err := f.login("wangfang", "Start-2026", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	actor, _, _ := f.s.Authenticate(f.ctx, res.Token, KindWeb, "")
	if actor.MustChangePassword {
		t.Fatal("a fresh system-created password must not be changed")
	}
	pws := []string{"Start-2026", "Second-2026", "Third-2026", "Fourth-2026", "Fifth-2026", "Sixth-2026"}
	for i := 1; i < len(pws); i++ {
		if err := f.s.ChangePassword(f.ctx, actor, pws[i-1], pws[i], pws[i]); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	// The last five (Second…Sixth) are refused; the sixth back (Start) is allowed again.
	for _, old := range pws[1:] {
		err := f.s.ChangePassword(f.ctx, actor, "Sixth-2026", old, old)
		if e, ok := apperr.As(err); !ok || !strings.Contains(e.Fields["new_password"], "最近 5 次") {
			t.Fatalf("reused %s: %v", old, err)
		}
	}
	if err := f.s.ChangePassword(f.ctx, actor, "Sixth-2026", "Wangfang-1", "Wangfang-1"); err == nil {
		t.Fatal("a password containing the username was accepted")
	}
	if err := f.s.ChangePassword(f.ctx, actor, "Sixth-2026", "Start-2026", "Start-2026"); err != nil {
		t.Fatalf("the sixth-last password refused: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM password_history`); n != 5 {
		t.Fatalf("history keeps %d hashes, want 5", n)
	}
	// 90 days later the password has expired: the user must change it.
	f.tick(91 * 24 * time.Hour)
	res, err = f.login("wangfang", "Start-2026", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	actor, _, _ = f.s.Authenticate(f.ctx, res.Token, KindWeb, "")
	if !actor.MustChangePassword {
		t.Fatal("an expired password is not sent to be changed")
	}
	if err := f.s.ChangePassword(f.ctx, actor, "Start-2026", "Seventh-2026", "Seventh-2026"); err != nil {
		t.Fatal(err)
	}
	actor, _, _ = f.s.Authenticate(f.ctx, res.Token, KindWeb, "")
	if actor.MustChangePassword {
		t.Fatal("still must change after changing")
	}
}

func TestDemoAccountsOnlyInDemoModeAndNeverExpire(t *testing.T) {
	f := newFixture(t)
	if _, err := f.s.CreateUser(f.ctx, nil, UserInput{Username: "dudao", DisplayName: "督导", Role: authz.RoleSupervisor, OrgID: f.county.ID,
		Password: "demo123456", Demo: true}); err != nil {
		t.Fatalf("demo account with the demo password: %v", err)
	}
	if _, err := f.login("dudao", "demo123456", "10.0.0.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("demo account outside demo mode: %v", err)
	}
	f.s.DemoMode = true
	f.tick(365 * 24 * time.Hour)
	res, err := f.login("dudao", "demo123456", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	actor, _, _ := f.s.Authenticate(f.ctx, res.Token, KindWeb, "")
	if actor.MustChangePassword {
		t.Fatal("a demo password expired")
	}
	// Only the system marks demo accounts; an administrator's Demo flag is ignored.
	admin := &authz.Actor{UserID: "x", Username: "x", Role: authz.RoleAdmin, OrgPath: f.county.Path}
	if _, err := f.s.CreateUser(f.ctx, admin, UserInput{Username: "fake", DisplayName: "假", Role: authz.RoleSupervisor, OrgID: f.county.ID,
		Password: "demo123456", Demo: true}); err == nil {
		t.Fatal("an administrator created a demo account with a weak password")
	}
}

func TestSecondFactorEnrolLoginRecoveryAndReset(t *testing.T) {
	f := newFixture(t)
	f.user("ops", authz.RoleSysAdmin)
	res, err := f.login("ops", "Start-2026", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	actor, _, _ := f.s.Authenticate(f.ctx, res.Token, KindWeb, "")
	if !actor.MustEnrolSecondFactor {
		t.Fatal("an administrator without a second factor is not sent to enrol")
	}
	var e Enrolment
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) (err error) { e, err = f.s.StartEnrolment(f.ctx, tx, actor); return }); err != nil {
		t.Fatal(err)
	}
	if len(e.QRPNG) < 100 || string(e.QRPNG[1:4]) != "PNG" || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		t.Fatalf("enrolment: %q, %d bytes of QR", e.URL, len(e.QRPNG))
	}
	var sealed string
	f.s.DB.QueryRow(f.ctx, `SELECT totp_secret_enc FROM users WHERE username = 'ops'`).Scan(&sealed)
	if strings.Contains(sealed, e.Secret) {
		t.Fatal("the TOTP secret is stored in the clear")
	}
	code := func() string {
		c, err := totp.GenerateCode(e.Secret, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	confirm := func(c string) ([]string, error) {
		var codes []string
		err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) (err error) { codes, err = f.s.ConfirmEnrolment(f.ctx, tx, actor, c); return })
		return codes, err
	}
	if _, err := confirm("000000"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("wrong code confirms: %v", err)
	}
	recovery, err := confirm(code())
	if err != nil || len(recovery) != 10 {
		t.Fatalf("confirm: %d codes, %v", len(recovery), err)
	}
	if f.count(`SELECT COUNT(*) FROM recovery_codes WHERE code_hash = ?`, recovery[0]) != 0 || f.count(`SELECT COUNT(*) FROM recovery_codes`) != 10 {
		t.Fatal("recovery codes not stored as hashes")
	}
	// Password alone is no longer enough; the same code is not accepted twice.
	if _, err := f.login("ops", "Start-2026", "10.0.0.1"); err != ErrCodeRequired {
		t.Fatalf("password alone: %v", err)
	}
	if _, err := f.s.LoginWithCode(f.ctx, "ops", "Start-2026", code(), "10.0.0.1", "", KindWeb); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("a used code accepted again: %v", err)
	}
	f.tick(30 * time.Second)
	if _, err := f.s.LoginWithCode(f.ctx, "ops", "Start-2026", code(), "10.0.0.1", "", KindWeb); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
	// A recovery code works once.
	if _, err := f.s.LoginWithCode(f.ctx, "ops", "Start-2026", recovery[3], "10.0.0.2", "", KindWeb); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if _, err := f.s.LoginWithCode(f.ctx, "ops", "Start-2026", recovery[3], "10.0.0.2", "", KindWeb); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("recovery code used twice: %v", err)
	}
	// A security administrator resets it: enrol again at the next login.
	sec := &authz.Actor{UserID: "x", Username: "sec", Role: authz.RoleSecAdmin, OrgPath: f.county.Path}
	u, _ := f.s.UserByUsername(f.ctx, "ops")
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.ResetSecondFactor(f.ctx, tx, actor, u.ID) }); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a system administrator resets a second factor: %v", err)
	}
	if err := f.s.DB.InTx(f.ctx, func(tx *db.Tx) error { return f.s.ResetSecondFactor(f.ctx, tx, sec, u.ID) }); err != nil {
		t.Fatal(err)
	}
	res, err = f.login("ops", "Start-2026", "10.0.0.3")
	if err != nil {
		t.Fatalf("after reset: %v", err)
	}
	if a, _, _ := f.s.Authenticate(f.ctx, res.Token, KindWeb, ""); !a.MustEnrolSecondFactor {
		t.Fatal("not sent to enrol again after a reset")
	}
	// Every event is audited: enable, recovery use, wrong code, reset.
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ?`, audit.ActionSecondFA); n != 3 {
		t.Fatalf("%d 2FA audit entries, want 3", n)
	}
	if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND summary LIKE '%动态验证码%'`, audit.ActionLoginFailed) < 2 {
		t.Fatal("wrong codes not audited as failed logins")
	}
	// A worker needs no second factor unless the policy says all roles.
	f.user("dudao", authz.RoleSupervisor)
	w, _ := f.s.UserByUsername(f.ctx, "dudao")
	if f.s.SecondFactorRequired(w) {
		t.Fatal("a supervisor must enrol by default")
	}
	f.s.Policy.SecondFactorAll = true
	if !f.s.SecondFactorRequired(w) {
		t.Fatal("the all-roles setting is ignored")
	}
}
