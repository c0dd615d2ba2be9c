package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// checkPidfile refuses a pid file that names a running process, as
// twistd does: a second server would take the file over and remove it
// when it exits, leaving the first one without. A file whose process is
// gone is left to be overwritten; one that holds no process id is refused
// rather than overwritten, since it may not be a pid file at all.
func checkPidfile(name string) error {
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--pidfile: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("pid file %s holds no process id (%q): remove it or name another with --pidfile", name, b)
	}
	if pid == os.Getpid() {
		return nil // our own pid, left by a container's earlier run
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return nil // Windows: no such process
	}
	defer proc.Release()
	switch err := proc.Signal(syscall.Signal(0)); {
	case errors.Is(err, os.ErrProcessDone):
		return nil
	case err == nil || errors.Is(err, syscall.EPERM):
		return fmt.Errorf("another server is running, pid %d, according to the pid file %s: stop it, or name another pid file with --pidfile", pid, name)
	default:
		return fmt.Errorf("pid file %s: cannot check process %d: %w", name, pid, err)
	}
}
