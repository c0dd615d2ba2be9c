//go:build !linux

package websocket_test

import "time"

// processCPU returns 0: the benchmarks report CPU time on Linux only.
func processCPU() time.Duration { return 0 }
