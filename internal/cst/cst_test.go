package cst

import (
	"testing"
	"time"
)

func TestChinaDateWhateverTheServerZone(t *testing.T) {
	// 17:30 UTC on 28 November is already 29 November in China.
	restore := SetNowForTest(func() time.Time { return time.Date(2026, 11, 28, 17, 30, 0, 0, time.UTC) })
	defer restore()
	if Today() != "2026-11-29" {
		t.Fatalf("Today = %s", Today())
	}
	if got := ShowStamp(NowStamp()); got != "2026-11-29 01:30" {
		t.Fatalf("ShowStamp = %s", got)
	}
	d, err := ParseDate("2026-12-31")
	if err != nil || d.Location().String() != "Asia/Shanghai" {
		t.Fatalf("ParseDate %v %v", d, err)
	}
	if ShowStamp("garbage") != "garbage" {
		t.Fatal("unreadable stamp not shown as is")
	}
}

func TestIsDate(t *testing.T) {
	for s, want := range map[string]bool{"2024-02-29": true, "2031-12-31": true, "2023-02-29": false, "2024-3-5": false, "2024/03/05": false, "": false} {
		if IsDate(s) != want {
			t.Errorf("IsDate(%q) = %v", s, !want)
		}
	}
}
