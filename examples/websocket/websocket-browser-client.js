// Shows one event on the page, as text (never as markup).
function recordEvent(kind, what) {
  const line = document.createElement("div");
  line.textContent = kind + ": «" + what + "»";
  document.getElementById("console").append(line);
}

// Connects to the server beside this page, sends one message once the
// connection is open, and shows everything that happens.
function doConnect() {
  const url = new URL("websocket-server", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  socket.onopen = (event) => {
    socket.send("hello world");
    recordEvent("socket opened", JSON.stringify(event));
  };
  socket.onmessage = (event) => recordEvent("message received", event.data);
  socket.onerror = (event) => recordEvent("error", JSON.stringify(event));
  socket.onclose = (event) => recordEvent("close", event.code + " " + event.reason);
}
