package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
)

func JSONMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// JSON writes v as the response.
func (c *Ctx) JSON(status int, v any) error {
	WriteJSON(c.W, status, v)
	return nil
}

// DecodeJSON reads the request body into v, refusing unknown fields,
// trailing data and a wrong content type with Chinese messages.
func (c *Ctx) DecodeJSON(v any) error {
	ct := c.R.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.BadRequest, "请求体应为 JSON（Content-Type: application/json）")
	}
	body, err := io.ReadAll(c.R.Body)
	if err != nil {
		return err // a body over the route's limit: MaxBytesError, reported as 413
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return apperr.New(apperr.BadRequest, "请求体为空，应为 JSON 对象")
		case errors.As(err, &ute):
			return &apperr.Error{Kind: apperr.BadRequest, Message: "字段类型不正确", Fields: map[string]string{ute.Field: "类型应为 " + ute.Type.String()}}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &apperr.Error{Kind: apperr.BadRequest, Message: "不认识的字段：" + name, Fields: map[string]string{name: "不认识的字段"}}
		default:
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return apperr.New(apperr.BadRequest, "JSON 格式错误（第 %d 字节附近）", se.Offset)
			}
			return apperr.New(apperr.BadRequest, "JSON 格式错误，请检查请求体")
		}
	}
	if dec.More() {
		return apperr.New(apperr.BadRequest, "JSON 之后还有多余内容")
	}
	return nil
}
