package referrals_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/referrals"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/visits"
	"github.com/shegong/shegong/internal/workforce"
)

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Fields[field] == "" {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
}

func TestReferralStatesConsentAndFigures(t *testing.T) {
	ctx := context.Background()
	now, _ := time.ParseInLocation("2006-01-02 15:04", "2026-03-10 10:00", cst.Loc)
	t.Cleanup(cst.SetNowForTest(func() time.Time { return now }))
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module, casework.Module, referrals.Module)
	keys, _ := secure.Parse([]byte("index " + b64(1) + "\nkey 1 " + b64(2) + "\n"))
	var county, stA, stB org.Unit
	var person, other recipients.Recipient
	err := d.InTx(ctx, func(tx *db.Tx) error {
		root, err := org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		if err != nil {
			return err
		}
		if county, err = org.Create(ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindCounty, Name: "淇县民政局", DivisionCode: "410622"}); err != nil {
			return err
		}
		if stA, err = org.Create(ctx, tx, nil, org.Input{ParentID: county.ID, Kind: org.KindStation, Name: "朝歌街道社工站", DivisionCode: "410622001"}); err != nil {
			return err
		}
		if stB, err = org.Create(ctx, tx, nil, org.Input{ParentID: county.ID, Kind: org.KindStation, Name: "桥盟街道社工站", DivisionCode: "410622002"}); err != nil {
			return err
		}
		if err := recipients.EnsureCategories(ctx, tx, county.ID); err != nil {
			return err
		}
		if person, err = recipients.Create(ctx, tx, keys, nil, recipients.Input{OrgID: stA.ID, Name: "张大妈", Sex: "女", BirthDate: "1950-01-01", VillageCode: "410622001200", ConfirmDuplicate: true}); err != nil {
			return err
		}
		other, err = recipients.Create(ctx, tx, keys, nil, recipients.Input{OrgID: stB.ID, Name: "钱大爷", Sex: "男", BirthDate: "1950-01-01", VillageCode: "410622002200", ConfirmDuplicate: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	as := &auth.Service{DB: d, Keys: keys}
	mk := func(username string, role authz.Role, unit org.Unit) *authz.Actor {
		u, err := as.CreateUser(ctx, nil, auth.UserInput{Username: username, DisplayName: username, Role: role, OrgID: unit.ID, Password: "Abc-12345678"})
		if err != nil {
			t.Fatal(err)
		}
		return &authz.Actor{UserID: u.ID, Username: username, DisplayName: username, Role: role, OrgID: unit.ID, OrgPath: unit.Path}
	}
	admin, worker, worker2 := mk("admin", authz.RoleAdmin, county), mk("worker1", authz.RoleWorker, stA), mk("worker2", authz.RoleWorker, stA)
	var agency referrals.Agency
	err = d.InTx(ctx, func(tx *db.Tx) error {
		_, _, err := referrals.SaveAgency(ctx, tx, admin, 0, referrals.AgencyInput{Name: "县残联", Kind: "disability"})
		wantField(t, err, "services")
		agency, _, err = referrals.SaveAgency(ctx, tx, admin, 0, referrals.AgencyInput{Name: "县残联", Kind: "disability", Services: "康复、辅具", Phone: "0392-1234567"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := referrals.Agencies(ctx, d, worker, ""); err != nil || len(list) != 1 {
		t.Fatalf("the station sees the county's directory: %v %v", list, err)
	}
	send := func(in referrals.Input) (referrals.Referral, error) {
		var f referrals.Referral
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			f, _, err = referrals.Send(ctx, tx, keys, worker, in)
			return err
		})
		return f, err
	}
	base := referrals.Input{RecipientID: person.ID, AgencyID: agency.ID, Reason: "需要康复训练", Urgency: "normal"}
	_, err = send(base)
	wantField(t, err, "consent")
	out := base
	out.RecipientID, out.ConsentBy, out.ConsentOn = other.ID, "本人", "2026-03-09"
	_, err = send(out)
	wantField(t, err, "recipient_id")
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM referrals`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("written: %d %v", n, err)
	}
	over := base
	over.ConsentOverride = "紧急情况，本人昏迷，家属联系不上"
	f, err := send(over)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'referral' AND summary LIKE '%未取得同意%'`).Scan(&n)
	if n != 1 {
		t.Fatal("override not audited")
	}
	if sr, err := services.Get(ctx, d, keys, worker, f.ID); err != nil || sr.Kind != services.KindReferral {
		t.Fatalf("service record %v", err)
	}
	move := func(actor *authz.Actor, f referrals.Referral, a referrals.Answer) (referrals.Referral, error) {
		var out referrals.Referral
		a.Version = f.Version
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			out, err = referrals.Move(ctx, tx, keys, actor, f.ID, a)
			return err
		})
		return out, err
	}
	_, err = move(worker, f, referrals.Answer{Status: referrals.StatusCompleted, Result: "x"})
	wantField(t, err, "status")
	_, err = move(worker, f, referrals.Answer{Status: referrals.StatusRejected})
	wantField(t, err, "reason")
	_, err = move(worker2, f, referrals.Answer{Status: referrals.StatusWithdrawn, Reason: "x"})
	wantField(t, err, "status")
	if f, err = move(worker, f, referrals.Answer{Status: referrals.StatusReceived}); err != nil {
		t.Fatal(err)
	}
	_, err = move(worker, f, referrals.Answer{Status: referrals.StatusCompleted})
	wantField(t, err, "result")
	if f, err = move(worker, f, referrals.Answer{Status: referrals.StatusCompleted, Result: "已安排每周两次康复训练", GoalMet: true}); err != nil || f.Result == "" || !f.GoalMet {
		t.Fatal(err)
	}
	consented := base
	consented.ConsentBy, consented.ConsentOn = "本人", "2026-03-09"
	g, err := send(consented)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = move(worker, g, referrals.Answer{Status: referrals.StatusRejected, Reason: "不符合条件"}); err != nil {
		t.Fatal(err)
	}
	march, _ := figures.ParsePeriod("2026-03")
	for key, want := range map[string]int64{"referrals.sent": 2, "referrals.accepted": 1, "referrals.completed": 1} {
		if v, err := figures.Compute(ctx, d, admin, key, march, county.ID); err != nil || v != want {
			t.Errorf("%s = %d %v, want %d", key, v, err, want)
		}
	}

	// Dates are checked by the one date rule (validate.Date), its
	// messages naming the field; nothing is written.
	before := 0
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM referrals`).Scan(&before)
	for _, c := range []struct {
		consentBy, consentOn, sentOn string
		field, msg                   string
	}{
		{"本人", "", "", "consent_on", "请填写同意日期"},
		{"本人", "2026-3-9", "", "consent_on", "同意日期格式应为 年-月-日，如 2024-03-15"},
		{"本人", "2026-02-30", "", "consent_on", "同意日期格式应为 年-月-日，如 2024-03-15"},
		{"本人", "2026-03-11", "", "consent_on", "同意日期不能晚于今天"},
		{"本人", "2026-03-09", "2026-3-9", "sent_on", "转介日期格式应为 年-月-日，如 2024-03-15"},
		{"本人", "2026-03-09", "1899-12-31", "sent_on", "转介日期不能早于 1900 年"},
		{"本人", "2026-03-09", "2026-03-11", "sent_on", "转介日期不能晚于今天"},
	} {
		in := base
		in.ConsentBy, in.ConsentOn, in.SentOn = c.consentBy, c.consentOn, c.sentOn
		_, err := send(in)
		if ae, ok := apperr.As(err); !ok || ae.Fields[c.field] != c.msg {
			t.Errorf("consent on %q, sent on %q: %v, want %s: %s", c.consentOn, c.sentOn, err, c.field, c.msg)
		}
	}
	if n := 0; d.QueryRow(ctx, `SELECT COUNT(*) FROM referrals`).Scan(&n) != nil || n != before {
		t.Fatalf("refused sends wrote referrals: %d, before %d", n, before)
	}
	h, err := send(consented)
	if err != nil {
		t.Fatal(err)
	}
	for on, msg := range map[string]string{
		"2026-3-10":  "日期格式应为 年-月-日，如 2024-03-15",
		"2026-03-1x": "日期格式应为 年-月-日，如 2024-03-15",
		"2026-03-11": "日期不能晚于今天",
		"2026-03-09": "日期应在转介日期与今天之间",
	} {
		_, err := move(worker, h, referrals.Answer{Status: referrals.StatusReceived, On: on})
		if ae, ok := apperr.As(err); !ok || ae.Fields["on"] != msg {
			t.Errorf("answered on %q: %v, want %s", on, err, msg)
		}
	}
}
