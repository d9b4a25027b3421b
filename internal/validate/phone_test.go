package validate

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138\u30001234\u30005678", "13812345678"}, // ideographic spaces
		{"+8613812345678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+86-13812345678", "13812345678"},
		{"008613812345678", "13812345678"},
		{"0392－7221234", "0392-7221234"}, // full-width hyphen
		{"0392—7221234", "0392-7221234"}, // em dash
		{"0371\t12345678", "037112345678"},
		{"+86 0371-12345678", "0371-12345678"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhone(t *testing.T) {
	good := []string{
		"13812345678", "15900000000", "16612345678", "19912345678", "14712345678",
		"0392-7221234",      // county landline, 7 digits
		"03927221234",       // without the dash
		"0371-12345678",     // 8 digits
		"010-12345678",      // 3-digit area code
		"02112345678",       // Shanghai without the dash
		"0371-12345678-123", // extension
		"0392-7221234-8",
	}
	for _, s := range good {
		if !Phone(s) {
			t.Errorf("Phone(%q) = false, want true", s)
		}
	}
	bad := []string{
		"",
		"12812345678",          // no mobile prefix 12
		"10012345678",          // nor 10
		"1381234567",           // 10 digits
		"138123456789",         // 12 digits
		"7221234",              // landline without area code
		"0392-722123",          // 6-digit number
		"0392-722123456",       // 9-digit number
		"392-7221234",          // area code without its 0
		"0392-7221234-",        // empty extension
		"0392-7221234-1234567", // 7-digit extension
		"+8613812345678",       // not normalised
		"138-1234-5678",
		"phone",
		"１３８１２３４５６７８", // full-width digits are not folded
	}
	for _, s := range bad {
		if Phone(s) {
			t.Errorf("Phone(%q) = true, want false", s)
		}
	}
}

// What a form does: normalise, then check.
func TestPhoneNormalized(t *testing.T) {
	for _, s := range []string{"+86 138 1234 5678", "0086 0392－7221234", " 0371 12345678 "} {
		if n := NormalizePhone(s); !Phone(n) {
			t.Errorf("Phone(NormalizePhone(%q)) = Phone(%q) = false", s, n)
		}
	}
	if n := NormalizePhone(PhoneMessage); Phone(n) {
		t.Errorf("the message itself passes: %q", n)
	}
}
