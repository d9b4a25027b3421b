package validate

import (
	"strings"
	"unicode"
)

// Failures of CreditCode.
const (
	ErrCreditCodeEmpty  Error = "请填写统一社会信用代码"
	ErrCreditCodeLength Error = "统一社会信用代码应为 18 位"
	ErrCreditCodeChar   Error = "统一社会信用代码只能由数字和大写字母组成（不含 I、O、Z、S、V）"
	ErrCreditCodeCheck  Error = "统一社会信用代码校验位不正确"
)

// creditCodeChars are the 31 characters of GB 32100-2015 in value order:
// the digits and the capitals without I, O, Z, S and V, which are easily
// misread as 1, 0, 2, 5 and U.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode drops white space and upper-cases the letters (also
// full-width ones), the form to store and compare.
func NormalizeCreditCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			r = r - '０' + '0'
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, s)
}

// CreditCode checks a unified social credit code (统一社会信用代码,
// GB 32100-2015), as held by social work organisations and companies:
// 18 characters from the 31 allowed and a correct check character. It
// normalises s first, so lower case and spaces pass; store
// NormalizeCreditCode(s). The registration department, category and area
// parts are not checked against their code lists.
func CreditCode(s string) error {
	s = NormalizeCreditCode(s)
	if s == "" {
		return ErrCreditCodeEmpty
	}
	if len(s) != 18 {
		if strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) >= 0 {
			return ErrCreditCodeChar // byte length of non-ASCII text means nothing
		}
		return ErrCreditCodeLength
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(creditCodeChars, s[i]) < 0 {
			return ErrCreditCodeChar
		}
	}
	if c, _ := CreditCodeCheckChar(s[:17]); c != s[17] {
		return ErrCreditCodeCheck
	}
	return nil
}

// CreditCodeCheckChar returns the check character for the first 17
// characters of a credit code (upper case), or false when first17 is not
// 17 allowed characters.
func CreditCodeCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeChars[(31-sum%31)%31], true
}
