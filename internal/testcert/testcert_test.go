package testcert_test

import (
	"crypto/tls"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/gotwisted/web/internal/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	cert := testcert.Write(t, certFile, keyFile, 7)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if cert.SerialNumber.Int64() != 7 || pair.Leaf.SerialNumber.Int64() != 7 {
		t.Errorf("serials %v %v", cert.SerialNumber, pair.Leaf.SerialNumber)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
}
