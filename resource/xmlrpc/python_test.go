package xmlrpc_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/xmlrpc"
)

// python returns a python3 that can import module, skipping the test (or
// failing it in CI) when there is none: the python3 on PATH first, then
// Debian's, which is where python3-twisted installs.
func python(t testing.TB, module, debianPackage string) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	msg := "no python3 with " + module + ": apt-get install -y " + debianPackage
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runPython runs a script of testdata with args, failing the test with
// its output if it fails.
func runPython(t *testing.T, py, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, append([]string{"testdata/" + script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

// pythonRoot serves the Example at /RPC2 and the same with AllowNone at
// /none.
func pythonRoot() resource.Resource {
	root := resource.New()
	root.PutChild("RPC2", newExample())
	root.PutChild("none", newExample(func(x *xmlrpc.Resource) { x.AllowNone = true }))
	return root
}

// TestPythonClient calls every type, fault and introspection procedure
// with Python's standard xmlrpc.client (testdata/python_client.py).
func TestPythonClient(t *testing.T) {
	py := python(t, "xmlrpc.client", "python3")
	srv, _ := serve(t, pythonRoot())
	out := runPython(t, py, "python_client.py", srv.URL+"/RPC2", srv.URL+"/none")
	t.Log(strings.TrimSpace(out))
}

// TestTwistedProxy calls the server with Twisted's own client,
// twisted.web.xmlrpc.Proxy (testdata/twisted_client.py).
func TestTwistedProxy(t *testing.T) {
	py := python(t, "twisted.web.xmlrpc", "python3-twisted")
	srv, _ := serve(t, pythonRoot())
	out := runPython(t, py, "twisted_client.py", srv.URL+"/RPC2", srv.URL+"/none")
	t.Log(strings.TrimSpace(out))
}
