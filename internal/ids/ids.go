// Package ids makes UUIDv7 identifiers (RFC 9562). Records a worker may
// create in the field carry IDs the client can make itself, so offline
// capture needs no key migration; v7 IDs also sort by creation time.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

var (
	mu     sync.Mutex
	lastMS int64
	seq    uint16
)

// New returns a fresh UUIDv7 in its canonical text form. IDs made in one
// process are strictly increasing, even within one millisecond.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	mu.Lock()
	ms := time.Now().UnixMilli()
	if ms <= lastMS {
		ms = lastMS
		seq++
		if seq == 0x0fff { // counter exhausted: borrow the next millisecond
			ms++
			seq = 0
		}
	} else {
		seq = uint16(b[6])<<4&0x0f00 | uint16(b[7]) // random start, room to count up
		seq &= 0x07ff
	}
	lastMS = ms
	s := seq
	mu.Unlock()
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | byte(s>>8)&0x0f
	b[7] = byte(s)
	b[8] = b[8]&0x3f | 0x80
	return format(b)
}

func format(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// Valid reports whether s is a UUID in canonical lower-case text form, as
// a client-made ID must be.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Fingerprint is a short digest of a create's content (its JSON form):
// 32 hex digits of SHA-256. A create sent again with the same client id
// and the same fingerprint is a resend; another fingerprint under that id
// is a different record. Callers blank the id (and anything a resend may
// change) before taking it.
func Fingerprint(content any) string {
	b, _ := json.Marshal(content)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
