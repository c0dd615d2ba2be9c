//go:build !unix

package static

import "os"

// openFlags open files for reading.
const openFlags = os.O_RDONLY
