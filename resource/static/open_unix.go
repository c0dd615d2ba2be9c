//go:build unix

package static

import (
	"os"
	"syscall"
)

// openFlags open files without blocking: a FIFO in the served directory
// cannot hold a request at open (it is then refused as not a regular
// file), and os skips the two fcntl calls it makes to switch a descriptor
// into non-blocking mode and back. Regular files ignore the flag.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
