package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

// LoginResult is a successful login.
type LoginResult struct {
	Token string
	User  User
	// Notice tells the user something they must know, e.g. that their
	// account was locked after failed logins since they last logged in.
	Notice string
}

// Login checks a username and password and opens a session of kind (web
// or api). Failed logins are counted in the database per (account,
// address): from the Policy.DelayFrom-th failure on, that pair must wait
// a doubling delay before the next try. An account locks only after
// Policy.LockFailures failures from Policy.LockAddresses addresses or
// more, so neither one wrong-typing user nor one office NAT address can
// lock others out. Every attempt is audited.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent, kind string) (LoginResult, error) {
	return s.LoginWithCode(ctx, username, password, "", ip, userAgent, kind)
}

// LoginWithCode is Login with the second factor: for an account with
// two factors enabled, code is a current TOTP code or an unused recovery
// code; without it the answer is ErrCodeRequired. A wrong code counts as
// a failed login (delays and lock-out alike).
func (s *Service) LoginWithCode(ctx context.Context, username, password, code, ip, userAgent, kind string) (LoginResult, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if username == "" || password == "" {
		return LoginResult{}, (apperr.Fields{"username": "请输入用户名和密码"}).Err()
	}
	now := s.now()
	p := s.policy()
	u, err := s.UserByUsername(ctx, username)
	known := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return LoginResult{}, err
	}
	failed := func(reason string) error {
		return audit.Record(ctx, s.DB, nil, audit.Entry{Action: audit.ActionLoginFailed, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath,
			ActorName: username, IP: ip, UserAgent: userAgent, Result: audit.ResultFailed, Summary: "登录失败：" + username + "（" + reason + "）"})
	}
	if known {
		if until, ok := cst.ParseStamp(u.LockedUntil); ok == nil && now.Before(until) {
			if err := failed("账号已锁定"); err != nil {
				return LoginResult{}, err
			}
			return LoginResult{}, apperr.New(apperr.TooMany, "该账号因多次登录失败已被临时锁定，请 %d 分钟后再试，或联系安全管理员解锁", int(until.Sub(now).Minutes())+1)
		}
	}
	if wait, err := s.pairWait(ctx, username, ip, now); err != nil {
		return LoginResult{}, err
	} else if wait > 0 {
		if err := failed("尝试过于频繁"); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, apperr.New(apperr.TooMany, "登录失败次数过多，请 %d 秒后再试", int(wait.Seconds()+0.999))
	}
	hash := dummyHash
	if known {
		hash = u.passwordHash
	}
	good := CheckPassword(hash, password) && known
	if !good || !u.Active {
		reason := "用户名或密码不正确"
		if good && !u.Active {
			reason = "账号已停用"
		}
		locked, err := s.recordFailure(ctx, u, username, ip, userAgent, now, reason)
		if err != nil {
			return LoginResult{}, err
		}
		if locked {
			return LoginResult{}, apperr.New(apperr.TooMany, "该账号因多次登录失败已被临时锁定，请 %d 分钟后再试，或联系安全管理员解锁", int(p.LockFor.Minutes()))
		}
		if good && !u.Active {
			return LoginResult{}, apperr.New(apperr.Unauthorized, "该账号已停用，请联系管理员")
		}
		return LoginResult{}, apperr.New(apperr.Unauthorized, "用户名或密码不正确")
	}
	if u.Demo && !s.DemoMode {
		if err := failed("演示账号，服务未以演示模式运行"); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, apperr.New(apperr.Unauthorized, "演示账号只能在演示模式下登录")
	}
	if u.SecondFactor && !u.Demo {
		if strings.TrimSpace(code) == "" {
			return LoginResult{}, ErrCodeRequired
		}
		var ok bool
		if err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			ok, err = s.checkSecondFactor(ctx, tx, u, code)
			return err
		}); err != nil {
			return LoginResult{}, err
		}
		if !ok {
			if _, err := s.recordFailure(ctx, u, username, ip, userAgent, now, "动态验证码或恢复码不正确"); err != nil {
				return LoginResult{}, err
			}
			return LoginResult{}, &apperr.Error{Kind: apperr.Unauthorized, Message: "动态验证码或恢复码不正确",
				Fields: map[string]string{"code": "动态验证码或恢复码不正确"}}
		}
	}
	token := newToken()
	var notice string
	if u.lockNotice != "" {
		if t, err := cst.ParseStamp(u.lockNotice); err == nil {
			notice = "您的账号曾于 " + t.In(cst.Loc).Format(cst.DateTimeLayout) + " 因多处多次登录失败被临时锁定。如非本人操作，请修改密码并告知安全管理员。"
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE username = ? AND ip = ?`, username, ip); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, public_id, user_id, kind, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, hashToken(token), ids.New(), u.ID, kind, newToken(), cst.Stamp(now), cst.Stamp(now),
			cst.Stamp(now.Add(p.SessionLifetime)), ip, truncate(userAgent, 200)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = ?, lock_notice = '' WHERE id = ?`, cst.Stamp(now), u.ID); err != nil {
			return err
		}
		// Expired sessions are swept at login, which is often enough; each
		// is audited as a time-out like one its user came back to.
		if err := s.sweepExpired(ctx, tx, now); err != nil {
			return err
		}
		actor := &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgPath: u.OrgPath, IP: ip, UserAgent: userAgent}
		if err := s.trimSessions(ctx, tx, actor, p.MaxSessions); err != nil {
			return err
		}
		via := "网页"
		if kind == KindAPI {
			via = "接口"
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionLogin, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath,
			Result: audit.ResultOK, Summary: "登录（" + via + "）"})
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, User: u, Notice: notice}, nil
}

// pairWait is how long (account, address) must still wait before its
// next try: after the DelayFrom-th failure in the window, DelayBase,
// doubling with each further failure up to DelayMax.
func (s *Service) pairWait(ctx context.Context, username, ip string, now time.Time) (time.Duration, error) {
	p := s.policy()
	var n int
	var last sql.NullString
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), MAX(at) FROM login_failures WHERE username = ? AND ip = ? AND at >= ?`,
		username, ip, cst.Stamp(now.Add(-p.LockWindow))).Scan(&n, &last)
	if err != nil || n < p.DelayFrom || !last.Valid {
		return 0, err
	}
	delay := p.DelayBase
	for i := p.DelayFrom; i < n && delay < p.DelayMax; i++ {
		delay *= 2
	}
	delay = min(delay, p.DelayMax)
	t, err := cst.ParseStamp(last.String)
	if err != nil {
		return 0, nil
	}
	return t.Add(delay).Sub(now), nil
}

// recordFailure stores one failed login and its audit entry, and locks
// the account when the failures within the window come from enough
// addresses. It reports whether the account was locked now.
func (s *Service) recordFailure(ctx context.Context, u User, username, ip, userAgent string, now time.Time, reason string) (bool, error) {
	p := s.policy()
	locked := false
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE at < ?`, cst.Stamp(now.Add(-p.LockWindow))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)`, username, ip, cst.Stamp(now)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionLoginFailed, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath,
			ActorName: username, IP: ip, UserAgent: userAgent, Result: audit.ResultFailed, Summary: "登录失败：" + username + "（" + reason + "）"}); err != nil {
			return err
		}
		if u.ID == "" {
			return nil
		}
		var failures, addresses int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT ip) FROM login_failures WHERE username = ? AND at >= ?`,
			username, cst.Stamp(now.Add(-p.LockWindow))).Scan(&failures, &addresses); err != nil {
			return err
		}
		if failures < p.LockFailures || addresses < p.LockAddresses {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET locked_until = ?, lock_notice = ? WHERE id = ?`,
			cst.Stamp(now.Add(p.LockFor)), cst.Stamp(now), u.ID); err != nil {
			return err
		}
		// The lock starts a fresh count: the next lock needs as many again.
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE username = ?`, username); err != nil {
			return err
		}
		locked = true
		return audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionLock, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath,
			ActorName: "系统", IP: ip, UserAgent: userAgent, Result: audit.ResultOK,
			Summary: fmt.Sprintf("锁定账号 %s %d 分钟：%d 次登录失败来自 %d 个地址", username, int(p.LockFor.Minutes()), failures, addresses)})
	})
	return locked, err
}

// Unlock lifts a lock-out and forgets the account's failed logins
// (security administrators).
func (s *Service) Unlock(ctx context.Context, tx *db.Tx, actor *authz.Actor, userID string) error {
	if err := actor.Require(authz.PermUsersUnlock); err != nil {
		return err
	}
	u, err := s.getUser(ctx, tx, "u.id = ?", userID)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(u.OrgPath); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET locked_until = '' WHERE id = ?`, userID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE username = ?`, u.Username); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUnlock, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath,
		Result: audit.ResultOK, Summary: "解锁账号：" + u.DisplayName + "（" + u.Username + "）"})
}

// Locked reports whether u is locked out now.
func (s *Service) Locked(u User) bool {
	t, err := cst.ParseStamp(u.LockedUntil)
	return err == nil && s.now().Before(t)
}

// trimSessions ends the actor's oldest sessions beyond max.
func (s *Service) trimSessions(ctx context.Context, tx *db.Tx, actor *authz.Actor, max int) error {
	rows, err := tx.Query(ctx, `SELECT public_id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id LIMIT 1000 OFFSET ?`,
		actor.UserID, max)
	old, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, id := range old {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE public_id = ?`, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionSessionEnd, Entity: "session", EntityID: id, OrgPath: actor.OrgPath,
			Result: audit.ResultOK, Summary: fmt.Sprintf("超过同时在线会话上限（%d 个），结束最早的会话", max)}); err != nil {
			return err
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ErrSessionExpired is returned for a token that was valid once.
var ErrSessionExpired = apperr.New(apperr.Unauthorized, "登录已过期，请重新登录")

// ErrNoSession is returned for a missing or unknown token.
var ErrNoSession = apperr.New(apperr.Unauthorized, "请先登录")

// Authenticate resolves a session token (cookie or API token) to the
// acting user and the session's CSRF token. A session ends after
// Policy.SessionIdle unused (plus LastSeenSlack, as last-seen is written
// at most once a minute) and Policy.SessionLifetime after login in any
// case (GB/T 22239-2019 8.1.4.1 b: 登录连接超时自动退出); the time-out is
// audited. A password older than Policy.PasswordMaxAge must be changed.
func (s *Service) Authenticate(ctx context.Context, token, kind, ip string) (*authz.Actor, string, error) {
	if token == "" {
		return nil, "", ErrNoSession
	}
	id := hashToken(token)
	var userID, csrf, lastSeen, expires, created, publicID, ua string
	err := s.DB.QueryRow(ctx, `SELECT user_id, csrf_token, last_seen_at, expires_at, created_at, public_id, user_agent FROM sessions WHERE id = ? AND kind = ?`, id, kind).
		Scan(&userID, &csrf, &lastSeen, &expires, &created, &publicID, &ua)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNoSession
	}
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	p := s.policy()
	exp, _ := cst.ParseStamp(expires)
	born, _ := cst.ParseStamp(created)
	seen, _ := cst.ParseStamp(lastSeen)
	// A use noted but not yet written counts (touch.go).
	if noted, ok := s.seenBook.lastSeen(id); ok && noted.After(seen) {
		seen = noted
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	actor := &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: u.OrgID,
		OrgPath: u.OrgPath, OrgName: u.OrgName, SessionID: id, IP: ip, UserAgent: ua}
	reason := ""
	switch {
	case now.After(exp) || now.Sub(born) > p.SessionLifetime:
		reason = fmt.Sprintf("登录已满 %s，会话结束", human(p.SessionLifetime))
	case now.Sub(seen) > p.SessionIdle+LastSeenSlack:
		reason = fmt.Sprintf("超过 %s 未操作，会话超时", human(p.SessionIdle))
	}
	if reason != "" {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another request saw it first
			}
			return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionTimeout, Entity: "session", EntityID: publicID, OrgPath: u.OrgPath,
				Result: audit.ResultOK, Summary: reason})
		})
		if err != nil {
			return nil, "", err
		}
		return nil, "", ErrSessionExpired
	}
	if !u.Active {
		return nil, "", apperr.New(apperr.Unauthorized, "该账号已停用，请联系管理员")
	}
	if u.Demo && !s.DemoMode {
		return nil, "", ErrNoSession
	}
	if now.Sub(seen) > touchThreshold {
		// Noted, and written by the flusher: a request never waits for
		// the write lock to record that it came (touch.go).
		s.seenBook.noteSeen(id, now)
	}
	actor.MustChangePassword = u.MustChangePassword || s.PasswordExpired(u)
	actor.MustEnrolSecondFactor = !u.SecondFactor && s.SecondFactorRequired(u)
	return actor, csrf, nil
}

// PasswordExpired reports whether u's password is older than the policy
// allows. Demo accounts never expire.
func (s *Service) PasswordExpired(u User) bool {
	maxAge := s.policy().PasswordMaxAge
	if maxAge <= 0 || u.Demo {
		return false
	}
	t, err := cst.ParseStamp(u.PasswordChangedAt)
	return err == nil && s.now().Sub(t) > maxAge
}

func human(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", int(d.Hours()))
	}
	if d >= time.Minute {
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	}
	return d.String()
}

// Logout ends the actor's session.
func (s *Service) Logout(ctx context.Context, actor *authz.Actor) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, actor.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionLogout, Entity: "user", EntityID: actor.UserID, OrgPath: actor.OrgPath,
			Result: audit.ResultOK, Summary: "退出登录"})
	})
}

// Session is one open session as its user or an administrator sees it.
// ID is a public handle, not the token or its hash.
type Session struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Kind        string `json:"kind"` // web or api
	CreatedAt   string `json:"created_at"`
	LastSeenAt  string `json:"last_seen_at"`
	ExpiresAt   string `json:"expires_at"`
	IP          string `json:"ip"`
	UserAgent   string `json:"user_agent"`
	Current     bool   `json:"current"` // the session making the request
}

// Sessions lists the open sessions of userID ("" = the actor's own),
// newest first. Anyone sees their own; another user's need
// authz.PermSessionsManage and the user in scope.
func (s *Service) Sessions(ctx context.Context, q db.Querier, actor *authz.Actor, userID string) ([]Session, error) {
	if actor == nil {
		return nil, apperr.ErrForbidden()
	}
	if userID == "" {
		userID = actor.UserID
	}
	if userID != actor.UserID {
		if err := actor.Require(authz.PermSessionsManage); err != nil {
			return nil, err
		}
		u, err := s.getUser(ctx, q, "u.id = ?", userID)
		if err != nil {
			return nil, err
		}
		if err := actor.RequireScope(u.OrgPath); err != nil {
			return nil, err
		}
	}
	p := s.policy()
	now := s.now()
	rows, err := q.Query(ctx, `SELECT s.id, s.public_id, s.user_id, u.username, u.display_name, s.kind, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.user_id = ? AND s.expires_at >= ? AND s.last_seen_at >= ? ORDER BY s.created_at DESC, s.id`,
		userID, cst.Stamp(now), cst.Stamp(now.Add(-p.SessionIdle-LastSeenSlack)))
	return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (Session, error) {
		var x Session
		var secret string
		err := r.Scan(&secret, &x.ID, &x.UserID, &x.Username, &x.DisplayName, &x.Kind, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.IP, &x.UserAgent)
		x.Current = secret == actor.SessionID
		return x, err
	})
}

// EndSession ends one session by its public id: the actor's own, or
// anyone's in scope with authz.PermSessionsManage. Audited.
func (s *Service) EndSession(ctx context.Context, tx *db.Tx, actor *authz.Actor, sessionID string) error {
	if actor == nil {
		return apperr.ErrForbidden()
	}
	var userID, username, name, path string
	err := tx.QueryRow(ctx, `SELECT s.user_id, u.username, u.display_name, o.path FROM sessions s JOIN users u ON u.id = s.user_id
		JOIN org_units o ON o.id = u.org_id WHERE s.public_id = ?`, sessionID).Scan(&userID, &username, &name, &path)
	if errors.Is(err, sql.ErrNoRows) || sessionID == "" {
		return apperr.ErrNotFound("会话")
	}
	if err != nil {
		return err
	}
	summary := "结束本人的会话"
	if userID != actor.UserID {
		if err := actor.Require(authz.PermSessionsManage); err != nil {
			return err
		}
		if err := actor.RequireScope(path); err != nil {
			return err
		}
		summary = "结束 " + name + "（" + username + "）的会话"
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE public_id = ?`, sessionID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionSessionEnd, Entity: "session", EntityID: sessionID, OrgPath: path,
		Result: audit.ResultOK, Summary: summary})
}

// RecordDenied audits a request refused for the actor's role or scope:
// the route, the path asked for, the role and the actor's scope.
func (s *Service) RecordDenied(ctx context.Context, actor *authz.Actor, route, path, kind, message string) error {
	why := "角色无权"
	if kind == string(apperr.OutOfScope) {
		why = "超出负责范围"
	}
	return audit.Record(ctx, s.DB, actor, audit.Entry{Action: audit.ActionDenied, Entity: "route", EntityID: truncate(path, 200), OrgPath: actor.OrgPath,
		Result: audit.ResultFailed, Summary: fmt.Sprintf("拒绝访问（%s）：%s，角色 %s，范围 %s：%s", why, route, actor.Role.Label(), actor.OrgName, message)})
}

// sweepExpired ends the sessions past their idle time-out or lifetime
// and audits each as a time-out.
func (s *Service) sweepExpired(ctx context.Context, tx *db.Tx, now time.Time) error {
	p := s.policy()
	type gone struct{ id, publicID, userID, username, name, path string }
	rows, err := tx.Query(ctx, `SELECT s.id, s.public_id, u.id, u.username, u.display_name, o.path FROM sessions s
		JOIN users u ON u.id = s.user_id JOIN org_units o ON o.id = u.org_id
		WHERE s.expires_at < ? OR s.last_seen_at < ? OR s.created_at < ?`,
		cst.Stamp(now), cst.Stamp(now.Add(-p.SessionIdle-LastSeenSlack)), cst.Stamp(now.Add(-p.SessionLifetime)))
	list, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (gone, error) {
		var g gone
		return g, r.Scan(&g.id, &g.publicID, &g.userID, &g.username, &g.name, &g.path)
	})
	if err != nil {
		return err
	}
	for _, g := range list {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, g.id); err != nil {
			return err
		}
		actor := &authz.Actor{UserID: g.userID, Username: g.username, DisplayName: g.name}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionTimeout, Entity: "session", EntityID: g.publicID, OrgPath: g.path,
			Result: audit.ResultOK, Summary: "会话超时或已满最长有效期，已清除"}); err != nil {
			return err
		}
	}
	return nil
}
