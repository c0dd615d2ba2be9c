package xmlrpc_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gotwisted/web/internal/testutil"
	"github.com/gotwisted/web/resource"
	"github.com/gotwisted/web/resource/xmlrpc"
)

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
	py := testutil.Python(t, "xmlrpc.client", "python3")
	srv, _ := serve(t, pythonRoot())
	out := runPython(t, py, "python_client.py", srv.URL+"/RPC2", srv.URL+"/none")
	t.Log(strings.TrimSpace(out))
}

// TestTwistedProxy calls the server with Twisted's own client,
// twisted.web.xmlrpc.Proxy (testdata/twisted_client.py).
func TestTwistedProxy(t *testing.T) {
	py := testutil.Python(t, "twisted.web.xmlrpc", "python3-twisted")
	srv, _ := serve(t, pythonRoot())
	out := runPython(t, py, "twisted_client.py", srv.URL+"/RPC2", srv.URL+"/none")
	t.Log(strings.TrimSpace(out))
}
