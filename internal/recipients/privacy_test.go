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

// TestHouseholdsAPIMasksAHiddenHeadsName: the households API lists
// without members, and used to send the name of a household headed by a
// child whole to roles that may not see children.
func TestHouseholdsAPIMasksAHiddenHeadsName(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	kid := f.input("燕小宝", "2017-03-03")
	kid.GuardianName, kid.GuardianRelation, kid.Categories = "燕顺", "（外）祖父母", []string{"孤儿"}
	orphan := f.mustCreate(worker, kid)
	var h recipients.Household
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		h, err = recipients.CreateHousehold(f.ctx, tx, worker, recipients.HouseholdInput{OrgID: f.chaoge.ID,
			Members: []recipients.MemberInput{{RecipientID: orphan.ID, Relation: "户主"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := recipients.ListHouseholds(f.ctx, f.env.App.DB, f.actor("pinggu"), recipients.HouseholdFilter{OrgID: f.chaoge.ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == h.ID && it.Name != "燕**户" {
			t.Errorf("the evaluator's list names the household %q", it.Name)
		}
	}
	for _, u := range []string{"pinggu", "zhiyuan"} {
		c := f.env.APILoginDemo(u)
		for _, path := range []string{"/api/v1/households?limit=200", "/api/v1/households/" + h.ID} {
			res := c.Get(path)
			if res.Status != 200 {
				t.Fatalf("%s %s: %d %s", u, path, res.Status, res.Body)
			}
			if strings.Contains(res.Body, "燕小宝") {
				t.Errorf("%s %s shows the child head's name: %s", u, path, res.Body)
			}
		}
	}
	res := f.env.APILoginDemo("shegong").Get("/api/v1/households?limit=200")
	if !strings.Contains(res.Body, "燕小宝户") {
		t.Errorf("the worker's list lacks the household: %s", res.Body)
	}
}
