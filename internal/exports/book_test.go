package exports

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A ledger longer than a sheet continues on further sheets, each with
// the header, and no row is lost or repeated.
func TestBookContinuesOnFurtherSheets(t *testing.T) {
	defer func(n int) { SheetRows = n }(SheetRows)
	SheetRows = 1000
	book, err := NewBook("台账", []string{"序号", "姓名"})
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	const n = 2500
	for i := 1; i <= n; i++ {
		if err := book.Add([]any{strconv.Itoa(i), "张三"}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	size, err := book.WriteTo(&buf)
	if err != nil || size != int64(buf.Len()) || book.Rows() != n || book.Sheets() != 3 {
		t.Fatalf("wrote %d bytes (buffer %d), %d rows on %d sheets: %v", size, buf.Len(), book.Rows(), book.Sheets(), err)
	}
	wb, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := wb.GetSheetList(); len(got) != 3 || got[0] != "台账" || got[1] != "台账（2）" || got[2] != "台账（3）" {
		t.Fatalf("sheets: %q", got)
	}
	next := 1
	for s, name := range wb.GetSheetList() {
		rows, err := wb.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1000, 1000, 503}[s]; len(rows) != want {
			t.Errorf("sheet %s: %d rows, want %d", name, len(rows), want)
		}
		if rows[0][0] != "序号" || rows[0][1] != "姓名" {
			t.Errorf("sheet %s header: %q", name, rows[0])
		}
		if p, err := wb.GetPanes(name); err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("sheet %s: header row not frozen: %+v %v", name, p, err)
		}
		for _, r := range rows[1:] {
			if r[0] != strconv.Itoa(next) {
				t.Fatalf("sheet %s: row %q, want %d", name, r, next)
			}
			next++
		}
	}
	if next != n+1 {
		t.Errorf("read %d rows, want %d", next-1, n)
	}
}

func TestSpoolSendsWhatWasWritten(t *testing.T) {
	s, err := NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("一二三")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.SendTo(&out); err != nil || out.String() != "一二三" || s.Size() != 9 {
		t.Errorf("spool: %q %d %v", out.String(), s.Size(), err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// Fill keeps the rows' order across its batches, reports progress, and
// returns the producer's error.
func TestFillKeepsOrderAndReturnsErrors(t *testing.T) {
	book, err := NewBook("台账", []string{"序号"})
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	var reported []int
	err = book.Fill(t.Context(), func(emit func([]any) error) error {
		for i := 1; i <= 2100; i++ {
			if err := emit([]any{strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return nil
	}, func(done int) { reported = append(reported, done) })
	if err != nil || book.Rows() != 2100 || len(reported) != 2 || reported[1] != 2000 {
		t.Fatalf("fill: %d rows, progress %v, %v", book.Rows(), reported, err)
	}
	var buf bytes.Buffer
	if _, err := book.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("台账")
	for i, r := range rows[1:] {
		if r[0] != strconv.Itoa(i+1) {
			t.Fatalf("row %d holds %q", i+1, r)
		}
	}
	bad, err := NewBook("台账", []string{"序号"})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	want := errors.New("读取失败")
	if err := bad.Fill(t.Context(), func(emit func([]any) error) error {
		for i := range 1000 {
			if err := emit([]any{i}); err != nil {
				return err
			}
		}
		return want
	}, nil); err != want {
		t.Errorf("producer error: %v", err)
	}
}
