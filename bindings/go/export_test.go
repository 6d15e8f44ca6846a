package otlp

// Test-only access to the package's internals (compiled only by go test).
var (
	ABI             = abi
	NoopCall        = noopCall
	LastErrorLocked = lastErrorLocked
	StatsInCall     = statsInCall
)
