package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Two factors (GB/T 22239-2019 8.1.4.1 d: 采用两种或两种以上组合的鉴别技术):
// a time-based one-time code (TOTP, RFC 6238: 6 digits, 30-second steps,
// one step of clock skew either way) from an authenticator app, or one of
// ten one-time recovery codes. Administrator roles must use them
// (Policy.SecondFactorAll: every role); demo accounts never do.

const (
	totpIssuer    = "社工站服务管理平台"
	totpPeriod    = 30
	recoveryCount = 10
)

// ErrCodeRequired is returned by Login when the password was right and
// the account also needs its second factor.
var ErrCodeRequired = &apperr.Error{Kind: apperr.Unauthorized, Message: "请输入动态验证码或恢复码",
	Fields: map[string]string{"code": "请输入验证器上的 6 位动态验证码，或一个恢复码"}}

// SecondFactorRequired reports whether u must use two factors.
func (s *Service) SecondFactorRequired(u User) bool {
	if u.Demo {
		return false
	}
	return s.policy().SecondFactorAll || u.Role.Administrator()
}

// Enrolment is a started TOTP enrolment: the key for the app.
type Enrolment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL
	QRPNG  []byte // the URL as a QR code
}

// StartEnrolment makes a new secret for the actor (replacing any not yet
// enabled) and returns it with its QR code. Enrolling again while
// enabled needs a reset by a security administrator first.
func (s *Service) StartEnrolment(ctx context.Context, tx *db.Tx, actor *authz.Actor) (Enrolment, error) {
	u, err := s.getUser(ctx, tx, "u.id = ?", actor.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	if u.SecondFactor {
		return Enrolment{}, apperr.New(apperr.Conflict, "已启用双因素认证；如需更换手机，请联系安全管理员重置")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Username, Period: totpPeriod})
	if err != nil {
		return Enrolment{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret_enc = ?, totp_enabled = 0 WHERE id = ?`, s.Keys.Seal(key.Secret()), u.ID); err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// PendingEnrolment returns the pending enrolment of the actor again (a page
// reload), or starts one.
func (s *Service) PendingEnrolment(ctx context.Context, tx *db.Tx, actor *authz.Actor) (Enrolment, error) {
	var sealed string
	var enabled bool
	if err := tx.QueryRow(ctx, `SELECT totp_secret_enc, totp_enabled FROM users WHERE id = ?`, actor.UserID).Scan(&sealed, &enabled); err != nil {
		return Enrolment{}, err
	}
	secret, err := s.Keys.Open(sealed)
	if enabled || sealed == "" || err != nil || secret == "" {
		return s.StartEnrolment(ctx, tx, actor)
	}
	key, err := otp.NewKeyFromURL("otpauth://totp/" + totpIssuer + ":" + actor.Username + "?secret=" + secret + "&issuer=" + totpIssuer + "&period=30")
	if err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmEnrolment enables two factors once the user proves the app
// works with a current code, and returns the ten recovery codes (shown
// once; only their hashes are kept). Audited.
func (s *Service) ConfirmEnrolment(ctx context.Context, tx *db.Tx, actor *authz.Actor, code string) ([]string, error) {
	var sealed string
	var enabled bool
	var lastStep int64
	if err := tx.QueryRow(ctx, `SELECT totp_secret_enc, totp_enabled, totp_last_step FROM users WHERE id = ?`, actor.UserID).Scan(&sealed, &enabled, &lastStep); err != nil {
		return nil, err
	}
	if enabled {
		return nil, apperr.New(apperr.Conflict, "已启用双因素认证")
	}
	secret, err := s.Keys.Open(sealed)
	if err != nil || secret == "" {
		return nil, apperr.New(apperr.Conflict, "请先扫描二维码开始绑定")
	}
	step, ok := s.matchStep(secret, code, lastStep)
	if !ok {
		return nil, (apperr.Fields{"code": "验证码不正确或已过期，请输入验证器上当前显示的 6 位数字"}).Err()
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?`, step, actor.UserID); err != nil {
		return nil, err
	}
	codes, err := s.newRecoveryCodes(ctx, tx, actor.UserID)
	if err != nil {
		return nil, err
	}
	return codes, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionSecondFA, Entity: "user", EntityID: actor.UserID, OrgPath: actor.OrgPath,
		Result: audit.ResultOK, Summary: "启用双因素认证（动态验证码），生成恢复码"})
}

// ResetSecondFactor removes a user's second factor so they enrol again
// at their next login (security administrators, e.g. a lost phone).
func (s *Service) ResetSecondFactor(ctx context.Context, tx *db.Tx, actor *authz.Actor, userID string) error {
	if err := actor.Require(authz.PermSecondFactorReset); err != nil {
		return err
	}
	u, err := s.getUser(ctx, tx, "u.id = ?", userID)
	if err != nil {
		return err
	}
	if err := actor.RequireScope(u.OrgPath); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret_enc = '', totp_enabled = 0, totp_last_step = 0 WHERE id = ?`, userID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionSecondFA, Entity: "user", EntityID: userID, OrgPath: u.OrgPath,
		Result: audit.ResultOK, Summary: "重置双因素认证：" + u.DisplayName + "（" + u.Username + "），其全部会话已结束"})
}

// matchStep finds the time step (now ± one) whose code is code, later
// than lastStep so no code is accepted twice.
func (s *Service) matchStep(secret, code string, lastStep int64) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	now := s.now()
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		step := t.Unix() / totpPeriod
		want, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && want == code && step > lastStep {
			return step, true
		}
	}
	return 0, false
}

func (s *Service) newRecoveryCodes(ctx context.Context, tx *db.Tx, userID string) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no look-alikes
	var codes []string
	for range recoveryCount {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		code := string(b[:5]) + "-" + string(b[5:])
		codes = append(codes, code)
		if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, hashRecovery(code)); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func hashRecovery(code string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))))
	return hex.EncodeToString(sum[:])
}

// checkSecondFactor verifies a TOTP code or uses up a recovery code for
// u inside tx, auditing a recovery code's use. ok is false for a wrong code.
func (s *Service) checkSecondFactor(ctx context.Context, tx *db.Tx, u User, code string) (bool, error) {
	var sealed string
	var lastStep int64
	if err := tx.QueryRow(ctx, `SELECT totp_secret_enc, totp_last_step FROM users WHERE id = ?`, u.ID).Scan(&sealed, &lastStep); err != nil {
		return false, err
	}
	if secret, err := s.Keys.Open(sealed); err == nil && secret != "" {
		if step, ok := s.matchStep(secret, code, lastStep); ok {
			_, err := tx.Exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, u.ID)
			return err == nil, err
		}
	}
	res, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = ''`,
		cst.Stamp(s.now()), u.ID, hashRecovery(code))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at = ''`, u.ID).Scan(&left); err != nil {
		return false, err
	}
	return true, audit.Record(ctx, tx, &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName}, audit.Entry{
		Action: audit.ActionSecondFA, Entity: "user", EntityID: u.ID, OrgPath: u.OrgPath, Result: audit.ResultOK,
		Summary: "使用恢复码登录，剩余 " + strconv.Itoa(left) + " 个"})
}
