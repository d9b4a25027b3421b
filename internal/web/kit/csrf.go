package kit

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
)

// Pages are compressed, and a compressed page that carries a secret next
// to text an attacker can reflect leaks the secret through its length
// (BREACH). So the session's CSRF token is never sent as itself: each
// page carries it XORed with a fresh random pad, pad and result together,
// and the check undoes the mask. An unmasked token is still accepted
// (the X-CSRF-Token of a client that kept the raw value).

// maskCSRF returns token masked with a fresh pad: base64url(pad ‖ pad⊕token).
func maskCSRF(token string) string {
	t := []byte(token)
	out := make([]byte, 2*len(t))
	if _, err := rand.Read(out[:len(t)]); err != nil {
		panic(err)
	}
	for i := range t {
		out[len(t)+i] = out[i] ^ t[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// csrfMatches reports whether sent is token, masked or not, in constant time.
func csrfMatches(sent, token string) bool {
	if token == "" || sent == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) == 1 {
		return true
	}
	b, err := base64.RawURLEncoding.DecodeString(sent)
	if err != nil || len(b) != 2*len(token) {
		return false
	}
	n := len(token)
	plain := make([]byte, n)
	for i := 0; i < n; i++ {
		plain[i] = b[i] ^ b[n+i]
	}
	return subtle.ConstantTimeCompare(plain, []byte(token)) == 1
}
