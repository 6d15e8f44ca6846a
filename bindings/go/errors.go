package otlp

import (
	"context"
	"errors"
	"strings"
)

// Code is an otlp_error_t: the result code of a library call.
type Code int32

// The library's result codes (otlp_error_t); the numbers are part of the ABI.
const (
	CodeOK                   Code = 0
	CodeInvalidArgument      Code = -1
	CodeNullPointer          Code = -2
	CodeInitializationFailed Code = -3
	CodeExportFailed         Code = -4
	CodeOutOfMemory          Code = -5
	CodeInvalidHandle        Code = -6
	CodeTimeout              Code = -7
	CodeInternal             Code = -99
)

// One sentinel per otlp_error_t. Every error this package returns wraps one of them:
// errors.Is(err, otlp.ErrInvalidArgument).
var (
	ErrInvalidArgument      = errors.New("OTLP_ERROR_INVALID_ARGUMENT")
	ErrNullPointer          = errors.New("OTLP_ERROR_NULL_POINTER")
	ErrInitializationFailed = errors.New("OTLP_ERROR_INITIALIZATION_FAILED")
	ErrExportFailed         = errors.New("OTLP_ERROR_EXPORT_FAILED")
	ErrOutOfMemory          = errors.New("OTLP_ERROR_OUT_OF_MEMORY")
	ErrInvalidHandle        = errors.New("OTLP_ERROR_INVALID_HANDLE")
	ErrTimeout              = errors.New("OTLP_ERROR_TIMEOUT")
	ErrInternal             = errors.New("OTLP_ERROR_INTERNAL")
)

var sentinels = map[Code]error{
	CodeInvalidArgument:      ErrInvalidArgument,
	CodeNullPointer:          ErrNullPointer,
	CodeInitializationFailed: ErrInitializationFailed,
	CodeExportFailed:         ErrExportFailed,
	CodeOutOfMemory:          ErrOutOfMemory,
	CodeInvalidHandle:        ErrInvalidHandle,
	CodeTimeout:              ErrTimeout,
	CodeInternal:             ErrInternal,
}

// Sentinel returns the sentinel error of a code (nil for CodeOK, ErrInternal for a code the
// binding does not know).
func (c Code) Sentinel() error {
	if c == CodeOK {
		return nil
	}
	if s, ok := sentinels[c]; ok {
		return s
	}
	return ErrInternal
}

// String is the code's name, e.g. "OTLP_ERROR_TIMEOUT".
func (c Code) String() string {
	if c == CodeOK {
		return "OTLP_OK"
	}
	return c.Sentinel().Error()
}

// Error is a failed library call: its code and the library's message for it (the
// thread-local otlp_get_last_error() of the thread the call ran on, which starts with the
// code's name and names the argument). Errors found by the binding before any call have the
// same form.
type Error struct {
	Code    Code
	Message string

	// deadline is set when a context deadline chose the timeout of a flush or shutdown that
	// timed out: the error then also matches context.DeadlineExceeded.
	deadline bool
}

func newError(code Code, msg string) *Error {
	if msg == "" {
		msg = code.String()
	}
	return &Error{Code: code, Message: msg}
}

// errorf builds an error found on the Go side, in the library's message format.
func errorf(code Code, what string) *Error {
	return &Error{Code: code, Message: code.String() + ": " + what}
}

func (e *Error) Error() string {
	if strings.HasPrefix(e.Message, e.Code.String()) {
		return "otlp: " + e.Message
	}
	return "otlp: " + e.Code.String() + ": " + e.Message
}

// Unwrap returns the code's sentinel, so errors.Is(err, otlp.ErrTimeout) works.
func (e *Error) Unwrap() error { return e.Code.Sentinel() }

// Is also matches context.DeadlineExceeded for a timeout that a context deadline chose.
func (e *Error) Is(target error) bool {
	return e.deadline && target == context.DeadlineExceeded
}
