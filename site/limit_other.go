//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package site

// openFileLimit returns 0: the process's limit on open files is unknown here.
func openFileLimit() int { return 0 }
