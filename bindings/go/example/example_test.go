package example_test

import (
	otlp "otlp-ffi/otlp"
)

// The design document's Example(), as written there: its span arrives at localhost:4318
// (TestMain checks it field by field).
func Example() {
	provider, err := otlp.NewTracerProvider("http://localhost:4318", "go-app")
	if err != nil {
		panic(err)
	}
	defer provider.Free()

	tracer, err := provider.GetTracer()
	if err != nil {
		panic(err)
	}

	span, err := tracer.StartSpan("my_operation")
	if err != nil {
		panic(err)
	}

	span.SetAttribute("user.id", 12345)
	span.SetAttribute("action", "purchase")

	// 业务逻辑...

	span.End()
	// Output:
}
