package auth

import (
	"testing"
	"time"
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
	for pw, bad := range map[string]bool{"demo123456": false, "short1": true, "abcdefghij": true, "1234567890": true, "长密码长密码长密码1": false} {
		if (PasswordProblem(pw) != "") != bad {
			t.Errorf("%q: problem %q", pw, PasswordProblem(pw))
		}
	}
	if PasswordProblem(RandomPassword()) != "" {
		t.Fatal("random password too weak")
	}
}

func TestLimiterLocksAndForgives(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	l := NewLimiter()
	l.now = func() time.Time { return now }
	for i := 0; i < 4; i++ {
		if l.Fail("user", "admin") {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if !l.Fail("user", "admin") {
		t.Fatal("not locked after 5 failures")
	}
	if l.LockedFor("user", "admin") <= 0 || l.LockedFor("user", "other") != 0 {
		t.Fatal("lock state wrong")
	}
	now = now.Add(16 * time.Minute)
	if l.LockedFor("user", "admin") != 0 {
		t.Fatal("lock did not expire")
	}
	// Failures outside the window do not add up.
	for i := 0; i < 4; i++ {
		l.Fail("ip", "10.0.0.1")
		now = now.Add(5 * time.Minute)
	}
	if l.LockedFor("ip", "10.0.0.1") != 0 {
		t.Fatal("old failures counted")
	}
	// Success clears.
	l.Fail("user", "b")
	l.Succeed("user", "b")
	for i := 0; i < 4; i++ {
		l.Fail("user", "b")
	}
	if l.LockedFor("user", "b") != 0 {
		t.Fatal("success did not clear the count")
	}
}
