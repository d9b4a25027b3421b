package pinyin

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestNameInitials(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"张三", "zs"},
		{"欧阳娜娜", "oynn"},
		{"李小龙", "lxl"},
		{"王淼", "wm"},
		// Surnames whose reading differs from the character's usual one.
		{"单田芳", "stf"},
		{"曾志伟", "zzw"},
		{"解缙", "xj"},
		{"仇英", "qy"},
		{"区志强", "ozq"},
		{"查良镛", "zly"},
		{"朴树", "ps"},
		{"缪小宁", "mxn"},
		{"翟天临", "ztl"},
		{"乐嘉", "yj"},
		{"覃海洋", "qhy"},
		{"盖丽丽", "gll"},
		{"秘大海", "bdh"},
		{"种师道", "csd"},
		{"佴文杰", "nwj"},
		{"郗鉴", "xj"},
		{"召忽", "sh"},
		{"繁钦", "pq"},
		{"於梨华", "ylh"},
		{"褚时健", "csj"},
		{"谌龙", "cl"},
		// Double surnames.
		{"长孙无忌", "zswj"},
		{"诸葛亮", "zgl"},
		{"司马光", "smg"},
		{"上官婉儿", "sgwe"},
		{"令狐冲", "lhc"},
		{"皇甫嵩", "hfs"},
		{"尉迟恭", "ycg"},
		{"万俟卨", "mqx"},
		{"东方明", "dfm"},
		// GB2312 level 2 and characters outside GB2312.
		{"亓俊杰", "qjj"},
		{"仝卓", "tz"},
		{"禚宝华", "zbh"},
		{"逄锦聚", "pjj"},
		{"阚泽", "kz"},
		{"邬君梅", "wjm"},
		{"冼星海", "xxh"},
		{"禤靖", "xj"},
		{"陶喆", "tz"},
		{"张堃", "zk"},
		{"何燊", "hs"},
		{"李玥", "ly"},
		{"荀彧", "xy"},
		{"刘赟", "ly"},
		{"隗嚣", "wx"},
		// Traditional forms, minority names, stray spaces.
		{"張三豐", "zsf"},
		{"阿依古丽·买买提", "ayglmmt"},
		{"  曾国藩 ", "zgf"},
		// The surname reading applies to the first character only.
		{"王单单", "wdd"},
		{"李曾", "lc"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NameInitials(tt.name); got != tt.want {
			t.Errorf("NameInitials(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestInitials(t *testing.T) {
	tests := []struct {
		s, want string
	}{
		{"张三", "zs"},
		{"欧阳娜娜", "oynn"},
		{"单位", "dw"},           // general text: usual reading of 单
		{"曾经", "cj"},           // likewise 曾
		{"城区", "cq"},           // and 区
		{"社工站2号", "sgz2h"},     // digits kept
		{"Tom 张", "tomz"},      // ASCII lower-cased, space dropped
		{"３号楼Ａ座", "3hlaz"},     // full-width digits and letters folded
		{"淇县（桥盟街道）", "qxqmjd"}, // punctuation dropped
		{"〇", "l"},
		{"😀♥", ""},
	}
	for _, tt := range tests {
		if got := Initials(tt.s); got != tt.want {
			t.Errorf("Initials(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// TestGB2312 checks the table against GB2312 itself: every one of its 6,763
// characters must have an initial, and level 1 (rows 16–55) is sorted by
// pinyin, so apart from known polyphones each character's initial must
// match the letter range its code falls in.
func TestGB2312(t *testing.T) {
	bounds := []struct {
		code uint16
		c    byte
	}{
		{0xB0A1, 'a'}, {0xB0C5, 'b'}, {0xB2C1, 'c'}, {0xB4EE, 'd'}, {0xB6EA, 'e'},
		{0xB7A2, 'f'}, {0xB8C1, 'g'}, {0xB9FE, 'h'}, {0xBBF7, 'j'}, {0xBFA6, 'k'},
		{0xC0AC, 'l'}, {0xC2E8, 'm'}, {0xC4C3, 'n'}, {0xC5B6, 'o'}, {0xC5BE, 'p'},
		{0xC6DA, 'q'}, {0xC8BB, 'r'}, {0xC8F6, 's'}, {0xCBFA, 't'}, {0xCDDA, 'w'},
		{0xCEF4, 'x'}, {0xD1B9, 'y'}, {0xD4D1, 'z'},
	}
	// GB2312 files these under another reading than the most common one.
	const polyphones = "耙辟幢弹翟调囤脯镐蛤槛咀咯刹厦畜吁曾轧栅粘"
	dec := simplifiedchinese.GBK.NewDecoder()
	n := 0
	for hi := 0xB0; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			if hi == 0xD7 && lo >= 0xFA { // unassigned end of row 55
				continue
			}
			out, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				t.Fatal(err)
			}
			r, _ := utf8.DecodeRune(out)
			n++
			c, ok := Initial(r)
			if !ok {
				t.Errorf("%c (GB2312 %X%X) has no initial", r, hi, lo)
				continue
			}
			if hi > 0xD7 || strings.ContainsRune(polyphones, r) {
				continue
			}
			code := uint16(hi)<<8 | uint16(lo)
			var want byte
			for _, b := range bounds {
				if code >= b.code {
					want = b.c
				}
			}
			if c != want {
				t.Errorf("%c (GB2312 %X): initial %c, its position says %c", r, code, c, want)
			}
		}
	}
	if n != 6763 {
		t.Errorf("walked %d GB2312 characters, want 6763", n)
	}
}

func TestSurnameTable(t *testing.T) {
	for k, v := range surnameInitials {
		if n := utf8.RuneCountInString(k); n != len(v) || n > 2 {
			t.Errorf("surname %q: initials %q", k, v)
		}
		for _, r := range k {
			if _, ok := Initial(r); !ok {
				t.Errorf("surname %q: %c has no initial", k, r)
			}
		}
	}
}

func BenchmarkNameInitials(b *testing.B) {
	for b.Loop() {
		NameInitials("欧阳阿依古丽")
	}
}

func TestIsInitials(t *testing.T) {
	for s, want := range map[string]bool{"zzc": true, "ZZc": true, "": false, "z1": false, "赵z": false, "z c": false} {
		if got := IsInitials(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
