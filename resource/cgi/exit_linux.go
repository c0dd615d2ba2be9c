package cgi

import (
	"syscall"
	"unsafe"
)

// awaitExit waits until the process pid, a child of ours, has exited, and
// leaves it unreaped (waitid with WNOWAIT), so that its id, which is also
// its process group's, cannot be given to another process meanwhile. It
// reports whether it could; if not, the caller learns of the exit by
// reaping.
func awaitExit(pid int) bool {
	const pPID = 1     // P_PID: wait for the process whose id is given
	var info [128]byte // a siginfo_t, which is not read
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info)), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch errno {
		case 0:
			return true
		case syscall.EINTR:
			continue
		}
		return false
	}
}
