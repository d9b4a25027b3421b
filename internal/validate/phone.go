// Package validate holds the checks for Chinese identifiers that several
// domains share: phone numbers, ID numbers, credit codes.
package validate

import (
	"regexp"
	"strings"
)

var (
	mobileRe   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
)

// NormalizePhone strips spaces and a +86/0086 prefix.
func NormalizePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '\t' {
			return -1
		}
		if r == '－' || r == '—' {
			return '-'
		}
		return r
	}, s)
	for _, p := range []string{"+86", "0086"} {
		if strings.HasPrefix(s, p) {
			s = strings.TrimPrefix(strings.TrimPrefix(s, p), "-")
		}
	}
	return s
}

// Phone reports whether s (normalised) is a Chinese mobile number
// (11 digits starting 13–19) or a landline with its area code
// (0371-12345678, optionally an extension).
func Phone(s string) bool {
	return mobileRe.MatchString(s) || landlineRe.MatchString(s)
}

// PhoneMessage is the Chinese message for a bad phone number.
const PhoneMessage = "请填写正确的手机号（11 位）或带区号的固定电话（如 0392-7221234）"
