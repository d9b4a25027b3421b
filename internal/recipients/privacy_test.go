package recipients_test

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
)

// TestShortAddressesAreNeverStoredOrShownWhole: a short address used to
// go out whole to read-only roles and sit in plaintext in the masked
// column; the masked copy is now safe, and key rotation's Remask repairs
// copies stored under the old rule.
func TestShortAddressesAreNeverStoredOrShownWhole(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	in := f.input("短地址", "1950-03-03")
	in.CurrentAddress, in.HukouAddress = "张家村", "3号"
	r := f.mustCreate(worker, in)
	for _, u := range []string{"shegong", "pinggu", "dudao"} {
		got, err := recipients.Get(f.ctx, f.env.App.DB, f.actor(u), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CurrentAddress != "****" || got.HukouAddress != "****" {
			t.Errorf("%s sees addresses %q %q", u, got.CurrentAddress, got.HukouAddress)
		}
	}
	stored := func() (string, string) {
		var cur, hukou string
		if err := f.env.App.DB.QueryRow(f.ctx, `SELECT current_address_masked, hukou_address_masked FROM recipients WHERE id = ?`, r.ID).Scan(&cur, &hukou); err != nil {
			t.Fatal(err)
		}
		return cur, hukou
	}
	if cur, hukou := stored(); strings.Contains(cur, "张家村") || strings.Contains(hukou, "3") {
		t.Fatalf("stored masks %q %q", cur, hukou)
	}
	// A row written under the old rule (whole when 6 characters or fewer,
	// first 6 otherwise) is rebuilt from the sealed value.
	long := f.mustCreate(worker, f.input("长地址", "1950-04-04"))
	if _, err := f.env.App.DB.Exec(f.ctx, `UPDATE recipients SET current_address_masked = '张家村', hukou_address_masked = '3号' WHERE id = ?`, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.DB.Exec(f.ctx, `UPDATE recipients SET current_address_masked = '河南省鹤壁市****' WHERE id = ?`, long.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		n, err = secure.Remask(f.ctx, tx, f.env.App.Keys)
		return err
	})
	if err != nil || n != 3 {
		t.Fatalf("remask changed %d, %v", n, err)
	}
	if cur, hukou := stored(); cur != "****" || hukou != "****" {
		t.Errorf("after remask: %q %q", cur, hukou)
	}
	var longMask string
	_ = f.env.App.DB.QueryRow(f.ctx, `SELECT current_address_masked FROM recipients WHERE id = ?`, long.ID).Scan(&longMask)
	if longMask != "河南省鹤壁市淇县朝歌街道****" {
		t.Errorf("long address mask %q", longMask)
	}
}
