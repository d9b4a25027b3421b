package kit

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under names that carry a hash
// of their content (app.css → app.3f2a1b9c.css), so browsers may cache
// them forever and still see a new version at once.
type assets struct {
	byHashed map[string]string // hashed name → embedded path
	byPlain  map[string]string // plain name → hashed URL
}

func loadAssets() *assets {
	a := &assets{byHashed: map[string]string{}, byPlain: map[string]string{}}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".LICENSE") {
			return err
		}
		body, _ := staticFS.ReadFile(p)
		sum := sha256.Sum256(body)
		rel := strings.TrimPrefix(p, "static/")
		ext := path.Ext(rel)
		hashed := strings.TrimSuffix(rel, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.byHashed[hashed] = p
		a.byPlain[rel] = "/static/" + hashed
		return nil
	})
	return a
}

// URL returns the cache-busting URL of a static file such as "css/app.css".
func (a *assets) URL(name string) string {
	if u, ok := a.byPlain[name]; ok {
		return u
	}
	return "/static/missing/" + name
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	p, ok := a.byHashed[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, _ := staticFS.ReadFile(p)
	switch path.Ext(p) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(body)
}
