// Package apperr carries the errors a user can act on: each has a kind
// (which becomes the HTTP status), a Chinese message and, for bad input,
// the fields it concerns. Anything else is an internal error.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Kind classifies an error for the user.
type Kind string

const (
	BadRequest   Kind = "bad_request"  // 400: the request itself is malformed
	Unauthorized Kind = "unauthorized" // 401: not logged in, or session expired
	Forbidden    Kind = "forbidden"    // 403: the role may not do this
	OutOfScope   Kind = "out_of_scope" // 403: the record lies outside the user's organisation
	NotFound     Kind = "not_found"    // 404
	Conflict     Kind = "conflict"     // 409: duplicate, or changed by someone else
	Invalid      Kind = "invalid"      // 422: field-level validation failed
	TooLarge     Kind = "too_large"    // 413
	TooMany      Kind = "too_many"     // 429: rate-limited
	Busy         Kind = "busy"         // 503: the database could not take the write in time; retry shortly
)

// Error is an error the user sees.
type Error struct {
	Kind    Kind
	Message string
	// Fields maps a field name (as in the form or JSON body, or "第3行·姓名"
	// for a spreadsheet cell) to its Chinese message.
	Fields map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Status is the HTTP status for the error's kind.
func (e *Error) Status() int {
	switch e.Kind {
	case BadRequest:
		return http.StatusBadRequest
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden, OutOfScope:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Invalid:
		return http.StatusUnprocessableEntity
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case TooMany:
		return http.StatusTooManyRequests
	case Busy:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// New makes an error of kind with a message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Convenience constructors with the usual Chinese messages.
func ErrNotFound(what string) *Error { return New(NotFound, "%s不存在或已被删除", what) }
func ErrForbidden() *Error           { return New(Forbidden, "您的角色无权进行此操作") }
func ErrOutOfScope() *Error          { return New(OutOfScope, "该记录不在您负责的范围内") }
func ErrStale() *Error {
	return New(Conflict, "该记录已被他人修改，请刷新后查看最新内容再保存")
}

// ErrBusy is a write that could not start in time because others held
// the database (a large import committing); nothing was written and the
// same request may simply be sent again.
func ErrBusy() *Error { return New(Busy, "系统繁忙，请稍后重试") }

// Fields collects field errors during validation.
type Fields map[string]string

// Add records msg for field unless the field already has one (the first
// problem found is the one to show).
func (f Fields) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when no field failed, or an Invalid error listing them.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "提交的内容有误，请按提示修改", Fields: f}
}
