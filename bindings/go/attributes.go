package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// ValueType is the type of an attribute value (otlp_attribute_type_t).
type ValueType int32

// The attribute types; the numbers are otlp_attribute_type_t's.
const (
	TypeString      ValueType = 1
	TypeBool        ValueType = 2
	TypeInt         ValueType = 3
	TypeDouble      ValueType = 4
	TypeStringArray ValueType = 5
	TypeBoolArray   ValueType = 6
	TypeIntArray    ValueType = 7
	TypeDoubleArray ValueType = 8
)

// Attribute is a key and a typed value, for WithAttributes, events, links and SetAttributes.
type Attribute struct {
	Key   string
	Value Value
}

// Value is a typed attribute value: a string, bool, int64, float64 or a homogeneous slice of
// one of those.
type Value struct {
	typ   ValueType
	num   uint64 // bool, int64 or float64 bits
	str   string
	slice any // []string, []bool, []int64 or []float64
}

// Type returns the value's type (0 for the zero Value, which no call accepts).
func (v Value) Type() ValueType { return v.typ }

// String returns a string attribute.
func String(key, value string) Attribute {
	return Attribute{key, Value{typ: TypeString, str: value}}
}

// Bool returns a bool attribute.
func Bool(key string, value bool) Attribute {
	var n uint64
	if value {
		n = 1
	}
	return Attribute{key, Value{typ: TypeBool, num: n}}
}

// Int returns an int attribute (int64 on the wire).
func Int(key string, value int) Attribute { return Int64(key, int64(value)) }

// Int64 returns an int attribute.
func Int64(key string, value int64) Attribute {
	return Attribute{key, Value{typ: TypeInt, num: uint64(value)}}
}

// Float64 returns a double attribute.
func Float64(key string, value float64) Attribute {
	return Attribute{key, Value{typ: TypeDouble, num: math.Float64bits(value)}}
}

// StringSlice returns a string array attribute.
func StringSlice(key string, value []string) Attribute {
	return Attribute{key, Value{typ: TypeStringArray, slice: value}}
}

// BoolSlice returns a bool array attribute.
func BoolSlice(key string, value []bool) Attribute {
	return Attribute{key, Value{typ: TypeBoolArray, slice: value}}
}

// IntSlice returns an int array attribute.
func IntSlice(key string, value []int) Attribute {
	out := make([]int64, len(value))
	for i, v := range value {
		out[i] = int64(v)
	}
	return Int64Slice(key, out)
}

// Int64Slice returns an int array attribute.
func Int64Slice(key string, value []int64) Attribute {
	return Attribute{key, Value{typ: TypeIntArray, slice: value}}
}

// Float64Slice returns a double array attribute.
func Float64Slice(key string, value []float64) Attribute {
	return Attribute{key, Value{typ: TypeDoubleArray, slice: value}}
}

// Any converts what SetAttribute accepts into an Attribute (see SetAttribute for the rules).
func Any(key string, value interface{}) (Attribute, error) {
	v, err := valueOf(value)
	return Attribute{key, v}, err
}

// valueOf maps a Go value to its attribute type. Every integer type becomes an int (int64):
// unsigned values above math.MaxInt64 do not fit and are reported, as is any other type.
func valueOf(value interface{}) (Value, error) {
	switch v := value.(type) {
	case string:
		return Value{typ: TypeString, str: v}, nil
	case bool:
		return Bool("", v).Value, nil
	case int:
		return Value{typ: TypeInt, num: uint64(int64(v))}, nil
	case int64:
		return Value{typ: TypeInt, num: uint64(v)}, nil
	case int32:
		return Value{typ: TypeInt, num: uint64(int64(v))}, nil
	case int16:
		return Value{typ: TypeInt, num: uint64(int64(v))}, nil
	case int8:
		return Value{typ: TypeInt, num: uint64(int64(v))}, nil
	case uint8:
		return Value{typ: TypeInt, num: uint64(v)}, nil
	case uint16:
		return Value{typ: TypeInt, num: uint64(v)}, nil
	case uint32:
		return Value{typ: TypeInt, num: uint64(v)}, nil
	case uint:
		return unsignedValue(uint64(v))
	case uint64:
		return unsignedValue(v)
	case float64:
		return Value{typ: TypeDouble, num: math.Float64bits(v)}, nil
	case float32:
		return Value{typ: TypeDouble, num: math.Float64bits(float64(v))}, nil
	case []string:
		return Value{typ: TypeStringArray, slice: v}, nil
	case []bool:
		return Value{typ: TypeBoolArray, slice: v}, nil
	case []int64:
		return Value{typ: TypeIntArray, slice: v}, nil
	case []int:
		return IntSlice("", v).Value, nil
	case []float64:
		return Value{typ: TypeDoubleArray, slice: v}, nil
	case Value:
		if v.typ == 0 {
			return Value{}, errorf(CodeInvalidArgument, "argument `value` is the zero Value")
		}
		return v, nil
	case nil:
		return Value{}, errorf(CodeInvalidArgument, "argument `value` is nil")
	default:
		return Value{}, errorf(CodeInvalidArgument, "argument `value` has type "+typeName(value)+
			": attributes are string, bool, integers, float32/float64 or slices of string, bool, int, int64, float64")
	}
}

func unsignedValue(v uint64) (Value, error) {
	if v > math.MaxInt64 {
		return Value{}, errorf(CodeInvalidArgument, "argument `value` "+strconv.FormatUint(v, 10)+
			" does not fit an int attribute (int64)")
	}
	return Value{typ: TypeInt, num: v}, nil
}

func checkText(name, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return errNUL(name, i)
	}
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return errorf(CodeInvalidArgument, "argument `"+name+"` is not valid UTF-8 at byte "+strconv.Itoa(i))
			}
			i += n
		}
	}
	return nil
}

// arena is a span's C memory for strings and arrays: a fixed block, with blocks from
// malloc when it is full (freed by reset).
type arena struct {
	c     *C.ogo_rec
	off   int
	extra []unsafe.Pointer
}

func (a *arena) reset() {
	a.off = 0
	for _, p := range a.extra {
		C.free(p)
	}
	a.extra = a.extra[:0]
}

func (a *arena) alloc(n, align int) unsafe.Pointer {
	off := (a.off + align - 1) &^ (align - 1)
	if off+n <= C.OGO_REC_ARENA {
		a.off = off + n
		return unsafe.Pointer(&a.c.arena[off])
	}
	p := C.malloc(C.size_t(n + 1))
	a.extra = append(a.extra, p)
	return p
}

// cstr copies s (already checked) as a NUL-terminated string.
func (a *arena) cstr(s string) *C.char {
	p := a.alloc(len(s)+1, 1)
	b := unsafe.Slice((*byte)(p), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return (*C.char)(p)
}

// text checks s and copies it.
func (a *arena) text(name, s string) (*C.char, error) {
	if err := checkText(name, s); err != nil {
		return nil, err
	}
	return a.cstr(s), nil
}

// put writes one attribute into dst, its strings and arrays into the arena.
func (a *arena) put(dst *C.otlp_attribute_t, key string, v Value) error {
	k, err := a.text("key", key)
	if err != nil {
		return err
	}
	if key == "" {
		return errorf(CodeInvalidArgument, "argument `key` is empty")
	}
	val := unsafe.Pointer(&dst.value)
	switch v.typ {
	case TypeString:
		s, err := a.text(key, v.str)
		if err != nil {
			return err
		}
		*(**C.char)(val) = s
	case TypeBool:
		*(*C.bool)(val) = C.bool(v.num != 0)
	case TypeInt, TypeDouble:
		*(*uint64)(val) = v.num
	case TypeStringArray:
		items := v.slice.([]string)
		ptrs := unsafe.Slice((**C.char)(a.alloc(len(items)*8+8, 8)), len(items))
		for i, it := range items {
			if ptrs[i], err = a.text(key, it); err != nil {
				return err
			}
		}
		setArray(val, unsafe.Pointer(unsafe.SliceData(ptrs)), len(items))
	case TypeBoolArray:
		items := v.slice.([]bool)
		out := unsafe.Slice((*C.bool)(a.alloc(len(items)+1, 8)), len(items))
		for i, it := range items {
			out[i] = C.bool(it)
		}
		setArray(val, unsafe.Pointer(unsafe.SliceData(out)), len(items))
	case TypeIntArray:
		items := v.slice.([]int64)
		out := unsafe.Slice((*int64)(a.alloc(len(items)*8+8, 8)), len(items))
		copy(out, items)
		setArray(val, unsafe.Pointer(unsafe.SliceData(out)), len(items))
	case TypeDoubleArray:
		items := v.slice.([]float64)
		out := unsafe.Slice((*float64)(a.alloc(len(items)*8+8, 8)), len(items))
		copy(out, items)
		setArray(val, unsafe.Pointer(unsafe.SliceData(out)), len(items))
	default:
		return errorf(CodeInvalidArgument, "attribute `"+key+"` has no value")
	}
	dst.key = k
	dst._type = C.otlp_attribute_type_t(v.typ)
	return nil
}

func setArray(val unsafe.Pointer, items unsafe.Pointer, n int) {
	arr := (*C.otlp_array_t)(val)
	arr.items = items
	arr.len = C.size_t(n)
}

// attrs copies a list of attributes into a C array in the arena.
func (a *arena) attrs(list []Attribute) (*C.otlp_attribute_t, C.size_t, error) {
	if len(list) == 0 {
		return nil, 0, nil
	}
	arr := unsafe.Slice((*C.otlp_attribute_t)(a.alloc(len(list)*C.sizeof_otlp_attribute_t, 8)), len(list))
	for i := range list {
		if err := a.put(&arr[i], list[i].Key, list[i].Value); err != nil {
			return nil, 0, err
		}
	}
	return &arr[0], C.size_t(len(list)), nil
}

func typeName(v interface{}) string { return fmt.Sprintf("%T", v) }
