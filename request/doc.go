// Package request holds [Request], one HTTP exchange as a resource sees it.
//
// A Request wraps the [http.ResponseWriter] and [*http.Request] of one exchange
// and offers Twisted Web's request verbs in Go spelling: [Request.Prepath] and
// [Request.Postpath], [Request.Args], [Request.Content], [Request.Header] and
// [Request.SetHeader], [Request.SetResponseCode], [Request.Redirect],
// [Request.Write], [Request.Finish], [Request.NotifyFinish] and
// [Request.GetSession].
//
// The rest of Twisted's request is here too, for code being ported: the
// connection's ends ([Request.RemoteAddr], [Request.LocalAddr]), the Basic
// credentials ([Request.BasicAuth]), [Request.Proto], [Request.AllHeaders],
// and URLs: [Request.PrePathURL], [Request.ChildLink],
// [Request.SiblingLink], [Request.RememberRootURL] and
// [Request.AppRootURL], and [Request.URLPath], whose [URLPath] finds the
// URLs around it as Twisted's twisted.python.urlpath does.
//
// # Lifetime
//
// A resource that returns a body from its render method has finished the
// response. One that returns resource.NotDoneYet owns the response until it
// calls [Request.Finish] (or [Request.FinishWith]); meanwhile the server's
// handler waits, so the ResponseWriter is never used after its handler
// returns. If the client goes away, or the Site closes, the response is
// abandoned: later writes return an error and do nothing else, and the
// channels returned by NotifyFinish report the reason.
//
// A Request whose connection was hijacked through [Request.ResponseWriter]
// (a WebSocket's) is not waited for: the server's handler returns, and the
// Request, which no longer uses the ResponseWriter, stays pending until the
// connection's owner calls Finish or Abort, or the server closes
// ([Config.Context]); see [Request.Hijacked].
//
// # Bodies
//
// The body is read on first use, by [Request.Content] (in memory),
// [Request.ContentReader] (a stream that seeks, kept in a temporary file
// beyond [Config.SpoolThreshold]), [Request.Args] or [Request.Files] (a
// form's values and files), all under the limits of the [Config]: its size,
// its form's fields, parts and memory, and how long the client may send
// nothing. Each refusal is a [*StatusError] whose Code the client gets.
//
// # Concurrency
//
// Go serves requests concurrently. Every method of Request may be called from
// any goroutine; a response is written by one goroutine at a time.
//
// # Time
//
// A Request reads the clock at most once, the first time [Request.Now] is
// needed (for sessions or the access log), so a request that needs no time
// pays nothing for it.
package request
