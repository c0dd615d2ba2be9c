// Command access-logging serves a directory (-path) at / and writes a line
// per request to an access log (-log), with the client address taken from
// the X-Forwarded-For header that a proxy in front of the server sets.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/gotwisted/web/resource/static"
	"github.com/gotwisted/web/site"
)

func main() {
	addr := flag.String("addr", ":8888", "address to listen on")
	path := flag.String("path", os.TempDir(), "directory to serve")
	logPath := flag.String("log", filepath.Join(os.TempDir(), "access-logging-demo.log"), "access log file")
	flag.Parse()
	files, err := static.NewFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	logFile, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	defer logFile.Close()
	s := site.New(files)
	s.AccessLog = logFile
	s.LogFormatter = site.ProxiedLogFormat
	if err := s.Run(site.TCP(*addr)); err != nil {
		log.Fatal(err)
	}
}
