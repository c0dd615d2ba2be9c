//go:build unix

package cgi

import (
	"errors"
	"os/exec"
	"syscall"
)

// setGroup makes the command the leader of a new process group, so that
// the script and every process it starts can be killed together.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills every process of the group that pid leads. A group with
// no process left is no error.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
