module github.com/gotwisted/web

go 1.25

require (
	github.com/coder/websocket v1.8.15
	github.com/google/uuid v1.6.0
	github.com/julienschmidt/httprouter v1.3.0
	go.uber.org/goleak v1.3.0
)
