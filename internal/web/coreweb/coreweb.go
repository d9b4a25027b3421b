package coreweb

import (
	"embed"

	"github.com/shegong/shegong/internal/web/kit"
)

// Handlers serve this module's pages and API; the routes that reach them
// are listed in internal/web/routes.go.
type Handlers struct{ *kit.Server }

// Templates are this module's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// OpenAPI documents this module's API routes.
//
//go:embed openapi.json
var OpenAPI []byte
