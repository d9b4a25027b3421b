package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/demo"
)

func TestSnapshotCommand(t *testing.T) {
	ctx := context.Background()
	flags := dataFlags(t)
	a := openData(t, flags)
	if err := demo.Load(ctx, a); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(ctx, append([]string{"snapshot"}, flags...), &out, &errb); err != nil {
		t.Fatalf("snapshot: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "已留存 "+cst.Today()) {
		t.Fatalf("output %q", out.String())
	}
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM figure_snapshots WHERE day = ? AND figure = 'recipients.in_care'`, cst.Today()).Scan(&n); err != nil || n < 2 {
		t.Fatalf("%d in-care snapshots today (%v), want the county and its stations", n, err)
	}
	tomorrow := cst.Now().AddDate(0, 0, 1).Format(cst.DateLayout)
	if err := run(ctx, append(append([]string{"snapshot"}, flags...), tomorrow), &out, &errb); err == nil {
		t.Fatal("a snapshot of tomorrow was taken")
	}
}
