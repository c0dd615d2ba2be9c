package guard

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Checker checks a username and password (Twisted's credentials checker).
// It must be safe for concurrent use.
type Checker interface {
	// CheckPassword reports whether password is user's password. An error
	// means the check could not be made (the failure page), not that the
	// password is wrong.
	CheckPassword(user, password string) (bool, error)
}

// PasswordSource is a Checker that knows its users' passwords, which the
// Digest scheme needs to verify a response.
type PasswordSource interface {
	Checker
	// Password returns user's password; ok is false for an unknown user.
	Password(user string) (password string, ok bool, err error)
}

// Passwords is an in-memory Checker and PasswordSource: a map from username
// to password (Twisted's InMemoryUsernamePasswordDatabaseDontUse). Do not
// change it while serving. Comparisons take the same time whether the user
// exists or not, and whatever the passwords' lengths.
type Passwords map[string]string

var _ PasswordSource = Passwords(nil)

// CheckPassword reports whether password is user's password.
func (p Passwords) CheckPassword(user, password string) (bool, error) {
	want, ok := p[user]
	return equal(want, password) && ok, nil
}

// Password returns user's password.
func (p Passwords) Password(user string) (string, bool, error) {
	pw, ok := p[user]
	return pw, ok, nil
}

// equal compares a and b in constant time: it compares their SHA-256
// digests, which hides their lengths too.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// ParsePasswords reads a password file in the format of Twisted's
// FilePasswordDB: one "user:password" per line, where the password is the
// second ":"-separated field (so it cannot contain ":"); trailing
// whitespace is dropped, blank lines, lines starting with "#" and lines
// with fewer than two fields are skipped, and the first line for a user
// wins.
func ParsePasswords(rd io.Reader) (Passwords, error) {
	p := make(Passwords)
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := bytes.TrimRight(sc.Bytes(), " \t\r\n\v\f")
		if len(line) == 0 || bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte("#")) {
			continue
		}
		fields := bytes.Split(line, []byte(":"))
		if len(fields) < 2 {
			continue
		}
		user := string(fields[0])
		if _, dup := p[user]; !dup {
			p[user] = string(fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("guard: reading passwords: %w", err)
	}
	return p, nil
}

// PasswordFile is a Checker and PasswordSource over a password file in the
// format ParsePasswords reads (Twisted's FilePasswordDB). The file is read
// at the first check, and read again when its size or modification time
// changes, so that edits take effect without a restart. Make one with
// NewPasswordFile. It is safe for concurrent use.
type PasswordFile struct {
	path string

	mu      sync.Mutex // guards the fields below
	users   Passwords
	size    int64
	modTime time.Time
}

var _ PasswordSource = (*PasswordFile)(nil)

// NewPasswordFile returns a checker of the password file at path. The file
// need not exist yet; checks fail (with an error) while it does not.
func NewPasswordFile(path string) *PasswordFile { return &PasswordFile{path: path} }

// load returns the users, reading the file again if it changed.
func (f *PasswordFile) load() (Passwords, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("guard: password file: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users != nil && fi.Size() == f.size && fi.ModTime().Equal(f.modTime) {
		return f.users, nil
	}
	file, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("guard: password file: %w", err)
	}
	defer file.Close()
	users, err := ParsePasswords(file)
	if err != nil {
		return nil, err
	}
	f.users, f.size, f.modTime = users, fi.Size(), fi.ModTime()
	return users, nil
}

// CheckPassword reports whether password is user's password in the file.
func (f *PasswordFile) CheckPassword(user, password string) (bool, error) {
	users, err := f.load()
	if err != nil {
		return false, err
	}
	return users.CheckPassword(user, password)
}

// Password returns user's password in the file.
func (f *PasswordFile) Password(user string) (string, bool, error) {
	users, err := f.load()
	if err != nil {
		return "", false, err
	}
	return users.Password(user)
}
