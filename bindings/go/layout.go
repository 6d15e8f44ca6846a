package otlp

/*
#include "ogo.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// abiFacts is what the layout test compares: the C compiler's sizes and offsets, cgo's view
// of the same types (the one this package writes through), and the C enum values next to the
// Go constants.
type abiFacts struct {
	C, Go   map[string]uintptr
	CEnums  map[string]int64
	GoEnums map[string]int64
}

func abi() abiFacts {
	l := C.ogo_layout_of()
	var a C.otlp_attribute_t
	var arr C.otlp_array_t
	var f C.otlp_finished_span_t
	f2 := abiFacts{
		C: map[string]uintptr{
			"attribute": uintptr(l.attribute_size), "attribute.key": uintptr(l.attribute_key),
			"attribute.type": uintptr(l.attribute_type), "attribute.value": uintptr(l.attribute_value),
			"value": uintptr(l.value_size), "array": uintptr(l.array_size), "array.items": uintptr(l.array_items),
			"array.len": uintptr(l.array_len), "link": uintptr(l.link_size), "options": uintptr(l.options_size),
			"finished": uintptr(l.finished_size), "stats": uintptr(l.stats_size),
			"finished.start_time": uintptr(l.finished_start_time), "finished.end_time": uintptr(l.finished_end_time),
			"finished.attributes": uintptr(l.finished_attributes), "finished.attribute_count": uintptr(l.finished_attribute_count),
			"bool": uintptr(l.bool_size),
		},
		Go: map[string]uintptr{
			"attribute": unsafe.Sizeof(a), "attribute.key": unsafe.Offsetof(a.key),
			"attribute.type": unsafe.Offsetof(a._type), "attribute.value": unsafe.Offsetof(a.value),
			"value": unsafe.Sizeof(a.value), "array": unsafe.Sizeof(arr), "array.items": unsafe.Offsetof(arr.items),
			"array.len": unsafe.Offsetof(arr.len), "link": unsafe.Sizeof(C.otlp_link_t{}),
			"options": unsafe.Sizeof(C.otlp_span_options_t{}), "finished": unsafe.Sizeof(f),
			"stats": unsafe.Sizeof(C.otlp_stats_t{}), "finished.start_time": unsafe.Offsetof(f.start_time_unix_nano),
			"finished.end_time": unsafe.Offsetof(f.end_time_unix_nano), "finished.attributes": unsafe.Offsetof(f.attributes),
			"finished.attribute_count": unsafe.Offsetof(f.attribute_count), "bool": unsafe.Sizeof(C.bool(false)),
		},
		CEnums: map[string]int64{
			"OTLP_OK": C.OTLP_OK, "OTLP_ERROR_INVALID_ARGUMENT": C.OTLP_ERROR_INVALID_ARGUMENT,
			"OTLP_ERROR_NULL_POINTER": C.OTLP_ERROR_NULL_POINTER, "OTLP_ERROR_INITIALIZATION_FAILED": C.OTLP_ERROR_INITIALIZATION_FAILED,
			"OTLP_ERROR_EXPORT_FAILED": C.OTLP_ERROR_EXPORT_FAILED, "OTLP_ERROR_OUT_OF_MEMORY": C.OTLP_ERROR_OUT_OF_MEMORY,
			"OTLP_ERROR_INVALID_HANDLE": C.OTLP_ERROR_INVALID_HANDLE, "OTLP_ERROR_TIMEOUT": C.OTLP_ERROR_TIMEOUT,
			"OTLP_ERROR_INTERNAL":     C.OTLP_ERROR_INTERNAL,
			"OTLP_SPAN_KIND_INTERNAL": C.OTLP_SPAN_KIND_INTERNAL, "OTLP_SPAN_KIND_SERVER": C.OTLP_SPAN_KIND_SERVER,
			"OTLP_SPAN_KIND_CLIENT": C.OTLP_SPAN_KIND_CLIENT, "OTLP_SPAN_KIND_PRODUCER": C.OTLP_SPAN_KIND_PRODUCER,
			"OTLP_SPAN_KIND_CONSUMER": C.OTLP_SPAN_KIND_CONSUMER,
			"OTLP_STATUS_UNSET":       C.OTLP_STATUS_UNSET, "OTLP_STATUS_OK": C.OTLP_STATUS_OK, "OTLP_STATUS_ERROR": C.OTLP_STATUS_ERROR,
			"OTLP_ATTRIBUTE_STRING": C.OTLP_ATTRIBUTE_STRING, "OTLP_ATTRIBUTE_BOOL": C.OTLP_ATTRIBUTE_BOOL,
			"OTLP_ATTRIBUTE_INT": C.OTLP_ATTRIBUTE_INT, "OTLP_ATTRIBUTE_DOUBLE": C.OTLP_ATTRIBUTE_DOUBLE,
			"OTLP_ATTRIBUTE_STRING_ARRAY": C.OTLP_ATTRIBUTE_STRING_ARRAY, "OTLP_ATTRIBUTE_BOOL_ARRAY": C.OTLP_ATTRIBUTE_BOOL_ARRAY,
			"OTLP_ATTRIBUTE_INT_ARRAY": C.OTLP_ATTRIBUTE_INT_ARRAY, "OTLP_ATTRIBUTE_DOUBLE_ARRAY": C.OTLP_ATTRIBUTE_DOUBLE_ARRAY,
		},
		GoEnums: map[string]int64{
			"OTLP_OK": int64(CodeOK), "OTLP_ERROR_INVALID_ARGUMENT": int64(CodeInvalidArgument),
			"OTLP_ERROR_NULL_POINTER": int64(CodeNullPointer), "OTLP_ERROR_INITIALIZATION_FAILED": int64(CodeInitializationFailed),
			"OTLP_ERROR_EXPORT_FAILED": int64(CodeExportFailed), "OTLP_ERROR_OUT_OF_MEMORY": int64(CodeOutOfMemory),
			"OTLP_ERROR_INVALID_HANDLE": int64(CodeInvalidHandle), "OTLP_ERROR_TIMEOUT": int64(CodeTimeout),
			"OTLP_ERROR_INTERNAL":     int64(CodeInternal),
			"OTLP_SPAN_KIND_INTERNAL": int64(KindInternal), "OTLP_SPAN_KIND_SERVER": int64(KindServer),
			"OTLP_SPAN_KIND_CLIENT": int64(KindClient), "OTLP_SPAN_KIND_PRODUCER": int64(KindProducer),
			"OTLP_SPAN_KIND_CONSUMER": int64(KindConsumer),
			"OTLP_STATUS_UNSET":       int64(StatusUnset), "OTLP_STATUS_OK": int64(StatusOK), "OTLP_STATUS_ERROR": int64(StatusError),
			"OTLP_ATTRIBUTE_STRING": int64(TypeString), "OTLP_ATTRIBUTE_BOOL": int64(TypeBool),
			"OTLP_ATTRIBUTE_INT": int64(TypeInt), "OTLP_ATTRIBUTE_DOUBLE": int64(TypeDouble),
			"OTLP_ATTRIBUTE_STRING_ARRAY": int64(TypeStringArray), "OTLP_ATTRIBUTE_BOOL_ARRAY": int64(TypeBoolArray),
			"OTLP_ATTRIBUTE_INT_ARRAY": int64(TypeIntArray), "OTLP_ATTRIBUTE_DOUBLE_ARRAY": int64(TypeDoubleArray),
		},
	}
	return f2
}

// noopCall is one empty cgo crossing (the benchmark's reference).
func noopCall() int32 { return int32(C.ogo_noop()) }

// lastErrorLocked is the other way to read the thread-local message: lock the goroutine to
// its OS thread around the call and a second call that reads the message. Only the benchmark
// uses it, to measure what the in-call read saves.
func lastErrorLocked(p *TracerProvider) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := (*C.otlp_stats_t)(C.malloc(C.sizeof_otlp_stats_t))
	defer C.free(unsafe.Pointer(st))
	rc := C.otlp_tracer_provider_get_stats(p.h, st)
	if rc != C.OTLP_OK {
		return newError(Code(rc), C.GoString(C.otlp_get_last_error()))
	}
	return nil
}

// statsInCall is the same call through the generated wrapper (message read inside the call).
func statsInCall(p *TracerProvider) error {
	st := (*C.otlp_stats_t)(C.malloc(C.sizeof_otlp_stats_t))
	defer C.free(unsafe.Pointer(st))
	return check(C.ogo_tracer_provider_get_stats(p.h, st))
}
