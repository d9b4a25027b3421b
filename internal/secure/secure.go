// Package secure protects personal data at rest: values are sealed with
// AES-256-GCM under a key from the key file, and exact-match lookups (ID
// numbers, phones) go through a keyed hash — a blind index — so search and
// duplicate detection work without decrypting the table.
//
// The key file holds one index key and one or more numbered data keys; the
// last data key seals new values, older ones still open what they sealed.
// Rotation appends a key and re-seals every registered column.
package secure

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keyring seals and opens values and computes blind indexes.
type Keyring struct {
	indexKey []byte
	keys     map[int]cipher.AEAD
	raw      map[int][]byte
	active   int
}

const header = `# shegong 数据加密密钥 (personal-data encryption keys).
# Back this file up separately from the database: without it the encrypted
# fields (ID numbers, phones, addresses, health notes) cannot be read.
# "index" keys the blind index for exact search; "key N" lines seal data,
# the last one is used for new values. Rotate with: shegong keys rotate
`

// Load reads the key file at path; a missing file is an error wrapping
// os.ErrNotExist.
func Load(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	return Parse(data)
}

// LoadOrCreate reads the key file at path, creating it (mode 0600) with
// fresh random keys when it does not exist.
func LoadOrCreate(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		text := header + "index " + randomKey() + "\nkey 1 " + randomKey() + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
		if _, err := f.WriteString(text); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		data = []byte(text)
	} else if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	return Parse(data)
}

func randomKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// Parse reads key-file text (also used for a key passed in SHEGONG_KEY).
func Parse(data []byte) (*Keyring, error) {
	kr := &Keyring{keys: map[int]cipher.AEAD{}, raw: map[int][]byte{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		switch {
		case f[0] == "index" && len(f) == 2:
			k, err := decodeKey(f[1])
			if err != nil {
				return nil, fmt.Errorf("key file line %d: %w", line, err)
			}
			kr.indexKey = k
		case f[0] == "key" && len(f) == 3:
			n, err := strconv.Atoi(f[1])
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("key file line %d: bad key number", line)
			}
			k, err := decodeKey(f[2])
			if err != nil {
				return nil, fmt.Errorf("key file line %d: %w", line, err)
			}
			block, _ := aes.NewCipher(k)
			aead, _ := cipher.NewGCM(block)
			kr.keys[n], kr.raw[n] = aead, k
			if n > kr.active {
				kr.active = n
			}
		default:
			return nil, fmt.Errorf("key file line %d: unreadable", line)
		}
	}
	if kr.indexKey == nil || kr.active == 0 {
		return nil, errors.New("key file needs an index key and at least one data key")
	}
	return kr, nil
}

func decodeKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, errors.New("a key must be 32 bytes in base64")
	}
	return k, nil
}

// Text renders the keyring as key-file text.
func (kr *Keyring) Text() string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("index " + base64.StdEncoding.EncodeToString(kr.indexKey) + "\n")
	for n := 1; n <= kr.active; n++ {
		if k, ok := kr.raw[n]; ok {
			fmt.Fprintf(&b, "key %d %s\n", n, base64.StdEncoding.EncodeToString(k))
		}
	}
	return b.String()
}

// WithNewKey returns a copy of the keyring with a fresh active data key.
func (kr *Keyring) WithNewKey() *Keyring {
	next := &Keyring{indexKey: kr.indexKey, keys: map[int]cipher.AEAD{}, raw: map[int][]byte{}}
	for n, k := range kr.raw {
		next.raw[n], next.keys[n] = k, kr.keys[n]
	}
	k, _ := decodeKey(randomKey())
	block, _ := aes.NewCipher(k)
	aead, _ := cipher.NewGCM(block)
	next.active = kr.active + 1
	next.raw[next.active], next.keys[next.active] = k, aead
	return next
}

// ActiveKey is the number of the key that seals new values.
func (kr *Keyring) ActiveKey() int { return kr.active }

// Seal encrypts plain into "vN:<base64 nonce|ciphertext>". The empty
// string stays empty, so optional fields cost nothing.
func (kr *Keyring) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	return kr.sealWith(kr.active, plain)
}

func (kr *Keyring) sealWith(n int, plain string) string {
	aead := kr.keys[n]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := aead.Seal(nonce, nonce, []byte(plain), nil)
	return "v" + strconv.Itoa(n) + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal.
func (kr *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	ver, body, ok := strings.Cut(sealed, ":")
	if !ok || !strings.HasPrefix(ver, "v") {
		return "", errors.New("secure: not a sealed value")
	}
	n, err := strconv.Atoi(ver[1:])
	if err != nil {
		return "", errors.New("secure: bad key number")
	}
	aead, ok := kr.keys[n]
	if !ok {
		return "", fmt.Errorf("secure: key %d is not in the key file", n)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("secure: damaged value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("secure: value does not open with its key")
	}
	return string(plain), nil
}

// KeyOf reports which key sealed a value (0 if none).
func KeyOf(sealed string) int {
	ver, _, ok := strings.Cut(sealed, ":")
	if !ok || !strings.HasPrefix(ver, "v") {
		return 0
	}
	n, _ := strconv.Atoi(ver[1:])
	return n
}

// BlindIndex is the keyed hash of a normalised value for exact lookups.
// purpose separates indexes ("idcard", "phone") so equal strings in
// different roles do not collide.
func (kr *Keyring) BlindIndex(purpose, value string) string {
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, kr.indexKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(value))))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:20])
}

// Mask shows the first keepStart and last keepEnd characters and stars in
// between: ID numbers as first 6 + last 4, phones as first 3 + last 4. A
// value too short to show both ends shows only its first character, and
// a single character none: a masked value never shows a value whole.
// An empty value stays empty (no value recorded, nothing to mask).
func Mask(s string, keepStart, keepEnd int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	r := []rune(s)
	if n == 1 {
		return "*"
	}
	if n <= keepStart+keepEnd {
		return string(r[:1]) + strings.Repeat("*", n-1)
	}
	return string(r[:keepStart]) + strings.Repeat("*", n-keepStart-keepEnd) + string(r[n-keepEnd:])
}

// MaskID masks an ID number (first 6 + last 4).
func MaskID(s string) string { return Mask(s, 6, 4) }

// MaskPhone masks a phone number (first 3 + last 4).
func MaskPhone(s string) string { return Mask(s, 3, 4) }

// AddressMask is what stands for the hidden part of an address; its
// length is fixed so the mask does not tell how long the address is.
const AddressMask = "****"

// addressKeepMax is the most characters of an address a mask keeps
// (a province, prefecture, county and township name: "河南省鹤壁市淇县朝歌街道").
const addressKeepMax = 12

// MaskAddress keeps the administrative part of an address — up to the
// last name of a division (省 市 州 盟 县 区 旗 镇 乡 街道 村 社区 屯) that
// is followed by something more, within the first 12 characters — and
// replaces the rest with "****". It stops at the first character that is
// not a Chinese character or is a Chinese numeral (house numbers,
// 组, 栋, 单元, 室 and Latin or full-width letters and digits follow
// there), so the house-level part is never shown, and a value that is
// nothing but a division name (a village alone), a number or a short
// street name comes out as "****" alone: no masked address reveals a
// value whole. "" stays "".
func MaskAddress(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	keep := 0
	for i := 0; i < len(r) && i < addressKeepMax; i++ {
		c := r[i]
		if !unicode.Is(unicode.Han, c) || strings.ContainsRune(hanNumerals, c) {
			break
		}
		end := i + 1
		if i >= 1 && strings.ContainsRune(divisionEnds, c) && end < len(r) {
			if c == '道' && r[i-1] != '街' {
				continue
			}
			keep = end
		}
	}
	return string(r[:keep]) + AddressMask
}

// divisionEnds are the characters that end the name of an administrative
// division (道 only as 街道); hanNumerals start house and group numbers.
const (
	divisionEnds = "省市州盟县区旗镇乡道村屯"
	hanNumerals  = "零〇一二三四五六七八九十百千两壹贰叁肆伍陆柒捌玖拾佰"
)

// fileMagic starts a file sealed by SealBytes; the 4 bytes after it are
// the key number (big-endian), then the GCM nonce and ciphertext.
var fileMagic = []byte("SGK1")

// SealBytes encrypts a file's content with the active key (AES-256-GCM).
func (kr *Keyring) SealBytes(plain []byte) []byte {
	aead := kr.keys[kr.active]
	out := make([]byte, 0, len(fileMagic)+4+aead.NonceSize()+len(plain)+aead.Overhead())
	out = append(out, fileMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(kr.active))
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plain, fileMagic)
}

// IsSealedBytes reports whether b was made by SealBytes (files stored
// before files were sealed are not).
func IsSealedBytes(b []byte) bool { return bytes.HasPrefix(b, fileMagic) }

// KeyOfBytes reports which key sealed a file's content (0 if none).
func KeyOfBytes(b []byte) int {
	if !IsSealedBytes(b) || len(b) < len(fileMagic)+4 {
		return 0
	}
	return int(binary.BigEndian.Uint32(b[len(fileMagic):]))
}

// OpenBytes decrypts content made by SealBytes.
func (kr *Keyring) OpenBytes(b []byte) ([]byte, error) {
	n := KeyOfBytes(b)
	if n == 0 {
		return nil, errors.New("secure: not sealed content")
	}
	aead, ok := kr.keys[n]
	if !ok {
		return nil, fmt.Errorf("secure: key %d is not in the key file", n)
	}
	body := b[len(fileMagic)+4:]
	if len(body) < aead.NonceSize() {
		return nil, errors.New("secure: damaged content")
	}
	plain, err := aead.Open(nil, body[:aead.NonceSize()], body[aead.NonceSize():], fileMagic)
	if err != nil {
		return nil, errors.New("secure: content does not open with its key")
	}
	return plain, nil
}
