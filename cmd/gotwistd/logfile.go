package main

import (
	"os"
	"sync"
)

// logFile is the access log: a file opened for appending that Reopen
// opens again by name, so that after logrotate has renamed it the next
// lines go to a fresh file of the old name. Each Write is one line, and
// lands whole in one file or the other.
type logFile struct {
	name string

	mu sync.Mutex // guards f
	f  *os.File
}

func openLog(name string) (*logFile, error) {
	l := &logFile{name: name}
	if err := l.Reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Reopen opens the file by its name again and closes the old one; if the
// name cannot be opened, the old file stays in use.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

// Close closes the file.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
