package secure_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/secure"
)

func TestKeyFileCreatedOnceAndSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k", "shegong.key")
	kr, err := secure.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode().Perm())
	}
	sealed := kr.Seal("410622199001011234")
	if strings.Contains(sealed, "410622") || sealed == kr.Seal("410622199001011234") {
		t.Fatalf("sealed value leaks or is deterministic: %q", sealed)
	}
	again, err := secure.LoadOrCreate(path) // same file, same keys
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := again.Open(sealed); err != nil || plain != "410622199001011234" {
		t.Fatalf("open = %q, %v", plain, err)
	}
	if kr.Seal("") != "" {
		t.Error("empty value sealed")
	}
	if _, err := kr.Open(sealed[:len(sealed)-2] + "AA"); err == nil {
		t.Error("tampered value opened")
	}
	other, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "other.key"))
	if _, err := other.Open(sealed); err == nil {
		t.Error("a different key file opened the value")
	}
}

func TestBlindIndex(t *testing.T) {
	kr, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	a := kr.BlindIndex("idcard", "11010519491231002x")
	if a != kr.BlindIndex("idcard", " 11010519491231002X ") {
		t.Error("index is not normalised (case, spaces)")
	}
	if a == kr.BlindIndex("phone", "11010519491231002X") {
		t.Error("purposes share an index")
	}
	other, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k2"))
	if a == other.BlindIndex("idcard", "11010519491231002X") {
		t.Error("index does not depend on the key")
	}
}

func TestMask(t *testing.T) {
	cases := []struct{ got, want string }{
		{secure.MaskID("11010519491231002X"), "110105********002X"},
		{secure.MaskPhone("13903921234"), "139****1234"},
		{secure.MaskAddress("河南省鹤壁市淇县朝歌街道某某路1号"), "河南省鹤壁市淇县朝歌街道****"},
		{secure.MaskPhone("123"), "1**"},
		{secure.MaskPhone("12"), "1*"},
		{secure.MaskID("1"), "*"},
		{secure.MaskID(""), ""},
		{secure.MaskPhone(""), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
}

// TestMaskAddressNeverShowsHouse: no masked address shows a short value
// whole, or anything from the first house-level character on.
func TestMaskAddressNeverShowsHouse(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"1", "****"},
		{"12", "****"},
		{"3号", "****"},
		{"123456", "****"},
		{"１２３４", "****"}, // full-width digits
		{"张家村", "****"},  // a village name alone
		{"张家村3组", "张家村****"},
		{"张家村三组12号", "张家村****"},
		{"村", "****"},
		{"某某路1号", "****"},
		{"淇县Ａ栋", "淇县****"}, // a full-width letter starts the house part
		{"淇县高村镇Ａ栋", "淇县高村镇****"},
		{"淇县高村镇３号", "淇县高村镇****"},
		{"淇县 朝歌街道 1号", "淇县****"},
		{"幸福路12号", "****"},
		{"河南省鹤壁市淇县朝歌街道办事处某某社区5号楼", "河南省鹤壁市淇县朝歌街道****"},
		{"桥盟乡道口村", "桥盟乡****"},
	}
	for _, c := range cases {
		got := secure.MaskAddress(c.in)
		if got != c.want {
			t.Errorf("MaskAddress(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.in != "" && (got == c.in || !strings.HasSuffix(got, secure.AddressMask)) {
			t.Errorf("MaskAddress(%q) = %q shows the value", c.in, got)
		}
	}
	// Every prefix of a real address: the house part never shows.
	full := []rune("河南省鹤壁市淇县高村镇张家村3组12号")
	for i := 1; i <= len(full); i++ {
		got := []rune(secure.MaskAddress(string(full[:i])))
		shown := got[:len(got)-4]
		if len(shown) >= i || strings.ContainsAny(string(shown), "0123456789组号") {
			t.Errorf("MaskAddress(%q) = %q", string(full[:i]), string(got))
		}
	}
}

func TestRotateReseals(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE people (id TEXT PRIMARY KEY, secret TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	secure.RegisterColumn("people", "id", "secret")
	old, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	for i, v := range []string{"甲", "乙", ""} {
		if _, err := d.Exec(ctx, `INSERT INTO people VALUES (?, ?)`, string(rune('a'+i)), old.Seal(v)); err != nil {
			t.Fatal(err)
		}
	}
	next := old.WithNewKey()
	n, err := secure.Reseal(ctx, d, old, next)
	if err != nil || n != 2 {
		t.Fatalf("resealed %d, %v", n, err)
	}
	var v string
	_ = d.QueryRow(ctx, `SELECT secret FROM people WHERE id = 'b'`).Scan(&v)
	if secure.KeyOf(v) != 2 {
		t.Fatalf("value still under key %d", secure.KeyOf(v))
	}
	// The new key file text still opens old values (old backups) and new ones.
	reread, err := secure.Parse([]byte(next.Text()))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := reread.Open(v); err != nil || p != "乙" {
		t.Fatalf("open after rotation: %q %v", p, err)
	}
	if p, err := reread.Open(old.Seal("丙")); err != nil || p != "丙" {
		t.Fatalf("old key lost: %q %v", p, err)
	}
}
