// Package rostertest builds real .xlsx files for the tests of roster
// imports.
package rostertest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Book is a workbook whose first sheet holds rows from row 1 (nil = a
// blank row). A time.Time cell is written as an Excel date.
func Book(t testing.TB, rows ...[]any) []byte {
	t.Helper()
	return Merged(t, nil, rows...)
}

// Merged is a Book whose ranges ("A2:A3") are merged, as Excel merges
// them: the value stays in the top-left cell, the others are emptied.
func Merged(t testing.TB, ranges []string, rows ...[]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range ranges {
		from, to, _ := strings.Cut(r, ":")
		if err := x.MergeCell("Sheet1", from, to); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// File is a roster: a header row, then rows (nil = a blank row).
func File(t testing.TB, header []string, rows ...[]any) []byte {
	t.Helper()
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = h
	}
	return Book(t, append([][]any{head}, rows...)...)
}
