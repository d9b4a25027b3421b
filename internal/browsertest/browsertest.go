// Package browsertest drives a real headless Chromium (Debian's chromium
// package, or SHEGONG_CHROMIUM) against a real shegong for UI tests. A
// test skips with a clear message only when no Chromium is installed;
// .ci/run installs it, so CI always runs these tests.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds the Chromium binary, or "".
func Path() string {
	if p := os.Getenv("SHEGONG_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one isolated browser (own profile, own cookies).
type Browser struct {
	Ctx    context.Context
	cancel func()
}

// New starts headless Chromium with a viewport of width × height CSS
// pixels (375 × 740 for a phone), or skips the test if there is none.
func New(t testing.TB, width, height int64) *Browser {
	t.Helper()
	path := Path()
	if path == "" {
		t.Skip("no Chromium installed (apt install chromium, or set SHEGONG_CHROMIUM): browser test skipped")
	}
	// Flags: no sandbox as root in CI; no background networking, which a
	// closed network refuses noisily.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(int(width), int(height)),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	b := &Browser{Ctx: ctx, cancel: func() { cancelTimeout(); cancelCtx(); cancelAlloc() }}
	t.Cleanup(b.cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// Do runs steps, failing the test (with a screenshot path) on error.
// chromedp v0.23 selects elements by typed selectors: chromedp.CSS("#id").
func (b *Browser) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.fail(t, err)
	}
}

// Text returns the visible text of the first element matching a CSS selector.
func (b *Browser) Text(t testing.TB, css string) string {
	t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.fail(t, err)
	}
	return s
}

// Location is the current URL.
func (b *Browser) Location(t testing.TB) string {
	t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		b.fail(t, err)
	}
	return s
}

// Eval evaluates a JavaScript expression returning a value of type T.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail(t, err)
	}
	return v
}

func (b *Browser) fail(t testing.TB, err error) {
	t.Helper()
	if shot, serr := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot()); serr == nil && len(shot) > 0 {
		p := filepath.Join(os.TempDir(), "shegong-browser-failure-"+time.Now().Format("150405.000")+".png")
		_ = os.WriteFile(p, shot, 0o644)
		t.Logf("screenshot of the failure: %s", p)
	}
	t.Fatalf("browser: %v", err)
}

// Login fills the login form at baseURL and waits for the home page.
func (b *Browser) Login(t testing.TB, baseURL, username, password string) {
	t.Helper()
	b.Do(t,
		chromedp.Navigate(baseURL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#f-username")),
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="who"]`)),
	)
}
