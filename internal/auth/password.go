package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash (PHC string format).
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches an encoded hash, in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so a wrong
// username takes as long as a wrong password.
var dummyHash = HashPassword("shegong-no-such-user")

// PasswordProblem returns a Chinese message if pw breaks the password
// rule, or "": at least 8 characters, from at least 3 of the 4 classes
// (lower-case letters, upper-case letters, digits, other characters), not
// containing the username (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求).
func PasswordProblem(pw, username string) string {
	if len([]rune(pw)) < 8 {
		return "密码至少 8 位"
	}
	if len(pw) > 128 {
		return "密码不能超过 128 位"
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return "密码需包含小写字母、大写字母、数字、其他符号中的至少 3 类"
	}
	if u := strings.ToLower(strings.TrimSpace(username)); u != "" && strings.Contains(strings.ToLower(pw), u) {
		return "密码不能包含用户名"
	}
	return ""
}

// RandomPassword makes a strong password for a new administrator: 12
// random characters plus one of each class, so it always passes.
func RandomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return s[:12] + "Ka7-"
}

// newToken returns a random secret for a session.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
