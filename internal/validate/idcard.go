package validate

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Error is a validation failure whose text is the Chinese message to show
// next to the field. The messages are constants, so callers can compare
// with errors.Is (or ==) to tell one failure from another.
type Error string

func (e Error) Error() string { return string(e) }

// Failures of ParseIDCard.
const (
	ErrIDCardEmpty  Error = "请填写身份证号"
	ErrIDCardLength Error = "身份证号应为 18 位（或旧版 15 位）"
	ErrIDCardChar   Error = "身份证号只能由数字组成，18 位号码的最后一位可以是 X"
	ErrIDCardArea   Error = "身份证号的前 6 位地址码无效"
	ErrIDCardBirth  Error = "身份证号中的出生日期无效"
	ErrIDCardFuture Error = "身份证号中的出生日期晚于今天"
	ErrIDCardTooOld Error = "身份证号中的出生日期早于 1900 年"
	ErrIDCardCheck  Error = "身份证号校验位不正确"
	ErrIDCardExcel  Error = "身份证号被 Excel 转成了科学计数法，请把该列设为文本格式后重新录入"
)

// idCardCheckChars is indexed by the weighted sum mod 11.
const idCardCheckChars = "10X98765432"

var idCardWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCard is a parsed resident ID number (GB 11643-1999).
type IDCard struct {
	Number   string    // 18 characters, the check character upper-case
	Birth    time.Time // date of birth at 00:00 UTC
	Male     bool      // the 17th digit is odd
	AreaCode string    // the 6-digit address code at registration; may no longer exist
}

// china is UTC+8 without tzdata, to know which day "today" is.
var china = time.FixedZone("CST", 8*60*60)

// now is replaced in tests.
var now = time.Now

// ParseIDCard checks a resident ID number and returns its parts. Spaces
// anywhere (rosters often group the digits), full-width digits and a
// lower-case x are accepted; an old 15-digit number is converted to its
// 18-digit form. The address code is not looked up: codes are withdrawn
// every year, and the ID stays valid.
func ParseIDCard(s string) (IDCard, error) {
	s = normalizeIDCard(s)
	if s == "" {
		return IDCard{}, ErrIDCardEmpty
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, "Ee") {
		// 4.10622E+17: the digits are lost, so say how to avoid it.
		return IDCard{}, ErrIDCardExcel
	}
	n := len(s)
	if n != 15 && n != 18 {
		if strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) >= 0 {
			// Multi-byte text (a name pasted in the wrong column):
			// the length in bytes would be misleading, and it is not
			// digits anyway.
			return IDCard{}, ErrIDCardChar
		}
		return IDCard{}, ErrIDCardLength
	}
	for i := 0; i < n; i++ {
		if c := s[i]; (c < '0' || c > '9') && !(c == 'X' && i == 17) {
			return IDCard{}, ErrIDCardChar
		}
	}
	if s[0] == '0' {
		return IDCard{}, ErrIDCardArea
	}
	if n == 15 {
		// Old numbers were issued before 2000, so the year is 19YY.
		first17 := s[:6] + "19" + s[6:]
		s = first17 + string(IDCardCheckDigit(first17))
	}

	year := atoi(s[6:10])
	month := atoi(s[10:12])
	day := atoi(s[12:14])
	birth := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if birth.Year() != year || int(birth.Month()) != month || birth.Day() != day {
		return IDCard{}, ErrIDCardBirth // e.g. 0230 or month 13, which time.Date rolls over
	}
	if year < 1900 {
		return IDCard{}, ErrIDCardTooOld
	}
	ty, tm, td := now().In(china).Date()
	if birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return IDCard{}, ErrIDCardFuture
	}
	if s[17] != IDCardCheckDigit(s[:17]) {
		return IDCard{}, ErrIDCardCheck
	}
	return IDCard{
		Number:   s,
		Birth:    birth,
		Male:     (s[16]-'0')%2 == 1,
		AreaCode: s[:6],
	}, nil
}

// normalizeIDCard drops white space and folds full-width digits and
// lower-case or full-width x, as typed with a Chinese IME or pasted from
// a spreadsheet.
func normalizeIDCard(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == 'x' || r == 'ｘ' || r == 'Ｘ':
			return 'X'
		}
		return r
	}, s)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// IDCardCheckDigit returns the check character ('0'–'9' or 'X') for the
// first 17 digits of an ID number (ISO 7064 MOD 11-2), or 0 when first17
// is not 17 ASCII digits.
func IDCardCheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idCardWeights[i]
	}
	return idCardCheckChars[sum%11]
}

// FakeIDCard makes a valid-looking 18-digit ID number for demo data and
// tests: the given 6-digit area code and birth date (taken in birth's own
// location), a random sequence number whose last digit carries the sex,
// and the right check digit. It panics on an area code that is not six
// digits starting 1–9 or a birth year outside 1000–9999, which are
// programming errors. ParseIDCard accepts the result whenever birth lies
// between 1900-01-01 and today.
func FakeIDCard(rng *rand.Rand, area string, birth time.Time, male bool) string {
	if len(area) != 6 || area[0] < '1' || area[0] > '9' || strings.Trim(area, "0123456789") != "" {
		panic("validate.FakeIDCard: area code must be 6 digits starting 1–9: " + area)
	}
	y, m, d := birth.Date()
	if y < 1000 || y > 9999 {
		panic("validate.FakeIDCard: birth year out of range")
	}
	// Sequence 001–999 with the sex in the last digit; 000 is never issued.
	var seq int
	for seq == 0 {
		seq = rng.IntN(100)*10 + 2*rng.IntN(5)
		if male {
			seq++
		}
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", area, y, int(m), d, seq)
	return first17 + string(IDCardCheckDigit(first17))
}
