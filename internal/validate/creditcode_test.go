package validate

import (
	"errors"
	"testing"
)

func TestCreditCodeValid(t *testing.T) {
	for _, s := range []string{
		"91110000600037341L", // a real company's code
		"91110000600037341l", // lower case is normalised
		" 9111 0000 6000 3734 1L ",
		"９１１１００００６０００３７３４１Ｌ",
		"52410622MJY912345X", // 民政 · 民办非企业单位 (社会服务机构)
		"51410622MJY1012307", // 民政 · 社会团体
		"53410000MJ1234567U", // 民政 · 基金会
		"12410622005123456P", // 机构编制 · 事业单位
		"91410622MA3X12345Q", // 市场监管 · 企业
		"91410622MA45R6HX0H",
		"52410622MJY91234G0", // 31 - 0 gives 31, written 0
	} {
		if err := CreditCode(s); err != nil {
			t.Errorf("CreditCode(%q): %v", s, err)
		}
	}
}

func TestCreditCodeInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrCreditCodeEmpty},
		{"  ", ErrCreditCodeEmpty},
		{"91110000600037341", ErrCreditCodeLength},
		{"91110000600037341LL", ErrCreditCodeLength},
		{"600037341", ErrCreditCodeLength}, // an old organisation code
		{"91110000600037341M", ErrCreditCodeCheck},
		{"91110000600037314L", ErrCreditCodeCheck}, // two digits swapped
		{"52410622MJY912345Y", ErrCreditCodeCheck},
		{"91110000600037341I", ErrCreditCodeChar},
		{"9111000060003734OL", ErrCreditCodeChar},
		{"91110000Z00037341L", ErrCreditCodeChar},
		{"91110000S00037341L", ErrCreditCodeChar},
		{"91110000V00037341L", ErrCreditCodeChar},
		{"91110000-00037341L", ErrCreditCodeChar},
		{"淇县社会工作服务中心", ErrCreditCodeChar},
	}
	for _, tt := range tests {
		if err := CreditCode(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("CreditCode(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

// Every change of one character is caught: 31 is prime and no weight is a
// multiple of it.
func TestCreditCodeCheckCharDetects(t *testing.T) {
	valid := "52410622MJY912345X"
	for i := 0; i < 17; i++ {
		for j := 0; j < len(creditCodeChars); j++ {
			c := creditCodeChars[j]
			if c == valid[i] {
				continue
			}
			b := []byte(valid[:17])
			b[i] = c
			if got, ok := CreditCodeCheckChar(string(b)); !ok || got == valid[17] {
				t.Errorf("changing character %d of %s to %c goes unnoticed", i+1, valid, c)
			}
		}
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	if c, ok := CreditCodeCheckChar("91110000600037341"); !ok || c != 'L' {
		t.Errorf("CreditCodeCheckChar = %q, %v; want L", c, ok)
	}
	for _, s := range []string{"", "9111000060003734", "911100006000373411", "91110000600037s41", "9111000060003734I"} {
		if c, ok := CreditCodeCheckChar(s); ok {
			t.Errorf("CreditCodeCheckChar(%q) = %q, true; want false", s, c)
		}
	}
}

func TestNormalizeCreditCode(t *testing.T) {
	if got := NormalizeCreditCode(" 9111 0000 6000 3734 1ｌ\n"); got != "91110000600037341L" {
		t.Errorf("NormalizeCreditCode = %q", got)
	}
}
