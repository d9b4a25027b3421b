// Package auth holds user accounts and their sessions: password hashing,
// login with rate limiting, server-side sessions for the web (cookie) and
// the API (bearer token), and user management within an actor's scope.
package auth

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the accounts schema.
var Module = db.MustLoadModule("auth", migrations, "migrations")

func init() { secure.RegisterColumn("users", "id", "phone_enc") }

// Session lifetimes by default; Policy sets the ones in force.
const (
	WebAbsolute    = 24 * time.Hour // the session cookie's own lifetime: the longest lifetime the policy allows; the server ends sessions earlier
	touchThreshold = time.Minute    // last_seen is written at most this often
)

// Session kinds.
const (
	KindWeb = "web"
	KindAPI = "api"
)

// Service manages users and sessions.
type Service struct {
	DB     *db.DB
	Keys   *secure.Keyring
	Policy Policy
	// DemoMode lets demo accounts log in (the server runs with --demo).
	DemoMode bool
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time

	cache policyCache
	// seenBook holds session uses not yet written (see FlushSeen).
	seenBook seenBook
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SessionLifetime is the absolute lifetime of sessions and API tokens.
func (s *Service) SessionLifetime() time.Duration { return s.policy().SessionLifetime }

// User is an account. Phone is masked unless the caller opened it.
type User struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Phone              string     `json:"phone"`
	Role               authz.Role `json:"role"`
	RoleLabel          string     `json:"role_label"`
	OrgID              string     `json:"org_id"`
	OrgName            string     `json:"org_name"`
	OrgPath            string     `json:"-"`
	OrgKind            org.Kind   `json:"org_kind"`
	Active             bool       `json:"active"`
	MustChangePassword bool       `json:"must_change_password"`
	LastLoginAt        string     `json:"last_login_at"`
	LockedUntil        string     `json:"locked_until"` // stamp of the last lock-out's end ("" if never locked)
	Locked             bool       `json:"locked"`       // locked out now
	Demo               bool       `json:"demo"`
	PasswordChangedAt  string     `json:"password_changed_at"`
	SecondFactor       bool       `json:"second_factor"` // TOTP enrolled and enabled
	CreatedAt          string     `json:"created_at"`
	UpdatedAt          string     `json:"updated_at"`
	Version            int        `json:"version"`
	phoneSealed        string
	passwordHash       string
	lockNotice         string
}

const userColumns = `u.id, u.username, u.display_name, u.phone_enc, u.role, u.org_id, o.name, o.path, o.kind, u.active,
	u.must_change_password, u.last_login_at, u.created_at, u.updated_at, u.version, u.password_hash,
	u.locked_until, u.lock_notice, u.is_demo, u.password_changed_at, u.totp_enabled`

const userFrom = ` FROM users u JOIN org_units o ON o.id = u.org_id`

func (s *Service) scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.phoneSealed, &u.Role, &u.OrgID, &u.OrgName, &u.OrgPath, &u.OrgKind,
		&u.Active, &u.MustChangePassword, &u.LastLoginAt, &u.CreatedAt, &u.UpdatedAt, &u.Version, &u.passwordHash,
		&u.LockedUntil, &u.lockNotice, &u.Demo, &u.PasswordChangedAt, &u.SecondFactor)
	if err != nil {
		return u, err
	}
	u.RoleLabel = u.Role.Label()
	u.Locked = s.Locked(u)
	if plain, err := s.Keys.Open(u.phoneSealed); err == nil {
		u.Phone = secure.MaskPhone(plain)
	}
	return u, nil
}

// FullPhone opens a user's phone number (callers audit the reveal).
func (s *Service) FullPhone(u User) (string, error) { return s.Keys.Open(u.phoneSealed) }

func (s *Service) getUser(ctx context.Context, q db.Querier, where string, arg any) (User, error) {
	u, err := s.scanUser(q.QueryRow(ctx, `SELECT `+userColumns+userFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.ErrNotFound("用户")
	}
	return u, err
}

// UserByID loads a user without scope checks.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.getUser(ctx, s.DB, "u.id = ?", id)
}

// UserByUsername loads a user without scope checks.
func (s *Service) UserByUsername(ctx context.Context, name string) (User, error) {
	return s.getUser(ctx, s.DB, "u.username = ?", strings.ToLower(strings.TrimSpace(name)))
}

// UserFor loads a user the actor may see.
func (s *Service) UserFor(ctx context.Context, actor *authz.Actor, id string) (User, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return u, err
	}
	if err := actor.RequireScope(u.OrgPath); err != nil {
		return User{}, err
	}
	return u, nil
}

// CountUsers returns how many accounts exist (first start checks for 0).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UserInput is what an administrator submits for an account.
type UserInput struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Phone       string     `json:"phone"` // on update, empty keeps the saved number
	Role        authz.Role `json:"role"`
	OrgID       string     `json:"org_id"`
	Password    string     `json:"password"`
	Active      *bool      `json:"active"`
	// Demo marks a demo account (system set-up only): it keeps the demo
	// password, never expires, and logs in only in demo mode.
	Demo bool `json:"-"`
	// MustChange makes a system-created account change its password at
	// first login (the printed first-start passwords).
	MustChange bool `json:"-"`
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)

// roleKinds says at which levels of the tree each role may be placed.
var roleKinds = map[authz.Role][]org.Kind{
	authz.RoleAdmin:       {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty},
	authz.RoleLeader:      {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty},
	authz.RoleSysAdmin:    {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty},
	authz.RoleSecAdmin:    {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty},
	authz.RoleAuditAdmin:  {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty},
	authz.RoleEvaluator:   {org.KindPlatform, org.KindProvince, org.KindCity, org.KindCounty, org.KindStation},
	authz.RoleSupervisor:  {org.KindProvince, org.KindCity, org.KindCounty, org.KindStation},
	authz.RoleStationHead: {org.KindStation},
	authz.RoleWorker:      {org.KindStation, org.KindRoom},
	authz.RoleVolunteer:   {org.KindStation, org.KindRoom},
}

func kindAllowed(r authz.Role, k org.Kind) bool {
	for _, ok := range roleKinds[r] {
		if ok == k {
			return true
		}
	}
	return false
}

// validate checks the input and returns the scope node it names.
func (s *Service) validate(ctx context.Context, q db.Querier, actor *authz.Actor, in *UserInput, creating bool) (org.Unit, error) {
	fe := apperr.Fields{}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Phone = validate.NormalizePhone(in.Phone)
	if creating && !usernameRe.MatchString(in.Username) {
		fe.Add("username", "用户名为 3–32 位小写字母、数字或 _ . -，以字母或数字开头")
	}
	if in.DisplayName == "" {
		fe.Add("display_name", "请填写姓名")
	} else if len([]rune(in.DisplayName)) > 30 {
		fe.Add("display_name", "姓名不能超过 30 个字")
	}
	if in.Phone != "" && !validate.Phone(in.Phone) {
		fe.Add("phone", validate.PhoneMessage)
	}
	if !in.Role.Valid() {
		fe.Add("role", "请选择角色")
	}
	if creating && !(in.Demo && actor == nil) {
		if p := PasswordProblem(in.Password, in.Username); p != "" {
			fe.Add("password", p)
		}
	}
	var unit org.Unit
	if in.OrgID == "" {
		fe.Add("org_id", "请选择所属机构")
	} else {
		var err error
		unit, err = org.Get(ctx, q, in.OrgID)
		switch {
		case apperr.Is(err, apperr.NotFound):
			fe.Add("org_id", "所属机构不存在")
		case err != nil:
			return unit, err
		case actor != nil && !actor.Covers(unit.Path):
			fe.Add("org_id", "只能选择您负责范围内的机构")
		case !unit.Active:
			fe.Add("org_id", "该机构已停用")
		case in.Role.Valid() && !kindAllowed(in.Role, unit.Kind):
			fe.Add("org_id", "“"+in.Role.Label()+"”不能设在“"+unit.Kind.Label()+"”一级")
		}
	}
	return unit, fe.Err()
}

// CreateUser adds an account. actor is nil only for system set-up.
func (s *Service) CreateUser(ctx context.Context, actor *authz.Actor, in UserInput) (User, error) {
	var created User
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		unit, err := s.validate(ctx, tx, actor, &in, true)
		if err != nil {
			return err
		}
		if actor != nil {
			if err := s.checkGrant(actor, "", in.Role); err != nil {
				return err
			}
		}
		now := cst.Stamp(s.now())
		id := ids.New()
		active := in.Active == nil || *in.Active
		demo := in.Demo && actor == nil
		_, err = tx.Exec(ctx, `INSERT INTO users (id, username, display_name, phone_enc, phone_index, role, org_id, password_hash, active,
			must_change_password, created_at, updated_at, version, is_demo, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			id, in.Username, in.DisplayName, s.Keys.Seal(in.Phone), s.Keys.BlindIndex("phone", in.Phone), in.Role, in.OrgID,
			HashPassword(in.Password), db.Bool(active), db.Bool((actor != nil || in.MustChange) && !demo), now, now, db.Bool(demo), now)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Kind: apperr.Conflict, Message: "用户名已被使用", Fields: map[string]string{"username": "用户名“" + in.Username + "”已被使用"}}
		}
		if err != nil {
			return err
		}
		created, err = s.getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "user", EntityID: id, OrgPath: unit.Path,
			Summary: "新增用户：" + in.DisplayName + "（" + in.Username + "）", Changes: audit.Diff(nil, created.fields(in.Phone))})
	})
	return created, err
}

func (u User) fields(phone string) []audit.Field {
	active := "是"
	if !u.Active {
		active = "否"
	}
	return []audit.Field{
		{Name: "username", Label: "用户名", Value: u.Username},
		{Name: "display_name", Label: "姓名", Value: u.DisplayName},
		{Name: "phone", Label: "手机号", Value: phone, Sensitive: true},
		{Name: "role", Label: "角色", Value: u.Role.Label()},
		{Name: "org", Label: "所属机构", Value: u.OrgName},
		{Name: "active", Label: "启用", Value: active},
	}
}

// UpdateUser changes an account's details, checking the version the
// editor saw. An administrator cannot demote or deactivate themselves, so
// a county is never left without one by accident.
func (s *Service) UpdateUser(ctx context.Context, actor *authz.Actor, id string, version int, in UserInput) (User, error) {
	var updated User
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := s.getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		if err := actor.RequireScope(before.OrgPath); err != nil {
			return err
		}
		if _, err := s.validate(ctx, tx, actor, &in, false); err != nil {
			return err
		}
		active := in.Active == nil || *in.Active
		if in.Role != before.Role {
			if err := s.checkGrant(actor, before.Role, in.Role); err != nil {
				return err
			}
		}
		if actor.UserID == id && (in.Role != before.Role || !active || in.OrgID != before.OrgID) {
			return (apperr.Fields{"role": "不能修改自己的角色、机构或停用自己的账号"}).Err()
		}
		oldPhone, _ := s.Keys.Open(before.phoneSealed)
		if in.Phone == "" {
			in.Phone = oldPhone // an empty phone keeps the saved one: forms never show it in full
		}
		if err := db.Versioned(tx.Exec(ctx, `UPDATE users SET display_name = ?, phone_enc = ?, phone_index = ?, role = ?, org_id = ?, active = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			in.DisplayName, s.Keys.Seal(in.Phone), s.Keys.BlindIndex("phone", in.Phone), in.Role, in.OrgID, db.Bool(active), cst.NowStamp(), id, version)); err != nil {
			return err
		}
		if !active {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		updated, err = s.getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		changes := audit.Diff(before.fields(oldPhone), updated.fields(in.Phone))
		if len(changes) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "user", EntityID: id, OrgPath: updated.OrgPath,
			Summary: "修改用户：" + updated.DisplayName + "（" + updated.Username + "）", Changes: changes})
	})
	return updated, err
}

// ResetPassword sets a new password for another user (administrators);
// the user must change it at next login. All their sessions end.
func (s *Service) ResetPassword(ctx context.Context, actor *authz.Actor, id, password string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := s.getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return err
		}
		if actor != nil {
			if err := actor.RequireScope(u.OrgPath); err != nil {
				return err
			}
		}
		if p := PasswordProblem(password, u.Username); p != "" {
			return (apperr.Fields{"password": p}).Err()
		}
		if err := s.setPassword(ctx, tx, u, password, actor != nil); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionPassword, Entity: "user", EntityID: id, OrgPath: u.OrgPath, Result: audit.ResultOK,
			Summary: "重置密码：" + u.DisplayName + "（" + u.Username + "），其全部会话已结束", Changes: []audit.Change{{Field: "password", Label: "密码", Before: "（已加密）", After: "（已加密）"}}})
	})
}

// setPassword stores a new password hash, keeping the old one in the
// history (trimmed to the policy's length).
func (s *Service) setPassword(ctx context.Context, tx *db.Tx, u User, password string, mustChange bool) error {
	now := cst.Stamp(s.now())
	if _, err := tx.Exec(ctx, `INSERT INTO password_history (id, user_id, password_hash, changed_at) VALUES (?, ?, ?, ?)`, ids.New(), u.ID, u.passwordHash, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM password_history WHERE user_id = ? AND id NOT IN
		(SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?)`, u.ID, u.ID, s.policy().PasswordHistory); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		HashPassword(password), db.Bool(mustChange), now, now, u.ID)
	return err
}

// usedBefore reports whether pw is the current password or one of the
// last PasswordHistory-1 before it (so the last PasswordHistory in all).
func (s *Service) usedBefore(ctx context.Context, q db.Querier, u User, pw string) (bool, error) {
	if CheckPassword(u.passwordHash, pw) {
		return true, nil
	}
	rows, err := q.Query(ctx, `SELECT password_hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?`,
		u.ID, s.policy().PasswordHistory-1)
	hashes, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (string, error) {
		var h string
		return h, r.Scan(&h)
	})
	if err != nil {
		return false, err
	}
	for _, h := range hashes {
		if CheckPassword(h, pw) {
			return true, nil
		}
	}
	return false, nil
}

// ChangePassword lets a user change their own password after proving the
// old one. The new one follows PasswordProblem and may not be one of the
// last Policy.PasswordHistory. Their other sessions end; the current one stays.
func (s *Service) ChangePassword(ctx context.Context, actor *authz.Actor, oldPassword, newPassword, confirm string) error {
	u, err := s.UserByID(ctx, actor.UserID)
	if err != nil {
		return err
	}
	fe := apperr.Fields{}
	if !CheckPassword(u.passwordHash, oldPassword) {
		fe.Add("old_password", "原密码不正确")
	}
	if p := PasswordProblem(newPassword, u.Username); p != "" {
		fe.Add("new_password", p)
	} else if used, err := s.usedBefore(ctx, s.DB, u, newPassword); err != nil {
		return err
	} else if used {
		fe.Add("new_password", fmt.Sprintf("新密码不能与最近 %d 次使用过的密码相同", s.policy().PasswordHistory))
	}
	if confirm != newPassword {
		fe.Add("confirm", "两次输入的新密码不一致")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.setPassword(ctx, tx, u, newPassword, false); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, u.ID, actor.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionPassword, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath, Result: audit.ResultOK,
			Summary: "修改本人密码", Changes: []audit.Change{{Field: "password", Label: "密码", Before: "（已加密）", After: "（已加密）"}}})
	})
}

// UserFilter selects accounts for a list.
type UserFilter struct {
	Text   string // username, display name, or exact phone
	Role   authz.Role
	OrgID  string // this node and everything under it
	Active string // "", "1", "0"
	Sort   string // name, username, role, org, last_login, created
	Desc   bool
	Offset int
	Limit  int
}

// userOrder is the whitelist of account list orders.
var userOrder = db.Order{
	Keys: map[string]string{"name": "u.display_name", "username": "u.username", "role": "u.role", "org": "o.path",
		"last_login": "u.last_login_at", "created": "u.created_at"},
	Default: "o.path, u.username", Tie: "u.id",
}

// ListUsers returns the accounts in the actor's scope that match f.
func (s *Service) ListUsers(ctx context.Context, actor *authz.Actor, f UserFilter) ([]User, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(s.DB.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(strings.ToLower(t)) + "%"
		c.Add(`(u.username LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\' OR u.phone_index = ?)`,
			p, "%"+db.Like(t)+"%", s.Keys.BlindIndex("phone", validate.NormalizePhone(t)))
	}
	if f.Role != "" {
		c.Add("u.role = ?", f.Role)
	}
	if f.OrgID != "" {
		unit, err := org.GetFor(ctx, s.DB, actor, f.OrgID)
		if err != nil {
			return nil, 0, err
		}
		sub, subArgs := authz.SubtreeCond(s.DB.Dialect(), "o.path", unit.Path)
		c.Add(sub, subArgs...)
	}
	if f.Active == "1" || f.Active == "0" {
		c.Add("u.active = ?", db.Bool(f.Active == "1"))
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	return db.Page(ctx, s.DB, db.PageQuery{
		Count:  `SELECT COUNT(*)` + userFrom,
		Select: `SELECT ` + userColumns + userFrom,
		Where:  c,
		Order:  userOrder.By(f.Sort, f.Desc),
		Limit:  f.Limit,
		Offset: f.Offset,
	}, s.scanUser)
}

// checkGrant says whether actor may give role to (replacing from; "" when
// creating an account). Account administrators create accounts with a
// business role; giving or changing a role afterwards, and any
// administrator role at all, is for holders of authz.PermRolesGrant
// (separation of duties, GB/T 22239-2019 8.1.4.2 c).
func (s *Service) checkGrant(actor *authz.Actor, from, to authz.Role) error {
	if actor.Can(authz.PermRolesGrant) {
		return nil
	}
	if from == "" && !to.Administrator() {
		return nil
	}
	return (apperr.Fields{"role": "您无权授予或变更角色“" + to.Label() + "”，请由安全管理员办理"}).Err()
}

// GrantRole gives a user another role (security administrators: holders
// of authz.PermRolesGrant), checked against the level of the user's
// organisation. Nobody changes their own role. Audited with before and after.
func (s *Service) GrantRole(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string, role authz.Role) (User, error) {
	if err := actor.Require(authz.PermRolesGrant); err != nil {
		return User{}, err
	}
	u, err := s.getUser(ctx, tx, "u.id = ?", id)
	if err != nil {
		return User{}, err
	}
	if err := actor.RequireScope(u.OrgPath); err != nil {
		return User{}, err
	}
	switch {
	case !role.Valid():
		return User{}, (apperr.Fields{"role": "请选择角色"}).Err()
	case actor.UserID == id:
		return User{}, (apperr.Fields{"role": "不能修改自己的角色"}).Err()
	case !kindAllowed(role, u.OrgKind):
		return User{}, (apperr.Fields{"role": "“" + role.Label() + "”不能设在“" + u.OrgKind.Label() + "”一级"}).Err()
	case role == u.Role:
		return u, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET role = ?, updated_at = ?, version = version + 1 WHERE id = ?`, role, cst.Stamp(s.now()), id); err != nil {
		return User{}, err
	}
	after, err := s.getUser(ctx, tx, "u.id = ?", id)
	if err != nil {
		return User{}, err
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "user", EntityID: id, OrgPath: u.OrgPath, Result: audit.ResultOK,
		Summary: "授予角色：" + u.DisplayName + "（" + u.Username + "）" + u.Role.Label() + " → " + role.Label(),
		Changes: []audit.Change{{Field: "role", Label: "角色", Before: u.Role.Label(), After: role.Label()}}})
}

// MarkDemo marks an existing account as a demo account (a demo database
// created before demo accounts were marked); system set-up only.
func (s *Service) MarkDemo(ctx context.Context, tx *db.Tx, username string) error {
	_, err := tx.Exec(ctx, `UPDATE users SET is_demo = 1, must_change_password = 0 WHERE username = ?`, username)
	return err
}

// CreateDemoUsers adds demo accounts (system set-up only, no actor) in
// the caller's transaction, all with one password hashed once: a demo
// county has dozens of accounts, and hashing each one (tens of
// milliseconds) would dominate loading it. Every account is validated and
// audited as CreateUser does.
func (s *Service) CreateDemoUsers(ctx context.Context, tx *db.Tx, password string, ins []UserInput) ([]User, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	hash := HashPassword(password)
	now := cst.Stamp(s.now())
	out := make([]User, 0, len(ins))
	for _, in := range ins {
		in.Demo = true
		unit, err := s.validate(ctx, tx, nil, &in, true)
		if err != nil {
			return out, err
		}
		id := ids.New()
		_, err = tx.Exec(ctx, `INSERT INTO users (id, username, display_name, phone_enc, phone_index, role, org_id, password_hash, active,
			must_change_password, created_at, updated_at, version, is_demo, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			id, in.Username, in.DisplayName, s.Keys.Seal(in.Phone), s.Keys.BlindIndex("phone", in.Phone), in.Role, in.OrgID,
			hash, db.Bool(true), db.Bool(false), now, now, db.Bool(true), now)
		if db.IsUniqueViolation(err) {
			return out, &apperr.Error{Kind: apperr.Conflict, Message: "用户名已被使用", Fields: map[string]string{"username": "用户名“" + in.Username + "”已被使用"}}
		}
		if err != nil {
			return out, err
		}
		created, err := s.getUser(ctx, tx, "u.id = ?", id)
		if err != nil {
			return out, err
		}
		if err := audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionCreate, Entity: "user", EntityID: id, OrgPath: unit.Path,
			Summary: "新增用户：" + in.DisplayName + "（" + in.Username + "）", Changes: audit.Diff(nil, created.fields(in.Phone))}); err != nil {
			return out, err
		}
		out = append(out, created)
	}
	return out, nil
}
