// Package example holds the design document's Go usage (section 8), run as a package example
// by example_test.go against a receiver on http://localhost:4318, the endpoint it names.
package example
