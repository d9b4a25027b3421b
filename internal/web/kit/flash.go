package kit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// A message after a successful POST (已保存…) travels to the next page in
// a short-lived cookie signed with a key of this process, never in the
// URL: a URL would let anyone put any text in the official green box
// (/?flash=…), and would carry names into logs and browser history.

const flashCookie = "shegong_flash"

var flashKey = func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
}()

func flashMAC(msg string) string {
	m := hmac.New(sha256.New, flashKey)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setFlash keeps msg for the next page this browser opens (within a minute).
func (c *Ctx) setFlash(msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(msg))
	http.SetCookie(c.W, &http.Cookie{Name: flashCookie, Value: v + "." + flashMAC(msg), Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.s.SecureCookies(c.R)})
}

// takeFlash returns the message kept for this page ("" when none or not
// ours) and clears it.
func (c *Ctx) takeFlash() string {
	ck, err := c.R.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(c.W, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.s.SecureCookies(c.R)})
	v, mac, ok := strings.Cut(ck.Value, ".")
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !hmac.Equal([]byte(mac), []byte(flashMAC(string(b)))) {
		return ""
	}
	return string(b)
}
