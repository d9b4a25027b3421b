package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
)

// The OpenAPI 3 document is written by hand, one fragment per module in
// openapi/*.json ({"paths": …, "components": {"schemas": …}}), merged
// here. A test checks it against the routes that exist, both ways.

//go:embed openapi/*.json
var openapiFS embed.FS

func buildOpenAPI() (map[string]any, error) {
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "shegong 社工站服务管理平台 API",
			"version":     "1",
			"description": "先用 POST /api/v1/login 取得 token，之后每个请求带 Authorization: Bearer <token>。错误统一为 {\"error\": {\"code\", \"message\", \"fields\"}}。列表接口支持 limit（最大 200）与 offset，返回 total。",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
	paths := map[string]any{}
	schemas := map[string]any{}
	files, err := fs.Glob(openapiFS, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, name := range files {
		body, _ := openapiFS.ReadFile(name)
		var frag struct {
			Paths      map[string]map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(body, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for p, ops := range frag.Paths {
			existing, _ := paths[p].(map[string]any)
			if existing == nil {
				existing = map[string]any{}
				paths[p] = existing
			}
			for m, op := range ops {
				if _, dup := existing[m]; dup {
					return nil, fmt.Errorf("%s: %s %s documented twice", name, m, p)
				}
				existing[m] = op
			}
		}
		for k, v := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("%s: schema %s defined twice", name, k)
			}
			schemas[k] = v
		}
	}
	doc["paths"] = paths
	doc["components"] = map[string]any{
		"schemas":         schemas,
		"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
	}
	return doc, nil
}

func (s *Server) apiOpenAPI(c *Ctx) error {
	doc, err := buildOpenAPI()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
