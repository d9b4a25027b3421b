package kit

import (
	"encoding/json"
	"fmt"
)

// The OpenAPI 3 document is written by hand, one fragment per module
// (internal/web/<module>web/openapi.json: {"paths": …, "components":
// {"schemas": …}}), merged here. A test checks it against the routes
// that exist, both ways.

type apiFragment struct {
	Module string
	Body   []byte
}

// OpenAPI is the merged API document.
func (s *Server) OpenAPI() (map[string]any, error) {
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
	for _, f := range s.openapi {
		name, body := f.Module, f.Body
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
