package validate

import (
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
)

func TestDate(t *testing.T) {
	defer cst.SetNowForTest(func() time.Time { return time.Date(2024, 3, 15, 23, 30, 0, 0, cst.Loc) })()
	tests := []struct {
		in       string
		required bool
		want     string // the value returned
		ok       bool
		msg      string // part of the message, "" for none
	}{
		{"2024-03-15", true, "2024-03-15", true, ""}, // today
		{" 2024-03-15 ", true, "2024-03-15", true, ""},
		{"2024-03-16", true, "2024-03-16", false, "不能晚于今天"},
		{"1900-01-01", true, "1900-01-01", true, ""}, // the earliest day
		{"1899-12-31", true, "1899-12-31", false, "不能早于 1900 年"},
		{"1930-05-04", true, "1930-05-04", true, ""}, // before 1949: a birth date
		{"1949-09-30", false, "1949-09-30", true, ""},
		{"2024-02-29", true, "2024-02-29", true, ""}, // a leap day
		{"2023-02-29", true, "2023-02-29", false, "格式应为"},
		{"2024-02-30", true, "2024-02-30", false, "格式应为"},
		{"2024-3-5", true, "2024-3-5", false, "格式应为"},
		{"2024/03/05", true, "2024/03/05", false, "格式应为"},
		{"20240305", true, "20240305", false, "格式应为"},
		{"", true, "", false, "请填写日期"},
		{"  ", true, "", false, "请填写日期"},
		{"", false, "", false, ""},
	}
	for _, tt := range tests {
		fe := apperr.Fields{}
		got, day, ok := Date(fe, "d", "日期", tt.in, tt.required)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Date(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && day.Format(cst.DateLayout) != tt.want {
			t.Errorf("Date(%q) day = %v", tt.in, day)
		}
		switch msg := fe["d"]; {
		case tt.msg == "" && msg != "":
			t.Errorf("Date(%q): unexpected message %q", tt.in, msg)
		case tt.msg != "" && !strings.Contains(msg, tt.msg):
			t.Errorf("Date(%q): message %q, want one with %q", tt.in, msg, tt.msg)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		in       string
		max      int
		required bool
		want     string
		msg      string
	}{
		{"  张三 ", 2, true, "张三", ""}, // two characters, six bytes
		{"张三丰", 2, true, "张三丰", "名称不能超过 2 个字"},
		{"ab", 2, false, "ab", ""},
		{" \t", 2, true, "", "请填写名称"},
		{"", 2, false, "", ""},
	}
	for _, tt := range tests {
		fe := apperr.Fields{}
		if got := Text(fe, "n", "名称", tt.in, tt.max, tt.required); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if fe["n"] != tt.msg {
			t.Errorf("Text(%q) message %q, want %q", tt.in, fe["n"], tt.msg)
		}
	}
}

// A planned date may lie ahead, up to AheadYears; otherwise as Date.
func TestDateAhead(t *testing.T) {
	defer cst.SetNowForTest(func() time.Time { return time.Date(2024, 3, 15, 23, 30, 0, 0, cst.Loc) })()
	for in, want := range map[string]string{
		"2024-03-16": "", "2034-03-15": "", "2024-03-15": "", "2034-03-16": "开始日期不能晚于 2034-03-15",
		"2024-3-16": "开始日期格式应为 年-月-日，如 2024-03-15", "1899-12-31": "开始日期不能早于 1900 年", "": "请填写开始日期",
	} {
		fe := apperr.Fields{}
		_, _, ok := DateAhead(fe, "starts_on", "开始日期", in, true)
		if fe["starts_on"] != want || ok != (want == "") {
			t.Errorf("%q: %q %v, want %q", in, fe["starts_on"], ok, want)
		}
	}
}
