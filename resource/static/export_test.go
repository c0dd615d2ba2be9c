package static

import "os"

// SetOpen replaces how the Files of f's tree open files, so that tests can
// inject errors (such as a permission error, which root does not get).
func SetOpen(f *File, open func(name string) (*os.File, error)) { f.t.open = open }

// OpenInRoot opens name through the os.Root of f's tree.
func OpenInRoot(f *File, name string) (*os.File, error) { return f.t.root.Open(name) }

// StatInRoot stats name through the os.Root of f's tree.
func StatInRoot(f *File, name string) (os.FileInfo, error) { return f.t.root.Stat(name) }

// FileName returns the path of f relative to the served directory.
func FileName(f *File) string { return f.name }

var (
	ChildPath  = childPath
	CleanRange = cleanRange
)
