package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// The security administrator sets the password, session, lock-out and
// two-factor rules at run time; once saved they replace the start-up
// settings on every node (each re-reads them within policyTTL).

const policyTTL = 10 * time.Second

type policyCache struct {
	mu       sync.Mutex
	override *Policy
	loaded   time.Time
}

// policy is the policy in force: the saved one, else the start-up one.
func (s *Service) policy() Policy {
	if o := s.savedPolicy(); o != nil {
		return o.withDefaults()
	}
	return s.Policy.withDefaults()
}

func (s *Service) savedPolicy() *Policy {
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded.IsZero() && time.Since(c.loaded) < policyTTL {
		return c.override
	}
	var body string
	err := s.DB.QueryRow(context.Background(), `SELECT body FROM security_policy WHERE id = 1`).Scan(&body)
	c.loaded = time.Now()
	c.override = nil
	if err == nil {
		var p Policy
		if json.Unmarshal([]byte(body), &p) == nil {
			c.override = &p
		}
	}
	return c.override
}

// SecurityPolicy returns the policy in force (security administrators).
func (s *Service) SecurityPolicy(ctx context.Context, actor *authz.Actor) (Policy, error) {
	if err := actor.Require(authz.PermSecurityPolicy); err != nil {
		return Policy{}, err
	}
	return s.policy(), nil
}

// SetSecurityPolicy checks and saves p (security administrators), in
// force on every node within seconds. The limits keep the rules within
// GB/T 22239-2019 level 3: a session may idle at most 2 hours, passwords
// expire within a year, and so on. Audited with before and after.
func (s *Service) SetSecurityPolicy(ctx context.Context, tx *db.Tx, actor *authz.Actor, p Policy) error {
	if err := actor.Require(authz.PermSecurityPolicy); err != nil {
		return err
	}
	fe := apperr.Fields{}
	between := func(field string, v, lo, hi time.Duration, unit time.Duration, name string) {
		if v < lo || v > hi {
			fe.Add(field, fmt.Sprintf("%s应在 %d–%d %s之间", name, lo/unit, hi/unit, unitName(unit)))
		}
	}
	betweenN := func(field string, v, lo, hi int, name string) {
		if v < lo || v > hi {
			fe.Add(field, fmt.Sprintf("%s应在 %d–%d 之间", name, lo, hi))
		}
	}
	between("session_idle", p.SessionIdle, 5*time.Minute, 2*time.Hour, time.Minute, "闲置超时")
	between("session_lifetime", p.SessionLifetime, time.Hour, 24*time.Hour, time.Hour, "会话最长有效期")
	betweenN("max_sessions", p.MaxSessions, 1, 10, "同时在线会话数")
	betweenN("delay_from", p.DelayFrom, 1, 10, "开始等待的失败次数")
	betweenN("lock_failures", p.LockFailures, 5, 200, "锁定所需失败次数")
	betweenN("lock_addresses", p.LockAddresses, 1, 20, "锁定所需地址数")
	between("lock_window", p.LockWindow, 5*time.Minute, 24*time.Hour, time.Minute, "统计窗口")
	between("lock_for", p.LockFor, 5*time.Minute, 24*time.Hour, time.Minute, "锁定时长")
	between("password_max_age", p.PasswordMaxAge, 24*time.Hour, 365*24*time.Hour, 24*time.Hour, "密码有效期")
	betweenN("password_history", p.PasswordHistory, 1, 24, "不得重复的密码次数")
	if err := fe.Err(); err != nil {
		return err
	}
	before := s.policy()
	if p.DelayBase <= 0 {
		p.DelayBase, p.DelayMax = before.DelayBase, before.DelayMax
	}
	body, _ := json.Marshal(p)
	now := cst.Stamp(s.now())
	res, err := tx.Exec(ctx, `UPDATE security_policy SET body = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = 1`, string(body), now, actor.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO security_policy (id, body, updated_at, updated_by, version) VALUES (1, ?, ?, ?, 1)`, string(body), now, actor.UserID); err != nil {
			return err
		}
	}
	tx.OnRollback(func() { s.forgetPolicy() })
	s.forgetPolicy()
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "security_policy", OrgPath: actor.OrgPath, Result: audit.ResultOK,
		Summary: "修改安全策略", Changes: audit.Diff(before.fields(), p.fields())})
}

func (s *Service) forgetPolicy() {
	s.cache.mu.Lock()
	s.cache.loaded = time.Time{}
	s.cache.mu.Unlock()
}

func unitName(u time.Duration) string {
	switch u {
	case time.Minute:
		return "分钟"
	case time.Hour:
		return "小时"
	}
	return "天"
}

func (p Policy) fields() []audit.Field {
	b := "否"
	if p.SecondFactorAll {
		b = "是"
	}
	return []audit.Field{
		{Name: "session_idle", Label: "闲置超时", Value: p.SessionIdle.String()},
		{Name: "session_lifetime", Label: "会话最长有效期", Value: p.SessionLifetime.String()},
		{Name: "max_sessions", Label: "同时在线会话数", Value: fmt.Sprint(p.MaxSessions)},
		{Name: "delay_from", Label: "开始等待的失败次数", Value: fmt.Sprint(p.DelayFrom)},
		{Name: "lock_failures", Label: "锁定所需失败次数", Value: fmt.Sprint(p.LockFailures)},
		{Name: "lock_addresses", Label: "锁定所需地址数", Value: fmt.Sprint(p.LockAddresses)},
		{Name: "lock_window", Label: "统计窗口", Value: p.LockWindow.String()},
		{Name: "lock_for", Label: "锁定时长", Value: p.LockFor.String()},
		{Name: "password_max_age", Label: "密码有效期", Value: p.PasswordMaxAge.String()},
		{Name: "password_history", Label: "不得重复的密码次数", Value: fmt.Sprint(p.PasswordHistory)},
		{Name: "second_factor_all", Label: "所有角色须双因素认证", Value: b},
	}
}
