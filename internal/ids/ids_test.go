package ids

import "testing"

func TestNewIsSortedV7(t *testing.T) {
	prev := ""
	for i := 0; i < 10000; i++ {
		id := New()
		if !Valid(id) {
			t.Fatalf("invalid id %q", id)
		}
		if id[14] != '7' {
			t.Fatalf("version nibble of %q is not 7", id)
		}
		if c := id[19]; c != '8' && c != '9' && c != 'a' && c != 'b' {
			t.Fatalf("variant of %q", id)
		}
		if id <= prev {
			t.Fatalf("ids not increasing: %s then %s", prev, id)
		}
		prev = id
	}
}

func TestValid(t *testing.T) {
	for _, bad := range []string{"", "01890000-0000-7000-8000-00000000000", "01890000-0000-7000-8000-00000000000G", "01890000x0000-7000-8000-000000000000", "01890000-0000-7000-8000-0000000000AA"} {
		if Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFingerprint(t *testing.T) {
	type in struct{ A, B string }
	a, b := Fingerprint(in{"x", "y"}), Fingerprint(in{"x", "y"})
	if a != b || len(a) != 32 {
		t.Fatalf("same content: %q %q", a, b)
	}
	if Fingerprint(in{"x", "z"}) == a {
		t.Fatal("other content, same fingerprint")
	}
}
