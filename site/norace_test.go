//go:build !race

package site_test

// raceEnabled says the tests run under the race detector.
const raceEnabled = false
