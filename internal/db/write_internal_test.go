package db

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
)

// Writes get the writer in the order they asked for it.
func TestWriteGateServesInOrder(t *testing.T) {
	g := &writeGate{}
	ctx := context.Background()
	if err := g.acquire(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.acquire(ctx, 5*time.Second); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			g.release()
		}()
		// The next one asks only once this one is queued.
		for g.waiting() != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	g.release()
	wg.Wait()
	for i, v := range order {
		if v != i {
			t.Fatalf("served in order %v", order)
		}
	}
	if len(order) != n || g.held {
		t.Fatalf("served %d of %d, still held %v", len(order), n, g.held)
	}
}

// A write whose turn does not come in time gives up with Busy and leaves
// the queue; one whose request ends gives up with the request's error;
// those behind them are still served.
func TestWriteGateDeadlineAndCancel(t *testing.T) {
	g := &writeGate{}
	ctx := context.Background()
	if err := g.acquire(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := g.acquire(ctx, 50*time.Millisecond)
	if !apperr.Is(err, apperr.Busy) {
		t.Fatalf("got %v, want Busy", err)
	}
	if e, _ := apperr.As(err); e.Status() != 503 || e.Message != "系统繁忙，请稍后重试" {
		t.Fatalf("busy error %d %q", e.Status(), e.Message)
	}
	if el := time.Since(start); el < 50*time.Millisecond || el > time.Second {
		t.Fatalf("gave up after %v", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.acquire(cctx, time.Minute) }()
	for g.waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	dctx, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if err := g.acquire(dctx, time.Minute); !apperr.Is(err, apperr.Busy) {
		t.Fatalf("request deadline: %v, want Busy", err)
	}
	if g.waiting() != 0 {
		t.Fatalf("%d left in the queue", g.waiting())
	}
	got := make(chan error, 1)
	go func() { got <- g.acquire(ctx, time.Second) }()
	for g.waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	g.release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	g.release()
	if g.held {
		t.Fatal("still held")
	}
}
