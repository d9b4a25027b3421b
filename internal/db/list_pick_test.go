package db

import "testing"

func TestPickLimit(t *testing.T) {
	for in, want := range map[int]int{-1: 20, 0: 20, 1: 1, 50: 50, 200: 200, 201: 200} {
		if got := PickLimit(in); got != want {
			t.Errorf("PickLimit(%d) = %d, want %d", in, got, want)
		}
	}
}
