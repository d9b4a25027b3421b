package validate

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixNow pins "now" for the tests that depend on today's date.
func fixNow(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParseIDCardValid(t *testing.T) {
	tests := []struct {
		in, number string
		birth      time.Time
		male       bool
	}{
		// The example in GB 11643-1999.
		{"11010519491231002X", "11010519491231002X", date(1949, 12, 31), false},
		{"11010519491231002x", "11010519491231002X", date(1949, 12, 31), false},
		{" 110105 19491231 002X\t", "11010519491231002X", date(1949, 12, 31), false},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", date(1949, 12, 31), false},
		{"410622198001011232", "410622198001011232", date(1980, 1, 1), true},
		{"410622195611150041", "410622195611150041", date(1956, 11, 15), false},
		{"41062219581110009X", "41062219581110009X", date(1958, 11, 10), true},
		{"410622200002290026", "410622200002290026", date(2000, 2, 29), false}, // leap day
		{"440304201212315675", "440304201212315675", date(2012, 12, 31), true},
		{"650102190001010016", "650102190001010016", date(1900, 1, 1), true}, // earliest accepted
		// Hong Kong residence permit: same scheme, area 810000.
		{"810000199001010019", "810000199001010019", date(1990, 1, 1), true},
		// Old 15-digit numbers become 18 digits.
		{"110105491231002", "11010519491231002X", date(1949, 12, 31), false},
		{"410622800101123", "410622198001011232", date(1980, 1, 1), true},
		{"320311770706001", "320311197707060018", date(1977, 7, 6), true},
	}
	for _, tt := range tests {
		got, err := ParseIDCard(tt.in)
		if err != nil {
			t.Errorf("ParseIDCard(%q): %v", tt.in, err)
			continue
		}
		want := IDCard{Number: tt.number, Birth: tt.birth, Male: tt.male, AreaCode: tt.number[:6]}
		if got != want {
			t.Errorf("ParseIDCard(%q) = %+v, want %+v", tt.in, got, want)
		}
	}
}

func TestParseIDCardInvalid(t *testing.T) {
	fixNow(t, time.Date(2025, 6, 30, 20, 0, 0, 0, time.UTC)) // 2025-07-01 04:00 in China
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrIDCardEmpty},
		{" \u3000 ", ErrIDCardEmpty},
		{"11010519491231002", ErrIDCardLength},
		{"11010519491231002X1", ErrIDCardLength},
		{"12345", ErrIDCardLength},
		{"110105194912310021", ErrIDCardCheck},
		{"110105194912310020", ErrIDCardCheck},
		{"410622198001011233", ErrIDCardCheck},
		{"41062219800101123X", ErrIDCardCheck},
		{"11010519491231002A", ErrIDCardChar},
		{"1101051949123100X2", ErrIDCardChar}, // X only as the check character
		{"11010549123100X", ErrIDCardChar},    // and never in a 15-digit number
		{"11010519491231-02X", ErrIDCardChar},
		{"张三", ErrIDCardChar},
		{"4.10622E+17", ErrIDCardExcel},
		{"4.10622198001011e+17", ErrIDCardExcel},
		{"1e5", ErrIDCardExcel},
		{"身份证号码一二三四五", ErrIDCardChar},
		{"010105194912310027", ErrIDCardArea},
		{"410622198002300026", ErrIDCardBirth}, // 30 February
		{"410622190002290020", ErrIDCardBirth}, // 1900 was not a leap year
		{"410622198013010026", ErrIDCardBirth},
		{"410622198000010026", ErrIDCardBirth},
		{"410622198001000026", ErrIDCardBirth},
		{"410622198004310026", ErrIDCardBirth},
		{"410622800230123", ErrIDCardBirth},
		{"410622189912310026", ErrIDCardTooOld},
		{"410622000001010026", ErrIDCardTooOld},
		{"410622209901010024", ErrIDCardFuture},
		{"410622202507020024", ErrIDCardFuture}, // tomorrow in China
	}
	for _, tt := range tests {
		_, err := ParseIDCard(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseIDCard(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
	// Today in China is not the future, even while it is still yesterday in UTC.
	today := "41062220250701" + "002"
	if _, err := ParseIDCard(today + string(IDCardCheckDigit(today))); err != nil {
		t.Errorf("born today: %v", err)
	}
}

func TestIDCardErrorMessages(t *testing.T) {
	_, err := ParseIDCard("110105194912310021")
	if err == nil || err.Error() != "身份证号校验位不正确" {
		t.Errorf("message = %v", err)
	}
	var ve Error
	if !errors.As(err, &ve) {
		t.Errorf("error type %T, want validate.Error", err)
	}
}

// Every single-digit error and every swap of two adjacent different digits
// must be caught: the point of MOD 11-2.
func TestIDCardCheckDigitDetects(t *testing.T) {
	valid := "41062219581110009X"
	for i := 0; i < 17; i++ {
		for d := byte('0'); d <= '9'; d++ {
			if d == valid[i] {
				continue
			}
			b := []byte(valid)
			b[i] = d
			if IDCardCheckDigit(string(b[:17])) == valid[17] {
				t.Errorf("changing digit %d of %s to %c goes unnoticed", i+1, valid, d)
			}
		}
		if i < 16 && valid[i] != valid[i+1] {
			b := []byte(valid)
			b[i], b[i+1] = b[i+1], b[i]
			if IDCardCheckDigit(string(b[:17])) == valid[17] {
				t.Errorf("swapping digits %d and %d of %s goes unnoticed", i+1, i+2, valid)
			}
		}
	}
}

func TestIDCardCheckDigitBadInput(t *testing.T) {
	for _, s := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100A", "１１０１０５１９４９１２３１"} {
		if c := IDCardCheckDigit(s); c != 0 {
			t.Errorf("IDCardCheckDigit(%q) = %q, want 0", s, c)
		}
	}
	if c := IDCardCheckDigit("11010519491231002"); c != 'X' {
		t.Errorf("IDCardCheckDigit(GB example) = %q, want X", c)
	}
}

func TestFakeIDCard(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		birth := date(1900, 1, 1).AddDate(0, 0, rng.IntN(45000))
		male := i%2 == 0
		s := FakeIDCard(rng, "410622", birth, male)
		got, err := ParseIDCard(s)
		if err != nil {
			t.Fatalf("FakeIDCard made %s: %v", s, err)
		}
		if got.Number != s || !got.Birth.Equal(birth) || got.Male != male || got.AreaCode != "410622" {
			t.Fatalf("FakeIDCard(%v, %v) = %s, parsed as %+v", birth, male, s, got)
		}
		if strings.HasSuffix(s[:17], "000") {
			t.Fatalf("FakeIDCard made sequence 000: %s", s)
		}
	}
	// The date in the caller's location counts, not the UTC one.
	local := time.Date(1990, 3, 1, 1, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if s := FakeIDCard(rng, "110105", local, true); s[6:14] != "19900301" {
		t.Errorf("FakeIDCard with a CST birth time: %s", s)
	}
}

func TestFakeIDCardPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, area := range []string{"", "01010", "010105", "41062A", "4106221"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("FakeIDCard(area %q) did not panic", area)
				}
			}()
			FakeIDCard(rng, area, date(1980, 1, 1), true)
		}()
	}
}

func FuzzParseIDCard(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "110105491231002", "11010519491231002x", "",
		"410622198002300026", "41062219800101123", "１１０１０５１９４９１２３１００２ｘ", "\xff\xfe",
	} {
		f.Add(s, uint32(410622), uint32(30000), true, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, area, days uint32, male bool, seed uint64) {
		if c, err := ParseIDCard(s); err == nil {
			if len(c.Number) != 18 || c.Number[17] != IDCardCheckDigit(c.Number[:17]) {
				t.Fatalf("ParseIDCard(%q) accepted %q", s, c.Number)
			}
			again, err := ParseIDCard(c.Number)
			if err != nil || again != c {
				t.Fatalf("ParseIDCard(%q) = %+v, but its number parses as %+v, %v", s, c, again, err)
			}
		} else if msg := err.Error(); !strings.HasPrefix(msg, "身份证号") && msg != string(ErrIDCardEmpty) {
			t.Fatalf("ParseIDCard(%q): unexpected error %q", s, msg)
		}

		// Any valid area, any birth from 1900 to today.
		a := 100000 + int(area%900000)
		ty, tm, td := time.Now().In(china).Date()
		span := int(date(ty, tm, td).Sub(date(1900, 1, 1)).Hours() / 24)
		birth := date(1900, 1, 1).AddDate(0, 0, int(days)%(span+1))
		areaCode := strconv.Itoa(a)
		n := FakeIDCard(rand.New(rand.NewPCG(seed, 0)), areaCode, birth, male)
		c, err := ParseIDCard(n)
		if err != nil {
			t.Fatalf("FakeIDCard(%s, %v, %v) = %s does not parse: %v", areaCode, birth, male, n, err)
		}
		if c.Number != n || !c.Birth.Equal(birth) || c.Male != male || c.AreaCode != areaCode {
			t.Fatalf("FakeIDCard(%s, %v, %v) = %s parses as %+v", areaCode, birth, male, n, c)
		}
	})
}
