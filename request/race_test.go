//go:build race

package request_test

// raceEnabled says the tests run under the race detector.
const raceEnabled = true
