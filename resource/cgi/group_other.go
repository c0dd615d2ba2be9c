//go:build !unix

package cgi

import (
	"os"
	"os/exec"
)

// setGroup does nothing: process groups are a Unix notion.
func setGroup(*exec.Cmd) {}

// killGroup kills the process pid alone.
func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	if err := p.Kill(); err != nil && err != os.ErrProcessDone {
		return err
	}
	return nil
}
