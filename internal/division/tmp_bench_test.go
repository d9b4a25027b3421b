package division_test

import (
	"context"
	"testing"

	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/division"
)

func BenchmarkTmpGet(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, division.Module)
	division.Load(ctx, d)
	for b.Loop() {
		division.Get(ctx, d, "410622001")
	}
}
func BenchmarkTmpChildren(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, division.Module)
	division.Load(ctx, d)
	for b.Loop() {
		division.Children(ctx, d, "410622")
	}
}
func BenchmarkTmpLoad(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		d := dbtest.Open(b, division.Module)
		b.StartTimer()
		division.Load(ctx, d)
	}
}
