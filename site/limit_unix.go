//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package site

import "syscall"

// openFileLimit returns the process's limit on open files, or 0 if unknown.
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<31 {
		return 0
	}
	return int(rl.Cur)
}
